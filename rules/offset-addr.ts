// iova/offset-addr — finds DMA addresses stored in dma_iova_state.addr or returned without adding
// back the in-granule offset of phys (or adding it twice), a granule mapping whose IOVA is not
// rewound by the pad its phys is rewound by, and callers adding phys's offset to state->addr
// again. Confidence: high.
import {
  UNKNOWN_TYPE,
  analyze,
  argumentOf,
  calleeName,
  expressionType,
  type FunctionAnalysis,
  type FunctionInfo,
  type SyntaxNode,
} from '../c/index.js';
import { additiveTerms, valueSources, type Carrier, type Term } from '../c/index.js';
import {
  GRANULE_MAPPERS,
  INTERNAL_ALLOCATORS,
  argIndex,
  implementsTwoStep,
  isDmaAddress,
  isStatePointerType,
  mentionsAny,
  offsetAt,
  physOffsetLocal,
  physOffsets,
  physParams,
  printed,
  unwrapExpression,
  ADDRESS_LIKE,
  isUnseenPad,
  isUnseenParameter,
  isUnseenVariable,
  shownTwoStepImplementation,
  inGranuleOffset,
} from './iova-common.js';
import type { SimRequest } from '../model/index.js';
import { createRule, type RuleContext } from './types.js';

type MessageId = 'missing' | 'twice' | 'mapStart' | 'callerTwice';

/** Allocators returning an IOVA base without any offset (not __iommu_dma_map: it adds it). */
const BASE_ALLOCATORS = new Set([...INTERNAL_ALLOCATORS].filter(([, s]) => s.phys === undefined).map(([name]) => name));

/** A pfn turned into an address: `iova << shift`, `iova_dma_addr(iovad, iova)`. */
const BASE_CARRIERS: Carrier = (node) => {
  if (node.type === 'binary_expression' && node.childForFieldName('operator')?.type === '<<') {
    const left = node.childForFieldName('left');
    return left ? [left] : [];
  }
  if (node.type === 'call_expression' && calleeName(node) === 'iova_dma_addr') {
    const arg = argumentOf(node, 1);
    return arg ? [arg] : [];
  }
  return [];
};

function isAllocatedBase(a: FunctionAnalysis, term: Term): boolean {
  if (term.sign !== 1) return false;
  return valueSources(a, term.node, BASE_CARRIERS, 16).some((s) => s.type === 'call_expression' && BASE_ALLOCATORS.has(calleeName(s) ?? ''));
}

/** On a partial function: an unseen variable named like an IOVA base stands in for the allocation. */
function isUnseenBase(a: FunctionAnalysis, term: Term): boolean {
  return term.sign === 1 && isUnseenVariable(a, term.node) && ADDRESS_LIKE.test(unwrapExpression(term.node).text);
}

function isPhysOffsetTerm(a: FunctionAnalysis, term: Term): boolean {
  const o = offsetAt(a, term.node);
  return (!!o && !isDmaAddress(a, o.of)) || isUnseenPad(a, term.node);
}

/** `state->addr = ...` where the object is a dma_iova_state (declared, or a state parameter). */
function isStateAddr(a: FunctionAnalysis, fn: FunctionInfo, left: SyntaxNode, context: RuleContext<MessageId>): boolean {
  if (left.type !== 'field_expression' || left.childForFieldName('field')?.text !== 'addr') return false;
  const object = left.childForFieldName('argument');
  if (!object) return false;
  const type = expressionType(a, object, context.file);
  if (type && !type.includes(UNKNOWN_TYPE)) return /\bdma_iova_state\b/.test(type);
  if (object.type !== 'identifier') return false;
  if (fn.params.some((p) => p.name === object.text && isStatePointerType(p.type))) return true;
  // on a partial function: an unseen object whose __size the shown lines also write
  return isUnseenParameter(fn, object.text) && new RegExp(`\\b${object.text}\\s*->\\s*__size\\s*=[^=]`).test(fn.node.text);
}

