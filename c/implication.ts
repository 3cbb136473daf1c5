// What a condition known to hold says about one expression: is it non-zero, is it zero, is a
// given bit clear? Rules ask these of the guards `FunctionAnalysis.guardsAt` returns, so that
// every spelling kernel code uses (`!size`, `size == 0`, `0 < size`, `size > max`, `unlikely`,
// a helper's return value...) proves the same fact. Conservative: "false" means "not shown".
import { evalConst, isKnownConst, type DataModel } from './const-eval.js';
import { asComparison, conjuncts, printExpr, type Expr } from './expr.js';

/** Print an expression for comparison, seeing through casts that keep the value (`(u64)x` = `x`). */
function key(e: Expr, keepNarrowing = false): string {
  return printExpr(keepNarrowing ? stripWideningCasts(e) : e, { stripCasts: !keepNarrowing });
}

/** Remove casts to unsigned 64-bit types (they keep every value of a size_t or u64). */
export function stripWideningCasts(e: Expr): Expr {
  let x = e;
  for (let i = 0; i < 16 && x.kind === 'cast' && isWide64(x.type); i++) x = x.operand;
  if (x.kind === 'binary') return { ...x, left: stripWideningCasts(x.left), right: stripWideningCasts(x.right) };
  return x;
}

// unsigned only: a signed cast changes what `<` means
const WIDE_64 = /^(u64|__u64|uint64_t|unsigned long long( int)?|dma_addr_t|phys_addr_t|resource_size_t)$/;

function isWide64(type: string): boolean {
  return WIDE_64.test(type.trim());
}

/** `a || b || c` → [a, b, c]. */
export function disjuncts(e: Expr): Expr[] {
  if (e.kind === 'binary' && e.op === '||') return [...disjuncts(e.left), ...disjuncts(e.right)];
  return [e];
}

function constValue(e: Expr, model: DataModel = 'LP64'): bigint | undefined {
  const r = evalConst(e, { model });
  return isKnownConst(r) ? r.value : undefined;
}

/** `target` appears as `e` (casts that keep the value ignored). */
export function isSameValue(e: Expr, target: Expr): boolean {
  return key(e) === key(target);
}

/** The held condition implies `target != 0`. */
export function impliesNonZero(condition: Expr, target: Expr): boolean {
  return conjuncts(condition).some((c) => atomImpliesNonZero(c, target));
}

function atomImpliesNonZero(c: Expr, target: Expr): boolean {
  if (c.kind === 'binary' && c.op === '||') return disjuncts(c).every((d) => atomImpliesNonZero(d, target));
  const cmp = asComparison(c);
  if (!cmp) return false;
  const { left, op, right } = cmp;
  if (isSameValue(left, target)) {
    const k = constValue(right);
    if (op === '!=' && k === 0n) return true;
    if (op === '>') return true; // unsigned: above anything means at least 1
    if (op === '>=' && k !== undefined && k >= 1n) return true;
    if (op === '==' && k !== undefined && k !== 0n) return true;
    return false;
  }
  // `limit < size`: asComparison keeps a non-constant left operand
  if (isSameValue(right, target)) {
    const k = constValue(left);
    if (op === '<') return true;
    if (op === '<=' && k !== undefined && k >= 1n) return true;
    if (op === '!=' && k === 0n) return true;
    if (op === '==' && k !== undefined && k !== 0n) return true;
  }
  return false;
}

/** The held condition implies `target == 0`. */
export function impliesZero(condition: Expr, target: Expr): boolean {
  return conjuncts(condition).some((c) => atomImpliesZero(c, target));
}

function atomImpliesZero(c: Expr, target: Expr): boolean {
  if (c.kind === 'binary' && c.op === '||') return disjuncts(c).every((d) => atomImpliesZero(d, target));
  const cmp = asComparison(c);
  if (!cmp) return false;
  const { left, op, right } = cmp;
  const k = constValue(right);
  if (isSameValue(left, target)) return (op === '==' && k === 0n) || (op === '<=' && k === 0n) || (op === '<' && k === 1n);
  if (isSameValue(right, target)) return op === '==' && constValue(left) === 0n;
  return false;
}

