// What the dma/* mask rules share: which calls take a DMA mask or an allocation limit (read from
// the model's contracts, plus helpers of the same change that pass a parameter on to one), what a
// mask expression is made of (streaming mask, coherent mask, a constant...), and whether a
// function allocates for streaming or for coherent DMA (reference/iova-api.md §1: the IOVA API
// and the map paths use dma_get_mask(dev); iommu_dma_alloc and __iommu_dma_alloc_noncontiguous use
// dev->coherent_dma_mask).
import { analyze, argumentsOf, calleeName, evalConst, fileDefines, identifierPattern, isKnownConst, intTypeOf, wrapToType, subExpressions, toExpr, defineValue, stripCasts, type Expr, type FunctionInfo, type FunctionAnalysis, type ParsedFile, type SyntaxNode } from '../c/index.js';
import { FUNCTION_CONTRACTS, functionsIn, type SimRequest } from '../model/index.js';
import type { ChangeFunction } from './types.js';

/** How a sink uses the mask: sets the device's mask, limits an IOVA allocation (bytes), or (pfn). */
export type MaskSinkKind = 'sets-mask' | 'iova-limit' | 'pfn-limit';

export interface MaskSink {
  callee: string;
  /** 0-based index of the mask (or limit pfn) argument. */
  maskIndex: number;
  /** 0-based index of the device argument, when the callee takes one. */
  deviceIndex?: number;
  kind: MaskSinkKind;
  /** For a helper of the change: the sink it passes its parameter on to. */
  via?: string;
}

function contractSinks(): Map<string, MaskSink> {
  const sinks = new Map<string, MaskSink>();
  for (const c of FUNCTION_CONTRACTS) {
    const deviceIndex = c.params.findIndex((p) => p.role === 'device');
    const device = deviceIndex >= 0 ? { deviceIndex } : {};
    const mask = c.params.findIndex((p) => p.role === 'mask');
    const pfn = c.params.findIndex((p) => p.role === 'limit-pfn');
    if (mask >= 0 && c.categories.includes('sets-mask')) sinks.set(c.name, { callee: c.name, maskIndex: mask, kind: 'sets-mask', ...device });
    else if (mask >= 0 && c.categories.includes('allocates-iova')) sinks.set(c.name, { callee: c.name, maskIndex: mask, kind: 'iova-limit', ...device });
    else if (pfn >= 0 && c.categories.includes('allocates-iova')) sinks.set(c.name, { callee: c.name, maskIndex: pfn, kind: 'pfn-limit', ...device });
  }
  return sinks;
}

const CONTRACT_SINKS = contractSinks();
/** A whole-word mention of a contract sink: functions without one are not walked for helpers. */
const NAMES_A_SINK = identifierPattern(CONTRACT_SINKS.keys());

/** Functions that read a device's streaming DMA mask (dma_get_mask), from the contracts. */
export const STREAMING_READERS: ReadonlySet<string> = new Set(functionsIn('reads-mask'));
/** Calls whose value is a mask that may be wider than 32 bits. */
export const MASK_READERS: ReadonlySet<string> = new Set([...STREAMING_READERS, 'dma_get_required_mask']);
/** The mask builder macro (DMA_BIT_MASK). */
export const MASK_BUILDERS: ReadonlySet<string> = new Set(functionsIn('builds-mask'));
/** dma_set_mask and friends, from the contracts. */
export const MASK_SETTERS: readonly string[] = functionsIn('sets-mask');

const derivedCache = new WeakMap<object, Map<string, MaskSink>>();
const MAX_HELPERS = 2000;

/**
 * Every mask sink visible to a change: the contract functions, plus each function of the change
 * that passes one of its own parameters, unchanged, into a contract sink's mask position (as
 * `__iommu_dma_map` passes `dma_mask` to `iommu_dma_alloc_iova`).
 */
export function maskSinks(functions: ReadonlyMap<string, ChangeFunction>): Map<string, MaskSink> {
  const cached = derivedCache.get(functions);
  if (cached) return cached;
  const sinks = new Map(CONTRACT_SINKS);
  const naming = bodiesNamingASink(functions);
  let budget = MAX_HELPERS;
  for (const [name, { fn }] of functions) {
    if (budget-- <= 0) break;
    if (sinks.has(name) || fn.hasError || !fn.body || !naming.has(fn)) continue;
    for (const { call, sink } of sinkCallsIn(fn, CONTRACT_SINKS)) {
      const arg = argumentsOf(call)[sink.maskIndex];
      if (!arg) continue;
      const limit = sink.kind === 'pfn-limit' ? byteLimitOfPfn(toExpr(arg)) : toExpr(arg);
      const bare = limit ? stripCasts(limit) : undefined;
      if (bare?.kind !== 'ident') continue;
      const index = fn.params.findIndex((p) => p.name === bare.name);
      if (index < 0) continue;
      const deviceIndex = fn.params.findIndex((p) => /\bstruct device \*$/.test(p.type));
      sinks.set(name, {
        callee: name,
        maskIndex: index,
        kind: sink.kind === 'sets-mask' ? 'sets-mask' : 'iova-limit',
        via: sink.callee,
        ...(deviceIndex >= 0 ? { deviceIndex } : {}),
      });
      break;
    }
  }
  derivedCache.set(functions, sinks);
  return sinks;
}

