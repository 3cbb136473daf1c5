// A small expression AST built from tree-sitter nodes, for conditions and expression comparison:
// identifiers, numbers, calls, field accesses, unary/binary operators, casts. Everything else is
// kept as `opaque` with its normalised text, so nothing is silently dropped.
import { field, kids, mirrorOf, operatorOf, type Mirror, type MNode } from './mirror.js';
import type { SyntaxNode } from './types.js';

export type Expr =
  /** `at`: offset of the identifier in the file, when built from a node (ignored by printing). */
  | { kind: 'ident'; name: string; at?: number }
  /** A type written where a macro takes one (`container_of(p, struct foo, m)`). */
  | { kind: 'type'; text: string }
  | { kind: 'number'; value: bigint; text: string; unsigned: boolean; longs: number }
  | { kind: 'string'; text: string }
  | { kind: 'call'; callee: string; calleeExpr: Expr; args: Expr[] }
  | { kind: 'field'; object: Expr; field: string; arrow: boolean }
  | { kind: 'index'; object: Expr; index: Expr }
  | { kind: 'not'; operand: Expr }
  | { kind: 'unary'; op: '-' | '+' | '~' | '*' | '&'; operand: Expr }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { kind: 'cast'; type: string; operand: Expr }
  | { kind: 'assign'; op: string; left: Expr; right: Expr }
  | { kind: 'update'; op: '++' | '--'; prefix: boolean; operand: Expr }
  | { kind: 'conditional'; test: Expr; then: Expr | undefined; else: Expr }
  | { kind: 'sizeof'; operand: Expr | undefined; type: string | undefined }
  | { kind: 'comma'; left: Expr; right: Expr }
  | { kind: 'opaque'; text: string };

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%' | '<<' | '>>' | '&' | '|' | '^'
  | '==' | '!=' | '<' | '<=' | '>' | '>='
  | '&&' | '||';

export const COMPARISON_OPS: ReadonlySet<string> = new Set(['==', '!=', '<', '<=', '>', '>=']);

const NEGATED_COMPARISON: Record<string, BinaryOp> = {
  '==': '!=', '!=': '==', '<': '>=', '>=': '<', '>': '<=', '<=': '>',
};

const MIRRORED_COMPARISON: Record<string, BinaryOp> = {
  '==': '==', '!=': '!=', '<': '>', '>': '<', '<=': '>=', '>=': '<=',
};

/** Collapse whitespace between tokens; keep it only where two words would merge. */
export function squeezeText(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/ ?([()[\]{},;.]|->) ?/g, '$1')
    .trim();
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Parse a C integer literal: value, unsignedness, and `L` count of its suffix. */
export function parseIntegerLiteral(text: string): { value: bigint; unsigned: boolean; longs: number; radix: number } | undefined {
  const m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$/.exec(text.trim());
  if (!m) return undefined;
  const digits = m[1];
  let value: bigint;
  let radix = 10;
  if (/^0[xX]/.test(digits)) {
    value = BigInt(digits);
    radix = 16;
  } else if (/^0[bB]/.test(digits)) {
    value = BigInt(digits);
    radix = 2;
  } else if (digits.length > 1 && digits.startsWith('0')) {
    value = BigInt('0o' + digits.slice(1));
    radix = 8;
  } else value = BigInt(digits);
  const suffix = m[2];
  return { value, unsigned: /[uU]/.test(suffix), longs: (suffix.match(/[lL]/g) ?? []).length, radix };
}

/** The expression AST of a tree-sitter expression node (null/undefined → opaque ""). */
export function toExpr(node: SyntaxNode | null | undefined): Expr {
  if (!node) return { kind: 'opaque', text: '' };
  const mirror = mirrorOf(node);
  return toExprM(mirror.root, mirror);
}