/** The values the function publishes as the DMA address: state->addr stores and dma_addr_t returns. */
function addressSinks(a: FunctionAnalysis, fn: FunctionInfo, context: RuleContext<MessageId>): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const asg of fn.node.descendantsOfType('assignment_expression')) {
    const left = asg.childForFieldName('left');
    const right = asg.childForFieldName('right');
    if (left && right && asg.childForFieldName('operator')?.type === '=' && isStateAddr(a, fn, left, context)) out.push(right);
  }
  if (/\bdma_addr_t\b/.test(fn.returnType)) {
    for (const ret of fn.node.descendantsOfType('return_statement')) {
      const value = ret.namedChildren.find((c) => c.type !== 'comment');
      if (value) out.push(value);
    }
  }
  return out;
}

function checkImplementation(fn: FunctionInfo, a: FunctionAnalysis, context: RuleContext<MessageId>): void {
  const hasOffset = physOffsets(a, fn).length > 0;
  const takesPhys = implementsTwoStep(fn) && physParams(fn).length > 0;
  // a partial function may take phys or compute its offset in unseen lines: its reports on the
  // published address name `state->addr`, kept when the pre-image showed it published right
  if (!hasOffset && !takesPhys && !(fn.partial && shownTwoStepImplementation(fn))) return;
  const local = physOffsetLocal(a);
  const phys = physParams(fn)[0] ?? 'phys';
  for (const value of addressSinks(a, fn, context)) {
    if (!a.isReachable(value)) continue;
    const terms = additiveTerms(a, value);
    const allocated = terms.some((t) => isAllocatedBase(a, t));
    const store = value.parent?.type === 'assignment_expression' ? value.parent.childForFieldName('left') : undefined;
    if (!allocated && !(fn.partial && store && terms.some((t) => isUnseenBase(a, t)))) continue;
    const added = terms.filter((t) => t.sign === 1 && isPhysOffsetTerm(a, t)).length;
    if (added === 1) continue;
    // on a partial function: local when the allocation and the offset are both shown
    const partial = fn.partial ? { subject: store ? store.text : 'return', ...(allocated && hasOffset ? { local: true } : {}) } : {};
    const sim = {
      mode: 'confirm' as const,
      function: fn.name,
      inputs: { [phys]: '0x234' },
      expect: { invariants: ['byte-address' as const], description: 'buffer byte k is not at the published address + k' },
    };
    if (added === 0) {
      const simple = /^(identifier|call_expression|field_expression|binary_expression|parenthesized_expression|cast_expression)$/.test(value.type);
      const subtracted = terms.some((t) => t.sign === -1 && isPhysOffsetTerm(a, t));
      const fix = local && simple && !subtracted ? { node: value, text: `${value.text} + ${local}` } : undefined;
      context.report({ node: value, messageId: 'missing', data: { value: value.text.replace(/\s+/g, ' '), offset: local ?? 'iova_offset(iovad, phys)' }, ...(fix ? { fix } : {}), sim, ...partial });
    } else {
      context.report({ node: value, messageId: 'twice', data: { value: value.text.replace(/\s+/g, ' '), count: added }, sim, ...partial });
    }
  }
  // a granule mapping whose phys is rewound by the pad must start at an IOVA rewound by it too
  for (const call of a.callsTo([...GRANULE_MAPPERS.keys()])) {
    const shape = GRANULE_MAPPERS.get(calleeName(call) ?? '');
    if (!shape || shape.iova === undefined || shape.phys === undefined || !a.isReachable(call)) continue;
    const iova = argumentOf(call, shape.iova);
    const physArg = argumentOf(call, shape.phys);
    if (!iova || !physArg) continue;
    const physTerms = additiveTerms(a, physArg);
    // on a partial function an unseen pad-named variable stands for the offset computed above
    const isPad = (t: Term): boolean => t.sign === -1 && (!!offsetAt(a, t.node) || isUnseenPad(a, t.node));
    const rewoundPhys = physTerms.some(isPad);
    const iovaTerms = additiveTerms(a, iova);
    const fromState = iovaTerms.some((t) => t.sign === 1 && unwrapExpression(t.node).type === 'field_expression' && unwrapExpression(t.node).childForFieldName('field')?.text === 'addr');
    const rewoundIova = iovaTerms.some(isPad);
    if (rewoundPhys && fromState && !rewoundIova) {
      const padTerm = physTerms.find(isPad)!;
      const pad = (padTerm.named ?? padTerm.node).text;
      context.report({
        node: iova,
        messageId: 'mapStart',
        data: { iova: iova.text.replace(/\s+/g, ' '), pad },
        fix: { node: iova, text: `${iova.text} - ${pad}` },
        sim: mapStartRequest(fn, phys),
        // local when the pad is computed in the shown lines
        ...(fn.partial ? (offsetAt(a, padTerm.node) ? { local: true } : { subject: `${calleeName(call) ?? ''}(` }) : {}),
      });
    }
  }
}

