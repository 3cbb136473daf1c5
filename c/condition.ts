// Reading a tested expression as conditions: see through WARN_ON_ONCE(x), unlikely(x), !!x and
// truth-preserving casts, apply the outcome (true/false) and split into the conjuncts that hold
// (`!size || size & F` false → `size`, `!(size & F)`). Calls of helpers are replaced by what their
// return value implies (a summary supplied by the caller of `conditionsHolding`).
import { TRANSPARENT_MACROS, WARN_MACROS, warnConditionArgument } from './kernel-macros.js';
import { negateCondition, type Expr } from './expr.js';

export interface SplitOptions {
  /**
   * What a call's truth implies: `truthy` when the call returned non-zero, `falsy` when zero.
   * Return undefined for calls that are not known helpers.
   */
  helperSummary?: (call: Extract<Expr, { kind: 'call' }>) => { truthy: Expr; falsy: Expr; helper: string } | undefined;
  /** Replace a local read in a condition by what it was assigned (e.g. `ret` → `check(size)`). */
  resolveLocal?: (ident: Extract<Expr, { kind: 'ident' }>) => Expr | undefined;
}

export interface HeldCondition {
  condition: Expr;
  /** Macros and wrappers seen through to get it ("WARN_ON_ONCE", "unlikely", "!!"). */
  seenThrough: string[];
  /** The helper whose return value supplied it. */
  helper?: string;
}

const TRUTH_CASTS = /^(bool|_Bool|const bool)$/;

/** Strip truth-preserving wrappers at the top: returns the inner expression and what was stripped. */
export function seeThrough(e: Expr, seen: string[] = []): { expr: Expr; seen: string[] } {
  let x = e;
  for (let i = 0; i < 32; i++) {
    if (x.kind === 'call' && WARN_MACROS.has(x.callee)) {
      const arg = x.args[warnConditionArgument(x.callee)];
      if (!arg) break;
      seen.push(x.callee);
      x = arg;
      continue;
    }
    if (x.kind === 'call' && TRANSPARENT_MACROS.has(x.callee) && x.callee !== 'READ_ONCE' && x.args[0]) {
      seen.push(x.callee);
      x = x.args[0];
      continue;
    }
    if (x.kind === 'not' && x.operand.kind === 'not') {
      seen.push('!!');
      x = x.operand.operand;
      continue;
    }
    if (x.kind === 'cast' && TRUTH_CASTS.test(x.type)) {
      seen.push(`(${x.type})`);
      x = x.operand;
      continue;
    }
    break;
  }
  return { expr: x, seen };
}

/** Apply see-through everywhere a truth value is read (operands of !, &&, ||). */
export function cleanCondition(e: Expr, depth = 0): Expr {
  if (depth > 64) return e;
  const { expr } = seeThrough(e);
  if (expr.kind === 'not') return { kind: 'not', operand: cleanCondition(expr.operand, depth + 1) };
  if (expr.kind === 'binary' && (expr.op === '&&' || expr.op === '||')) {
    return { ...expr, left: cleanCondition(expr.left, depth + 1), right: cleanCondition(expr.right, depth + 1) };
  }
  return expr;
}

/**
 * The conditions that hold when `test` evaluated to `outcome` (true: non-zero), split into
 * conjuncts. A disjunction that cannot be split (`a || b` true) is one condition.
 */
export function conditionsHolding(test: Expr, outcome: boolean, options: SplitOptions = {}): HeldCondition[] {
  const out: HeldCondition[] = [];
  split(test, outcome, [], undefined, options, out, 0);
  return out;
}

function split(e: Expr, outcome: boolean, seen: string[], helper: string | undefined, options: SplitOptions, out: HeldCondition[], depth: number): void {
  if (depth > 64) {
    out.push({ condition: outcome ? e : negateCondition(e), seenThrough: seen, ...(helper ? { helper } : {}) });
    return;
  }
  const stripped = seeThrough(e, [...seen]);
  const x = stripped.expr;
  const s = stripped.seen;
  const d = depth + 1;
  if (x.kind === 'not') return split(x.operand, !outcome, s, helper, options, out, d);
  if (x.kind === 'binary' && x.op === '&&' && outcome) {
    split(x.left, true, s, helper, options, out, d);
    split(x.right, true, s, helper, options, out, d);
    return;
  }
  if (x.kind === 'binary' && x.op === '||' && !outcome) {
    split(x.left, false, s, helper, options, out, d);
    split(x.right, false, s, helper, options, out, d);
    return;
  }
  if (x.kind === 'call' && options.helperSummary) {
    const summary = options.helperSummary(x);
    if (summary) return split(outcome ? summary.truthy : summary.falsy, true, s, summary.helper, options, out, d);
  }
  if (x.kind === 'ident' && options.resolveLocal) {
    const value = options.resolveLocal(x);
    if (value && value.kind === 'call' && options.helperSummary?.(value)) return split(value, outcome, s, helper, options, out, d);
  }
  const cleaned = cleanCondition(x);
  out.push({ condition: outcome ? cleaned : negateCondition(cleaned), seenThrough: s, ...(helper ? { helper } : {}) });
}