/**
 * The functions whose body names a contract sink: one search of each file's text, each match
 * placed in the body that holds it (slicing every body's text cost more than the rest of maskSinks).
 */
function bodiesNamingASink(functions: ReadonlyMap<string, ChangeFunction>): Set<FunctionInfo> {
  const byFile = new Map<ParsedFile, FunctionInfo[]>();
  for (const { file, fn } of functions.values()) {
    if (!fn.body) continue;
    let list = byFile.get(file);
    if (!list) byFile.set(file, (list = []));
    list.push(fn);
  }
  const out = new Set<FunctionInfo>();
  const global = new RegExp(NAMES_A_SINK.source, 'g');
  for (const [file, fns] of byFile) {
    const bodies = fns.map((fn) => ({ fn, start: fn.body!.startIndex, end: fn.body!.endIndex })).sort((a, b) => a.start - b.start);
    // the furthest end among the bodies up to each one: the walk back stops where none can hold the match
    const reach: number[] = [];
    for (const [i, b] of bodies.entries()) reach.push(Math.max(b.end, i > 0 ? reach[i - 1]! : 0));
    for (const m of file.text.matchAll(global)) {
      const end = m.index + m[0].length;
      let lo = 0;
      let hi = bodies.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (bodies[mid]!.start <= m.index) lo = mid + 1;
        else hi = mid;
      }
      for (let j = lo - 1; j >= 0 && reach[j]! >= end; j--) if (bodies[j]!.end >= end) out.add(bodies[j]!.fn);
    }
  }
  return out;
}

/** The calls of `fn` to a sink, with the sink. */
export function sinkCallsIn(fn: FunctionInfo, sinks: ReadonlyMap<string, MaskSink>): Array<{ call: SyntaxNode; sink: MaskSink }> {
  if (!fn.body) return [];
  const out: Array<{ call: SyntaxNode; sink: MaskSink }> = [];
  for (const call of analyze(fn).callsTo([...sinks.keys()])) {
    const name = calleeName(call);
    const sink = name !== undefined ? sinks.get(name) : undefined;
    if (sink && sink.callee !== fn.name) out.push({ call, sink });
  }
  return out;
}

/** `limit >> shift`, `limit >> iova_shift(iovad)`, `PHYS_PFN(limit)`, `iova_pfn(iovad, limit)`, `PFN_DOWN(limit)` → limit. */
export function byteLimitOfPfn(e: Expr): Expr | undefined {
  const x = stripCasts(e);
  if (x.kind === 'binary' && x.op === '>>') return x.left;
  if (x.kind === 'call' && (x.callee === 'PHYS_PFN' || x.callee === 'PFN_DOWN') && x.args.length === 1) return x.args[0];
  if (x.kind === 'call' && x.callee === 'iova_pfn' && x.args.length === 2) return x.args[1];
  return undefined;
}

// ---- what a mask is made of ------------------------------------------------------------------

export type MaskOrigin =
  /** dma_get_mask(dev): the streaming mask (what the IOVA API and map paths use). */
  | { kind: 'streaming'; device: Expr }
  /** dev->coherent_dma_mask. */
  | { kind: 'coherent'; device: Expr; deviceArrow: boolean }
  /** *dev->dma_mask read directly (NULL or 0 when never set). */
  | { kind: 'raw-streaming'; device: Expr; deviceArrow: boolean }
  /** A constant (DMA_BIT_MASK(64), ~0ULL, U64_MAX...). */
  | { kind: 'constant'; value: bigint }
  /** dev->bus_dma_limit alone: the bus's limit, not the device's mask (0 = no limit). */
  | { kind: 'bus-limit'; device: Expr; deviceArrow: boolean }
  /** A parameter of the function: its callers decide. */
  | { kind: 'param'; name: string }
  | { kind: 'unknown' };