/**
 * The first link of an unaligned buffer (offset 0, phys with the offset the state was allocated
 * for) must succeed; mapped at an unrewound, unaligned IOVA it fails or lands a granule off.
 */
function mapStartRequest(fn: FunctionInfo, phys: string): SimRequest {
  const state = fn.params.find((p) => isStatePointerType(p.type))?.name;
  const offset = fn.params.find((p) => /offset/.test(p.name) && !/\*|phys_addr_t/.test(p.type))?.name;
  const inputs: Record<string, string> = { [phys]: '0x234', ...(state ? { [state]: 'allocated' } : {}), ...(offset ? { [offset]: '0' } : {}) };
  return {
    mode: 'confirm',
    function: fn.name,
    inputs,
    expect: {
      invariants: ['byte-address', 'first-link-offset'],
      ...(/^int$/.test(fn.returnType.trim()) ? { holds: '__return != 0' } : {}),
      description: 'the first link of an unaligned buffer maps phys - pad at an IOVA that was not rewound',
    },
  };
}

/** The state's object text as a caller names it: `&iod->state` → `iod->state`, `state` → `state`. */
function stateObject(arg: SyntaxNode): { text: string; pointer: boolean } {
  const x = unwrapExpression(arg);
  if (x.type === 'pointer_expression' && x.childForFieldName('operator')?.type === '&') {
    const inner = x.childForFieldName('argument');
    if (inner) return { text: printed(inner), pointer: false };
  }
  return { text: printed(x), pointer: true };
}

/** `dest != state.addr` for `dest = state.addr + off`, `__return != state->addr` for a return. */
function publishedDiffers(sum: SyntaxNode, field: SyntaxNode): string {
  let top: SyntaxNode = sum;
  while (top.parent?.type === 'parenthesized_expression') top = top.parent;
  const parent = top.parent;
  if (parent?.type === 'assignment_expression' && parent.childForFieldName('right')?.id === top.id) {
    return `${parent.childForFieldName('left')!.text} != ${field.text}`;
  }
  return `__return != ${field.text}`;
}

function checkCaller(fn: FunctionInfo, a: FunctionAnalysis, context: RuleContext<MessageId>): void {
  const physIndex = argIndex('dma_iova_try_alloc', 'phys') ?? 2;
  const stateIndex = argIndex('dma_iova_try_alloc', 'state') ?? 1;
  for (const alloc of a.callsTo('dma_iova_try_alloc')) {
    const physArg = argumentOf(alloc, physIndex);
    const stateArg = argumentOf(alloc, stateIndex);
    if (!physArg || !stateArg) continue;
    const state = stateObject(stateArg);
    const physText = printed(physArg);
    for (const field of fn.node.descendantsOfType('field_expression')) {
      if (field.childForFieldName('field')?.text !== 'addr') continue;
      const object = field.childForFieldName('argument');
      const arrow = field.childForFieldName('operator')?.type === '->';
      if (!object || printed(object) !== state.text || arrow !== state.pointer) continue;
      // the outermost sum the address is part of
      let sum: SyntaxNode = field;
      while (sum.parent && (sum.parent.type === 'parenthesized_expression' || (sum.parent.type === 'binary_expression' && /^[+-]$/.test(sum.parent.childForFieldName('operator')?.type ?? '')))) sum = sum.parent;
      if (sum.id === field.id) continue;
      const again = additiveTerms(a, sum).find((t) => {
        const o = offsetAt(a, t.node);
        return t.sign === 1 && !!o && printed(o.of) === physText;
      });
      if (!again) continue;
      context.report({
        node: sum,
        messageId: 'callerTwice',
        data: { offset: (again.named ?? again.node).text.replace(/\s+/g, ' ') },
        sim: {
          mode: 'confirm',
          function: fn.name,
          inputs: { [physText]: '0x234' },
          expect: { invariants: ['byte-address'], holds: publishedDiffers(sum, field), description: 'the offset of phys is added to state->addr twice' },
        },
      });
    }
  }
}

