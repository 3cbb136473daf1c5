// dma/mask-source: finds IOVA allocations whose limit is not the mask the allocation is for: the
// coherent mask or a constant in a streaming/IOVA allocation, *dev->dma_mask unchecked, the
// streaming mask in a coherent allocation. Confidence high (the limit is read from the source).
import { analyze, argumentsOf, calleeName, conjuncts, asComparison, printExpr, stripCasts, toExpr, type Expr, type FunctionInfo, type SyntaxNode } from '../c/index.js';
import type { ScenarioSpec, SimRequest } from '../model/index.js';
import { createRule, type RuleContext } from './types.js';
import {
  allocationKind,
  byteLimitOfPfn,
  calledOnce,
  describeMask,
  maskOrigin,
  maskSinks,
  paramNames,
  sinkCallsIn,
  streamingMaskText,
  type MaskOrigin,
  type MaskSink,
} from './dma-mask-common.js';

type MessageId = 'coherentMask' | 'constantLimit' | 'rawMask' | 'busLimitOnly' | 'streamingForCoherent';

/** The IOVA domain of the device's DMA API domain (not a driver's private iova_domain). */
const DMA_DOMAIN_WORDS = /\b(iommu_get_dma_domain|iova_cookie|iommu_dma_cookie|cookie->iovad)\b/;

export default createRule<MessageId>({
  meta: {
    id: 'dma/mask-source',
    severity: 'error',
    confidence: 'high',
    description: 'IOVA allocation limit not taken from the mask the allocation is for (dma_get_mask(dev) for streaming and IOVA allocations)',
    docs: 'rules/mask-source.md',
    appliesTo: 'both',
    fixable: true,
    // runs on functions rebuilt from hunks too, reading only what the call itself shows there
    needsWholeFunction: false,
    messages: {
      coherentMask:
        'IOVA allocation limited by the coherent mask `{{source}}` in a streaming/IOVA allocation: the streaming mask `{{expected}}` may be narrower, and the device cannot reach an IOVA above it',
      constantLimit:
        'IOVA allocation limited by the constant `{{source}}`{{value}} instead of the device\'s mask `{{expected}}`: a device with a narrower mask gets an IOVA it cannot reach',
      rawMask:
        '`{{source}}` read without checking `{{pointer}}`: NULL or 0 when no mask was set; use `{{expected}}` (which falls back to DMA_BIT_MASK(32))',
      busLimitOnly:
        'IOVA allocation limited by the bus limit `{{source}}` alone: the device\'s own mask is ignored (and a bus limit of 0 means none); use `{{expected}}`',
      streamingForCoherent:
        'coherent allocation limited by the streaming mask `{{source}}`: coherent buffers must stay below `{{expected}}`, which may be narrower',
    },
  },
  check(fn, context) {
    const sinks = maskSinks(context.functions);
    const calls = sinkCallsIn(fn, sinks).filter(({ sink }) => sink.kind !== 'sets-mask');
    if (calls.length === 0) return;
    const kind = allocationKind(fn);
    const a = analyze(fn);
    const params = paramNames(fn);
    // a function rebuilt from hunks may hide definitions and guards: read the argument as written
    const partial = fn.partial || fn.hasError;
    for (const { call, sink } of calls) {
      const arg = argumentsOf(call)[sink.maskIndex];
      if (!arg) continue;
      const resolved = partial ? toExpr(arg) : a.resolve(arg);
      const limit = sink.kind === 'pfn-limit' ? byteLimitOfPfn(resolved) : resolved;
      if (!limit) continue;
      let origin = maskOrigin(limit, params, context.file);
      let shown = limit;
      if (origin.kind === 'unknown' && !partial) {
        const merged = mergedLocalOrigin(fn, sink.kind === 'pfn-limit' ? pfnOperand(arg) : arg, params, context);
        if (merged) ({ origin, shown } = merged);
      }
      // unseen lines may hold the test that makes a constant or a raw read safe: on a function
      // rebuilt from hunks the report names the allocator, and the engine keeps it only when the
      // pre-image rebuilt from the same hunks gave that allocator a limit the rule accepted
      if (partial && (origin.kind === 'raw-streaming' || (origin.kind === 'constant' && sink.kind === 'pfn-limit'))) {
        if (!fn.partial) continue;
        const subject = `${calleeName(call) ?? sink.callee}(`;
        checkOrigin(fn, { ...context, report: (d) => context.report({ ...d, subject }) }, { call, sink, arg, limit: shown, origin, kind });
        continue;
      }
      checkOrigin(fn, context, { call, sink, arg, limit: shown, origin, kind });
    }
  },
});

/** `x` of `x >> shift` as written (the byte limit of a pfn limit), else undefined. */
function pfnOperand(arg: SyntaxNode): SyntaxNode | undefined {
  let n = arg;
  for (let i = 0; i < 8 && (n.type === 'parenthesized_expression' || n.type === 'cast_expression'); i++) {
    n = (n.type === 'cast_expression' ? n.childForFieldName('value') : n.namedChildren[0]) ?? n;
  }
  return n.type === 'binary_expression' && n.childForFieldName('operator')?.text === '>>' ? (n.childForFieldName('left') ?? undefined) : undefined;
}