const MIN_LIKE = new Set(['min', 'min_t', 'min_not_zero', 'umin', 'min3']);
const CONSTANT_ALL_ONES = new Set(['U64_MAX', 'ULLONG_MAX', 'DMA_MAPPING_ERROR']);

/**
 * What the mask expression `e` (already resolved through locals) is made of. A `min` of several
 * is as narrow as its narrowest known part: a streaming part makes the whole streaming-limited.
 */
export function maskOrigin(e: Expr, params: ReadonlySet<string>, file?: ParsedFile): MaskOrigin {
  const x = stripCasts(e);
  if (x.kind === 'call' && STREAMING_READERS.has(x.callee) && x.args.length === 1) return { kind: 'streaming', device: x.args[0] };
  if (x.kind === 'field' && x.field === 'coherent_dma_mask') return { kind: 'coherent', device: x.object, deviceArrow: x.arrow };
  if (x.kind === 'unary' && x.op === '*') {
    const inner = stripCasts(x.operand);
    if (inner.kind === 'field' && inner.field === 'dma_mask') return { kind: 'raw-streaming', device: inner.object, deviceArrow: inner.arrow };
  }
  if (x.kind === 'field' && x.field === 'bus_dma_limit') return { kind: 'bus-limit', device: x.object, deviceArrow: x.arrow };
  if (x.kind === 'ident' && params.has(x.name)) return { kind: 'param', name: x.name };
  if (x.kind === 'call' && MIN_LIKE.has(x.callee)) {
    const parts = (x.callee === 'min_t' ? x.args.slice(1) : x.args).map((a) => maskOrigin(a, params, file));
    // min_not_zero(mask, dev->bus_dma_limit) is as narrow as the mask: the bus limit only narrows it
    // an unknown part may be the narrowest: then nothing can be said
    for (const kind of ['streaming', 'param', 'unknown', 'coherent', 'raw-streaming'] as const) {
      const hit = parts.find((p) => p.kind === kind);
      if (hit) return hit;
    }
    const constants = parts.filter((p): p is Extract<MaskOrigin, { kind: 'constant' }> => p.kind === 'constant');
    if (constants.length > 0) return constants.reduce((a, b) => (a.value < b.value ? a : b));
    return parts.find((p) => p.kind === 'bus-limit') ?? { kind: 'unknown' };
  }
  if (x.kind === 'ident' && CONSTANT_ALL_ONES.has(x.name)) return { kind: 'constant', value: (1n << 64n) - 1n };
  const value = constantValue(x, file);
  if (value !== undefined) return { kind: 'constant', value };
  return { kind: 'unknown' };
}

/** The value of a constant expression as a u64 (file #defines looked up), if it is one. */
export function constantValue(e: Expr, file?: ParsedFile, model: 'LP64' | 'ILP32' = 'LP64'): bigint | undefined {
  const r = evalConst(e, { model, ...(file ? { lookup: (name: string) => defineValue(file, name) } : {}) });
  if (!isKnownConst(r)) return undefined;
  return BigInt.asUintN(64, r.value);
}

/** Text of `dma_get_mask(<device>)` for a device expression read from `dev->...` or `pdev->dev.`. */
export function streamingMaskText(device: Expr, arrow: boolean, print: (e: Expr) => string): string {
  return arrow ? `dma_get_mask(${print(device)})` : `dma_get_mask(&${print(device)})`;
}

