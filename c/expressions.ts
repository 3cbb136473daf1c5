// Expression helpers for rules: calls by callee name, arguments, normalised text.
import { lex, TokenKind } from './lexer.js';
import { printExpr, toExpr, type PrintOptions } from './expr.js';
import type { SyntaxNode } from './types.js';

const EXPRESSION_TYPES = new Set([
  'identifier', 'number_literal', 'string_literal', 'concatenated_string', 'char_literal', 'true', 'false', 'null',
  'parenthesized_expression', 'unary_expression', 'pointer_expression', 'binary_expression', 'call_expression',
  'field_expression', 'subscript_expression', 'cast_expression', 'assignment_expression', 'update_expression',
  'conditional_expression', 'sizeof_expression', 'comma_expression',
]);

/** The callee's name of a call_expression (`foo` in `foo(x)`, `ops->map` in `ops->map(x)`). */
export function calleeName(call: SyntaxNode): string | undefined {
  if (call.type !== 'call_expression') return undefined;
  const fn = call.childForFieldName('function');
  if (!fn) return undefined;
  if (fn.type === 'identifier') return fn.text;
  return printExpr(toExpr(fn));
}

/** The argument nodes of a call (comments left out). */
export function argumentsOf(call: SyntaxNode): SyntaxNode[] {
  return (call.childForFieldName('arguments')?.namedChildren ?? []).filter((c) => c.type !== 'comment');
}

/** The `index`-th argument of a call (0-based). */
export function argumentOf(call: SyntaxNode, index: number): SyntaxNode | undefined {
  return argumentsOf(call)[index];
}

/** Calls under `root` whose callee is one of `names` (a name, a list, or a pattern), in source order. */
export function callsIn(root: SyntaxNode, names: string | readonly string[] | RegExp): SyntaxNode[] {
  const match =
    typeof names === 'string'
      ? (n: string) => n === names
      : names instanceof RegExp
        ? (n: string) => names.test(n)
        : (n: string) => (names as readonly string[]).includes(n);
  return root.descendantsOfType('call_expression').filter((c) => {
    const name = calleeName(c);
    return name !== undefined && match(name);
  });
}

/** The call_expression that `node` is an argument of (directly), with the argument's index. */
export function enclosingCall(node: SyntaxNode): { call: SyntaxNode; index: number } | undefined {
  const list = node.parent;
  if (list?.type !== 'argument_list') return undefined;
  const call = list.parent;
  if (call?.type !== 'call_expression') return undefined;
  const index = argumentsOf(call).findIndex((a) => a.id === node.id);
  return index >= 0 ? { call, index } : undefined;
}

const LOOP_STATEMENTS = new Set(['for_statement', 'while_statement', 'do_statement']);

/**
 * The innermost for/while/do statement around `node` inside its function (a syntax node or a
 * mirror node: both know their type and parent).
 */
export function enclosingLoop<N extends { type: string; parent: N | null }>(node: N): N | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (LOOP_STATEMENTS.has(p.type)) return p;
    if (p.type === 'function_definition') return undefined;
  }
  return undefined;
}

/**
 * Assignments under `root` whose target prints as `target` (`state->__size`, `iod->mask`) or
 * satisfies the predicate; compound assignments (`|=`) included. In source order.
 */
export function assignmentsTo(root: SyntaxNode, target: string | ((left: SyntaxNode) => boolean)): SyntaxNode[] {
  const match = typeof target === 'string' ? (left: SyntaxNode) => printExpr(toExpr(left)) === target : target;
  return root.descendantsOfType('assignment_expression').filter((a) => {
    const left = a.childForFieldName('left');
    return !!left && match(left);
  });
}

/**
 * Normalised text: whitespace- and comment-insensitive, redundant parentheses removed, casts
 * optionally stripped. Expressions print canonically; statements and other nodes join their tokens.
 */
export function normalizedText(node: SyntaxNode, options: PrintOptions = {}): string {
  if (EXPRESSION_TYPES.has(node.type)) return printExpr(toExpr(node), options);
  if (node.type === 'expression_statement') {
    const e = node.namedChildren.find((c) => c.type !== 'comment');
    return e ? `${normalizedText(e, options)};` : ';';
  }
  return joinTokens(node.text);
}

/** Tokens of C text joined with single spaces only where two words would otherwise merge. */
export function joinTokens(text: string): string {
  const toks = lex(text);
  let out = '';
  let prevWord = false;
  for (let i = 0; i < toks.count; i++) {
    const t = text.slice(toks.start[i], toks.end[i]);
    const word = toks.kind[i] === TokenKind.Identifier || toks.kind[i] === TokenKind.Number;
    if (out.length > 0 && (word && prevWord)) out += ' ';
    out += toks.kind[i] === TokenKind.Directive ? `${t.trim()}\n` : t;
    prevWord = word;
  }
  return out;
}

/**
 * A pattern that matches any of `names` as a whole identifier (`dma_map_single` in
 * `x = dma_map_single(` but not in `my_dma_map_single2`): the quick text test rules make before
 * any tree walk. Characters other than identifier ones are dropped from the names.
 */
export function identifierPattern(names: Iterable<string>): RegExp {
  const words = [...names].map((n) => n.replace(/[^A-Za-z0-9_]/g, '')).filter((n) => n.length > 0);
  return words.length > 0 ? new RegExp(`\\b(?:${words.join('|')})\\b`) : /(?!)/;
}
