// iova/link-pad-offset — finds links of a phys with an in-granule offset at a non-zero IOVA
// offset: an implementation of dma_iova_link that maps without rejecting them, a caller linking a
// visibly unaligned phys after the first link, and a caller handing dma_iova_try_alloc() an
// alignment hint as phys (reference D6, D17). Confidence: high (implementations), moderate (callers).
import {
  additiveTerms,
  analyze,
  argumentOf,
  calleeName,
  evalConst,
  impliesAnyOf,
  impliesZero,
  isKnownConst,
  printExpr,
  toExpr,
  type Expr,
  type FunctionAnalysis,
  type FunctionInfo,
  type SyntaxNode,
} from '../c/index.js';
import { contractFor } from '../model/index.js';
import {
  GRANULE_MAPPERS,
  argIndex,
  isParameterValue,
  isStatePointerType,
  isUnseenParameter,
  mentionsAny,
  offsetLocals,
  physParams,
  printed,
  shownStatements,
  statementAnchor,
  unwrapExpression,
} from './iova-common.js';
import { createRule, type RuleContext } from './types.js';

type MessageId = 'implementationUnchecked' | 'callerUnaligned' | 'allocPhysHint' | 'unseenLinkUnchecked';

/** The function has the shape of dma_iova_link: a state, a phys and an IOVA offset. */
function linkShape(fn: FunctionInfo): { phys: string; offset: string } | undefined {
  if (!fn.params.some((p) => isStatePointerType(p.type))) return undefined;
  // on a partial function the header git showed may stop before phys and offset: the shown
  // lines' unseen `phys`, and `offset` (named so by the API) stand in for them
  const phys = physParams(fn)[0] ?? (fn.partial ? fn.params.find((p) => p.name === 'phys' && isUnseenParameter(fn, p.name))?.name : undefined);
  const offset = fn.params.find((p) => /offset/.test(p.name) && !/\bphys_addr_t\b|\*/.test(p.type))?.name ?? (fn.partial && phys ? 'offset' : undefined);
  return phys && offset ? { phys, offset } : undefined;
}

/**
 * A partial link implementation whose mappings lie in unseen lines (the hunk shows only its pad
 * and checks): the last statement shown stands for the path to them. Reported only when no shown
 * line tests the pad of phys at all; the engine keeps the report only when the pre-image rebuilt
 * from the same hunks had such a test in front of that statement.
 */
function checkUnseenLink(fn: FunctionInfo, a: FunctionAnalysis, context: RuleContext<MessageId>): void {
  const shape = linkShape(fn);
  if (!shape || !/link/.test(fn.name)) return;
  const pads = [...offsetLocals(a)].filter(([, o]) => printed(o.of) === shape.phys).map(([name]) => name);
  if (pads.length === 0) return;
  const tested = fn.node.descendantsOfType(['if_statement', 'conditional_expression']).some((s) => {
    const cond = s.childForFieldName('condition');
    return !!cond && cond.descendantsOfType('identifier').some((id) => pads.includes(id.text));
  });
  if (tested) return;
  const lastStatement = shownStatements(fn).at(-1);
  const last = lastStatement ? statementAnchor(lastStatement) : undefined;
  if (!last || !a.isReachable(last) || padCheckedAt(a, shape, last, context)) return;
  context.report({
    node: last,
    messageId: 'unseenLinkUnchecked',
    data: { phys: shape.phys, offset: shape.offset, pad: pads[0]!, fn: fn.name },
    // the last statement may be the broken check itself: kept when the pre-image tested the pad
    subject: pads[0]!,
    sim: {
      mode: 'confirm',
      function: fn.name,
      inputs: { [shape.phys]: '0x234', [shape.offset]: 'G' },
      expect: { invariants: ['first-link-offset', 'later-link-aligned'], holds: '__return != -EIO', description: `an unaligned ${shape.phys} linked at ${shape.offset} > 0 is not refused with -EIO` },
    },
  });
}

/** An atom of a condition that says the in-granule offset of `phys` is 0. */
function padIsZero(phys: string, pads: ReadonlySet<string>): (atom: Expr) => boolean {
  const padTargets: Expr[] = [...pads].map((name) => ({ kind: 'ident', name }));
  return (atom: Expr): boolean => {
    if (padTargets.some((t) => impliesZero(atom, t))) return true;
    // !iova_offset(iovad, phys), !offset_in_page(phys), IS_ALIGNED(phys, ...), !iova_unaligned(iovad, phys, size)
    const text = printExpr(atom, { stripCasts: true });
    const re = new RegExp(`^(!(iova_offset\\(\\w+, ${phys}\\)|offset_in_page\\(${phys}\\)|iova_unaligned\\(\\w+, ${phys}, \\w+\\))|IS_ALIGNED\\(${phys}, .*\\)|iova_offset\\(\\w+, ${phys}\\) == 0)$`);
    return re.test(text);
  };
}