/** Bits of a mask value: the position of its highest set bit plus one (0 for 0). */
export function maskBits(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

/** "DMA_BIT_MASK(32)" for 2^32-1, else hex. */
export function describeMask(value: bigint): string {
  const bits = maskBits(value);
  return value === (1n << BigInt(bits)) - 1n && bits > 0 ? `DMA_BIT_MASK(${bits})` : `0x${value.toString(16)}`;
}

// ---- streaming or coherent ------------------------------------------------------------------

export type AllocationKind = 'streaming' | 'coherent' | 'unknown';

/** Coherent allocators of dma-iommu (reference/iova-api.md §1) and their shared shape. */
const COHERENT_ALLOCATORS = new Set(['iommu_dma_alloc', '__iommu_dma_alloc_noncontiguous', 'iommu_dma_alloc_noncontiguous', 'iommu_dma_alloc_remap']);
/** Functions of the API that allocate for streaming DMA (the contracts' map and IOVA functions). */
const STREAMING_FUNCTIONS: ReadonlySet<string> = new Set([...functionsIn('maps'), ...functionsIn('links'), 'dma_iova_try_alloc', 'iommu_dma_get_msi_page']);

/**
 * Whether `fn` allocates for streaming DMA (it takes a `dma_iova_state`, a DMA direction, or
 * implements a map or IOVA function) or for coherent DMA (it is a coherent allocator: a `gfp_t`
 * and a DMA handle or sg_table out-parameter, no direction). Unknown otherwise.
 */
export function allocationKind(fn: FunctionInfo): AllocationKind {
  const types = fn.params.map((p) => p.type);
  const streaming =
    STREAMING_FUNCTIONS.has(fn.name) ||
    types.some((t) => /\bdma_iova_state \*$/.test(t) || /\bdma_data_direction$/.test(t) || /\bscatterlist \*$/.test(t));
  const coherentShape =
    types.some((t) => t === 'gfp_t') &&
    types.some((t) => /^dma_addr_t \*$/.test(t) || /\bsg_table \*$/.test(t)) &&
    !types.some((t) => /\bdma_data_direction$/.test(t));
  const coherent = COHERENT_ALLOCATORS.has(fn.name) || coherentShape;
  if (streaming && !coherent) return 'streaming';
  if (coherent && !streaming) return 'coherent';
  return 'unknown';
}

/** Parameter names of a function. */
export function paramNames(fn: FunctionInfo): Set<string> {
  return new Set(fn.params.map((p) => p.name));
}

/** The analysis of `fn` (re-exported for the rules' convenience). */
export function analysisOf(fn: FunctionInfo): FunctionAnalysis {
  return analyze(fn);
}

// ---- how wide a mask value can be ------------------------------------------------------------

const U64_ALL = (1n << 64n) - 1n;
/** Fields of struct device that hold a mask (or a bus limit) of up to 64 bits. */
const MASK_FIELDS = new Set(['coherent_dma_mask', 'bus_dma_limit']);

const maskWordCache = new WeakMap<ParsedFile, RegExp>();

/**
 * Can a value in `fn` be a mask expression (isMaskExpression) or a store to a mask field? Only if
 * its text names a mask reader, builder or field, or a #define of the file that (through other
 * defines) does. A cheap test before resolving every store of a function.
 */
export function mayHoldMask(fn: FunctionInfo, file: ParsedFile): boolean {
  let words = maskWordCache.get(file);
  if (!words) {
    const names = new Set<string>([...MASK_BUILDERS, ...MASK_READERS, ...MASK_FIELDS, 'dma_mask']);
    const defines = fileDefines(file);
    // defines naming a mask word, to a fixpoint (each round adds one name or ends)
    for (let grew = true, rounds = 0; grew && rounds < 8; rounds++) {
      grew = false;
      const pattern = identifierPattern(names);
      for (const [name, value] of defines) {
        if (!names.has(name) && pattern.test(value)) {
          names.add(name);
          grew = true;
        }
      }
    }
    words = identifierPattern(names);
    maskWordCache.set(file, words);
  }
  return words.test(fn.node.text);
}

/** `e` reads or builds a DMA mask: DMA_BIT_MASK, dma_get_mask(), a mask field of struct device. */
export function isMaskExpression(e: Expr): boolean {
  for (const x of subExpressions(e)) {
    if (x.kind === 'call' && (MASK_BUILDERS.has(x.callee) || MASK_READERS.has(x.callee))) return true;
    if (x.kind === 'field' && MASK_FIELDS.has(x.field)) return true;
    if (x.kind === 'unary' && x.op === '*' && stripCasts(x.operand).kind === 'field' && (stripCasts(x.operand) as { field: string }).field === 'dma_mask') return true;
  }
  return false;
}

/**
 * The largest value the mask expression can have, as a u64: exact for constants, 2^64-1 for
 * masks read from a device, the smaller part of a `min`/`&`; undefined when not known.
 */
export function maxMaskValue(e: Expr, file?: ParsedFile, depth = 0): bigint | undefined {
  if (depth > 16) return undefined;
  const constant = constantValue(e, file);
  if (constant !== undefined) return constant;
  const next = (x: Expr): bigint | undefined => maxMaskValue(x, file, depth + 1);
  switch (e.kind) {
    case 'call': {
      if (MASK_READERS.has(e.callee)) return U64_ALL;
      if (e.callee === 'lower_32_bits') return 0xffff_ffffn;
      if (MIN_LIKE.has(e.callee)) {
        const known = (e.callee === 'min_t' ? e.args.slice(1) : e.args).map(next).filter((v): v is bigint => v !== undefined);
        return known.length > 0 ? known.reduce((a, b) => (a < b ? a : b)) : undefined;
      }
      return undefined;
    }
    case 'field':
      return MASK_FIELDS.has(e.field) ? U64_ALL : undefined;
    case 'unary': {
      const inner = stripCasts(e.operand);
      return e.op === '*' && inner.kind === 'field' && inner.field === 'dma_mask' ? U64_ALL : undefined;
    }
    case 'conditional': {
      const arms = [e.then ?? e.test, e.else].map(next);
      return arms.every((v): v is bigint => v !== undefined) ? arms.reduce((a, b) => (a > b ? a : b)) : undefined;
    }
    case 'binary': {
      if (e.op !== '&') return undefined;
      const known = [next(e.left), next(e.right)].filter((v): v is bigint => v !== undefined);
      return known.length > 0 ? known.reduce((a, b) => (a < b ? a : b)) : undefined;
    }
    case 'cast': {
      const inner = next(e.operand);
      const t = intTypeOf(e.type);
      if (inner === undefined || !t || t.name === 'pointer') return inner;
      return BigInt.asUintN(64, wrapToType(inner, t)) === inner ? inner : t.unsigned ? (1n << BigInt(t.bits)) - 1n : U64_ALL;
    }
    default:
      return undefined;
  }
}

export interface Narrowing {
  /** The C type that narrows (as written). */
  type: string;
  /** What the value becomes (as the u64 a mask parameter receives). */
  becomes: bigint;
  /** Narrowing on 64-bit builds (else only with 32-bit long / size_t). */
  on64: boolean;
}

/**
 * Whether storing a mask of up to `max` in a variable of `typeText` loses bits (or sign-extends
 * into a wider mask when read back as a u64).
 */
export function narrowingOf(typeText: string, max: bigint): Narrowing | undefined {
  const lp64 = intTypeOf(typeText, 'LP64');
  const ilp32 = intTypeOf(typeText, 'ILP32');
  if (!lp64 || !ilp32 || lp64.name === 'pointer' || lp64.name === '_Bool') return undefined;
  const back64 = BigInt.asUintN(64, wrapToType(max, lp64));
  if (back64 !== max) return { type: typeText, becomes: back64, on64: true };
  const back32 = BigInt.asUintN(64, wrapToType(max, ilp32));
  if (back32 !== max) return { type: typeText, becomes: back32, on64: false };
  return undefined;
}

/**
 * `(1 << n) - 1`, `BIT(n) - 1`: the mask as C computes it, against the mask meant (2^n - 1), on
 * 64-bit and on 32-bit builds. Undefined when `e` is not that shape or `n` is not constant.
 */
export function shiftMask(e: Expr, file?: ParsedFile): { bits: bigint; intended: bigint; on64: bigint | undefined; on32: bigint | undefined } | undefined {
  // GENMASK(h, 0): an unsigned long, so h >= 32 is undefined on 32-bit builds
  if (e.kind === 'call' && e.callee === 'GENMASK' && e.args.length === 2 && constantValue(e.args[1], file) === 0n) {
    const high = constantValue(e.args[0], file);
    if (high === undefined || high > 63n) return undefined;
    const bits = high + 1n;
    return { bits, intended: bits === 64n ? U64_ALL : (1n << bits) - 1n, on64: constantValue(e, file, 'LP64'), on32: constantValue(e, file, 'ILP32') };
  }
  if (e.kind !== 'binary' || e.op !== '-') return undefined;
  if (constantValue(e.right, file) !== 1n) return undefined;
  const left = stripCasts(e.left);
  let count: Expr | undefined;
  if (left.kind === 'binary' && left.op === '<<' && constantValue(left.left, file) === 1n) count = left.right;
  else if (left.kind === 'call' && (left.callee === 'BIT' || left.callee === 'BIT_ULL') && left.args.length === 1) count = left.args[0];
  if (!count) return undefined;
  const bits = constantValue(count, file);
  if (bits === undefined || bits > 64n) return undefined;
  const intended = bits === 64n ? U64_ALL : (1n << bits) - 1n;
  return { bits, intended, on64: constantValue(e, file, 'LP64'), on32: constantValue(e, file, 'ILP32') };
}

// ---- simulation requests ---------------------------------------------------------------------

/**
 * The request, when it names something a run can show (an invariant, a call reached with an
 * argument, a predicate at return, a WARN). A request with only a description would come back
 * "refuted" once every run completes, which would hide a finding the simulator cannot judge.
 */
export function observable(request: SimRequest): { sim: SimRequest } | Record<string, never> {
  const e = request.expect;
  return e.invariants?.length || e.reaches || e.holds || e.warn ? { sim: request } : {};
}

/** `callee` is called exactly once in `fn`: a `reaches` observation can only be about that call. */
export function calledOnce(fn: FunctionInfo, callee: string): boolean {
  return analyze(fn).callsTo(callee).length === 1;
}
