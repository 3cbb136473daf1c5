// What each callee does to a dma_iova_state, read from the model's contracts (categories and
// parameter roles), plus the few kernel wrappers built on the API (blk-mq, HMM) whose behaviour a
// caller relies on, and names that take a pointer without touching the mapping.
import { FUNCTION_CONTRACTS, contractFor, paramIndexes, type FunctionContract } from '../../model/index.js';

export type ApiRole = 'alloc' | 'link' | 'sync' | 'unlink' | 'destroy' | 'free' | 'use-query' | 'size-query' | 'map' | 'unmap';

export interface ApiCall {
  role: ApiRole;
  name: string;
  /** Argument indexes by parameter role (-1 when the function has none). */
  state: number;
  offset: number;
  size: number;
  dir: number;
  attrs: number;
  addr: number;
  dev: number;
}

const first = (fn: string, role: Parameters<typeof paramIndexes>[1]): number => paramIndexes(fn, role)[0] ?? -1;

function roleOf(c: FunctionContract): ApiRole | undefined {
  if (c.layer !== 'dma-api') return undefined;
  const has = (cat: FunctionContract['categories'][number]): boolean => c.categories.includes(cat);
  const stateful = c.params.some((p) => p.role === 'state');
  if (stateful) {
    if (has('allocates-iova')) return 'alloc';
    if (has('links')) return 'link';
    if (has('syncs')) return 'sync';
    if (has('unlinks') && has('frees-iova')) return 'destroy';
    if (has('unlinks')) return 'unlink';
    if (has('frees-iova')) return 'free';
    if (has('query')) return c.returns.cType === 'bool' ? 'use-query' : 'size-query';
    return undefined;
  }
  if (has('maps')) return 'map';
  if (has('unmaps')) return 'unmap';
  return undefined;
}

const API = new Map<string, ApiCall>();
for (const c of FUNCTION_CONTRACTS) {
  const role = roleOf(c);
  if (!role) continue;
  API.set(c.name, {
    role,
    name: c.name,
    state: first(c.name, 'state'),
    offset: first(c.name, 'offset'),
    size: first(c.name, 'size'),
    dir: first(c.name, 'dir'),
    attrs: first(c.name, 'attrs'),
    addr: first(c.name, 'dma-addr'),
    dev: first(c.name, 'device'),
  });
}
// the *_attrs unmap variants and dma_unmap_sgtable take an address-like first data argument too
for (const name of ['dma_unmap_sg_attrs', 'dma_unmap_sgtable']) {
  if (!API.has(name)) API.set(name, { role: 'unmap', name, state: -1, offset: -1, size: -1, dir: -1, attrs: -1, addr: 1, dev: 0 });
}

/** The API role of a callee, from the contracts. */
export function apiCall(name: string): ApiCall | undefined {
  return API.get(name);
}

/** The calls that give a path an IOVA state to follow: the API's stateful calls and the wrappers. */
export function stateCallNames(): string[] {
  return [...[...API.values()].filter((a) => a.state >= 0).map((a) => a.name), ...WRAPPERS.map((w) => w.name)];
}

/** Every API function of a role. */
export function apiNames(role: ApiRole): string[] {
  return [...API.values()].filter((a) => a.role === role).map((a) => a.name);
}

/** The C test that detects the failure of `name` (contract), e.g. "!RET", "RET < 0". */
export function failureTest(name: string): string | undefined {
  return contractFor(name)?.failure?.test;
}

/**
 * Kernel helpers built on the API that callers use instead of it (reference/callers.md §1–§3):
 * what they do to the state they are given. `statePath` locates the state from an argument
 * (`->state` of argument 1 for hmm_dma_map_alloc(dev, map, ...)).
 */
export interface Wrapper {
  name: string;
  kind: 'acquire' | 'release';
  /** Index of the argument the state is reached from, and the path from it. */
  stateArg: number;
  statePath: string;
  /** How success is returned: a true bool, or 0 from an int. */
  success: 'true' | 'zero';
  /** For an acquire: the mapping may be the IOVA path or the dma_map_* fallback. */
  eitherPath?: boolean;
  /** For an acquire: what undoes it. */
  releasedBy?: string;
}

const WRAPPERS: readonly Wrapper[] = [
  { name: 'blk_rq_dma_map_iter_start', kind: 'acquire', stateArg: 2, statePath: '', success: 'true', eitherPath: true, releasedBy: 'blk_rq_dma_unmap' },
  { name: 'blk_rq_integrity_dma_map_iter_start', kind: 'acquire', stateArg: 2, statePath: '', success: 'true', eitherPath: true, releasedBy: 'blk_rq_integrity_dma_unmap' },
  { name: 'hmm_dma_map_alloc', kind: 'acquire', stateArg: 1, statePath: '->state', success: 'zero', eitherPath: true, releasedBy: 'hmm_dma_map_free' },
  { name: 'blk_rq_dma_unmap', kind: 'release', stateArg: 2, statePath: '', success: 'true' },
  { name: 'blk_rq_integrity_dma_unmap', kind: 'release', stateArg: 2, statePath: '', success: 'true' },
  { name: 'hmm_dma_map_free', kind: 'release', stateArg: 1, statePath: '->state', success: 'zero' },
];