/** The expression AST of a mirror node. */
export function toExprM(node: MNode | null | undefined, mirror: Mirror, depth = 0): Expr {
  if (!node) return { kind: 'opaque', text: '' };
  const text = (n: MNode): string => mirror.textOf(n);
  if (depth > 200) return { kind: 'opaque', text: squeezeText(text(node)) };
  const d = depth + 1;
  const sub = (n: MNode | undefined): Expr => toExprM(n, mirror, d);
  switch (node.type) {
    case 'identifier': {
      const t = text(node);
      return IDENTIFIER.test(t) ? { kind: 'ident', name: t, at: node.start } : { kind: 'type', text: squeezeText(t) };
    }
    case 'field_identifier':
    case 'type_identifier':
    case 'statement_identifier':
    case 'null':
      return { kind: 'ident', name: text(node) };
    case 'true':
      return { kind: 'number', value: 1n, text: text(node), unsigned: false, longs: 0 };
    case 'false':
      return { kind: 'number', value: 0n, text: text(node), unsigned: false, longs: 0 };
    case 'number_literal': {
      const t = text(node);
      // tree-sitter-c reads a signed literal (`-1`) as one number_literal
      const sign = /^[-+]/.exec(t)?.[0];
      if (sign) {
        const parsed = parseIntegerLiteral(t.slice(1).trim());
        if (!parsed) return { kind: 'opaque', text: t };
        const operand: Expr = { kind: 'number', value: parsed.value, text: t.slice(1).trim(), unsigned: parsed.unsigned, longs: parsed.longs };
        return { kind: 'unary', op: sign as '-' | '+', operand };
      }
      const parsed = parseIntegerLiteral(t);
      if (!parsed) return { kind: 'opaque', text: t };
      return { kind: 'number', value: parsed.value, text: t, unsigned: parsed.unsigned, longs: parsed.longs };
    }
    case 'char_literal': {
      const t = text(node);
      const inner = t.slice(1, -1);
      const value = inner.length === 1 ? BigInt(inner.charCodeAt(0)) : undefined;
      return value === undefined ? { kind: 'opaque', text: t } : { kind: 'number', value, text: t, unsigned: false, longs: 0 };
    }
    case 'string_literal':
    case 'concatenated_string':
      return { kind: 'string', text: squeezeText(text(node)) };
    case 'parenthesized_expression':
      return sub(kids(node)[0]);
    case 'unary_expression': {
      const op = operatorOf(node);
      const operand = sub(field(node, 'argument'));
      if (op === '!') return { kind: 'not', operand };
      if (op === '-' || op === '+' || op === '~') return { kind: 'unary', op, operand };
      return { kind: 'opaque', text: squeezeText(text(node)) };
    }
    case 'pointer_expression': {
      const op = operatorOf(node);
      return { kind: 'unary', op: op === '&' ? '&' : '*', operand: sub(field(node, 'argument')) };
    }
    case 'binary_expression': {
      const op = operatorOf(node) as BinaryOp | undefined;
      if (!op) return { kind: 'opaque', text: squeezeText(text(node)) };
      return { kind: 'binary', op, left: sub(field(node, 'left')), right: sub(field(node, 'right')) };
    }
    case 'call_expression': {
      const fn = field(node, 'function');
      const calleeExpr = sub(fn);
      const args = kids(field(node, 'arguments') ?? node).map((a) => sub(a));
      return { kind: 'call', callee: fn ? printExpr(calleeExpr) : '', calleeExpr, args };
    }
    case 'field_expression': {
      const f = field(node, 'field');
      return { kind: 'field', object: sub(field(node, 'argument')), field: f ? text(f) : '', arrow: operatorOf(node) !== '.' };
    }
    case 'subscript_expression':
      return { kind: 'index', object: sub(field(node, 'argument')), index: sub(field(node, 'index')) };
    case 'cast_expression': {
      const t = field(node, 'type');
      return { kind: 'cast', type: squeezeText(t ? text(t) : ''), operand: sub(field(node, 'value')) };
    }
    case 'assignment_expression':
      return { kind: 'assign', op: operatorOf(node) ?? '=', left: sub(field(node, 'left')), right: sub(field(node, 'right')) };
    case 'update_expression': {
      const op = (operatorOf(node) ?? '++') as '++' | '--';
      const arg = field(node, 'argument');
      return { kind: 'update', op, prefix: !!arg && arg.start > node.start, operand: sub(arg) };
    }
    case 'conditional_expression': {
      const consequence = field(node, 'consequence');
      return { kind: 'conditional', test: sub(field(node, 'condition')), then: consequence ? sub(consequence) : undefined, else: sub(field(node, 'alternative')) };
    }
    case 'sizeof_expression': {
      const type = field(node, 'type');
      const value = field(node, 'value');
      return { kind: 'sizeof', operand: value ? sub(value) : undefined, type: type ? squeezeText(text(type)) : undefined };
    }
    case 'comma_expression':
      return { kind: 'comma', left: sub(field(node, 'left')), right: sub(field(node, 'right')) };
    default:
      return { kind: 'opaque', text: squeezeText(text(node)) };
  }
}

// ---- printing -------------------------------------------------------------------------------

const PRECEDENCE: Record<string, number> = {
  ',': 1, '=': 2, '?': 3, '||': 4, '&&': 5, '|': 6, '^': 7, '&': 8,
  '==': 9, '!=': 9, '<': 10, '<=': 10, '>': 10, '>=': 10, '<<': 11, '>>': 11,
  '+': 12, '-': 12, '*': 13, '/': 13, '%': 13, unary: 14, postfix: 15, primary: 16,
};

