// How a value is used where it is computed: a call's result dropped, stored in a local, tested by
// an `if`, or used otherwise; whether a local's definition is ever read; whether an expression is
// used as a truth value. Rules ask these to tell an ignored result from a checked one.
import { analyze } from './analysis.js';
import type { Definition } from './defuse.js';
import type { FunctionInfo, SyntaxNode } from './types.js';

/** Macros that hand their argument's truth value on (`if (WARN_ON(x))`, `unlikely(x)`). */
const TRUTH_WRAPPERS = /^(WARN_ON(_ONCE)?|WARN|unlikely|likely)$/;

export type ResultUse =
  /** An expression statement, a `(void)` cast, the left operand of a comma. */
  | { kind: 'dropped'; voidCast: boolean }
  /** `x = call;` or `T x = call;` as a statement: the definition of the local. */
  | { kind: 'stored'; target: SyntaxNode; definition: Definition | undefined }
  /** The whole condition of an `if` (parentheses and `!` seen through). */
  | { kind: 'tested'; ifStatement: SyntaxNode; negated: boolean }
  | { kind: 'used' };

/** `node` with the parentheses around it climbed. */
export function outermostParens(node: SyntaxNode): SyntaxNode {
  let n = node;
  for (let i = 0; i < 64 && n.parent?.type === 'parenthesized_expression'; i++) n = n.parent;
  return n;
}

/** How the value of `expr` (a call, usually) is used by the statement it sits in. */
export function resultUse(fn: FunctionInfo, expr: SyntaxNode): ResultUse {
  let n = outermostParens(expr);
  let parent = n.parent;
  let voidCast = false;
  if (parent?.type === 'cast_expression' && parent.childForFieldName('type')?.text.trim() === 'void') {
    voidCast = true;
    n = outermostParens(parent);
    parent = n.parent;
  }
  if (!parent) return { kind: 'used' };
  if (parent.type === 'expression_statement') return { kind: 'dropped', voidCast };
  if (parent.type === 'comma_expression' && parent.childForFieldName('left')?.id === n.id) return { kind: 'dropped', voidCast };
  let negated = false;
  for (let i = 0; i < 8 && parent?.type === 'unary_expression' && parent.childForFieldName('operator')?.text === '!'; i++) {
    negated = !negated;
    n = outermostParens(parent);
    parent = n.parent;
  }
  if (parent?.type === 'if_statement' && parent.childForFieldName('condition')?.id === n.id) return { kind: 'tested', ifStatement: parent, negated };
  if (negated || !parent) return { kind: 'used' };
  let target: SyntaxNode | null = null;
  if (parent.type === 'assignment_expression' && parent.childForFieldName('operator')?.text === '=' && parent.childForFieldName('right')?.id === n.id) {
    // an assignment used as a value (`if ((ret = f()))`) is a use
    if (parent.parent?.type !== 'expression_statement') return { kind: 'used' };
    target = parent.childForFieldName('left');
  } else if (parent.type === 'init_declarator' && parent.childForFieldName('value')?.id === n.id) {
    target = parent.childForFieldName('declarator');
  }
  if (!target || target.type !== 'identifier') return { kind: 'used' };
  const defNode = parent;
  const definition = analyze(fn).defUse?.definitions.find(
    (d) => d.node.startIndex === defNode.startIndex && d.node.endIndex === defNode.endIndex && d.variable.name === target.text,
  );
  return { kind: 'stored', target, definition };
}

/** `id` is the target of a plain assignment or the name a declarator declares (a write, not a read). */
function isWrite(id: SyntaxNode): boolean {
  const p = id.parent;
  if (p?.type === 'assignment_expression' && p.childForFieldName('left')?.id === id.id && p.childForFieldName('operator')?.text === '=') return true;
  return p?.type === 'init_declarator' && p.childForFieldName('declarator')?.id === id.id;
}

/** The reads of the local that `def` reaches (writes to it left out), in source order. */
export function readsReachedBy(fn: FunctionInfo, def: Definition): SyntaxNode[] {
  if (!fn.body) return [];
  const a = analyze(fn);
  return fn.body
    .descendantsOfType('identifier')
    .filter((id) => id.text === def.variable.name && !isWrite(id) && a.reaching(id).some((d) => d.id === def.id));
}

/**
 * The value of `node` is used as a truth value: an `if`/`while` condition, an operand of `!`,
 * `&&`, `||`, `==`/`!=`, the test of `?:`, the argument of WARN_ON()/unlikely(), or the value
 * returned by a function returning `bool`.
 */
export function usedAsTruth(fn: FunctionInfo, node: SyntaxNode): boolean {
  const n = outermostParens(node);
  const p = n.parent;
  if (!p) return false;
  if ((p.type === 'if_statement' || p.type === 'while_statement' || p.type === 'do_statement') && p.childForFieldName('condition')?.id === n.id) return true;
  if (p.type === 'unary_expression' && p.childForFieldName('operator')?.text === '!') return true;
  if (p.type === 'binary_expression' && ['&&', '||', '==', '!='].includes(p.childForFieldName('operator')?.text ?? '')) return true;
  if (p.type === 'conditional_expression' && p.childForFieldName('condition')?.id === n.id) return true;
  if (p.type === 'argument_list' && TRUTH_WRAPPERS.test(p.parent?.childForFieldName('function')?.text ?? '')) return true;
  return p.type === 'return_statement' && fn.returnType === 'bool';
}