export function wrapper(name: string): Wrapper | undefined {
  return WRAPPERS.find((w) => w.name === name);
}

/** Allocators whose failure an error path handles (for the simulator's failing list). */
export const ALLOCATORS: ReadonlySet<string> = new Set([
  'kmalloc', 'kzalloc', 'kcalloc', 'kmalloc_array', 'kvmalloc', 'kvzalloc', 'kvcalloc', 'kvmalloc_array',
  'devm_kzalloc', 'devm_kmalloc', 'devm_kcalloc', 'mempool_alloc', 'dma_pool_alloc', 'dma_pool_zalloc',
  'kmem_cache_alloc', 'kmem_cache_zalloc', 'vmalloc', 'vzalloc', 'alloc_page', 'alloc_pages',
]);

/** Allocators that return zeroed memory: a state in it starts cleared. */
export const ZEROING_ALLOCATORS: ReadonlySet<string> = new Set([
  'kzalloc', 'kcalloc', 'kvzalloc', 'kvcalloc', 'devm_kzalloc', 'devm_kcalloc', 'kmem_cache_zalloc', 'vzalloc', 'dma_pool_zalloc',
]);

/**
 * Calls that take a pointer to (or the owner of) a state without releasing or remapping it:
 * logging, accessors, locking, byte order, memory helpers. Any other unknown call that receives
 * the state (or its owner) after it was mapped may release it: the mapping is then no longer
 * this function's to account for.
 */
const INERT = /^(dev_(err|warn|info|dbg|notice|crit|alert|emerg)(_ratelimited|_once)?|pr_\w+|printk\w*|WARN\w*|BUG\w*|trace_\w+|lockdep_\w+|might_sleep|blk_mq_rq_to_pdu|blk_rq_nr_phys_segments|blk_rq_payload_bytes|blk_rq_bytes|rq_dma_dir|req_op|rq_data_dir|blk_integrity_rq|dma_need_unmap|dma_get_merge_boundary|dma_iova_size|memcpy|kfree|kvfree|min|max|min_t|max_t|clamp\w*|ALIGN\w*|IS_ALIGNED|page_to_phys|virt_to_phys|bvec_phys|phys_to_page|hmm_pfn_to_phys|page_size|folio_size|le\d+_to_cpu|cpu_to_le\d+|cpu_to_be\d+|be\d+_to_cpu|spin_(un)?lock\w*|mutex_(un)?lock\w*|rcu_read_\w+|atomic_\w+|refcount_\w+|list_\w+|test_bit|set_bit|clear_bit|container_of|offsetof|sizeof|array_size|size_mul|size_add|check_\w+_overflow|errno_to_blk_status|IS_ERR\w*|PTR_ERR|ERR_PTR|ERR_CAST|unlikely|likely)$/;

/** Names of pure computations (`calc_sg_nents`, `foo_count_segments`): they only read. */
const COMPUTES = /(^|_)(calc|calculate|count|nents|estimate|num|nr)(_|$)/;

export function isInert(name: string): boolean {
  return INERT.test(name) || COMPUTES.test(name);
}

/** A call that may be a fallback mapping (dma_map_*, or a helper named like one). */
const mappingNames = new Map<string, boolean>();

export function looksLikeMapping(name: string): boolean {
  let v = mappingNames.get(name);
  if (v === undefined) {
    v = looksLikeMappingUncached(name);
    if (mappingNames.size < 50_000) mappingNames.set(name, v);
  }
  return v;
}

function looksLikeMappingUncached(name: string): boolean {
  const api = apiCall(name);
  if (api) return api.role === 'map';
  if (/(^|_)(can|is|need|needs|should|has|use|uses|may|must)_/.test(name) || /^dma_iova_/.test(name)) return false;
  const parts = name.toLowerCase().split('_').filter(Boolean);
  const at = parts.findIndex((p) => p === 'map' || p === 'remap' || (p.endsWith('map') && p !== 'unmap' && p !== 'bitmap'));
  if (at < 0) return false;
  // pci_p2pdma_map_type(), foo_map_state(): a query about a mapping, not one
  return !/^(type|state|kind|flags|error|size|len|count|nents|mode|ops|lock|unlock|find|lookup|get|put)$/.test(parts[parts.length - 1] ?? '');
}

/**
 * The names a lifecycle event starts from (analysis.ts follows a function only when they occur):
 * the API's calls, the kernel wrappers, the iterator and state types; `*` ends a prefix. A
 * function naming none of them, nor calling a function of the change that does, has no lifecycle.
 */
export const LIFECYCLE_WORDS: readonly string[] = [
  ...API.keys(),
  ...WRAPPERS.map((w) => w.name),
  'dma_iova_state',
  'blk_dma_iter',
  'dma_use_iova',
  'dma_iova_*',
  'dma_unmap_*',
];
