// iova/offset-free — finds frees and unmaps that are not the mirror of the allocation: a start
// taken from an unaligned DMA address and not rewound by its pad, a length not re-aligned with
// the pad, and callers whose dma_iova_destroy() frees a running link total instead of the
// reservation (reference D4). Confidence: high (implementations), moderate (callers).
import { analyze, argumentOf, calleeName, expressionType, type FunctionAnalysis, type FunctionInfo, type SyntaxNode } from '../c/index.js';
import { additiveTerms } from '../c/index.js';
import {
  GRANULE_FREES,
  LENGTH_CARRIERS,
  argIndex,
  inGranuleOffset,
  isDmaAddress,
  lengthIncludesOffset,
  mentionsAny,
  offsetAt,
  offsetLocals,
  printed,
  unwrapExpression,
  ADDRESS_LIKE,
  isUnseenPad,
  isUnseenVariable,
} from './iova-common.js';
import { contractFor } from '../model/index.js';
import { createRule, type RuleContext } from './types.js';

type MessageId = 'startNotRewound' | 'lengthNotRealigned' | 'destroyRunningTotal';

/** Frees that release by address and need it granule-aligned (not those that take the pfn). */
const UNMAPS = new Set([...GRANULE_FREES.keys()].filter((name) => contractFor(name)?.categories.includes('unmaps')));

const ROUNDING = new Set(['iova_align', 'ALIGN', 'PAGE_ALIGN', 'round_up', 'roundup']);

/** `iova_pfn(iovad, x)` → x, `x >> shift` → x: the address or length inside a pfn or granule count. */
function innerOf(node: SyntaxNode): SyntaxNode {
  const x = unwrapExpression(node);
  if (x.type === 'call_expression' && calleeName(x) === 'iova_pfn') return argumentOf(x, 1) ?? x;
  if (x.type === 'binary_expression' && x.childForFieldName('operator')?.type === '>>') return x.childForFieldName('left') ?? x;
  return x;
}

/**
 * The unaligned DMA address a start is taken from: `state->addr` of a dma_iova_state (it includes
 * the buffer's offset by design), or a `dma_addr_t` parameter the function itself takes the
 * in-granule offset of (`iova_off = iova_offset(iovad, dma_addr)`: it expects it unaligned). An
 * address parameter the function never takes an offset of is an allocated base.
 */
function dmaAddressTerm(a: FunctionAnalysis, node: SyntaxNode, offsetOf: ReadonlySet<string>, unseenPad: boolean): SyntaxNode | undefined {
  const x = unwrapExpression(node);
  if (x.type === 'field_expression' && x.childForFieldName('field')?.text === 'addr' && isStateObject(a, x)) return x;
  if (x.type === 'identifier' && offsetOf.has(x.text)) {
    const v = a.variable(x.text, x.startIndex);
    if (v?.isParam && a.uniqueDefinition(x)?.kind === 'param') return x;
  }
  // on a partial function: an unseen address-named variable in a function that handles an unseen
  // pad stands in for the unaligned address the pad was taken of
  if (unseenPad && isUnseenVariable(a, x) && ADDRESS_LIKE.test(x.text) && a.uniqueDefinition(x)?.kind === 'param') return x;
  return undefined;
}

/** The partial function reads an unseen pad-named variable (`iova_start_pad` computed above the hunk). */
function readsUnseenPad(fn: FunctionInfo, a: FunctionAnalysis): boolean {
  return fn.partial && fn.node.descendantsOfType('identifier').some((id) => isUnseenPad(a, id));
}

/** `state->addr` / `iod->dma_state.addr`: the object is a dma_iova_state (declared, or named so). */
function isStateObject(a: FunctionAnalysis, field: SyntaxNode): boolean {
  const object = field.childForFieldName('argument');
  if (!object) return false;
  const type = expressionType(a, object);
  if (type) return /\bdma_iova_state\b/.test(type);
  return /state$/.test(object.text);
}

/** Names of the DMA addresses whose in-granule offset the function computes. */
function addressesWithOffset(fn: FunctionInfo): Set<string> {
  const out = new Set<string>();
  for (const n of fn.node.descendantsOfType(['call_expression', 'binary_expression'])) {
    const o = inGranuleOffset(n);
    if (o && o.node.id === n.id) out.add(unwrapExpression(o.of).text);
  }
  return out;
}

