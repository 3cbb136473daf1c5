// iova/offset-granule — finds CPU-page arithmetic (PAGE_SIZE, PAGE_MASK, PAGE_SHIFT,
// offset_in_page, PAGE_ALIGN) in the values of DMA-IOMMU code that reserves, maps, frees or
// publishes IOVA, where the IOVA granule of the domain is the unit. Confidence: moderate.
import { analyze, argumentOf, argumentsOf, calleeName, type FunctionAnalysis, type FunctionInfo, type SyntaxNode } from '../c/index.js';
import { valueSources, type Carrier } from '../c/index.js';
import { GRANULE_FREES, GRANULE_MAPPERS, INTERNAL_ALLOCATORS, implementsTwoStep, isStatePointerType, mentionsAny } from './iova-common.js';
import type { SimRequest } from '../model/index.js';
import { createRule, type RuleContext } from './types.js';

type MessageId = 'pageUnit';

const PAGE_NAMES = new Set(['PAGE_SIZE', 'PAGE_MASK', 'PAGE_SHIFT']);
const PAGE_CALLS = new Set(['offset_in_page', 'PAGE_ALIGN', 'PAGE_ALIGN_DOWN', 'PFN_DOWN', 'PFN_UP', 'PFN_PHYS', 'PHYS_PFN']);
/** Arithmetic helpers whose arguments are part of the value. */
const ARITHMETIC = new Set(['iova_align', 'iova_offset', 'iova_pfn', 'ALIGN', 'ALIGN_DOWN', 'round_up', 'round_down', 'min', 'max', 'min_t', 'max_t', 'PAGE_ALIGN', 'offset_in_page']);

/** Into every operand of arithmetic, and the arguments of arithmetic helpers. */
const ARITHMETIC_CARRIERS: Carrier = (node) => {
  if (node.type === 'binary_expression' || node.type === 'unary_expression' || node.type === 'conditional_expression') {
    return node.namedChildren.filter((c) => c.type !== 'comment');
  }
  if (node.type === 'call_expression' && ARITHMETIC.has(calleeName(node) ?? '')) return argumentsOf(node);
  return [];
};

const REPLACEMENT: Partial<Record<string, (iovad: string, arg: string) => string>> = {
  offset_in_page: (iovad, arg) => `iova_offset(${iovad}, ${arg})`,
  PAGE_ALIGN: (iovad, arg) => `iova_align(${iovad}, ${arg})`,
};

const ADVICE: Readonly<Record<string, string>> = {
  PAGE_SIZE: 'the granule (iovad->granule)',
  PAGE_MASK: '~iova_mask(iovad)',
  PAGE_SHIFT: 'iova_shift(iovad)',
  offset_in_page: 'iova_offset(iovad, x)',
  PAGE_ALIGN: 'iova_align(iovad, x)',
  PAGE_ALIGN_DOWN: 'iova_align_down(iovad, x)',
  PFN_DOWN: 'iova_pfn(iovad, x)',
  PFN_UP: 'iova_pfn(iovad, iova_align(iovad, x))',
  PFN_PHYS: 'x << iova_shift(iovad)',
  PHYS_PFN: 'iova_pfn(iovad, x)',
};

/** The function works on the DMA domain's IOVA: it gets its iovad from the DMA cookie or implements the API. */
function usesDmaIovad(fn: FunctionInfo): boolean {
  return implementsTwoStep(fn) || mentionsAny(fn, ['iova_cookie', 'iommu_get_dma_domain', 'cookie->iovad']);
}

/** The name of the function's `struct iova_domain *` (for the fix). */
function iovadName(a: FunctionAnalysis): string | undefined {
  return a.defUse?.variables.find((v) => /\bstruct\s+iova_domain\s*\*/.test(v.type))?.name;
}

/** The values that are IOVA quantities: lengths, addresses and pfns given to the IOVA calls, and the published address. */
function iovaValues(fn: FunctionInfo, a: FunctionAnalysis): Array<{ node: SyntaxNode; callee: string }> {
  const out: Array<{ node: SyntaxNode; callee: string }> = [];
  for (const call of a.callsTo([...INTERNAL_ALLOCATORS.keys(), ...GRANULE_MAPPERS.keys(), ...GRANULE_FREES.keys()])) {
    const name = calleeName(call) ?? '';
    const shape = INTERNAL_ALLOCATORS.get(name) ?? GRANULE_MAPPERS.get(name) ?? GRANULE_FREES.get(name);
    if (!shape) continue;
    for (const i of [shape.size, shape.iova, shape.phys]) {
      const arg = i === undefined ? undefined : argumentOf(call, i);
      if (arg) out.push({ node: arg, callee: `${name}()` });
    }
  }
  for (const asg of fn.node.descendantsOfType('assignment_expression')) {
    const left = asg.childForFieldName('left');
    const right = asg.childForFieldName('right');
    const object = left?.childForFieldName('argument');
    if (left?.type === 'field_expression' && left.childForFieldName('field')?.text === 'addr' && right && object?.type === 'identifier' && fn.params.some((p) => p.name === object.text && isStatePointerType(p.type))) {
      out.push({ node: right, callee: 'state->addr' });
    }
  }
  return out;
}

