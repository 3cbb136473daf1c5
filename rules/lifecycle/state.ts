// The abstract state carried along one path: for each dma_iova_state the path touches, where it
// is in its lifecycle (reference/iova-api.md §3 item 9) and which links are live; the value
// classes of locals and fields; the outcomes of tests already taken (so a repeated test follows
// the same arm); the addresses already unmapped. Finite by construction (link records are per
// call site, texts come from the source), so loops reach a fixpoint.
import type { Expr } from '../../c/index.js';
import type { Val } from './values.js';

export type Phase =
  /** Untouched since entry: whatever the caller left (a live mapping or a stale one). */
  | 'entry'
  /** Untouched since entry, and known (dma_use_iova) to hold an IOVA mapping. */
  | 'entry-iova'
  /** Untouched since entry, and known not to. */
  | 'entry-direct'
  /** A local declared without initialiser. */
  | 'uninit'
  /** Zeroed (memset, `= {}`, a failed try_alloc, a zeroing allocator): dma_use_iova() is false. */
  | 'cleared'
  /** IOVA reserved (try_alloc returned true, or an acquiring helper/wrapper took the IOVA path). */
  | 'allocated'
  /** Freed or destroyed; dma_use_iova() still reads true (the state is not cleared). */
  | 'released';

export interface LinkRecord {
  /** Offset of the dma_iova_link call (or of the helper call that linked). */
  site: number;
  line: number;
  offset: string;
  size: string;
  dir: string;
  attrs: string;
  synced: boolean;
  /** This function must unlink it on its error paths (it linked it, or a failed helper left it). */
  owned: boolean;
  /** This function must sync it before reporting success. */
  mustSync: boolean;
  /** Linked by a helper of the change (site is the helper call). */
  viaHelper?: string;
  /** Offset and length read through locals (for comparing extents). */
  offsetExpr?: Expr;
  sizeExpr?: Expr;
  /** The length argument as written, and the variable that sums it (`mapped += len`). */
  sizeWritten?: string;
  sum?: string;
}

export interface ObjState {
  key: string;
  /** The state as the code first wrote it here (`&iod->dma_state`, `state`), for messages. */
  label?: string;
  /** The key as an expression (for substitution across helpers). */
  expr: Expr;
  phase: Phase;
  /** This function reserved it (or took over a reservation): it must release it on error paths. */
  owned: boolean;
  allocSite?: number;
  allocLine?: number;
  /** The wrapper or helper that reserved/mapped it for this function (its undo is the release). */
  acquiredBy?: string;
  /** The size text passed to try_alloc (resolved through locals). */
  allocSize?: string;
  /** The try_alloc that returned false on this path (the state is the fallback's). */
  failedAllocSite?: number;
  /** An acquiring wrapper took the dma_map_* path: a direct mapping is held through the state. */
  holdsDirect?: boolean;
  links: LinkRecord[];
  /** A link failed after earlier ones succeeded: only part of the range is linked. */
  partial?: boolean;
  /** A link of this state failed on this path. */
  linkFailed?: boolean;
  releasedSite?: number;
  releasedLine?: number;
  /** Handed to a function of unknown behaviour after it was mapped. */
  escaped?: boolean;
  /** A dma_iova_sync() of this state succeeded on this path. */
  didSync?: boolean;
  /** What dma_use_iova() said about a state from the caller (kept through later changes). */
  pre?: 'iova' | 'direct';
}

export interface Failure {
  site: number;
  line: number;
  callee: string;
}

export interface PathState {
  objs: Map<string, ObjState>;
  /** Value classes of locals and fields (`ret`, `iter->status`). */
  vals: Map<string, Val>;
  /** Tests taken on this path, by printed text. */
  memo: Map<string, boolean>;
  /** Locals last assigned a named constant (`op = IOAT_OP_XOR`), for `op == IOAT_OP_XOR` tests. */
  consts: Map<string, string>;
  /** Address text → offset of the dma_unmap_* call that unmapped it. */
  unmapped: Map<string, number>;
  /** Results of the calls evaluated in the current node, by call offset. */
  calls: Map<number, Val>;
  /** The outcome of the test of the branch just evaluated. */
  pending?: boolean;
  /** The first API failure (link/sync failed) on this path. */
  failure?: Failure;
  /** A fallback mapping (dma_map_* or a mapping helper) made on this path: its call offset. */
  mappedAt?: number;
  /** Anything done after a failed try_alloc (some fallback may have happened). */
  actedAfterFailedAlloc?: boolean;
  /** Some dma_unmap_*() (or an unmapping helper) ran on this path. */
  didUnmap?: boolean;
  /** Pointers assigned zeroed memory on this path: states reached from them start cleared. */
  zeroed: Set<string>;
  /** The return statement this path leaves by, and the class of its value. */
  exit?: { site: number; value: Val | undefined; node: 'return' | 'end' };
}

export function emptyState(): PathState {
  return { objs: new Map(), vals: new Map(), memo: new Map(), consts: new Map(), unmapped: new Map(), calls: new Map(), zeroed: new Set() };
}

export function cloneState(s: PathState): PathState {
  const objs = new Map<string, ObjState>();
  for (const [k, o] of s.objs) objs.set(k, { ...o, links: o.links.map((l) => ({ ...l })) });
  const out: PathState = {
    objs,
    vals: new Map(s.vals),
    memo: new Map(s.memo),
    consts: new Map(s.consts),
    unmapped: new Map(s.unmapped),
    calls: new Map(s.calls),
    zeroed: new Set(s.zeroed),
  };
  if (s.pending !== undefined) out.pending = s.pending;
  if (s.failure) out.failure = s.failure;
  if (s.mappedAt !== undefined) out.mappedAt = s.mappedAt;
  if (s.actedAfterFailedAlloc) out.actedAfterFailedAlloc = true;
  if (s.didUnmap) out.didUnmap = true;
  if (s.exit) out.exit = s.exit;
  return out;
}

/** Deduplication key: everything that influences what follows (not line numbers). */
export function stateKey(s: PathState): string {
  const objs = [...s.objs.values()]
    .sort((a, b) => (a.key < b.key ? -1 : 1))
    .map((o) =>
      [
        o.key,
        o.phase,
        o.owned ? 1 : 0,
        o.allocSite ?? '',
        o.failedAllocSite ?? '',
        o.holdsDirect ? 1 : 0,
        o.partial ? 1 : 0,
        o.linkFailed ? 1 : 0,
        o.escaped ? 1 : 0,
        o.pre ?? '',
        o.didSync ? 1 : 0,
        o.releasedSite ?? '',
        o.links.map((l) => `${l.site}:${l.synced ? 1 : 0}${l.owned ? 1 : 0}${l.mustSync ? 1 : 0}${l.sum ?? ''}`).join(','),
      ].join('|'),
    );
  const map = (m: Map<string, unknown>): string => [...m.entries()].sort().map(([k, v]) => `${k}=${String(v)}`).join(';');
  return [
    objs.join('#'),
    map(s.vals),
    map(s.memo),
    map(s.consts),
    map(s.unmapped),
    s.pending === undefined ? '' : s.pending ? 'T' : 'F',
    s.failure ? `${s.failure.site}` : '',
    s.mappedAt ?? '',
    s.actedAfterFailedAlloc ? 1 : 0,
    s.didUnmap ? 1 : 0,
    [...s.zeroed].sort().join(','),
  ].join('~');
}