/**
 * A local with several definitions (`limit = dev->coherent_dma_mask; if (...) limit =
 * min(limit, dev->bus_dma_limit);`): the origin they all share. A definition that only narrows the
 * local by itself (`min(limit, ...)`) keeps its origin; any other disagreement gives none.
 */
function mergedLocalOrigin(fn: FunctionInfo, node: SyntaxNode | undefined, params: ReadonlySet<string>, context: RuleContext<MessageId>): { origin: MaskOrigin; shown: Expr } | undefined {
  if (node?.type !== 'identifier' || params.has(node.text)) return undefined;
  const a = analyze(fn);
  const defs = a.reaching(node);
  if (defs.length < 2 || defs.length > 8) return undefined;
  let merged: { origin: MaskOrigin; shown: Expr } | undefined;
  for (const def of defs) {
    if (!def.value || (def.kind !== 'init' && def.kind !== 'assign')) return undefined;
    const value = a.resolve(def.value);
    const bare = stripCasts(value);
    const narrowsItself = bare.kind === 'call' && /^(min|min_t|min_not_zero|umin)$/.test(bare.callee) && bare.args.some((x) => stripCasts(x).kind === 'ident' && (stripCasts(x) as { name: string }).name === node.text);
    if (narrowsItself) continue;
    const origin = maskOrigin(value, params, context.file);
    if (origin.kind === 'unknown' || (merged && merged.origin.kind !== origin.kind)) return undefined;
    merged ??= { origin, shown: value };
  }
  return merged;
}

interface Site {
  call: SyntaxNode;
  sink: MaskSink;
  arg: SyntaxNode;
  limit: Expr;
  origin: MaskOrigin;
  kind: ReturnType<typeof allocationKind>;
}

function checkOrigin(fn: FunctionInfo, context: RuleContext<MessageId>, site: Site): void {
  const { call, sink, arg, origin, kind } = site;
  const direct = sink.kind === 'iova-limit' && sameText(toExpr(arg), site.limit);
  const deviceArg = sink.deviceIndex !== undefined ? argumentsOf(call)[sink.deviceIndex] : undefined;
  const sim = (scenario: Partial<ScenarioSpec>, description: string) => ({
    mode: 'confirm' as const,
    function: fn.name,
    scenario,
    expect: { invariants: ['reservation-in-limit' as const], description },
  });
  switch (origin.kind) {
    case 'coherent': {
      if (kind === 'coherent') return;
      const expected = streamingMaskText(origin.device, origin.deviceArrow, printExpr);
      context.report({
        node: arg,
        messageId: 'coherentMask',
        data: { source: printExpr(site.limit), expected },
        ...(direct ? { fix: { node: arg, text: expected } } : {}),
        sim: sim({ mask: 32, coherentMask: 64 }, `the IOVA reserved by ${sink.callee} ends above the 32-bit streaming mask (coherent mask 64 bits)`),
      });
      return;
    }
    case 'raw-streaming': {
      if (kind === 'coherent') return;
      const pointer = `${printExpr(origin.device)}${origin.deviceArrow ? '->' : '.'}dma_mask`;
      if (guardedBy(fn, call, 'dma_mask')) return;
      const expected = streamingMaskText(origin.device, origin.deviceArrow, printExpr);
      context.report({
        node: arg,
        messageId: 'rawMask',
        severity: 'warning',
        data: { source: printExpr(site.limit), pointer, expected },
        ...(direct ? { fix: { node: arg, text: expected } } : {}),
        // no simulation: the model always gives a device a dma_mask pointer, so the NULL case cannot be shown
      });
      return;
    }
    case 'bus-limit': {
      const mask = kind === 'coherent' ? `${printExpr(origin.device)}${origin.deviceArrow ? '->' : '.'}coherent_dma_mask` : streamingMaskText(origin.device, origin.deviceArrow, printExpr);
      const expected = `min_not_zero(${mask}, ${printExpr(site.limit)})`;
      context.report({
        node: arg,
        messageId: 'busLimitOnly',
        data: { source: printExpr(site.limit), expected },
        ...(direct ? { fix: { node: arg, text: expected } } : {}),
        sim: sim({ mask: 32, coherentMask: 32, busLimit: 48 }, `${sink.callee} limited by a 48-bit bus limit alone reserves IOVA above the 32-bit mask`),
      });
      return;
    }
    case 'streaming': {
      if (kind !== 'coherent') return;
      const device = origin.device;
      const expected = device.kind === 'ident' ? `${device.name}->coherent_dma_mask` : `(${printExpr(device)})->coherent_dma_mask`;
      context.report({
        node: arg,
        messageId: 'streamingForCoherent',
        severity: 'warning',
        data: { source: printExpr(site.limit), expected },
        ...(direct && device.kind === 'ident' ? { fix: { node: arg, text: expected } } : {}),
        // the model's reservation-in-limit is about the streaming mask: observe the limit passed instead
        ...(calledOnce(fn, sink.callee)
          ? {
              sim: {
                mode: 'confirm' as const,
                function: fn.name,
                scenario: { mask: 64, coherentMask: 32 },
                expect: { reaches: { callee: sink.callee, arg: sink.maskIndex, equals: '0xffffffffffffffff' }, description: `${sink.callee} is limited by the 64-bit streaming mask, not the 32-bit coherent mask` },
              },
            }
          : {}),
      });
      return;
    }
    case 'constant': {
      if (origin.value === 0n) return;
      if (constantRelatedToMask(fn, call, new Set(fn.params.map((p) => p.name)))) return;
      // a driver's private iova_domain has its own aperture: only the DMA API domain's limit is a device mask
      if (sink.kind === 'pfn-limit' && kind !== 'streaming' && !DMA_DOMAIN_WORDS.test(fn.node.text) && !hasMaskParam(fn)) return;
      const expected =
        kind === 'coherent'
          ? `${deviceArg ? deviceArg.text : 'dev'}->coherent_dma_mask`
          : `dma_get_mask(${deviceArg ? deviceArg.text : 'dev'})`;
      const canFix = direct && deviceArg !== undefined && (kind !== 'coherent' || deviceArg.type === 'identifier');
      context.report({
        node: arg,
        messageId: 'constantLimit',
        data: { source: printExpr(site.limit), value: describeMask(origin.value) === printExpr(site.limit) ? '' : ` (${describeMask(origin.value)})`, expected },
        ...(canFix ? { fix: { node: arg, text: expected } } : {}),
        ...constantSim(fn, site, sim(
          { mask: 32, coherentMask: 32 },
          `${sink.callee} limited by ${describeMask(origin.value)} reserves IOVA above a 32-bit mask`,
        )),
      });
      return;
    }
    default:
      return;
  }
}

