// iova/size-overflow — finds IOVA lengths that wrap: a size, a size plus its pad or its alignment
// narrowed into a 32-bit variable or cast, and byte counts computed in 32-bit arithmetic
// (`npages << PAGE_SHIFT` with an int), reachable on 64-bit builds. With the option `latent`, also
// the 32-bit-only wrap of `size + pad` that mainline dma_iova_try_alloc still has (reference D23),
// as a note. Confidence: high (narrowing), moderate (32-bit arithmetic).
import {
  analyze,
  argumentOf,
  calleeName,
  castParts,
  impliesAnyOf,
  integerTypeOf,
  printExpr,
  valueSources,
  type Carrier,
  type Expr,
  type FunctionAnalysis,
  type FunctionInfo,
  type SyntaxNode,
} from '../c/index.js';
import { contractFor } from '../model/index.js';
import {
  API_LENGTH_CALLS,
  GRANULE_MAPPERS,
  INTERNAL_ALLOCATORS,
  implementsTwoStep,
  inGranuleOffset,
  isParameterValue,
  mentionsAny,
  offsetAt,
  unwrapExpression,
  SIZE_LIKE,
  isUnseenVariable,
} from './iova-common.js';
import { createRule, type RuleContext } from './types.js';

type MessageId = 'narrowed' | 'arithmetic32' | 'latentWrap';

const SINKS = new Map([...INTERNAL_ALLOCATORS, ...GRANULE_MAPPERS, ...API_LENGTH_CALLS].filter(([, s]) => !s.granules));
const ROUNDING = new Set(['iova_align', 'ALIGN', 'PAGE_ALIGN', 'round_up', 'roundup']);

/** Through every operand of `+ * << |` and the rounding helpers: the nodes a length is made of. */
const LENGTH_PARTS: Carrier = (node) => {
  if (node.type === 'binary_expression') {
    const op = node.childForFieldName('operator')?.type ?? '';
    if (['+', '*', '<<', '|'].includes(op)) return [node.childForFieldName('left'), node.childForFieldName('right')].filter((n): n is SyntaxNode => !!n);
    return [];
  }
  if (node.type === 'call_expression') {
    const name = calleeName(node) ?? '';
    if (ROUNDING.has(name)) {
      const arg = argumentOf(node, name === 'iova_align' ? 1 : 0);
      return arg ? [arg] : [];
    }
  }
  return [];
};

const returnType = (callee: string): string | undefined => contractFor(callee)?.returns.cType;

/** Some variable the value is made of holds more than 32 bits (a size_t, a u64, a dma_addr_t). */
function carriesWideValue(a: FunctionAnalysis, node: SyntaxNode, context: RuleContext<MessageId>): boolean {
  return valueSources(a, node, LENGTH_PARTS, 32).some((s) => {
    // on a partial function: an unseen variable named like a caller's size is a size_t by the
    // kernel's convention (a report that rests on it names its subject for the engine to judge)
    if (isUnseenVariable(a, s) && SIZE_LIKE.test(s.text)) return true;
    if (s.type !== 'identifier' && s.type !== 'field_expression') return false;
    if (s.type === 'identifier' && !a.variable(s.text, s.startIndex)) return false; // a constant
    const t = integerTypeOf(a, s, { file: context.file, returnType });
    return !!t && t.bits > 32;
  });
}

/** The value is a size computation (a sum with a pad, an alignment, a scaled count) over a 64-bit quantity. */
function isWideSizeComputation(a: FunctionAnalysis, node: SyntaxNode, context: RuleContext<MessageId>): boolean {
  const x = unwrapExpression(node);
  const t = integerTypeOf(a, x, { file: context.file, returnType });
  if (!t || t.bits <= 32) return false;
  const computed =
    (x.type === 'call_expression' && ROUNDING.has(calleeName(x) ?? '')) ||
    (x.type === 'binary_expression' && ['+', '*', '<<'].includes(x.childForFieldName('operator')?.type ?? '')) ||
    (x.type === 'identifier' && isParameterValue(a, x));
  return computed && carriesWideValue(a, x, context);
}

/** Trees of architectures that only build 32-bit kernels: size_t is 32 bits there too. */
const THIRTY_TWO_BIT_ONLY = /^arch\/(arm|arc|csky|hexagon|m68k|microblaze|nios2|openrisc|sh|xtensa)\//;

