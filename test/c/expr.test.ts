import { describe, expect, it } from 'vitest';
import {
  asComparison,
  callsIn,
  calleeName,
  argumentsOf,
  conjuncts,
  evalConst,
  identifierPattern,
  intTypeOf,
  isKnownConst,
  negateCondition,
  normalizedText,
  printExpr,
  toExpr,
  type SyntaxNode,
} from '../../c/index.js';
import { parseClean } from './helpers.js';

/** The expression of `return <expr>;` in a tiny function. */
function expr(text: string): SyntaxNode {
  const file = parseClean(`static u64 demo(void)\n{\n\treturn ${text};\n}\n`);
  return file.functions[0].node.descendantsOfType('return_statement')[0].namedChildren[0];
}

describe('expression normalisation', () => {
  const cases: Array<[string, string]> = [
    ['( size  +   iova_off )', 'size + iova_off'],
    ['((a)) * (b + c)', 'a * (b + c)'],
    ['a - (b - c)', 'a - (b - c)'],
    ['(a - b) - c', 'a - b - c'],
    ['!(size & DMA_IOVA_USE_SWIOTLB)', '!(size & DMA_IOVA_USE_SWIOTLB)'],
    ['(u64) size & FLAG', '(u64)size & FLAG'],
    ['state -> __size', 'state->__size'],
    ['iova_align( iovad ,size+iova_off )', 'iova_align(iovad, size + iova_off)'],
    ['p[ i ].phys', 'p[i].phys'],
    ['x ? : y', 'x ?: y'],
    ['sizeof ( * p )', 'sizeof(*p)'],
    ['sizeof(struct foo)', 'sizeof(struct foo)'],
    ['a /* why */ + b', 'a + b'],
  ];
  for (const [input, output] of cases) {
    it(`${input} → ${output}`, () => expect(normalizedText(expr(input))).toBe(output));
  }

  it('strips casts on request', () => {
    expect(normalizedText(expr('(u64)(size_t)size & FLAG'), { stripCasts: true })).toBe('size & FLAG');
    expect(normalizedText(expr('(int)(a + b) * 2'), { stripCasts: true })).toBe('(a + b) * 2');
  });

  it('normalises statements token by token', () => {
    const file = parseClean('static void demo(void)\n{\n\tstate->addr   =  addr+ iova_off ;\n\tif (x)   return ;\n}\n');
    const [assign] = file.functions[0].node.descendantsOfType('expression_statement');
    expect(normalizedText(assign)).toBe('state->addr = addr + iova_off;');
    expect(normalizedText(file.functions[0].node.descendantsOfType('if_statement')[0])).toBe('if(x)return;');
  });
});

describe('conditions', () => {
  it('negates comparisons and applies De Morgan', () => {
    expect(printExpr(negateCondition(toExpr(expr('a == b'))))).toBe('a != b');
    expect(printExpr(negateCondition(toExpr(expr('a < b'))))).toBe('a >= b');
    expect(printExpr(negateCondition(toExpr(expr('!x'))))).toBe('x');
    expect(printExpr(negateCondition(toExpr(expr('a && b'))))).toBe('!a || !b');
    expect(conjuncts(toExpr(expr('a && (b && c > 1)'))).map((e) => printExpr(e))).toEqual(['a', 'b', 'c > 1']);
    expect(conjuncts(negateCondition(toExpr(expr('a || b')))).map((e) => printExpr(e))).toEqual(['!a', '!b']);
  });

  it('reads conditions as comparisons', () => {
    const show = (t: string) => {
      const c = asComparison(toExpr(expr(t)))!;
      return `${printExpr(c.left)} ${c.op} ${printExpr(c.right)}`;
    };
    expect(show('size')).toBe('size != 0');
    expect(show('!size')).toBe('size == 0');
    expect(show('0 != size')).toBe('size != 0');
    expect(show('SZ_4K < size')).toBe('size > SZ_4K');
    expect(show('!(size & FLAG)')).toBe('size & FLAG == 0');
    expect(asComparison(toExpr(expr('a && b')))).toBeUndefined();
  });
});

describe('calls', () => {
  it('finds calls by callee and reads their arguments', () => {
    const file = parseClean(`static void demo(struct demo_dev *dd)
{
	dma_iova_link(dd->dev, &dd->state, phys, 0, len, dir, 0);
	dd->ops->unmap(dd, 0);
	dma_iova_sync(dd->dev, &dd->state, 0, len);
}
`);
    const body = file.functions[0].node;
    expect(callsIn(body, 'dma_iova_link')).toHaveLength(1);
    expect(callsIn(body, /^dma_iova_/).map((c) => calleeName(c))).toEqual(['dma_iova_link', 'dma_iova_sync']);
    expect(callsIn(body, ['dd->ops->unmap']).map((c) => calleeName(c))).toEqual(['dd->ops->unmap']);
    expect(argumentsOf(callsIn(body, 'dma_iova_link')[0]).map((a) => a.text)).toEqual(['dd->dev', '&dd->state', 'phys', '0', 'len', 'dir', '0']);
  });
});