/** A check that an unaligned phys is linked only at offset 0 holds at `node`. */
function padCheckedAt(a: FunctionAnalysis, shape: { phys: string; offset: string }, node: SyntaxNode, context: RuleContext<MessageId>): boolean {
  const pads = new Set([...offsetLocals(a)].filter(([, o]) => printed(o.of) === shape.phys).map(([name]) => name));
  const padZero = padIsZero(shape.phys, pads);
  const offsetZero = (atom: Expr): boolean => impliesZero(atom, { kind: 'ident', name: shape.offset });
  return a.guardsAt(node, { helpers: context.functions }).some((g) => impliesAnyOf(g.condition, [padZero, offsetZero]));
}

/**
 * A helper of the change (iommu_dma_iova_link_swiotlb) called only from link implementations
 * that check the pad before the call: its own mappings are covered there.
 */
function checkedByEveryCaller(fn: FunctionInfo, context: RuleContext<MessageId>): boolean {
  let calls = 0;
  for (const { fn: caller } of context.functions.values()) {
    if (caller === fn || !caller.node.text.includes(`${fn.name}(`)) continue;
    const shape = linkShape(caller);
    const a = analyze(caller);
    for (const call of a.callsTo(fn.name)) {
      calls++;
      if (!shape || !a.cfg || !padCheckedAt(a, shape, call, context)) return false;
    }
  }
  return calls > 0;
}

function checkImplementation(fn: FunctionInfo, a: FunctionAnalysis, context: RuleContext<MessageId>): void {
  const shape = linkShape(fn);
  if (!shape) return;
  for (const call of a.callsTo([...GRANULE_MAPPERS.keys(), 'iommu_dma_iova_link_swiotlb'])) {
    if (!a.isReachable(call) || padCheckedAt(a, shape, call, context)) continue;
    if (checkedByEveryCaller(fn, context)) return;
    context.report({
      node: call,
      messageId: 'implementationUnchecked',
      data: { callee: calleeName(call) ?? '', phys: shape.phys, offset: shape.offset },
      sim: {
        mode: 'confirm',
        function: fn.name,
        inputs: { [shape.phys]: '0x234', [shape.offset]: 'G' },
        // mainline refuses with -EIO (and a warning); a mapping error further down is not the refusal
        expect: { invariants: ['first-link-offset', 'later-link-aligned'], holds: '__return != -EIO', description: `an unaligned ${shape.phys} linked at ${shape.offset} > 0 is not refused with -EIO` },
      },
    });
    return; // one report per function: the missing check covers every mapping below it
  }
}

/**
 * A phys that visibly carries the same in-page offset at every link: `page_to_phys(p) + off` or
 * `+ offset_in_page(buf)` where the offset is a parameter of the function (or a local copy of one).
 * Per-element offsets (`bv[i].bv_offset`, `bvec_phys()`, `sg_phys()`) are left alone: the block
 * layer's merge rules (virt_boundary, the DMA merge boundary) may guarantee they are aligned.
 */
function visiblyUnaligned(a: FunctionAnalysis, phys: SyntaxNode, linkOffset: SyntaxNode): SyntaxNode | undefined {
  for (const t of additiveTerms(a, phys)) {
    if (t.sign !== 1) continue;
    const n = unwrapExpression(t.named ?? t.node);
    if (printed(n) === printed(linkOffset)) continue;
    const value = unwrapExpression(t.node);
    if (value.type === 'call_expression' && calleeName(value) === 'offset_in_page') {
      const arg = argumentOf(value, 0);
      if (arg && isParameterValue(a, unwrapExpression(arg))) return n;
    }
    if (value.type === 'identifier' && isParameterValue(a, value) && /(^|_)(off|offset|pgoff)$/.test(value.text)) return n;
  }
  return undefined;
}