function isConstant(a: FunctionAnalysis, node: SyntaxNode): boolean {
  const x = unwrapExpression(node);
  if (x.type === 'number_literal') return true;
  if (x.type === 'identifier') return !a.variable(x.text, x.startIndex);
  if (x.type === 'call_expression') return /^[A-Z0-9_]+$/.test(calleeName(x) ?? '');
  return false;
}

interface Finding {
  node: SyntaxNode;
  messageId: MessageId;
  data: Record<string, string>;
  param?: string;
  /** The call the length reaches and its argument index (for the simulator's `reaches`). */
  sink?: { callee: string; arg: number };
  /** The value the length should have had, computed wide (C text over the parameters). */
  widened?: string;
}

function narrowingsIn(a: FunctionAnalysis, length: SyntaxNode, context: RuleContext<MessageId>): Finding[] {
  const out: Finding[] = [];
  for (const s of valueSources(a, length, LENGTH_PARTS, 64)) {
    // (u32)(size + pad): a cast that drops the upper half of a 64-bit size
    const cast = castParts(s);
    if (cast) {
      const t = integerTypeOf(a, s, { file: context.file, returnType });
      if (t && t.bits <= 32 && isWideSizeComputation(a, cast.value, context)) {
        out.push({ node: s, messageId: 'narrowed', data: { value: unwrapExpression(cast.value).text, type: cast.type } });
      }
      continue;
    }
    // u32 len = iova_align(iovad, size + off);
    if (s.type === 'identifier') {
      const v = a.variable(s.text, s.startIndex);
      const def = a.uniqueDefinition(s);
      if (!v || !def?.value || (def.kind !== 'init' && def.kind !== 'assign')) continue;
      const t = integerTypeOf(a, s, { file: context.file, returnType });
      if (t && t.bits <= 32 && isWideSizeComputation(a, def.value, context)) {
        out.push({ node: def.value, messageId: 'narrowed', data: { value: def.value.text, type: v.type } });
      }
      continue;
    }
    // npages << PAGE_SHIFT, nr * SZ_4K: a byte count computed in 32 bits
    if (s.type === 'binary_expression') {
      const op = s.childForFieldName('operator')?.type ?? '';
      if (op !== '*' && op !== '<<') continue;
      const left = s.childForFieldName('left');
      const right = s.childForFieldName('right');
      if (!left || !right) continue;
      const t = integerTypeOf(a, s, { file: context.file, returnType });
      if (!t || t.bits > 32) continue;
      const variable = [left, right].find((n) => !isConstant(a, n));
      if (!variable || (op === '<<' && variable.id === right.id) || THIRTY_TWO_BIT_ONLY.test(context.path)) continue;
      out.push({
        node: s,
        messageId: 'arithmetic32',
        data: { value: s.text, type: t.name, limit: t.unsigned ? '4 GiB' : '2 GiB' },
        // widened without a cast of a parenthesised operand (`(u64)(x)` reads as a call)
        widened: `(0ULL + ${left.text}) ${op} (${right.text})`,
      });
    }
  }
  return out;
}

/** A guard bounds `size` from above (`size > LIMIT` rejected, check_add_overflow...). */
function bounded(a: FunctionAnalysis, node: SyntaxNode, size: string, context: RuleContext<MessageId>): boolean {
  const upper = (atom: Expr): boolean => {
    if (atom.kind !== 'binary') return false;
    const l = printExpr(atom.left, { stripCasts: true });
    const r = printExpr(atom.right, { stripCasts: true });
    return ((atom.op === '<' || atom.op === '<=') && l === size) || ((atom.op === '>' || atom.op === '>=') && r === size);
  };
  return a.guardsAt(node, { helpers: context.functions }).some((g) => impliesAnyOf(g.condition, [upper]));
}

