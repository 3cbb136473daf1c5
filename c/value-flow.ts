// Where a value comes from, at the level of syntax nodes: walk from an expression back through
// parentheses, casts, the single reaching definition of each local or parameter, and the
// operations a caller says carry the property it cares about (a non-zero size survives `+ pad`
// and `iova_align`; a DMA address is a sum of terms). Rules then ask the guard query at each
// node found, so a check made before `size = iova_align(iovad, size + off)` still counts.
import type { FunctionAnalysis } from './analysis.js';
import { argumentsOf, calleeName } from './expressions.js';
import type { SyntaxNode } from './types.js';

/** Which operands of an operation carry the property: child nodes to continue from, or none. */
export type Carrier = (node: SyntaxNode) => SyntaxNode[];

/** Only copies: parentheses, casts and locals' definitions. */
export const COPIES: Carrier = () => [];

const ALIGN_UP_FIRST = new Set(['ALIGN', 'round_up', 'roundup', 'PAGE_ALIGN', '__ALIGN_KERNEL', 'ALIGN_KERNEL', 'roundup_pow_of_two', 'max', 'umax']);

/**
 * A non-zero operand keeps the result non-zero (unsigned, no wrap): either side of `+` and `|`,
 * the value rounded by `iova_align`/`ALIGN`/`PAGE_ALIGN`, either argument of `max`, the value
 * shifted by `<<`/`>>` (for granule-aligned lengths).
 */
export const NONZERO_CARRIERS: Carrier = (node) => {
  if (node.type === 'binary_expression') {
    const op = node.childForFieldName('operator')?.type;
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if ((op === '+' || op === '|') && left && right) return [left, right];
    if ((op === '<<' || op === '>>') && left) return [left];
    return [];
  }
  if (node.type === 'call_expression') {
    const name = calleeName(node);
    const args = argumentsOf(node);
    if (name === 'iova_align' && args[1]) return [args[1]];
    if ((name === 'max_t' || name === 'max3') && args.length > 1) return name === 'max_t' ? args.slice(1) : args;
    if (name && ALIGN_UP_FIRST.has(name)) return name === 'max' || name === 'umax' ? args : args[0] ? [args[0]] : [];
  }
  return [];
};

function unwrap(node: SyntaxNode): SyntaxNode | undefined {
  if (node.type === 'parenthesized_expression') return node.namedChildren.find((c) => c.type !== 'comment');
  if (node.type === 'cast_expression') return node.childForFieldName('value') ?? undefined;
  return undefined;
}

/**
 * Every expression node whose value flows into `start` by the carrier's operations, `start`
 * first, breadth first. Identifiers continue into their single reaching definition (initialiser
 * or plain assignment); parameters and locals with several definitions end the walk there.
 */
export function valueSources(analysis: FunctionAnalysis, start: SyntaxNode, carrier: Carrier, budget = 48): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const seen = new Set<number>();
  const queue: SyntaxNode[] = [start];
  while (queue.length > 0 && out.length < budget) {
    const node = queue.shift()!;
    if (seen.has(node.id)) continue;
    seen.add(node.id);
    out.push(node);
    const inner = unwrap(node);
    if (inner) {
      queue.push(inner);
      continue;
    }
    if (node.type === 'identifier') {
      const def = analysis.uniqueDefinition(node);
      if (def && (def.kind === 'init' || def.kind === 'assign') && def.value && def.value.type !== 'initializer_list') queue.push(def.value);
      continue;
    }
    queue.push(...carrier(node));
  }
  return out;
}

export interface Term {
  node: SyntaxNode;
  /** +1 added, -1 subtracted. */
  sign: 1 | -1;
  /** The local the term was read through (`iova_off` for the term `iova_offset(iovad, phys)`). */
  named?: SyntaxNode;
}

/**
 * The additive terms of the value at `node`: `base + off` → [base, +off]; through locals' single
 * definitions (`addr = base + off`, `addr = alloc(...)`), compound updates (`addr -= pad`) and
 * casts. A term that is not a sum (a call, a field, a parameter) is a leaf.
 */
export function additiveTerms(analysis: FunctionAnalysis, node: SyntaxNode, budget = 32): Term[] {
  const out: Term[] = [];
  let steps = 0;
  const visit = (n: SyntaxNode, sign: 1 | -1, named?: SyntaxNode): void => {
    const push = (): void => {
      out.push(named ? { node: n, sign, named } : { node: n, sign });
    };
    if (++steps > budget) return push();
    const inner = unwrap(n);
    if (inner) return visit(inner, sign, named);
    if (n.type === 'binary_expression') {
      const op = n.childForFieldName('operator')?.type;
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      if ((op === '+' || op === '-') && left && right) {
        visit(left, sign);
        visit(right, op === '+' ? sign : ((-sign) as 1 | -1));
        return;
      }
    }
    if (n.type === 'identifier') {
      const def = analysis.uniqueDefinition(n);
      if (def && (def.kind === 'init' || def.kind === 'assign') && def.value && def.value.type !== 'initializer_list') return visit(def.value, sign, n);
      if (def && def.kind === 'compound' && (def.operator === '+=' || def.operator === '-=') && def.value) {
        const target = def.node.childForFieldName('left');
        if (target?.type === 'identifier') {
          visit(target, sign);
          visit(def.value, def.operator === '+=' ? sign : ((-sign) as 1 | -1));
          return;
        }
      }
    }
    push();
  };
  visit(node, 1);
  return out;
}
