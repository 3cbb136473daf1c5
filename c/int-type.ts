// The C integer type an expression is computed in, when the declarations are visible: locals and
// parameters, fields of structs the file defines, casts, literals, kernel constants, and the usual
// arithmetic conversions for operators. Rules use it to see a byte count computed in 32 bits
// (`npages << PAGE_SHIFT` with an int `npages`) or a size narrowed into a u32.
import type { FunctionAnalysis } from './analysis.js';
import { commonType, evalConst, intTypeOf, isKnownConst, type CIntType, type DataModel } from './const-eval.js';
import { calleeName } from './expressions.js';
import { expressionType } from './file-facts.js';
import { toExpr } from './expr.js';
import type { ParsedFile, SyntaxNode } from './types.js';

export interface IntTypeOptions {
  model?: DataModel;
  file?: ParsedFile;
  /** Return types of calls by callee name (C type text), e.g. from the model's contracts. */
  returnType?: (callee: string) => string | undefined;
}

/** Kernel names whose type is fixed by their definition. */
const NAMED_TYPES: Readonly<Record<string, string>> = {
  PAGE_SIZE: 'unsigned long',
  PAGE_MASK: 'unsigned long',
  PAGE_SHIFT: 'int',
  SIZE_MAX: 'size_t',
  ULONG_MAX: 'unsigned long',
};

/** Calls of kernel helpers whose result type is known (the rest come from `returnType`). */
const HELPER_RETURNS: Readonly<Record<string, string>> = {
  iova_align: 'size_t',
  iova_offset: 'size_t',
  iova_shift: 'unsigned long',
  iova_mask: 'unsigned long',
  size_mul: 'size_t',
  size_add: 'size_t',
  array_size: 'size_t',
  offset_in_page: 'unsigned long',
  page_size: 'unsigned long',
  dma_get_mask: 'u64',
  lower_32_bits: 'u32',
  upper_32_bits: 'u32',
};

function promote(t: CIntType): CIntType {
  return t.bits < 32 ? { name: 'int', bits: 32, unsigned: false } : t;
}

/**
 * A cast, also when tree-sitter read it as a call: `(u32)(size + off)` parses as a call of `(u32)`
 * because the parser cannot know `u32` is a type. A parenthesised callee naming an integer type
 * is a cast.
 */
export function castParts(node: SyntaxNode): { type: string; value: SyntaxNode } | undefined {
  if (node.type === 'cast_expression') {
    const type = node.childForFieldName('type');
    const value = node.childForFieldName('value');
    return type && value ? { type: type.text, value } : undefined;
  }
  if (node.type !== 'call_expression') return undefined;
  const callee = node.childForFieldName('function');
  if (callee?.type !== 'parenthesized_expression') return undefined;
  const name = callee.namedChildren.find((c) => c.type !== 'comment');
  const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter((c) => c.type !== 'comment');
  if (name?.type !== 'identifier' || args.length !== 1 || !intTypeOf(name.text)) return undefined;
  return { type: name.text, value: args[0] };
}

/** The integer type `node` is computed in, or undefined when something on the way is unknown. */
export function integerTypeOf(a: FunctionAnalysis, node: SyntaxNode, options: IntTypeOptions = {}, depth = 0): CIntType | undefined {
  const model = options.model ?? 'LP64';
  if (depth > 32) return undefined;
  const sub = (n: SyntaxNode | null): CIntType | undefined => (n ? integerTypeOf(a, n, options, depth + 1) : undefined);
  switch (node.type) {
    case 'parenthesized_expression':
      return sub(node.namedChildren.find((c) => c.type !== 'comment') ?? null);
    case 'number_literal':
    case 'char_literal': {
      const r = evalConst(toExpr(node), { model });
      return isKnownConst(r) ? r.type : undefined;
    }
    case 'cast_expression':
      return intTypeOf(node.childForFieldName('type')?.text ?? '', model);
    case 'identifier': {
      const v = a.variable(node.text, node.startIndex);
      if (v) return intTypeOf(v.type, model);
      const named = NAMED_TYPES[node.text];
      if (named) return intTypeOf(named, model);
      const r = evalConst(toExpr(node), { model });
      return isKnownConst(r) ? r.type : undefined;
    }
    case 'field_expression':
    case 'pointer_expression': {
      const t = expressionType(a, node, options.file);
      return t ? intTypeOf(t, model) : undefined;
    }
    case 'binary_expression': {
      const op = node.childForFieldName('operator')?.type ?? '';
      const l = sub(node.childForFieldName('left'));
      if (op === '<<' || op === '>>') return l ? promote(l) : undefined;
      if (['==', '!=', '<', '<=', '>', '>=', '&&', '||'].includes(op)) return { name: 'int', bits: 32, unsigned: false };
      const r = sub(node.childForFieldName('right'));
      return l && r ? commonType(l, r) : undefined;
    }
    case 'unary_expression': {
      const op = node.childForFieldName('operator')?.type;
      if (op === '!') return { name: 'int', bits: 32, unsigned: false };
      const t = sub(node.childForFieldName('argument'));
      return t ? promote(t) : undefined;
    }
    case 'conditional_expression': {
      const l = sub(node.childForFieldName('consequence'));
      const r = sub(node.childForFieldName('alternative'));
      return l && r ? commonType(l, r) : undefined;
    }
    case 'sizeof_expression':
      return intTypeOf('size_t', model);
    case 'call_expression': {
      const cast = castParts(node);
      if (cast) return intTypeOf(cast.type, model);
      const name = calleeName(node) ?? '';
      if (name === 'min_t' || name === 'max_t' || name === 'clamp_t') {
        const typeArg = node.childForFieldName('arguments')?.namedChildren[0];
        return typeArg ? intTypeOf(typeArg.text, model) : undefined;
      }
      if (/^(SZ_|BIT|GENMASK|DMA_BIT_MASK)/.test(name)) {
        const r = evalConst(toExpr(node), { model });
        return isKnownConst(r) ? r.type : undefined;
      }
      const ret = HELPER_RETURNS[name] ?? options.returnType?.(name);
      return ret ? intTypeOf(ret, model) : undefined;
    }
    default:
      return undefined;
  }
}