/**
 * On a partial function whose dma_iova_try_alloc() lies in unseen lines: `X.state.addr +
 * offset_in_page(phys)` adds to the state's address (which includes the offset of the phys it was
 * allocated for) the offset of an unseen `phys` again. Reported with the assignment's target as
 * subject: the engine keeps it when the pre-image published the same target without the sum.
 */
function checkUnseenCaller(fn: FunctionInfo, a: FunctionAnalysis, context: RuleContext<MessageId>): void {
  for (const field of fn.node.descendantsOfType('field_expression')) {
    if (field.childForFieldName('field')?.text !== 'addr' || !/state$/.test(field.childForFieldName('argument')?.text ?? '')) continue;
    let sum: SyntaxNode = field;
    while (sum.parent && (sum.parent.type === 'parenthesized_expression' || (sum.parent.type === 'binary_expression' && /^[+-]$/.test(sum.parent.childForFieldName('operator')?.type ?? '')))) sum = sum.parent;
    if (sum.id === field.id) continue;
    const again = additiveTerms(a, sum).find((t) => {
      const o = t.sign === 1 ? inGranuleOffset(t.node) : undefined;
      return !!o && /phys/.test(printed(o.of)) && isUnseenVariable(a, unwrapExpression(o.of));
    });
    if (!again) continue;
    const target = sum.parent?.type === 'assignment_expression' ? sum.parent.childForFieldName('left') : undefined;
    if (!target) continue;
    context.report({
      node: sum,
      messageId: 'callerTwice',
      data: { offset: again.node.text.replace(/\s+/g, ' ') },
      subject: target.text,
    });
  }
}

export const offsetAddrRule = createRule<MessageId>({
  meta: {
    id: 'iova/offset-addr',
    severity: 'error',
    confidence: 'high',
    description: 'a DMA address stored or returned without the in-granule offset of phys added back, or with it added twice',
    docs: 'rules/offset-addr.md',
    appliesTo: 'both',
    fixable: true,
    prefilter: [...BASE_ALLOCATORS, ...GRANULE_MAPPERS.keys(), 'dma_iova_try_alloc'],
    messages: {
      missing: '`{{value}}` is published as the DMA address without the in-granule offset `{{offset}}`: byte k of the buffer is not at this address + k',
      twice: '`{{value}}` adds the in-granule offset of phys {{count}} times: byte k of the buffer is not at this address + k',
      mapStart: 'phys is rewound by `{{pad}}` but the IOVA `{{iova}}` is not: the link maps the granule at the wrong IOVA',
      callerTwice: 'state->addr already includes the offset of the phys given to dma_iova_try_alloc(): adding `{{offset}}` again points past the buffer',
    },
  },
  check(fn, context) {
    if (!mentionsAny(fn, ['addr'])) return;
    const implementation = mentionsAny(fn, [...BASE_ALLOCATORS, ...GRANULE_MAPPERS.keys()]) || (fn.partial && shownTwoStepImplementation(fn));
    const caller = mentionsAny(fn, ['dma_iova_try_alloc']);
    const unseenCaller = !caller && fn.partial && mentionsAny(fn, ['state']);
    // the CFG is built only for a function one of the checks applies to
    if (!implementation && !caller && !unseenCaller) return;
    const a = analyze(fn);
    if (!a.cfg) return;
    if (implementation) checkImplementation(fn, a, context);
    if (caller) checkCaller(fn, a, context);
    else if (unseenCaller) checkUnseenCaller(fn, a, context);
  },
});