/** Every disjunct of the held condition implies one of the `facts` (a disjunction proven). */
export function impliesAnyOf(condition: Expr, facts: Array<(atom: Expr) => boolean>): boolean {
  return conjuncts(condition).some((c) => disjuncts(c).every((d) => facts.some((f) => f(d))));
}

export interface BitTestOptions {
  model?: DataModel;
  /** Names of constants that stand for the bit (DMA_IOVA_USE_SWIOTLB). */
  lookup?: (name: string) => Expr | undefined;
}

/**
 * The held condition implies bit `bit` of `target` is clear: `!(x & F)` with F holding the bit,
 * `x < C` / `x <= C` with C below 2^bit, `(s64)x >= 0` for bit 63, `!(x >> bit)`. A test on a
 * narrowed value (`(u32)x & F`, `lower_32_bits(x)`) proves nothing about the wide value.
 */
export function impliesBitClear(condition: Expr, target: Expr, bit: number, options: BitTestOptions = {}): boolean {
  return conjuncts(condition).some((c) => atomImpliesBitClear(c, target, bit, options));
}

function evalWith(e: Expr, options: BitTestOptions): bigint | undefined {
  const r = evalConst(e, { model: options.model ?? 'LP64', ...(options.lookup ? { lookup: options.lookup } : {}) });
  return isKnownConst(r) ? BigInt.asUintN(64, r.value) : undefined;
}

function sameWide(e: Expr, target: Expr): boolean {
  return key(e, true) === key(target, true);
}

function atomImpliesBitClear(c: Expr, target: Expr, bit: number, options: BitTestOptions): boolean {
  if (c.kind === 'binary' && c.op === '||') return disjuncts(c).every((d) => atomImpliesBitClear(d, target, bit, options));
  const cmp = asComparison(c);
  if (!cmp) return false;
  const { left, op, right } = cmp;
  const flag = 1n << BigInt(bit);
  const k = evalWith(right, options);
  const l = stripWideningCasts(left);
  // (x & F) == 0
  if (l.kind === 'binary' && l.op === '&' && op === '==' && k === 0n) {
    const [x, m] = sameWide(l.left, target) ? [l.left, l.right] : sameWide(l.right, target) ? [l.right, l.left] : [undefined, undefined];
    if (x && m) {
      const mask = evalWith(m, options);
      return mask !== undefined && (mask & flag) !== 0n;
    }
  }
  // (x >> bit) == 0
  if (l.kind === 'binary' && l.op === '>>' && op === '==' && k === 0n && sameWide(l.left, target)) {
    const s = evalWith(l.right, options);
    return s !== undefined && s <= BigInt(bit);
  }
  // x < C, x <= C with C below the bit
  if (sameWide(left, target) && k !== undefined) {
    if (op === '<' && k <= flag) return true;
    if (op === '<=' && k < flag) return true;
  }
  if (sameWide(right, target)) {
    const kl = evalWith(left, options);
    if (kl !== undefined && ((op === '>' && kl <= flag) || (op === '>=' && kl < flag))) return true;
  }
  // (s64)x >= 0 proves bit 63 clear
  if (bit === 63 && left.kind === 'cast' && /^(s64|__s64|int64_t|long long( int)?|ssize_t|loff_t)$/.test(left.type.trim()) && sameWide(left.operand, target)) {
    if ((op === '>=' && k === 0n) || (op === '>' && k !== undefined && (k & flag) === 0n)) return true;
  }
  return false;
}

/** The held condition implies `left - right != 0` (`left > right`, `right < left`, `left != right`). */
export function impliesDifferenceNonZero(condition: Expr, left: Expr, right: Expr): boolean {
  return conjuncts(condition).some((c) => {
    if (c.kind !== 'binary') return false;
    const { op } = c;
    if (isSameValue(c.left, left) && isSameValue(c.right, right)) return op === '>' || op === '!=';
    if (isSameValue(c.left, right) && isSameValue(c.right, left)) return op === '<' || op === '!=';
    return false;
  });
}
