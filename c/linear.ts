// Linear forms over symbolic atoms: `i * PAGE_SIZE + PAGE_SIZE` is {i*PAGE_SIZE: 1, PAGE_SIZE: 1}.
// Enough to compare an access range with a reservation (`(n + 1) * PAGE_SIZE` exceeds
// `n * PAGE_SIZE` by PAGE_SIZE) without knowing the values. Atoms are printed sub-expressions;
// a monomial is a sorted product of atoms. Anything non-linear beyond products is one atom.
import { KNOWN_CONSTANTS } from './kernel-macros.js';
import { printExpr, stripCasts, type Expr } from './expr.js';

export interface LinearForm {
  /** Monomial ("i*PAGE_SIZE", "" for the constant term) → coefficient. */
  terms: Map<string, bigint>;
}

const MAX_TERMS = 32;

function constant(value: bigint): LinearForm {
  return { terms: new Map(value === 0n ? [] : [['', value]]) };
}

function add(a: LinearForm, b: LinearForm, sign: bigint): LinearForm {
  const terms = new Map(a.terms);
  for (const [m, c] of b.terms) {
    const v = (terms.get(m) ?? 0n) + sign * c;
    if (v === 0n) terms.delete(m);
    else terms.set(m, v);
  }
  return { terms };
}

function multiply(a: LinearForm, b: LinearForm): LinearForm | undefined {
  const terms = new Map<string, bigint>();
  for (const [ma, ca] of a.terms) {
    for (const [mb, cb] of b.terms) {
      const m = [...ma.split('*'), ...mb.split('*')].filter(Boolean).sort().join('*');
      const v = (terms.get(m) ?? 0n) + ca * cb;
      if (v === 0n) terms.delete(m);
      else terms.set(m, v);
      if (terms.size > MAX_TERMS) return undefined;
    }
  }
  return { terms };
}

/** The linear form of an expression (casts ignored), or undefined when it grows too large. */
export function linearForm(e: Expr, depth = 0): LinearForm | undefined {
  if (depth > 64) return undefined;
  const x = stripCasts(e);
  switch (x.kind) {
    case 'number':
      return constant(x.value);
    case 'ident': {
      const known = KNOWN_CONSTANTS.get(x.name);
      if (known !== undefined) return constant(known);
      return { terms: new Map([[x.name, 1n]]) };
    }
    case 'unary':
      if (x.op === '-') {
        const f = linearForm(x.operand, depth + 1);
        return f ? add(constant(0n), f, -1n) : undefined;
      }
      if (x.op === '+') return linearForm(x.operand, depth + 1);
      break;
    case 'binary': {
      if (x.op === '+' || x.op === '-') {
        const l = linearForm(x.left, depth + 1);
        const r = linearForm(x.right, depth + 1);
        return l && r ? add(l, r, x.op === '+' ? 1n : -1n) : undefined;
      }
      if (x.op === '*') {
        const l = linearForm(x.left, depth + 1);
        const r = linearForm(x.right, depth + 1);
        return l && r ? multiply(l, r) : undefined;
      }
      if (x.op === '<<' && x.right.kind === 'number' && x.right.value < 64n) {
        const l = linearForm(x.left, depth + 1);
        return l ? multiply(l, constant(1n << x.right.value)) : undefined;
      }
      break;
    }
    default:
      break;
  }
  return { terms: new Map([[printExpr(x).replace(/\*/g, '·'), 1n]]) };
}

/** a - b. */
export function subtractForms(a: LinearForm, b: LinearForm): LinearForm {
  return add(a, b, -1n);
}

/** Replace an atom (`i`) by a form (`n - 1`) everywhere it occurs. */
export function substituteAtom(f: LinearForm, atom: string, by: LinearForm): LinearForm | undefined {
  let out: LinearForm = constant(0n);
  for (const [m, c] of f.terms) {
    const parts = m ? m.split('*') : [];
    const count = parts.filter((p) => p === atom).length;
    let term: LinearForm | undefined = { terms: new Map([[parts.filter((p) => p !== atom).join('*'), c]]) };
    for (let i = 0; i < count && term; i++) term = multiply(term, by);
    if (!term) return undefined;
    out = add(out, term, 1n);
  }
  return out;
}

/**
 * Is the form certainly positive, taking every atom as a non-negative quantity (sizes, counts,
 * offsets are unsigned) and upper-case constants (PAGE_SIZE) as positive? True when no
 * coefficient is negative and the constant, or a term made only of positive constants, is > 0.
 */
export function certainlyPositive(f: LinearForm): boolean {
  let positive = false;
  for (const [m, c] of f.terms) {
    if (c < 0n) return false;
    if (m === '' || m.split('*').every((a) => /^[A-Z][A-Z0-9_]*$/.test(a))) positive = true;
  }
  return positive;
}

export function printForm(f: LinearForm): string {
  if (f.terms.size === 0) return '0';
  return [...f.terms].map(([m, c]) => (m === '' ? `${c}` : c === 1n ? m : `${c}*${m}`)).join(' + ').replace(/·/g, '*');
}
