// dma/mask-truncation: finds DMA masks narrowed below 64 bits (stored in u32/int/unsigned long,
// cast down, returned as u32, a u32 limit parameter of an IOVA allocator) and masks built with a
// shift that overflows its type (`(1 << 36) - 1`). Confidence high: values are evaluated with C's
// types on 64- and 32-bit builds.
import {
  analyze,
  argumentsOf,
  calleeName,
  declaredType,
  expressionType,
  defineValue,
  printExpr,
  stripCasts,
  subExpressions,
  toExpr,
  type Expr,
  type FunctionInfo,
  type SyntaxNode,
} from '../c/index.js';
import { createRule, type RuleContext } from './types.js';
import { describeMask, isMaskExpression, mayHoldMask, maskSinks, maxMaskValue, narrowingOf, calledOnce, observable, shiftMask, sinkCallsIn, type MaskSink, type Narrowing } from './dma-mask-common.js';

type MessageId = 'narrowStore' | 'narrowReturn' | 'narrowParam' | 'narrowArgument' | 'narrowCast' | 'shiftOverflow';

/** Types a fix may widen to u64 (written as the declaration's whole type). */
const WIDENABLE = /^(u32|__u32|uint32_t|s32|int|unsigned|unsigned int|unsigned long|long|size_t|uint)$/;
/** Fields that hold a device's mask: a value stored there is a mask whatever it is built from. */
const MASK_TARGET = /(->|\.)(coherent_dma_mask|bus_dma_limit)$|^\*.*(->|\.)dma_mask$/;

export default createRule<MessageId>({
  meta: {
    id: 'dma/mask-truncation',
    severity: 'error',
    confidence: 'high',
    description: 'DMA mask narrowed to fewer than 64 bits (u32/int/unsigned long variables, casts, returns, parameters) or built with an overflowing shift such as (1 << 36) - 1',
    docs: 'rules/mask-truncation.md',
    appliesTo: 'both',
    fixable: true,
    // every check reads one declaration, store, return or argument: sound on functions rebuilt from hunks
    needsWholeFunction: false,
    messages: {
      narrowStore: 'mask `{{value}}` stored in `{{type}} {{target}}`: {{effect}}',
      narrowReturn: 'mask `{{value}}` returned as `{{type}}` from {{fn}}(): {{effect}}',
      narrowParam: 'the `{{type}} {{param}}` parameter narrows every mask passed to {{fn}}() before it limits {{callee}}(): a 64-bit mask becomes {{becomes}}',
      narrowArgument: 'mask `{{value}}` passed as `{{type}} {{param}}` of {{callee}}(): {{effect}}',
      narrowCast: 'mask `{{value}}` cast to `{{type}}` before {{callee}}(): {{effect}}',
      shiftOverflow: '`{{text}}` is not DMA_BIT_MASK({{bits}}): {{why}}; use `DMA_BIT_MASK({{bits}})`',
    },
  },
  check(fn, context) {
    if (!fn.body) return;
    const sinks = maskSinks(context.functions);
    const sinkCalls = sinkCallsIn(fn, sinks);
    const fixed = new Set<number>();
    // stores, returns and helper arguments report only mask expressions (isMaskExpression)
    const mayHold = mayHoldMask(fn, context.file);
    if (mayHold) {
      checkStores(fn, context, sinkCalls, fixed);
      checkReturns(fn, context);
    }
    checkSinkArguments(fn, context, sinkCalls);
    if (mayHold) checkHelperArguments(fn, context);
    checkShifts(fn, context, sinkCalls);
  },
});

type SinkCall = { call: SyntaxNode; sink: MaskSink };

function effectOf(n: Narrowing): string {
  const becomes = describeMask(n.becomes);
  const where = n.on64 ? '' : ' on 32-bit builds';
  return n.becomes > 0xffff_ffffn ? `it sign-extends to ${becomes}${where}` : `the mask becomes ${becomes}${where}, its upper bits lost`;
}

/**
 * Ask the simulator to show the sink receiving another mask than the one meant: only when the
 * value reaches a sink of this function and has one meaning (no `?:` choosing between masks).
 */
function simFor(fn: FunctionInfo, n: Narrowing, max: bigint, sink: SinkCall | undefined, description: string, value?: Expr, sinkOwner: FunctionInfo = fn) {
  if (!sink || (value && [...subExpressions(value)].some((x) => x.kind === 'conditional'))) return {};
  // `reaches` matches any call of the callee: only one may exist
  if (!calledOnce(sinkOwner, sink.sink.callee)) return {};
  return observable({
    mode: 'confirm',
    function: fn.name,
    scenario: { mask: 64, coherentMask: 64, ...(n.on64 ? {} : { arch: 32 as const }) },
    expect: {
      reaches: { callee: sink.sink.callee, arg: sink.sink.maskIndex, notEquals: `0x${max.toString(16)}` },
      description,
    },
  });
}