function isRewoundStart(a: FunctionAnalysis, start: SyntaxNode): boolean {
  const x = unwrapExpression(start);
  if (x.type === 'call_expression' && /^(ALIGN_DOWN|round_down|iova_align_down)$/.test(calleeName(x) ?? '')) return true;
  if (x.type === 'binary_expression' && x.childForFieldName('operator')?.type === '&' && /PAGE_MASK|~\s*iova_mask|granule/.test(x.text)) return true;
  return additiveTerms(a, start).some((t) => t.sign === -1 && (!!offsetAt(a, t.node) || isUnseenPad(a, t.node)));
}

/** A local holding the pad of a DMA address (`iova_off = iova_offset(iovad, dma_addr)`). */
function padLocal(a: FunctionAnalysis): string | undefined {
  for (const [name, o] of offsetLocals(a)) if (isDmaAddress(a, o.of)) return name;
  return undefined;
}

function checkFrees(fn: FunctionInfo, a: FunctionAnalysis, context: RuleContext<MessageId>): void {
  const pad = padLocal(a);
  const withOffset = addressesWithOffset(fn);
  const unseenPad = readsUnseenPad(fn, a);
  for (const call of a.callsTo([...GRANULE_FREES.keys()])) {
    const shape = GRANULE_FREES.get(calleeName(call) ?? '');
    if (!shape || shape.iova === undefined || !a.isReachable(call)) continue;
    const startArg = argumentOf(call, shape.iova);
    const lengthArg = argumentOf(call, shape.size);
    if (!startArg || !lengthArg) continue;
    const start = innerOf(startArg);
    const addressTerms = additiveTerms(a, start).filter((t) => t.sign === 1 && dmaAddressTerm(a, t.node, withOffset, unseenPad));
    if (addressTerms.length === 0) continue; // freed by its allocated base: nothing to rewind
    const address = addressTerms[0].named ?? addressTerms[0].node;
    const sim = {
      mode: 'confirm' as const,
      function: fn.name,
      inputs: { phys: 'G-1', size: 'G+1' },
      expect: { invariants: ['free-mirrors-alloc' as const], description: `${shape.name}() does not release the range the allocation reserved` },
    };
    // a free by pfn (iommu_dma_free_iova, free_iova_fast) drops the in-granule offset itself;
    // an unmap (iommu_unmap*) needs the aligned start
    if (UNMAPS.has(shape.name) && !isRewoundStart(a, start)) {
      context.report({
        ...(fn.partial ? { subject: `${shape.name}(` } : {}),
        node: startArg,
        messageId: 'startNotRewound',
        data: { callee: shape.name, start: startArg.text.replace(/\s+/g, ' '), address: address.text },
        ...(pad && start.id === unwrapExpression(startArg).id ? { fix: { node: startArg, text: `${startArg.text} - ${pad}` } } : {}),
        sim,
      });
    }
    const length = innerOf(lengthArg);
    const { includes, open, sources } = lengthIncludesOffset(a, length, LENGTH_CARRIERS);
    if (includes || open) continue;
    const rounding = sources.find((s) => s.type === 'call_expression' && ROUNDING.has(calleeName(s) ?? ''));
    const rounded = rounding ? argumentOf(rounding, calleeName(rounding) === 'iova_align' ? 1 : 0) : undefined;
    // on a partial function: local when the length is made only of shown definitions and the
    // address is the state's; else the engine judges it against the pre-image's free of the same call
    const shownLength = sources.every((s) => !isUnseenVariable(a, s)) && address.type === 'field_expression';
    context.report({
      node: lengthArg,
      messageId: 'lengthNotRealigned',
      data: { callee: shape.name, length: lengthArg.text.replace(/\s+/g, ' '), address: address.text },
      ...(pad && rounded ? { fix: { node: rounded, text: `${rounded.text} + ${pad}` } } : {}),
      sim,
      ...(fn.partial ? { subject: `${shape.name}(`, ...(shownLength ? { local: true } : {}) } : {}),
    });
  }
}

/** A local whose value grows as links succeed (`mapped += len`, `i++`). */
function isRunningTotal(a: FunctionAnalysis, node: SyntaxNode): boolean {
  const x = unwrapExpression(node);
  const ids = x.type === 'identifier' ? [x] : x.descendantsOfType('identifier');
  return ids.some((id) => a.reaching(id).some((d) => (d.kind === 'compound' && d.operator === '+=') || d.kind === 'update'));
}