describe('integer constants', () => {
  const value = (t: string, model?: 'LP64' | 'ILP32') => {
    const r = evalConst(expr(t), { model });
    return isKnownConst(r) ? { value: r.value, type: r.type.name, ub: r.undefinedBehaviour } : r;
  };

  it('evaluates with C types', () => {
    expect(value('1ULL << 63')).toEqual({ value: 1n << 63n, type: 'unsigned long long', ub: undefined });
    expect(value('(1 << 20) - 1')).toEqual({ value: (1n << 20n) - 1n, type: 'int', ub: undefined });
    expect(value('0xffffffff')).toMatchObject({ value: 0xffffffffn, type: 'unsigned int' });
    expect(value('4294967296')).toMatchObject({ type: 'long' });
    expect(value('4294967296', 'ILP32')).toMatchObject({ type: 'long long' });
    expect(value('~0UL', 'ILP32')).toMatchObject({ value: 0xffffffffn, type: 'unsigned long' });
    expect(value('~0UL')).toMatchObject({ value: 0xffff_ffff_ffff_ffffn });
    expect(value('(u32)0x1ffffffffULL')).toMatchObject({ value: 0xffffffffn, type: 'unsigned int' });
    expect(value('-1 + 0U')).toMatchObject({ value: 0xffffffffn, type: 'unsigned int' });
  });

  it('flags an int shift past its width, as GCC folds it', () => {
    expect(value('(1 << 36) - 1')).toEqual({ value: -1n, type: 'int', ub: 'shift count 36 >= width 32 of int' });
    expect(value('1 << 31')).toMatchObject({ value: -(1n << 31n), ub: '1 << 31 overflows int' });
  });

  it('knows the kernel constant macros', () => {
    expect(value('DMA_BIT_MASK(32)')).toMatchObject({ value: 0xffffffffn, type: 'unsigned long long' });
    expect(value('DMA_BIT_MASK(64)')).toMatchObject({ value: 0xffff_ffff_ffff_ffffn });
    expect(value('DMA_BIT_MASK(65)')).toMatchObject({ ub: 'DMA_BIT_MASK(65) outside 0..64' });
    expect(value('BIT_ULL(63)')).toMatchObject({ value: 1n << 63n });
    expect(value('GENMASK_ULL(47, 12)')).toMatchObject({ value: ((1n << 36n) - 1n) << 12n });
    expect(value('SZ_4K + SZ_64K')).toMatchObject({ value: 4096n + 65536n });
    expect(value('DMA_IOVA_USE_SWIOTLB')).toMatchObject({ value: 1n << 63n });
    expect(value('ALIGN(5000, SZ_4K)')).toMatchObject({ value: 8192n });
    expect(value('min_t(u32, 7, 3)')).toMatchObject({ value: 3n, type: 'unsigned int' });
    expect(value('sizeof(u64) * 8')).toMatchObject({ value: 64n });
  });

  it('keeps architecture-dependent names symbolic unless given', () => {
    expect(evalConst(expr('PAGE_SIZE - 1'))).toEqual({ symbolic: 'PAGE_SIZE' });
    const r = evalConst(expr('PAGE_ALIGN(5000)'), { env: { PAGE_SIZE: 4096n } });
    expect(isKnownConst(r) && r.value).toBe(8192n);
    expect(evalConst(expr('size + 1'))).toBeUndefined();
  });

  it('knows kernel integer types in both data models', () => {
    expect(intTypeOf('size_t')).toMatchObject({ bits: 64, unsigned: true });
    expect(intTypeOf('size_t', 'ILP32')).toMatchObject({ bits: 32, unsigned: true });
    expect(intTypeOf('u32')).toMatchObject({ bits: 32, unsigned: true });
    expect(intTypeOf('const u64')).toMatchObject({ bits: 64 });
    expect(intTypeOf('dma_addr_t')).toMatchObject({ bits: 64 });
    expect(intTypeOf('struct device')).toBeUndefined();
  });
});

describe('identifierPattern', () => {
  it('matches the names as whole identifiers only', () => {
    const p = identifierPattern(['dma_set_mask', 'DMA_BIT_MASK']);
    expect(p.test('ret = dma_set_mask(dev, m);')).toBe(true);
    expect(p.test('u64 m = DMA_BIT_MASK(40);')).toBe(true);
    expect(p.test('ret = dma_set_mask_and_coherent(dev, m);')).toBe(false);
    expect(p.test('my_dma_set_mask(dev);')).toBe(false);
  });

  it('matches nothing for no names (not everything)', () => {
    expect(identifierPattern([]).test('anything at all')).toBe(false);
  });
});