/** The sink call whose mask argument reads `name` (through locals). */
function sinkReading(fn: FunctionInfo, sinkCalls: readonly SinkCall[], name: string): SinkCall | undefined {
  const a = analyze(fn);
  return sinkCalls.find(({ call, sink }) => {
    const arg = argumentsOf(call)[sink.maskIndex];
    return arg !== undefined && a.mentions(arg, name, { throughLocals: true });
  });
}

/** `T x = mask;`, `x = mask;`, `p->field = mask;` with a narrow T. */
function checkStores(fn: FunctionInfo, context: RuleContext<MessageId>, sinkCalls: readonly SinkCall[], fixed: Set<number>): void {
  const a = analyze(fn);
  const body = fn.body!;
  // a store's type is looked up only when its value is a mask (most stores hold none)
  type Store = { target: string; value: SyntaxNode; typed: () => { type: string; declaration?: SyntaxNode; declarator?: SyntaxNode } | undefined };
  const stores: Store[] = [];
  for (const init of body.descendantsOfType('init_declarator')) {
    const declaration = init.parent;
    const value = init.childForFieldName('value');
    const declarator = init.childForFieldName('declarator');
    if (!declaration || declaration.type !== 'declaration' || !value || !declarator || value.type === 'initializer_list') continue;
    stores.push({ target: declarator.text, value, typed: () => ({ type: declaredType(declaration, init), declaration, declarator: init }) });
  }
  for (const assign of body.descendantsOfType('assignment_expression')) {
    if (assign.childForFieldName('operator')?.text !== '=') continue;
    const left = assign.childForFieldName('left');
    const value = assign.childForFieldName('right');
    if (!left || !value) continue;
    stores.push({
      target: left.text,
      value,
      typed: () => {
        if (left.type !== 'identifier') {
          const type = expressionType(a, left, context.file);
          return type ? { type } : undefined;
        }
        const v = a.variable(left.text, left.startIndex);
        if (!v?.type) return undefined;
        const declaration = v.isParam ? undefined : (v.declaration.parent ?? undefined);
        return { type: v.type, ...(declaration ? { declaration, declarator: v.declaration } : {}) };
      },
    });
  }
  for (const candidate of stores) {
    const resolved = a.resolve(candidate.value);
    if (!isMaskExpression(resolved) && !MASK_TARGET.test(candidate.target)) continue;
    const typed = candidate.typed();
    if (!typed) continue;
    const store = { ...candidate, ...typed };
    const max = maxMaskValue(resolved, context.file);
    if (max === undefined) continue;
    const n = narrowingOf(store.type, max);
    if (!n) continue;
    const name = store.target.replace(/^\**/, '');
    const sink = /^\w+$/.test(name) ? sinkReading(fn, sinkCalls, name) : undefined;
    const fix = widenFix(store.declaration, store.declarator, fixed);
    context.report({
      node: store.value,
      messageId: 'narrowStore',
      severity: n.on64 ? 'error' : 'warning',
      data: { value: printExpr(toExpr(store.value)), type: store.type, target: name, effect: effectOf(n) },
      ...(fix ? { fix } : {}),
      ...simFor(fn, n, max, sink, `the mask stored in ${name} reaches ${sink ? sink.sink.callee : 'its use'} as ${describeMask(n.becomes)}`, resolved),
    });
  }
}

/** Replace the declaration's type by u64 when it declares only this variable. */
function widenFix(declaration: SyntaxNode | undefined, declarator: SyntaxNode | undefined, fixed: Set<number>): { node: SyntaxNode; text: string } | undefined {
  if (!declaration || !declarator || declaration.type !== 'declaration') return undefined;
  const declarators = declaration.namedChildren.filter((c) => c.type === 'init_declarator' || c.type === 'identifier' || c.type.endsWith('_declarator'));
  const typeNode = declaration.childForFieldName('type');
  if (declarators.length !== 1 || !typeNode || fixed.has(declaration.id)) return undefined;
  // `unsigned int x` is a sized_type_specifier: the whole type node
  if (!WIDENABLE.test(typeNode.text.replace(/\s+/g, ' ').trim())) return undefined;
  if (declarators[0]!.text.includes('*')) return undefined;
  fixed.add(declaration.id);
  return { node: typeNode, text: 'u64' };
}

