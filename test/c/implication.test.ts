// What a held condition implies about one expression (c/implication.ts).
import { describe, expect, it } from 'vitest';
import {
  impliesAnyOf,
  impliesBitClear,
  impliesDifferenceNonZero,
  impliesNonZero,
  impliesZero,
  parseFile,
  toExpr,
  type Expr,
} from '../../c/index.js';

/** The expression `text`, parsed as C. */
function e(text: string): Expr {
  const file = parseFile('t.c', `void f(void) { (${text}); }`);
  const stmt = file.tree.rootNode.descendantsOfType('expression_statement')[0];
  return toExpr(stmt.namedChildren[0]);
}

describe('impliesNonZero', () => {
  const size = e('size');
  it.each(['size', 'size != 0', '0 != size', 'size > 0', 'size > limit', 'limit < size', 'size >= 1', 'size == 4096', 'size && other', '!(size == 0)', 'size > 0 || size >= SZ_4K'])('%s proves size != 0', (c) => {
    expect(impliesNonZero(e(c), size)).toBe(true);
  });
  it.each(['!size', 'size == 0', 'size >= 0', 'size || other', 'other', 'size <= 10', 'len != 0', 'size - 1'])('%s does not', (c) => {
    expect(impliesNonZero(e(c), size)).toBe(false);
  });
  it('sees through casts that keep the value', () => {
    expect(impliesNonZero(e('(u64)size != 0'), size)).toBe(true);
  });
});

describe('impliesZero', () => {
  const pad = e('pad');
  it.each(['!pad', 'pad == 0', '0 == pad', 'pad <= 0', '!pad && x'])('%s proves pad == 0', (c) => expect(impliesZero(e(c), pad)).toBe(true));
  it.each(['pad', 'pad != 0', '!pad || x', 'pad < 4'])('%s does not', (c) => expect(impliesZero(e(c), pad)).toBe(false));
});

describe('impliesAnyOf: a disjunction proven atom by atom', () => {
  const padZero = (atom: Expr): boolean => impliesZero(atom, e('pad'));
  const offsetZero = (atom: Expr): boolean => impliesZero(atom, e('offset'));
  it('!pad || offset <= 0 (the negation of pad && offset > 0)', () => {
    expect(impliesAnyOf(e('!pad || offset <= 0'), [padZero, offsetZero])).toBe(true);
  });
  it('!pad || offset != 0 proves neither', () => {
    expect(impliesAnyOf(e('!pad || offset != 0'), [padZero, offsetZero])).toBe(false);
  });
});

describe('impliesBitClear (bit 63)', () => {
  const size = e('size');
  it.each([
    '!(size & DMA_IOVA_USE_SWIOTLB)',
    '!((u64)size & DMA_IOVA_USE_SWIOTLB)',
    '(size & BIT_ULL(63)) == 0',
    '!(size & (1ULL << 63))',
    'size < DMA_IOVA_USE_SWIOTLB',
    'size <= SZ_1G',
    'SZ_4G > size',
    '(s64)size >= 0',
    '!(size >> 63)',
    '!(size & GENMASK_ULL(63, 62))',
  ])('%s proves it', (c) => expect(impliesBitClear(e(c), size, 63)).toBe(true));
  it.each([
    'size != DMA_IOVA_USE_SWIOTLB',
    '!((u32)size & DMA_IOVA_USE_SWIOTLB)',
    '!(size & BIT_ULL(62))',
    'size <= DMA_IOVA_USE_SWIOTLB',
    '(s64)size < 100',
    'size & DMA_IOVA_USE_SWIOTLB',
    '!(len & DMA_IOVA_USE_SWIOTLB)',
  ])('%s does not', (c) => expect(impliesBitClear(e(c), size, 63)).toBe(false));
});

describe('impliesDifferenceNonZero', () => {
  const [l, r] = [e('end'), e('start')];
  it.each(['end > start', 'start < end', 'end != start'])('%s proves end - start != 0', (c) => expect(impliesDifferenceNonZero(e(c), l, r)).toBe(true));
  it.each(['end >= start', 'start > end', 'end'])('%s does not', (c) => expect(impliesDifferenceNonZero(e(c), l, r)).toBe(false));
});
