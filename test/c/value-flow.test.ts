// Where a value comes from (c/value-flow.ts) and what type it is computed in (c/int-type.ts).
import { describe, expect, it } from 'vitest';
import {
  COPIES,
  NONZERO_CARRIERS,
  additiveTerms,
  analyze,
  argumentOf,
  castParts,
  integerTypeOf,
  parseFile,
  valueSources,
  type FunctionInfo,
  type ParsedFile,
  type SyntaxNode,
} from '../../c/index.js';

function parse(code: string): { file: ParsedFile; fn: FunctionInfo } {
  const file = parseFile('t.c', code);
  expect(file.errorCount).toBe(0);
  return { file, fn: file.functions[0] };
}

function callArg(fn: FunctionInfo, callee: string, index: number): SyntaxNode {
  const call = fn.node.descendantsOfType('call_expression').find((c) => c.childForFieldName('function')?.text === callee)!;
  return argumentOf(call, index)!;
}

const ALLOC = `static bool demo(struct iova_domain *iovad, phys_addr_t phys, size_t size)
{
	size_t iova_off = iova_offset(iovad, phys);
	size_t len;
	dma_addr_t addr;

	size = iova_align(iovad, size + iova_off);
	len = size;
	addr = demo_alloc(len);
	dma_addr_t dma = addr + iova_off;
	dma -= 0x10;
	demo_publish(dma);
	return true;
}
`;

describe('valueSources', () => {
  const { fn } = parse(ALLOC);
  const a = analyze(fn);
  it('follows locals and the carrier operations back to the parameter', () => {
    const texts = valueSources(a, callArg(fn, 'demo_alloc', 0), NONZERO_CARRIERS).map((n) => n.text);
    expect(texts).toEqual(['len', 'size', 'iova_align(iovad, size + iova_off)', 'size + iova_off', 'size', 'iova_off', 'iova_offset(iovad, phys)']);
  });
  it('with copies only, stops at the first operation', () => {
    const texts = valueSources(a, callArg(fn, 'demo_alloc', 0), COPIES).map((n) => n.text);
    expect(texts).toEqual(['len', 'size', 'iova_align(iovad, size + iova_off)']);
  });
  it('stops at a local with several definitions', () => {
    const { fn: g } = parse('int g(int x, int c)\n{\n\tint y = 1;\n\n\tif (c)\n\t\ty = x;\n\treturn use(y);\n}\n');
    expect(valueSources(analyze(g), callArg(g, 'use', 0), COPIES).map((n) => n.text)).toEqual(['y']);
  });
});

describe('additiveTerms', () => {
  const { fn } = parse(ALLOC);
  const a = analyze(fn);
  it('splits a published address into base and offsets, through locals and -=', () => {
    const terms = additiveTerms(a, callArg(fn, 'demo_publish', 0));
    expect(terms.map((t) => `${t.sign > 0 ? '+' : '-'}${t.node.text}${t.named ? ` (${t.named.text})` : ''}`)).toEqual([
      '+demo_alloc(len) (addr)',
      '+iova_offset(iovad, phys) (iova_off)',
      '-0x10',
    ]);
  });
});

describe('integerTypeOf and castParts', () => {
  const { file, fn } = parse(`static void demo(int npages, u32 nr, size_t size, unsigned long pfn)
{
	use(npages << PAGE_SHIFT);
	use(nr * SZ_4K);
	use(nr * PAGE_SIZE);
	use((size_t)npages << PAGE_SHIFT);
	use((u32)(size + 1));
	use(iova_align(iovad, size));
	use(pfn + nr);
}
`);
  const a = analyze(fn);
  const uses = fn.node.descendantsOfType('call_expression').filter((c) => c.childForFieldName('function')?.text === 'use').map((c) => argumentOf(c, 0)!);
  it('computes the C type of arithmetic with the usual conversions', () => {
    expect(uses.map((u) => integerTypeOf(a, u, { file })?.name)).toEqual(['int', 'unsigned int', 'unsigned long', 'unsigned long', 'unsigned int', 'unsigned long', 'unsigned long']);
    expect(integerTypeOf(a, uses[2], { file, model: 'ILP32' })?.bits).toBe(32);
  });
  it('reads (u32)(x) as a cast although tree-sitter parses it as a call', () => {
    expect(uses[4].type).toBe('call_expression');
    expect(castParts(uses[4])?.type).toBe('u32');
    expect(castParts(uses[4])?.value.text).toBe('size + 1');
    expect(castParts(uses[5])).toBeUndefined();
  });
});