/** `return DMA_BIT_MASK(40);` from a function returning u32. */
function checkReturns(fn: FunctionInfo, context: RuleContext<MessageId>): void {
  const a = analyze(fn);
  for (const ret of fn.body!.descendantsOfType('return_statement')) {
    const value = ret.namedChildren.find((c) => c.type !== 'comment');
    if (!value) continue;
    const resolved = a.resolve(value);
    if (!isMaskExpression(resolved)) continue;
    const max = maxMaskValue(resolved, context.file);
    if (max === undefined) continue;
    const n = narrowingOf(fn.returnType, max);
    if (!n) continue;
    context.report({
      node: value,
      messageId: 'narrowReturn',
      severity: n.on64 ? 'error' : 'warning',
      data: { value: printExpr(toExpr(value)), type: fn.returnType, fn: fn.name, effect: effectOf(n) },
    });
  }
}

/** A narrow parameter handed to an IOVA allocator's limit; a narrowing cast in a sink's mask argument. */
function checkSinkArguments(fn: FunctionInfo, context: RuleContext<MessageId>, sinkCalls: readonly SinkCall[]): void {
  for (const { call, sink } of sinkCalls) {
    const arg = argumentsOf(call)[sink.maskIndex];
    if (!arg) continue;
    const written = stripCasts(toExpr(arg));
    // a pfn limit is an unsigned long by design: only the byte limit it is shifted from is a mask
    const base = sink.kind === 'pfn-limit' ? (written.kind === 'binary' && written.op === '>>' ? stripCasts(written.left) : undefined) : written;
    if (sink.kind !== 'sets-mask' && base?.kind === 'ident') {
      const param = fn.params.find((p) => p.name === base.name);
      const n = param ? narrowingOf(param.type, (1n << 64n) - 1n) : undefined;
      // narrowing on 64-bit builds only: unsigned long limits are the iova code's convention
      if (param && n?.on64 && /mask|limit/i.test(param.name)) {
        context.report({
          node: arg,
          messageId: 'narrowParam',
          data: { type: param.type, param: param.name, fn: fn.name, callee: sink.callee, becomes: describeMask(n.becomes) },
        });
        continue;
      }
    }
    // descendantsOfType includes the node itself when it matches
    for (const cast of arg.descendantsOfType('cast_expression')) {
      const type = cast.childForFieldName('type')?.text ?? '';
      const operand = cast.childForFieldName('value');
      if (!operand) continue;
      const value = analyze(fn).resolve(operand);
      if (!isMaskExpression(value)) continue;
      const max = maxMaskValue(value, context.file);
      const n = max !== undefined ? narrowingOf(type, max) : undefined;
      if (!n || max === undefined) continue;
      context.report({
        node: cast,
        messageId: 'narrowCast',
        severity: n.on64 ? 'error' : 'warning',
        data: { value: printExpr(toExpr(operand)), type, callee: sink.callee, effect: effectOf(n) },
        ...simFor(fn, n, max, { call, sink }, `${sink.callee} receives the mask as ${describeMask(n.becomes)}`, value),
      });
    }
  }
}

/** A mask passed to a function of the change whose parameter is narrower (`u32 mask`). */
function checkHelperArguments(fn: FunctionInfo, context: RuleContext<MessageId>): void {
  const a = analyze(fn);
  for (const call of fn.body!.descendantsOfType('call_expression')) {
    const callee = call.childForFieldName('function');
    if (callee?.type !== 'identifier' || callee.text === fn.name) continue;
    const helper = context.functions.get(callee.text)?.fn;
    if (!helper) continue;
    argumentsOf(call).forEach((arg, i) => {
      const param = helper.params[i];
      if (!param || param.name === '...') return;
      const value = a.resolve(arg);
      if (!isMaskExpression(value)) return;
      const max = maxMaskValue(value, context.file);
      const n = max !== undefined ? narrowingOf(param.type, max) : undefined;
      if (!n || max === undefined) return;
      context.report({
        node: arg,
        messageId: 'narrowArgument',
        severity: n.on64 ? 'error' : 'warning',
        data: { value: printExpr(toExpr(arg)), type: param.type, param: param.name, callee: helper.name, effect: effectOf(n) },
        // observed where the helper hands the parameter to its sink (calls are recorded before conversion)
        ...(calledOnce(fn, helper.name) ? simFor(fn, n, max, innerSink(helper.name, context), `${helper.name}() passes the mask on as ${describeMask(n.becomes)}`, value, helper) : {}),
      });
    });
  }
}

/** The contract sink a helper of the change passes its mask parameter to, as a sink call. */
function innerSink(helper: string, context: RuleContext<MessageId>): SinkCall | undefined {
  const derived = maskSinks(context.functions).get(helper);
  const via = derived?.via ? maskSinks(context.functions).get(derived.via) : undefined;
  const inner = context.functions.get(helper)?.fn;
  if (!via || !inner) return undefined;
  const call = sinkCallsIn(inner, new Map([[via.callee, via]]))[0]?.call;
  return call ? { call, sink: via } : undefined;
}

