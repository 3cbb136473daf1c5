// Dominators and post-dominators of a CFG (Cooper, Harvey and Kennedy's iterative algorithm over
// reverse post-order), and reachability. A node unreachable from the root has no dominator.
import type { Cfg } from './cfg.js';

export interface DominatorTree {
  /** Immediate dominator of each node id (-1 for the root and for unreachable nodes). */
  idom: Int32Array;
  /** Depth in the tree (-1 when unreachable). */
  depth: Int32Array;
  root: number;
}

/**
 * Dominators (`direction` 'forward', rooted at entry) or post-dominators ('backward', rooted at
 * exit). Nodes that cannot reach the root in that direction (code after an endless loop, for
 * post-dominators) are left without one.
 */
export function dominatorTree(cfg: Cfg, direction: 'forward' | 'backward' = 'forward'): DominatorTree {
  const n = cfg.nodes.length;
  const root = direction === 'forward' ? cfg.entry : cfg.exit;
  const succ = (v: number): number[] => (direction === 'forward' ? cfg.nodes[v].succ : cfg.nodes[v].pred);
  const pred = (v: number): number[] => (direction === 'forward' ? cfg.nodes[v].pred : cfg.nodes[v].succ);

  // iterative DFS post-order
  const order: number[] = [];
  const seen = new Uint8Array(n);
  const stack: Array<[number, number]> = [[root, 0]];
  seen[root] = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const s = succ(top[0]);
    if (top[1] < s.length) {
      const next = s[top[1]++];
      if (!seen[next]) {
        seen[next] = 1;
        stack.push([next, 0]);
      }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }
  const rpoIndex = new Int32Array(n).fill(-1);
  const rpo = order.reverse();
  rpo.forEach((v, i) => (rpoIndex[v] = i));

  const idom = new Int32Array(n).fill(-1);
  idom[root] = root;
  const intersect = (a: number, b: number): number => {
    let x = a;
    let y = b;
    while (x !== y) {
      while (rpoIndex[x] > rpoIndex[y]) x = idom[x];
      while (rpoIndex[y] > rpoIndex[x]) y = idom[y];
    }
    return x;
  };
  let changed = true;
  for (let round = 0; changed && round < n + 2; round++) {
    changed = false;
    for (const v of rpo) {
      if (v === root) continue;
      let newIdom = -1;
      for (const p of pred(v)) {
        if (rpoIndex[p] < 0 || idom[p] < 0) continue;
        newIdom = newIdom < 0 ? p : intersect(p, newIdom);
      }
      if (newIdom >= 0 && idom[v] !== newIdom) {
        idom[v] = newIdom;
        changed = true;
      }
    }
  }
  idom[root] = -1;
  const depth = new Int32Array(n).fill(-1);
  depth[root] = 0;
  for (const v of rpo) {
    if (v !== root && idom[v] >= 0) depth[v] = depth[idom[v]] + 1;
  }
  return { idom, depth, root };
}

/** Does `a` dominate `b` (every path from the root to `b` passes through `a`)? Reflexive. */
export function dominates(tree: DominatorTree, a: number, b: number): boolean {
  if (tree.depth[a] < 0 || tree.depth[b] < 0) return false;
  let x = b;
  while (tree.depth[x] > tree.depth[a]) x = tree.idom[x];
  return x === a;
}

/** Nodes reachable from `from` (following successors), excluding paths through `avoid`. */
export function reachableFrom(cfg: Cfg, from: number, avoid?: ReadonlySet<number>): Uint8Array {
  const seen = new Uint8Array(cfg.nodes.length);
  const work = [from];
  seen[from] = 1;
  while (work.length > 0) {
    const v = work.pop()!;
    for (const s of cfg.nodes[v].succ) {
      if (seen[s] || avoid?.has(s)) continue;
      seen[s] = 1;
      work.push(s);
    }
  }
  return seen;
}
