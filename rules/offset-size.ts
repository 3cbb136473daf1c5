// iova/offset-size — finds IOVA reservations and granule mappings whose length leaves out the
// in-granule offset of an unaligned phys (`iova_align(iovad, size)` where
// `iova_align(iovad, size + iova_off)` is needed). Confidence: high.
import { analyze, argumentOf, argumentsOf, calleeName, type FunctionAnalysis, type FunctionInfo, type SyntaxNode } from '../c/index.js';
import { additiveTerms } from '../c/index.js';
import {
  GRANULE_MAPPERS,
  INTERNAL_ALLOCATORS,
  LENGTH_CARRIERS,
  implementsTwoStep,
  isParameterValue,
  lengthIncludesOffset,
  mentionsAny,
  offsetAt,
  physOffsetLocal,
  physOffsets,
  physParams,
  SIZE_LIKE,
  isUnseenPad,
  isUnseenVariable,
  unwrapExpression,
  type CallShape,
} from './iova-common.js';
import { createRule, type RuleContext } from './types.js';

type MessageId = 'reservation' | 'mapping';

/** Allocators that take the exact, granule-aligned length (not __iommu_dma_map, which aligns itself). */
const EXACT_ALLOCATORS: ReadonlyMap<string, CallShape> = new Map([...INTERNAL_ALLOCATORS].filter(([, s]) => s.phys === undefined));

const WORDS = [...EXACT_ALLOCATORS.keys(), ...GRANULE_MAPPERS.keys()];

const ROUNDING = new Set(['iova_align', 'ALIGN', 'PAGE_ALIGN', 'round_up', 'roundup']);

/** `phys - off`, `ALIGN_DOWN(phys, g)`, `iova_align_down(iovad, phys)`, `phys & PAGE_MASK`: the start is rewound. */
function isRewound(a: FunctionAnalysis, node: SyntaxNode): boolean {
  const x = unwrapExpression(node);
  if (x.type === 'call_expression' && /^(ALIGN_DOWN|round_down|iova_align_down|PAGE_ALIGN_DOWN)$/.test(calleeName(x) ?? '')) return true;
  if (x.type === 'binary_expression' && x.childForFieldName('operator')?.type === '&') {
    const text = x.text.replace(/\s+/g, '');
    if (/PAGE_MASK|~iova_mask|~\(?\w*granule-1\)?/.test(text)) return true;
  }
  return additiveTerms(a, node).some((t) => t.sign === -1 && (!!offsetAt(a, t.node) || isUnseenPad(a, t.node)));
}

/** The rounding call among the length's sources (`iova_align(iovad, size)`) and its rounded argument. */
function roundingOf(sources: SyntaxNode[]): { call: SyntaxNode; rounded: SyntaxNode } | undefined {
  for (const s of sources) {
    if (s.type !== 'call_expression') continue;
    const name = calleeName(s) ?? '';
    if (!ROUNDING.has(name)) continue;
    const rounded = argumentOf(s, name === 'iova_align' ? 1 : 0);
    if (rounded) return { call: s, rounded };
  }
  return undefined;
}

function report(fn: FunctionInfo, a: FunctionAnalysis, context: RuleContext<MessageId>, messageId: MessageId, callee: string, length: SyntaxNode, sources: SyntaxNode[], partial: { local?: boolean; subject?: string } = {}): void {
  const local = physOffsetLocal(a);
  const rounding = roundingOf(sources);
  const sizeParam = sources.find((s) => isParameterValue(a, s))?.text;
  const phys = physParams(fn)[0];
  const fix = local && rounding ? { node: rounding.rounded, text: `${rounding.rounded.text} + ${local}` } : undefined;
  context.report({
    ...partial,
    node: length,
    messageId,
    data: { callee, length: length.text.replace(/\s+/g, ' '), offset: local ?? 'iova_offset(iovad, phys)' },
    ...(fix ? { fix } : {}),
    sim: {
      mode: 'confirm',
      function: fn.name,
      inputs: { [phys ?? 'phys']: 'G-1', [sizeParam ?? 'size']: 'G+1' },
      expect: {
        invariants: messageId === 'reservation' ? ['reservation-covers-buffer', 'mapping-covers-buffer'] : ['mapping-covers-buffer', 'reservation-covers-buffer'],
        description: `a buffer starting G-1 bytes into a granule is not covered by ${callee}()`,
      },
    },
  });
}

export const offsetSizeRule = createRule<MessageId>({
  meta: {
    id: 'iova/offset-size',
    severity: 'error',
    confidence: 'high',
    description: 'an IOVA reservation or mapping length that leaves out the in-granule offset of an unaligned phys',
    docs: 'rules/offset-size.md',
    appliesTo: 'implementation',
    fixable: true,
    prefilter: WORDS,
    messages: {
      reservation: '{{callee}}() reserves `{{length}}`, which leaves out the in-granule offset `{{offset}}` of phys: the buffer\'s last bytes fall outside the reservation',
      mapping: '{{callee}}() maps from the rewound phys but for `{{length}}`, which leaves out the in-granule offset `{{offset}}`: the buffer\'s last bytes are not mapped',
    },
  },
  check(fn, context) {
    if (!mentionsAny(fn, WORDS)) return;
    const a = analyze(fn);
    if (!a.cfg) return;
    const offsets = physOffsets(a, fn);
    // a two-step implementation that takes a phys must size for its offset even if it never computes it
    const takesPhys = implementsTwoStep(fn) && physParams(fn).length > 0;
    // a partial function may compute the offset, or take phys, in lines the hunk does not show:
    // its reports name the allocator judged, and the engine keeps them when the pre-image rebuilt
    // from the same hunks showed that allocator with a length the rule accepted
    if (offsets.length === 0 && !takesPhys && !fn.partial) return;
    for (const call of a.callsTo(WORDS)) {
      if (!a.isReachable(call)) continue;
      const name = calleeName(call) ?? '';
      const alloc = EXACT_ALLOCATORS.get(name);
      const mapper = GRANULE_MAPPERS.get(name);
      const shape = alloc ?? mapper;
      const length = shape ? argumentsOf(call)[shape.size] : undefined;
      if (!shape || !length) continue;
      if (mapper) {
        const phys = mapper.phys !== undefined ? argumentOf(call, mapper.phys) : undefined;
        if (!phys || !isRewound(a, phys)) continue;
      }
      const { includes, open, sources } = lengthIncludesOffset(a, length, LENGTH_CARRIERS);
      if (includes || open) continue;
      // only lengths a caller supplies: constants and fixed granules need no offset
      if (!sources.some((s) => isParameterValue(a, s))) continue;
      if (!fn.partial) {
        report(fn, a, context, alloc ? 'reservation' : 'mapping', name, length, sources);
        continue;
      }
      // everything the judgement reads is shown: the offset of phys is computed here, the length is
      // rounded here, and its other parts are shown definitions or the caller's size
      const shown =
        offsets.length > 0 &&
        !!roundingOf(sources) &&
        sources.every((s) => s.type !== 'identifier' || !isUnseenVariable(a, s) || SIZE_LIKE.test(s.text));
      report(fn, a, context, alloc ? 'reservation' : 'mapping', name, length, sources, { subject: `${name}(`, ...(shown ? { local: true } : {}) });
    }
  },
});