/** `(1 << 36) - 1` where a mask is expected: a sink's argument (through locals and #defines) or a mask field. */
function checkShifts(fn: FunctionInfo, context: RuleContext<MessageId>, sinkCalls: readonly SinkCall[]): void {
  const a = analyze(fn);
  const roots: Array<{ node: SyntaxNode; sink?: SinkCall }> = [];
  for (const sc of sinkCalls) {
    const arg = argumentsOf(sc.call)[sc.sink.maskIndex];
    if (!arg) continue;
    roots.push({ node: arg, sink: sc });
    for (const id of arg.type === 'identifier' ? [arg] : arg.descendantsOfType('identifier')) {
      for (const def of a.reaching(id)) if (def.value) roots.push({ node: def.value, sink: sc });
    }
  }
  // a store to a mask field names the field (MASK_TARGET): most functions store to none
  const bodyText = fn.body!.text;
  const storesMaskField = bodyText.includes('dma_mask') || bodyText.includes('bus_dma_limit');
  for (const assign of storesMaskField ? fn.body!.descendantsOfType('assignment_expression') : []) {
    const left = assign.childForFieldName('left');
    const right = assign.childForFieldName('right');
    if (left && right && MASK_TARGET.test(printExpr(toExpr(left)))) roots.push({ node: right });
  }
  const seen = new Set<number>();
  for (const { node, sink } of roots) {
    const candidates = node.descendantsOfType(['binary_expression', 'call_expression']).filter((b) => b.type === 'binary_expression' || calleeName(b) === 'GENMASK');
    let found = false;
    for (const b of candidates) {
      if (seen.has(b.startIndex)) continue;
      const shape = shiftMask(toExpr(b), context.file);
      if (!shape) continue;
      seen.add(b.startIndex);
      found = true;
      reportShift(fn, context, b, printExpr(toExpr(b)), shape, sink, true);
    }
    // a #define used as the mask: `dma_set_mask(dev, FOO_DMA_MASK)` with `#define FOO_DMA_MASK ((1 << 36) - 1)`
    if (!found && node.type === 'identifier' && !seen.has(node.startIndex)) {
      const value = defineValue(context.file, node.text);
      const shape = value ? shiftMaskWithin(value, context) : undefined;
      if (value && shape) {
        seen.add(node.startIndex);
        reportShift(fn, context, node, `${node.text}`, shape, sink, false);
      }
    }
  }
}

function shiftMaskWithin(e: Expr, context: RuleContext<MessageId>): ReturnType<typeof shiftMask> {
  const direct = shiftMask(e, context.file);
  if (direct) return direct;
  return e.kind === 'cast' ? shiftMask(e.operand, context.file) : undefined;
}

function reportShift(
  fn: FunctionInfo,
  context: RuleContext<MessageId>,
  node: SyntaxNode,
  text: string,
  shape: NonNullable<ReturnType<typeof shiftMask>>,
  sink: SinkCall | undefined,
  fixable: boolean,
): void {
  const wrong64 = shape.on64 !== shape.intended;
  const wrong32 = shape.on32 !== shape.intended;
  if (!wrong64 && !wrong32) return;
  const got = wrong64 ? shape.on64 : shape.on32;
  const why =
    got === undefined
      ? `the shift is undefined${wrong64 ? '' : ' on 32-bit builds'}`
      : `the shift overflows its type, so it evaluates to ${describeMask(got)}${wrong64 ? '' : ' on 32-bit builds'}`;
  const bits = Number(shape.bits);
  context.report({
    node,
    messageId: 'shiftOverflow',
    severity: wrong64 ? 'error' : 'warning',
    data: { text, bits, why },
    ...(fixable && bits >= 1 && bits <= 64 ? { fix: { node, text: `DMA_BIT_MASK(${bits})` } } : {}),
    ...(sink && calledOnce(fn, sink.sink.callee)
      ? observable({
          mode: 'confirm',
          function: fn.name,
          scenario: { mask: 64, coherentMask: 64, ...(wrong64 ? {} : { arch: 32 as const }) },
          expect: {
            reaches: { callee: sink.sink.callee, arg: sink.sink.maskIndex, notEquals: `0x${shape.intended.toString(16)}` },
            description: `${text} is meant as DMA_BIT_MASK(${bits}) but is ${got === undefined ? 'undefined' : describeMask(got)}`,
          },
        })
      : {}),
  });
}
