// Path-sensitive exploration of a CFG with a client-supplied abstract state: every path from the
// entry is followed with its own state, states at a node are deduplicated by key (so loops stop
// once their state stops changing), and a budget bounds the work. The client says what a node
// does to a state (possibly splitting it, or killing an infeasible path) and sees every state that
// reaches the exit with the node it came from (a return, the end of the body, an abort).
import type { Cfg, CfgNode } from './cfg.js';

export interface PathDomain<S> {
  /** States on entry (usually one). */
  initial(): S[];
  /** Identity of a state for deduplication: equal keys at one node are explored once. */
  key(state: S): string;
  /** The states after `node` ran on `state` ([] kills the path: infeasible). */
  step(node: CfgNode, state: S): S[];
  /** A state reached the function's exit; `from` is the node it came from (return, fall-off, abort). */
  atExit(state: S, from: CfgNode): void;
}

export interface PathSearchOptions {
  /** Maximum (node, state) pairs explored (default 40,000). */
  maxStates?: number;
}

export interface PathSearchResult {
  /** Every feasible path was followed to the exit (no budget hit). */
  complete: boolean;
  /** (node, state) pairs explored. */
  explored: number;
  reason?: string;
}

/** Follow every path of `cfg` with the domain's states; bounded by `maxStates`. */
export function explorePaths<S>(cfg: Cfg, domain: PathDomain<S>, options: PathSearchOptions = {}): PathSearchResult {
  const maxStates = options.maxStates ?? 40_000;
  const seen: Array<Set<string> | undefined> = new Array(cfg.nodes.length);
  const work: Array<{ node: number; state: S }> = [];
  let explored = 0;
  const push = (node: number, state: S, from: CfgNode): void => {
    if (node === cfg.exit) {
      domain.atExit(state, from);
      return;
    }
    const key = domain.key(state);
    let set = seen[node];
    if (!set) set = seen[node] = new Set();
    if (set.has(key)) return;
    set.add(key);
    work.push({ node, state });
  };
  const entry = cfg.nodes[cfg.entry];
  for (const s of domain.initial()) push(cfg.entry, s, entry);
  while (work.length > 0) {
    if (explored >= maxStates) return { complete: false, explored, reason: `more than ${maxStates} path states` };
    const { node, state } = work.pop()!;
    explored++;
    const n = cfg.nodes[node];
    for (const next of domain.step(n, state)) {
      for (const succ of n.succ) push(succ, next, n);
    }
  }
  return { complete: true, explored };
}