/**
 * The run that shows a constant limit: against the device's mask when the function has a device
 * (the model ties the IOVA domain to it), against the mask parameter it ignores otherwise.
 */
function constantSim(fn: FunctionInfo, site: Site, deviceRun: SimRequest): { sim: SimRequest } | Record<string, never> {
  if (site.sink.kind !== 'pfn-limit' || fn.params.some((p) => /\bstruct device \*$/.test(p.type))) return { sim: deviceRun };
  const maskParam = fn.params.find((p) => /^(u64|dma_addr_t|phys_addr_t)$/.test(p.type) && /mask|limit/i.test(p.name));
  if (!maskParam || !calledOnce(fn, site.sink.callee)) return {};
  return {
    sim: {
      mode: 'confirm',
      function: fn.name,
      inputs: { [maskParam.name]: '0xffffffff' },
      expect: {
        reaches: { callee: site.sink.callee, arg: site.sink.maskIndex, notEquals: '0xffffffff / G' },
        description: `${site.sink.callee} is limited by ${printExpr(site.limit)}, not by the ${maskParam.name} it was given`,
      },
    },
  };
}

function sameText(a: Expr, b: Expr): boolean {
  return printExpr(a) === printExpr(b);
}

/** A dominating test mentions the field (`dev->dma_mask && ...`). */
function guardedBy(fn: FunctionInfo, node: SyntaxNode, fieldName: string): boolean {
  return analyze(fn).guardsAt(node, { includeStale: true }).some((g) => new RegExp(`(->|\\.)${fieldName}\\b`).test(printExpr(g.condition)));
}

/**
 * A dominating test compares a mask (a parameter, dma_get_mask(), the coherent mask) with a
 * constant: the constant was chosen against the mask (the 32-bit first attempt of
 * iommu_dma_alloc_iova runs only when `dma_limit > DMA_BIT_MASK(32)`).
 */
function constantRelatedToMask(fn: FunctionInfo, node: SyntaxNode, params: ReadonlySet<string>): boolean {
  for (const g of analyze(fn).guardsAt(node, { includeStale: true })) {
    for (const c of conjuncts(g.condition)) {
      const cmp = asComparison(c);
      if (!cmp || cmp.op === '==' || cmp.op === '!=') continue;
      const sides = [maskOrigin(cmp.left, params), maskOrigin(cmp.right, params)];
      const hasMask = sides.some((s) => s.kind === 'streaming' || s.kind === 'coherent' || s.kind === 'param' || s.kind === 'raw-streaming');
      if (hasMask && sides.some((s) => s.kind === 'constant')) return true;
    }
  }
  return false;
}

/** The function takes a 64-bit mask or limit it could have used. */
function hasMaskParam(fn: FunctionInfo): boolean {
  return fn.params.some((p) => /^(u64|dma_addr_t|phys_addr_t)$/.test(p.type) && /mask|limit/i.test(p.name));
}