function checkDestroy(fn: FunctionInfo, a: FunctionAnalysis, context: RuleContext<MessageId>): void {
  const allocState = argIndex('dma_iova_try_alloc', 'state') ?? 1;
  const allocSize = argIndex('dma_iova_try_alloc', 'size') ?? 3;
  const destroyState = argIndex('dma_iova_destroy', 'state') ?? 1;
  const destroyLen = argIndex('dma_iova_destroy', 'size') ?? 2;
  const reserved = new Map<string, string>();
  for (const alloc of a.callsTo('dma_iova_try_alloc')) {
    const st = argumentOf(alloc, allocState);
    const size = argumentOf(alloc, allocSize);
    if (st && size) reserved.set(printed(st), printed(size));
  }
  if (reserved.size === 0) return;
  for (const destroy of a.callsTo('dma_iova_destroy')) {
    const st = argumentOf(destroy, destroyState);
    const len = argumentOf(destroy, destroyLen);
    if (!st || !len || !a.isReachable(destroy)) continue;
    const size = reserved.get(printed(st));
    if (size === undefined || printed(len) === size || /dma_iova_size\s*\(/.test(len.text)) continue;
    if (!isRunningTotal(a, len)) continue;
    const stmt = destroy.parent?.type === 'expression_statement' ? destroy.parent : undefined;
    const args = destroy.childForFieldName('arguments')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
    let fix: { node: SyntaxNode; text: string } | undefined;
    if (stmt && args.length === 5) {
      const lineStart = context.file.text.lastIndexOf('\n', stmt.startIndex - 1) + 1;
      const indent = context.file.text.slice(lineStart, stmt.startIndex);
      if (/^[ \t]*$/.test(indent)) {
        const [dev, state, mapped, dir, attrs] = args.map((x) => x.text);
        fix = {
          node: stmt,
          text: `if (${mapped})\n${indent}\tdma_iova_unlink(${dev}, ${state}, 0, ${mapped}, ${dir}, ${attrs});\n${indent}dma_iova_free(${dev}, ${state});`,
        };
      }
    }
    context.report({
      node: destroy,
      messageId: 'destroyRunningTotal',
      // the API's kernel-doc allows a partial mapped_len: the wrong-sized free is the core's latent bug (D4)
      severity: 'note',
      data: { length: len.text.replace(/\s+/g, ' '), size },
      ...(fix ? { fix } : {}),
      sim: {
        mode: 'contract',
        function: fn.name,
        failing: ['dma_iova_link', 'dma_iova_sync'],
        expect: { invariants: ['free-mirrors-alloc'], description: `dma_iova_destroy() frees the linked ${len.text} instead of the ${size} reserved` },
      },
    });
  }
}

export const offsetFreeRule = createRule<MessageId>({
  meta: {
    id: 'iova/offset-free',
    severity: 'error',
    confidence: 'high',
    description: 'a free, unmap or destroy that is not the mirror of the allocation (start not rewound by the pad, length not re-aligned with it)',
    docs: 'rules/offset-free.md',
    appliesTo: 'both',
    fixable: true,
    prefilter: [...GRANULE_FREES.keys(), 'dma_iova_destroy'],
    messages: {
      startNotRewound: '{{callee}}() starts at `{{start}}`, taken from the unaligned DMA address `{{address}}` without rewinding its in-granule offset: it does not release the range that was reserved',
      lengthNotRealigned: '{{callee}}() releases `{{length}}`, which leaves out the in-granule offset of `{{address}}`: it does not release the range that was reserved',
      destroyRunningTotal: 'dma_iova_destroy() frees iova_align(`{{length}}` + pad), not the reservation made for `{{size}}`: when they differ the free does not mirror the allocation; unlink what was linked and call dma_iova_free()',
    },
  },
  check(fn, context) {
    const frees = mentionsAny(fn, GRANULE_FREES.keys());
    const destroy = mentionsAny(fn, ['dma_iova_destroy']);
    if (!frees && !destroy) return;
    const a = analyze(fn);
    if (!a.cfg) return;
    if (frees) checkFrees(fn, a, context);
    if (destroy) checkDestroy(fn, a, context);
  },
});