/** D23: `iova_align(iovad, size + pad)` in a two-step allocation, with no upper bound on size. */
function latentWraps(fn: FunctionInfo, a: FunctionAnalysis, context: RuleContext<MessageId>): Finding[] {
  if (!implementsTwoStep(fn)) return [];
  const out: Finding[] = [];
  for (const call of a.callsTo([...INTERNAL_ALLOCATORS.keys()])) {
    const shape = INTERNAL_ALLOCATORS.get(calleeName(call) ?? '');
    const length = shape ? argumentOf(call, shape.size) : undefined;
    if (!length) continue;
    for (const s of valueSources(a, length, LENGTH_PARTS, 64)) {
      if (s.type !== 'binary_expression' || s.childForFieldName('operator')?.type !== '+') continue;
      const parts = [s.childForFieldName('left'), s.childForFieldName('right')];
      const size = parts.find((p) => p && isParameterValue(a, p));
      const pad = parts.find((p) => p && (offsetAt(a, p) || inGranuleOffset(p)));
      if (!size || !pad || bounded(a, s, size.text, context)) continue;
      out.push({ node: s, messageId: 'latentWrap', data: { value: s.text }, param: size.text });
    }
  }
  return out;
}

export const sizeOverflowRule = createRule<MessageId>({
  meta: {
    id: 'iova/size-overflow',
    severity: 'error',
    confidence: 'moderate',
    description: 'an IOVA length (size + pad, its alignment, a scaled count) that wraps or is truncated',
    docs: 'rules/size-overflow.md',
    appliesTo: 'both',
    fixable: false,
    prefilter: [...SINKS.keys()],
    messages: {
      narrowed: '`{{value}}` is a 64-bit length narrowed to `{{type}}`: sizes of 4 GiB and more wrap to a small IOVA length',
      arithmetic32: '`{{value}}` is computed in `{{type}}` (32 bits) before it becomes a size_t length: it overflows at {{limit}}; widen an operand first (e.g. `(size_t)n << PAGE_SHIFT`) or use size_mul()',
      latentWrap: '`{{value}}` is not checked for wrap-around: with a 32-bit size_t a size near SIZE_MAX wraps to a small reservation (mainline has the same latent wrap, reference D23)',
    },
  },
  check(fn, context) {
    if (!mentionsAny(fn, SINKS.keys())) return;
    const a = analyze(fn);
    if (!a.cfg) return;
    const found: Finding[] = [];
    for (const call of a.callsTo([...SINKS.keys()])) {
      const shape = SINKS.get(calleeName(call) ?? '');
      const length = shape ? argumentOf(call, shape.size) : undefined;
      if (!length || !a.isReachable(call)) continue;
      found.push(...narrowingsIn(a, length, context).map((f) => ({ ...f, sink: { callee: shape!.name, arg: shape!.size } })));
    }
    if (context.options.latent === true) found.push(...latentWraps(fn, a, context));
    const seen = new Set<number>();
    for (const f of found) {
      // the caller-supplied input that overflows: a parameter the length is made of
      const param = f.param ?? valueSources(a, f.node, LENGTH_PARTS, 32).find((n) => isParameterValue(a, n))?.text;
      const big = f.messageId === 'arithmetic32' ? (f.data.limit === '2 GiB' ? '0x80000' : '0x100000') : '0x100000000';
      if (seen.has(f.node.id)) continue;
      seen.add(f.node.id);
      const latent = f.messageId === 'latentWrap';
      // on a partial function: local when every variable the length is made of is shown
      const shown = valueSources(a, f.node, LENGTH_PARTS, 32).every((n) => !isUnseenVariable(a, n));
      context.report({
        ...(fn.partial ? { subject: f.sink ? `${f.sink.callee}(` : f.node.text, ...(shown ? { local: true } : {}) } : {}),
        node: f.node,
        messageId: f.messageId,
        data: { ...f.data, value: f.data.value.replace(/\s+/g, ' ') },
        ...(latent ? { severity: 'note' as const } : {}),
        sim: {
          mode: 'confirm',
          function: fn.name,
          scenario: { arch: latent ? 32 : 64 },
          inputs: latent ? { [param ?? 'size']: '0xffffffff', phys: 'G-1' } : { [param ?? 'size']: big },
          expect: {
            invariants: ['size-no-wrap', 'reservation-covers-buffer', 'mapping-covers-buffer'],
            ...(f.sink && f.widened && !latent ? { reaches: { callee: f.sink.callee, arg: f.sink.arg, notEquals: f.widened } } : {}),
            description: 'the length wraps to a small value',
          },
        },
      });
    }
  },
});
