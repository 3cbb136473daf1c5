// C arithmetic and the kernel bit helpers, bit-exact on both data models.
import { describe, expect, it } from 'vitest';
import { alignUp, bitsPer, dmaBitMask, minNotZero, orderBase2, roundupPowOfTwo } from '../../model/bitops.js';
import { checked, dataModel, formatValue, hex, intType, parseValue, wrap } from '../../model/ctypes.js';

describe('C integer types', () => {
  it('size_t and unsigned long follow the data model; dma_addr_t and phys_addr_t stay 64-bit', () => {
    const dm32 = dataModel(32);
    const dm64 = dataModel(64);
    expect(intType('size_t', dm32)!.bits).toBe(32);
    expect(intType('size_t', dm64)!.bits).toBe(64);
    expect(intType('unsigned long', dm32)!.bits).toBe(32);
    expect(intType('dma_addr_t', dm32)!.bits).toBe(64);
    expect(intType('phys_addr_t', dm32)!.bits).toBe(64);
    expect(intType('u64', dm32)!.bits).toBe(64);
    expect(intType('int', dm64)).toMatchObject({ bits: 32, signed: true });
    expect(intType('struct device *', dm64)).toBeUndefined();
  });

  it('wraps like a C conversion, with _Bool as "!= 0"', () => {
    const dm32 = dataModel(32);
    expect(wrap(0x1_0000_0005n, intType('size_t', dm32)!)).toBe(5n);
    expect(wrap(-1n, intType('size_t', dm32)!)).toBe(0xffffffffn);
    expect(wrap(0xffffffffn, intType('int', dm32)!)).toBe(-1n);
    expect(wrap(0x100n, intType('bool', dm32)!)).toBe(1n);
    expect(checked(0xffffffffn + 0x234n, intType('size_t', dm32)!)).toEqual({ value: 0x233n, exact: 0x1_0000_0233n, wrapped: true });
  });

  it('formats unsigned as hex, signed as decimal, bool as a word, and parses them back', () => {
    const dm = dataModel(64);
    expect(formatValue(0x1000n, intType('size_t', dm))).toBe('0x1000');
    expect(formatValue(-22n, intType('int', dm))).toBe('-22');
    expect(formatValue(1n, intType('bool', dm))).toBe('true');
    expect(hex(-0x10n)).toBe('-0x10');
    expect(parseValue('0x1000')).toBe(0x1000n);
    expect(parseValue('-22')).toBe(-22n);
    expect(parseValue('false')).toBe(0n);
    expect(parseValue('twelve')).toBeUndefined();
  });
});

describe('kernel bit helpers', () => {
  it('roundup_pow_of_two rounds up (and gives 1 for 0, as x86-64/arm64 shifts do)', () => {
    expect(roundupPowOfTwo(3n, 64)).toBe(4n);
    expect(roundupPowOfTwo(4n, 64)).toBe(4n);
    expect(roundupPowOfTwo(17n, 64)).toBe(32n);
    expect(roundupPowOfTwo(1n, 64)).toBe(1n);
    expect(roundupPowOfTwo(0n, 64)).toBe(1n);
    expect(roundupPowOfTwo(0n, 32)).toBe(1n);
  });

  it('order_base_2 is the ceiling log2 used to pick range-cache bins', () => {
    expect([1n, 2n, 3n, 4n, 5n, 32n, 33n].map(orderBase2)).toEqual([0, 1, 2, 2, 3, 5, 6]);
  });

  it('ALIGN wraps in the width it is computed in', () => {
    expect(alignUp(0x2234n, 0x1000n, 64)).toBe(0x3000n);
    expect(alignUp(0xfffff001n, 0x1000n, 32)).toBe(0n);
    expect(alignUp(0xfffff001n, 0x1000n, 64)).toBe(0x1_0000_0000n);
  });

  it('min_not_zero, DMA_BIT_MASK and bits_per', () => {
    expect(minNotZero(0n, 5n)).toBe(5n);
    expect(minNotZero(7n, 5n)).toBe(5n);
    expect(dmaBitMask(32n)).toBe(0xffffffffn);
    expect(dmaBitMask(64n)).toBe((1n << 64n) - 1n);
    expect(dmaBitMask(0n)).toBeUndefined();
    expect(dmaBitMask(65n)).toBeUndefined();
    expect(bitsPer((1n << 48n) - 1n)).toBe(48);
  });
});
