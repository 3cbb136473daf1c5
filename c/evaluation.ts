// Evaluation order of C statements and tests, for path-sensitive clients: a test splits into its
// short-circuit evaluation paths (`a && b`: a false; a true and b true; a true and b false), and a
// statement into its effects in the order C evaluates them (calls before the assignment or return
// that uses their value; `sizeof` operands are not evaluated).
import { TRANSPARENT_MACROS, WARN_MACROS, warnConditionArgument } from './kernel-macros.js';
import { field, kids, operatorOf, type Mirror, type MNode } from './mirror.js';

/** One leaf of a test and the truth value it had on a path. */
export interface EvalStep {
  atom: MNode;
  value: boolean;
}

/** One way a test can evaluate: the leaves evaluated, in order, and the outcome. */
export interface EvalPath {
  steps: EvalStep[];
  result: boolean;
}

/** `(x)`, `likely(x)`, `WARN_ON_ONCE(x)`: the truth value is x's. */
function truthOperand(node: MNode, mirror: Mirror): MNode | undefined {
  if (node.type === 'parenthesized_expression') return kids(node)[0];
  if (node.type === 'call_expression') {
    const fn = field(node, 'function');
    const name = fn?.type === 'identifier' ? mirror.textOf(fn) : undefined;
    if (!name) return undefined;
    const args = kids(field(node, 'arguments') ?? node);
    if (TRANSPARENT_MACROS.has(name) && name !== 'READ_ONCE') return args[0];
    if (WARN_MACROS.has(name)) return args[warnConditionArgument(name)];
  }
  if (node.type === 'cast_expression') {
    const type = field(node, 'type');
    if (type && /^(bool|_Bool)$/.test(mirror.textOf(type).trim())) return field(node, 'value');
  }
  return undefined;
}

/**
 * The short-circuit evaluation paths of a test (through `!`, `&&`, `||`, parentheses and
 * truth-preserving wrappers), or undefined when there are more than `maxPaths`.
 */
export function evaluationPaths(test: MNode, mirror: Mirror, maxPaths = 64): EvalPath[] | undefined {
  let budget = maxPaths * 8;
  const walk = (node: MNode, depth: number): EvalPath[] | undefined => {
    if (--budget < 0 || depth > 64) return undefined;
    const inner = truthOperand(node, mirror);
    if (inner) return walk(inner, depth + 1);
    if (node.type === 'unary_expression' && operatorOf(node) === '!') {
      const operand = field(node, 'argument');
      const paths = operand ? walk(operand, depth + 1) : undefined;
      return paths?.map((p) => ({ steps: p.steps, result: !p.result }));
    }
    if (node.type === 'binary_expression') {
      const op = operatorOf(node);
      if (op === '&&' || op === '||') {
        const left = field(node, 'left');
        const right = field(node, 'right');
        const lp = left ? walk(left, depth + 1) : undefined;
        const rp = right ? walk(right, depth + 1) : undefined;
        if (!lp || !rp) return undefined;
        const shortValue = op === '||';
        const out: EvalPath[] = [];
        for (const l of lp) {
          if (l.result === shortValue) out.push(l);
          else for (const r of rp) out.push({ steps: [...l.steps, ...r.steps], result: r.result });
          if (out.length > maxPaths) return undefined;
        }
        return out;
      }
    }
    return [
      { steps: [{ atom: node, value: true }], result: true },
      { steps: [{ atom: node, value: false }], result: false },
    ];
  };
  return walk(test, 0);
}

/** What a statement does, in evaluation order. */
export type Effect =
  /** A call (its arguments' effects come before it). */
  | { kind: 'call'; call: MNode; callee?: string }
  /**
   * A store: `x = v`, `x += v`, `x++`, or a declarator (`T x = v`, `T x;`). `target` is the
   * assigned expression (the declarator's identifier for declarations); `value` the right side.
   */
  | { kind: 'assign'; node: MNode; target: MNode; value?: MNode; op: string; declaration: boolean }
  /** `return v;` (after v's effects). */
  | { kind: 'return'; node: MNode; value?: MNode };

const NOT_EVALUATED = new Set(['sizeof_expression', 'alignof_expression', 'offsetof_expression', 'type_descriptor', 'macro_type_specifier']);

/** The identifier a declarator declares. */
function declaredName(d: MNode): MNode | undefined {
  let x: MNode | undefined = d;
  for (let i = 0; x && i < 32; i++) {
    if (x.type === 'identifier') return x;
    x = field(x, 'declarator') ?? kids(x).find((c) => c.type.endsWith('declarator') || c.type === 'identifier');
  }
  return undefined;
}

/** The effects of `node` (a statement, declaration, expression or for-loop clause), in order. */
export function effectsOf(node: MNode, mirror: Mirror, budget = 4_000): Effect[] {
  const out: Effect[] = [];
  let left = budget;
  const visit = (n: MNode): void => {
    if (--left < 0 || NOT_EVALUATED.has(n.type)) return;
    switch (n.type) {
      case 'call_expression': {
        for (const c of kids(field(n, 'arguments') ?? n)) visit(c);
        const fn = field(n, 'function');
        if (fn && fn.type !== 'identifier') visit(fn);
        const callee = fn?.type === 'identifier' ? mirror.textOf(fn) : undefined;
        out.push({ kind: 'call', call: n, ...(callee ? { callee } : {}) });
        return;
      }
      case 'assignment_expression': {
        const target = field(n, 'left');
        const value = field(n, 'right');
        if (value) visit(value);
        if (target && target.type !== 'identifier') visitInside(target);
        if (target) out.push({ kind: 'assign', node: n, target, ...(value ? { value } : {}), op: operatorOf(n) ?? '=', declaration: false });
        return;
      }
      case 'update_expression': {
        const target = field(n, 'argument');
        if (target && target.type !== 'identifier') visitInside(target);
        if (target) out.push({ kind: 'assign', node: n, target, op: operatorOf(n) ?? '++', declaration: false });
        return;
      }
      case 'init_declarator': {
        const value = field(n, 'value');
        if (value) visit(value);
        const name = declaredName(n);
        if (name) out.push({ kind: 'assign', node: n, target: name, ...(value ? { value } : {}), op: '=', declaration: true });
        return;
      }
      case 'declaration': {
        for (const c of kids(n)) {
          if (c.type === 'init_declarator') visit(c);
          else if (c.field === 'declarator') {
            const name = declaredName(c);
            if (name && c.type !== 'function_declarator') out.push({ kind: 'assign', node: c, target: name, op: '=', declaration: true });
          }
        }
        return;
      }
      case 'return_statement': {
        const value = kids(n)[0];
        if (value) visit(value);
        out.push({ kind: 'return', node: n, ...(value ? { value } : {}) });
        return;
      }
      case 'field_expression':
        visitInside(n);
        return;
      default:
        for (const c of kids(n)) visit(c);
    }
  };
  // the object of a store target may itself evaluate calls (`foo(x)->y = 1`)
  const visitInside = (target: MNode): void => {
    for (const c of kids(target)) if (c.type !== 'field_identifier') visit(c);
  };
  visit(node);
  return out;
}