/** Locals kernel code names for IOVA quantities (`iova_start_pad`, `iova_off`, `iova_len`). */
const IOVA_LOCAL = /^iova_(off|start_pad|end_pad|len|size|pad)$/;

/**
 * On a partial function: the values assigned to locals named for IOVA quantities whose uses the
 * shown lines do not reach an IOVA call (they lie in unseen lines), e.g. `iova_start_pad =
 * offset_in_page(phys)` above a hunk that shows no link.
 */
function iovaLocals(a: FunctionAnalysis, shown: ReadonlyArray<{ node: SyntaxNode }>): Array<{ node: SyntaxNode; callee: string }> {
  const out: Array<{ node: SyntaxNode; callee: string }> = [];
  const reached = new Set(shown.flatMap(({ node }) => valueSources(a, node, ARITHMETIC_CARRIERS, 96).map((s) => s.id)));
  for (const d of a.defUse?.definitions ?? []) {
    if ((d.kind !== 'init' && d.kind !== 'assign') || !d.value || d.variable.isParam || !IOVA_LOCAL.test(d.variable.name)) continue;
    if (reached.has(d.value.id)) continue;
    out.push({ node: d.value, callee: `\`${d.variable.name}\`` });
  }
  return out;
}

/** A 64 KiB granule and a buffer more than a page into it; a link gets a prepared state at offset 0. */
function granuleRequest(fn: FunctionInfo): SimRequest {
  const state = fn.params.find((p) => isStatePointerType(p.type))?.name;
  const offset = fn.params.find((p) => /offset/.test(p.name) && !/\*|phys_addr_t/.test(p.type))?.name;
  const links = !!state && !!offset;
  return {
    mode: 'confirm',
    function: fn.name,
    // dma-iommu guarantees granule <= PAGE_SIZE: the arithmetic differs on 64 KiB pages over a 4 KiB granule
    scenario: { granule: 4096, pageSize: 65536 },
    inputs: { phys: '0x5234', size: 'G+1', ...(links ? { [state]: 'allocated', [offset]: '0' } : {}) },
    expect: {
      invariants: ['byte-address', 'mapping-covers-buffer', 'free-mirrors-alloc', 'reservation-covers-buffer'],
      // a valid first link that fails is the page arithmetic showing
      ...(links && /^int$/.test(fn.returnType.trim()) ? { holds: '__return != 0' } : {}),
      description: 'with 64 KiB pages over a 4 KiB IOVA granule, page-sized arithmetic misplaces the buffer',
    },
  };
}

export const offsetGranuleRule = createRule<MessageId>({
  meta: {
    id: 'iova/offset-granule',
    severity: 'warning',
    confidence: 'moderate',
    description: 'PAGE_SIZE, PAGE_MASK, offset_in_page or PAGE_ALIGN where the IOVA granule is the unit',
    docs: 'rules/offset-granule.md',
    appliesTo: 'implementation',
    fixable: true,
    // every report reads a value and the definitions it is made of, all shown: sound on functions
    // rebuilt from hunks
    needsWholeFunction: false,
    prefilter: [...INTERNAL_ALLOCATORS.keys(), ...GRANULE_MAPPERS.keys(), ...GRANULE_FREES.keys(), 'dma_iova_state'],
    messages: {
      pageUnit: '`{{text}}` counts in CPU pages, but {{target}} is in IOVA granules, which differ from PAGE_SIZE on some IOMMUs: use {{advice}}',
    },
  },
  check(fn, context: RuleContext<MessageId>) {
    if (!mentionsAny(fn, [...PAGE_NAMES, ...PAGE_CALLS]) || !usesDmaIovad(fn)) return;
    const a = analyze(fn);
    if (!a.cfg) return;
    const iovad = iovadName(a);
    const seen = new Set<number>();
    const values = iovaValues(fn, a);
    // on a partial function the uses of an IOVA pad may be in unseen lines: its definition is the value
    if (fn.partial) values.push(...iovaLocals(a, values));
    for (const { node, callee } of values) {
      for (const s of valueSources(a, node, ARITHMETIC_CARRIERS, 96)) {
        const name = s.type === 'identifier' ? s.text : s.type === 'call_expression' ? (calleeName(s) ?? '') : '';
        if (!(PAGE_NAMES.has(name) && s.type === 'identifier') && !(PAGE_CALLS.has(name) && s.type === 'call_expression')) continue;
        if (seen.has(s.id)) continue;
        seen.add(s.id);
        const arg = s.type === 'call_expression' ? argumentOf(s, 0) : undefined;
        const replace = REPLACEMENT[name];
        context.report({
          node: s,
          messageId: 'pageUnit',
          data: { text: s.text.replace(/\s+/g, ' '), target: callee, advice: ADVICE[name] ?? 'the iova_* helpers' },
          ...(replace && iovad && arg ? { fix: { node: s, text: replace(iovad, arg.text) } } : {}),
          sim: granuleRequest(fn),
        });
      }
    }
  },
});