function checkCaller(fn: FunctionInfo, a: FunctionAnalysis, context: RuleContext<MessageId>): void {
  const physIndex = argIndex('dma_iova_link', 'phys') ?? 2;
  const offsetIndex = argIndex('dma_iova_link', 'offset') ?? 3;
  for (const link of a.callsTo('dma_iova_link')) {
    const phys = argumentOf(link, physIndex);
    const offset = argumentOf(link, offsetIndex);
    if (!phys || !offset || !a.isReachable(link)) continue;
    const k = evalConst(toExpr(offset));
    if (isKnownConst(k) && k.value === 0n) continue;
    const why = visiblyUnaligned(a, phys, offset);
    if (!why) continue;
    const physText = printed(phys);
    const offsetExpr = a.exprOf(offset);
    const aligned = (atom: Expr): boolean => {
      const text = printExpr(atom, { stripCasts: true });
      return text.includes(physText) && /IS_ALIGNED|!offset_in_page|!iova_offset|PAGE_ALIGNED|== 0/.test(text);
    };
    const guarded = a.guardsAt(link, { helpers: context.functions }).some((g) => impliesAnyOf(g.condition, [aligned, (atom) => impliesZero(atom, offsetExpr)]));
    if (guarded) continue;
    context.report({
      node: phys,
      messageId: 'callerUnaligned',
      severity: 'warning',
      data: { phys: phys.text.replace(/\s+/g, ' '), why: why.text.replace(/\s+/g, ' '), offset: offset.text.replace(/\s+/g, ' ') },
      sim: {
        mode: 'confirm',
        function: fn.name,
        inputs: { phys: '0x234', offset: 'G' },
        expect: { warn: true, invariants: ['first-link-offset', 'later-link-aligned'], description: 'dma_iova_link() refuses an unaligned phys at a non-zero offset (WARN, -EIO)' },
      },
    });
  }
  // D17: phys given to try_alloc only sets the in-granule offset; a size constant asks for nothing
  const wrong = new Set(contractFor('dma_iova_try_alloc')?.params.find((p) => p.role === 'phys')?.wrongSources ?? []);
  const allocPhys = argIndex('dma_iova_try_alloc', 'phys') ?? 2;
  for (const alloc of a.callsTo('dma_iova_try_alloc')) {
    const phys = argumentOf(alloc, allocPhys);
    if (!phys) continue;
    const hint = [phys, ...phys.descendantsOfType('identifier')].find((n) => wrong.has(n.text));
    if (!hint) continue;
    context.report({
      node: phys,
      messageId: 'allocPhysHint',
      severity: 'note',
      data: { hint: hint.text },
      sim: { mode: 'confirm', function: fn.name, expect: { invariants: ['first-link-offset'], description: 'phys only sets the in-granule offset of state->addr' } },
    });
  }
}

export const linkPadOffsetRule = createRule<MessageId>({
  meta: {
    id: 'iova/link-pad-offset',
    severity: 'error',
    confidence: 'high',
    description: 'a link of an unaligned phys at a non-zero IOVA offset: not rejected in an implementation, or done by a caller',
    docs: 'rules/link-pad-offset.md',
    appliesTo: 'both',
    fixable: false,
    prefilter: ['dma_iova_link', 'dma_iova_try_alloc', ...GRANULE_MAPPERS.keys(), 'iommu_dma_iova_link_swiotlb'],
    messages: {
      unseenLinkUnchecked: 'no check that an unaligned `{{phys}}` (pad `{{pad}}`) is linked only at offset 0 comes before this statement any more, and {{fn}}() links it further down (in lines the patch does not show): reject `{{pad}} && {{offset}} > 0` first',
      implementationUnchecked: '{{callee}}() links `{{phys}}` at `{{offset}}` with no dominating check that an unaligned {{phys}} is linked only at offset 0: reject `iova_offset(iovad, {{phys}}) && {{offset}} > 0` first',
      callerUnaligned: '`{{phys}}` may start inside a granule (`{{why}}`) but is linked at `{{offset}}`: only the link at offset 0 may be unaligned (dma_iova_link() warns and returns -EIO)',
      allocPhysHint: '`{{hint}}` as the phys of dma_iova_try_alloc() requests no alignment: phys only sets the in-granule offset of state->addr; pass the first link\'s phys, or 0',
    },
  },
  check(fn, context) {
    const linkCalls = ['dma_iova_link', 'dma_iova_try_alloc', ...GRANULE_MAPPERS.keys(), 'iommu_dma_iova_link_swiotlb'];
    if (!mentionsAny(fn, linkCalls)) {
      if (!fn.partial || !mentionsAny(fn, ['iova_offset'])) return;
      const a = analyze(fn);
      if (a.cfg) checkUnseenLink(fn, a, context);
      return;
    }
    const a = analyze(fn);
    if (!a.cfg) return;
    checkImplementation(fn, a, context);
    checkCaller(fn, a, context);
    if (fn.partial && a.callsTo([...GRANULE_MAPPERS.keys(), 'iommu_dma_iova_link_swiotlb']).length === 0) checkUnseenLink(fn, a, context);
  },
});