function precedenceOf(e: Expr): number {
  switch (e.kind) {
    case 'comma': return PRECEDENCE[','];
    case 'assign': return PRECEDENCE['='];
    case 'conditional': return PRECEDENCE['?'];
    case 'binary': return PRECEDENCE[e.op];
    case 'not':
    case 'unary':
    case 'cast':
    case 'sizeof':
      return PRECEDENCE.unary;
    case 'update': return e.prefix ? PRECEDENCE.unary : PRECEDENCE.postfix;
    case 'call':
    case 'field':
    case 'index':
      return PRECEDENCE.postfix;
    default: return PRECEDENCE.primary;
  }
}

export interface PrintOptions {
  /** Leave out casts (`(u64)size` prints as `size`). */
  stripCasts?: boolean;
}

/**
 * Canonical text of an expression: single spaces around binary operators, no redundant
 * parentheses, casts optional. Two expressions print the same iff their ASTs are equal.
 */
export function printExpr(e: Expr, options: PrintOptions = {}): string {
  const p = (x: Expr, min: number): string => {
    const s = printExpr(x, options);
    const effective = options.stripCasts && x.kind === 'cast' ? precedenceOf(stripCasts(x)) : precedenceOf(x);
    return effective < min ? `(${s})` : s;
  };
  switch (e.kind) {
    case 'ident': return e.name;
    case 'type': return e.text;
    case 'number': return e.text;
    case 'string': return e.text;
    case 'opaque': return e.text;
    case 'call': return `${p(e.calleeExpr, PRECEDENCE.postfix)}(${e.args.map((a) => p(a, PRECEDENCE['='])).join(', ')})`;
    case 'field': return `${p(e.object, PRECEDENCE.postfix)}${e.arrow ? '->' : '.'}${e.field}`;
    case 'index': return `${p(e.object, PRECEDENCE.postfix)}[${printExpr(e.index, options)}]`;
    case 'not': return `!${p(e.operand, PRECEDENCE.unary)}`;
    case 'unary': return `${e.op}${p(e.operand, PRECEDENCE.unary)}`;
    case 'cast': return options.stripCasts ? printExpr(e.operand, options) : `(${e.type})${p(e.operand, PRECEDENCE.unary)}`;
    case 'sizeof': return e.type !== undefined ? `sizeof(${e.type})` : `sizeof(${printExpr(e.operand ?? { kind: 'opaque', text: '' }, options)})`;
    case 'update': return e.prefix ? `${e.op}${p(e.operand, PRECEDENCE.unary)}` : `${p(e.operand, PRECEDENCE.postfix)}${e.op}`;
    case 'binary': {
      const prec = PRECEDENCE[e.op];
      // left-associative: the right operand needs parentheses at equal precedence
      return `${p(e.left, prec)} ${e.op} ${p(e.right, prec + 1)}`;
    }
    case 'assign': return `${p(e.left, PRECEDENCE.unary)} ${e.op} ${p(e.right, PRECEDENCE['='])}`;
    case 'conditional':
      return `${p(e.test, PRECEDENCE['||'])} ? ${e.then ? printExpr(e.then, options) : ''} : ${p(e.else, PRECEDENCE['?'])}`.replace('?  :', '?:');
    case 'comma': return `${p(e.left, PRECEDENCE[','])}, ${p(e.right, PRECEDENCE[','] + 1)}`;
  }
}

/** Remove every cast (recursively). */
export function stripCasts(e: Expr): Expr {
  return mapExpr(e, (x) => (x.kind === 'cast' ? stripCasts(x.operand) : undefined));
}

/**
 * Rebuild `e` bottom-up: `f` may replace a node (return an Expr) or leave it (undefined), in
 * which case its children are mapped.
 */
export function mapExpr(e: Expr, f: (x: Expr) => Expr | undefined): Expr {
  const r = f(e);
  if (r) return r;
  const m = (x: Expr): Expr => mapExpr(x, f);
  switch (e.kind) {
    case 'call': return { ...e, calleeExpr: m(e.calleeExpr), args: e.args.map(m) };
    case 'field': return { ...e, object: m(e.object) };
    case 'index': return { ...e, object: m(e.object), index: m(e.index) };
    case 'not': return { ...e, operand: m(e.operand) };
    case 'unary': return { ...e, operand: m(e.operand) };
    case 'binary': return { ...e, left: m(e.left), right: m(e.right) };
    case 'cast': return { ...e, operand: m(e.operand) };
    case 'assign': return { ...e, left: m(e.left), right: m(e.right) };
    case 'update': return { ...e, operand: m(e.operand) };
    case 'conditional': return { ...e, test: m(e.test), then: e.then ? m(e.then) : undefined, else: m(e.else) };
    case 'sizeof': return { ...e, operand: e.operand ? m(e.operand) : undefined };
    case 'comma': return { ...e, left: m(e.left), right: m(e.right) };
    default: return e;
  }
}

/** Every sub-expression, pre-order. */
export function* subExpressions(e: Expr): Generator<Expr> {
  yield e;
  switch (e.kind) {
    case 'call': yield* subExpressions(e.calleeExpr); for (const a of e.args) yield* subExpressions(a); break;
    case 'field': yield* subExpressions(e.object); break;
    case 'index': yield* subExpressions(e.object); yield* subExpressions(e.index); break;
    case 'not':
    case 'unary':
    case 'cast':
    case 'update':
      yield* subExpressions(e.operand);
      break;
    case 'binary':
    case 'assign':
    case 'comma':
      yield* subExpressions(e.left);
      yield* subExpressions(e.right);
      break;
    case 'conditional':
      yield* subExpressions(e.test);
      if (e.then) yield* subExpressions(e.then);
      yield* subExpressions(e.else);
      break;
    case 'sizeof': if (e.operand) yield* subExpressions(e.operand); break;
    default: break;
  }
}

/** Does `e` read identifier `name` (not as a field name or callee)? */
export function exprMentions(e: Expr, name: string): boolean {
  for (const x of subExpressions(e)) if (x.kind === 'ident' && x.name === name) return true;
  return false;
}

/** Structural equality (through printing; casts kept unless asked). */
export function sameExpr(a: Expr, b: Expr, options: PrintOptions = {}): boolean {
  return printExpr(a, options) === printExpr(b, options);
}

// ---- truth values -----------------------------------------------------------------------------

export const ZERO: Expr = { kind: 'number', value: 0n, text: '0', unsigned: false, longs: 0 };

/** `!e`, simplified: `!!x` → x as a truth value, `!(a == b)` → `a != b`, De Morgan on && and ||. */
export function negateCondition(e: Expr): Expr {
  switch (e.kind) {
    case 'not': return e.operand;
    case 'binary':
      if (COMPARISON_OPS.has(e.op)) return { ...e, op: NEGATED_COMPARISON[e.op] };
      if (e.op === '&&') return { kind: 'binary', op: '||', left: negateCondition(e.left), right: negateCondition(e.right) };
      if (e.op === '||') return { kind: 'binary', op: '&&', left: negateCondition(e.left), right: negateCondition(e.right) };
      return { kind: 'not', operand: e };
    case 'number': return { ...e, value: e.value === 0n ? 1n : 0n, text: e.value === 0n ? '1' : '0' };
    default: return { kind: 'not', operand: e };
  }
}

/** The conjuncts of a condition known true: `a && (b && c)` → [a, b, c]; `!(a || b)` → [!a, !b]. */
export function conjuncts(e: Expr): Expr[] {
  if (e.kind === 'binary' && e.op === '&&') return [...conjuncts(e.left), ...conjuncts(e.right)];
  if (e.kind === 'not' && e.operand.kind === 'binary' && e.operand.op === '||') {
    return [...conjuncts(negateCondition(e.operand.left)), ...conjuncts(negateCondition(e.operand.right))];
  }
  return [e];
}

/**
 * A condition read as a comparison with the variable part on the left:
 * `x` → x != 0, `!x` → x == 0, `0 != x` → x != 0, `x & M` → (x & M) != 0, `!(x & M)` → (x & M) == 0,
 * `a < b` stays. Returns undefined for && / || (split them with `conjuncts` first).
 */
export function asComparison(e: Expr): { left: Expr; op: BinaryOp; right: Expr } | undefined {
  if (e.kind === 'not') {
    const inner = asComparison(e.operand);
    return inner ? { ...inner, op: NEGATED_COMPARISON[inner.op] } : undefined;
  }
  if (e.kind === 'binary') {
    if (e.op === '&&' || e.op === '||') return undefined;
    if (COMPARISON_OPS.has(e.op)) {
      if (isConstantLike(e.left) && !isConstantLike(e.right)) return { left: e.right, op: MIRRORED_COMPARISON[e.op], right: e.left };
      return { left: e.left, op: e.op, right: e.right };
    }
  }
  return { left: e, op: '!=', right: ZERO };
}

/** Numbers, upper-case macro constants and calls of upper-case macros (DMA_BIT_MASK(32)). */
export function isConstantLike(e: Expr): boolean {
  switch (e.kind) {
    case 'number': return true;
    case 'ident': return /^[A-Z][A-Z0-9_]*$/.test(e.name);
    case 'call': return /^[A-Z][A-Z0-9_]*$/.test(e.callee) && e.args.every(isConstantLike);
    case 'unary': return e.op !== '*' && e.op !== '&' && isConstantLike(e.operand);
    case 'cast': return isConstantLike(e.operand);
    case 'binary': return isConstantLike(e.left) && isConstantLike(e.right);
    default: return false;
  }
}
