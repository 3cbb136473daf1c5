// C integer types and the two data models the model runs in. Every value is a bigint, wrapped to
// the width and signedness of the C type it is stored in, as a C compiler would.

/** 64: size_t/long are 64-bit. 32: size_t/long are 32-bit, dma_addr_t/phys_addr_t stay 64-bit. */
export type Arch = 64 | 32;

export interface DataModel {
  arch: Arch;
  /** Width of long, unsigned long, size_t, ssize_t, pointers. */
  longBits: number;
}

export function dataModel(arch: Arch): DataModel {
  return { arch, longBits: arch };
}

export interface IntType {
  /** C spelling, for traces and contracts. */
  name: string;
  bits: number;
  signed: boolean;
}

/**
 * C integer types the model's functions use. dma_addr_t and phys_addr_t are 64-bit in both data
 * models (CONFIG_ARCH_DMA_ADDR_T_64BIT and CONFIG_PHYS_ADDR_T_64BIT, as on LPAE/PAE 32-bit
 * kernels), which is what makes the 32-bit size_t cases interesting (reference D10, D23).
 */
export function intType(name: string, dm: DataModel): IntType | undefined {
  const t = name.replace(/\s+/g, ' ').trim();
  switch (t) {
    case 'bool':
    case '_Bool':
      return { name: 'bool', bits: 1, signed: false };
    case 'char':
    case 's8':
    case 'signed char':
      return { name: t, bits: 8, signed: true };
    case 'u8':
    case 'unsigned char':
      return { name: t, bits: 8, signed: false };
    case 'short':
    case 's16':
      return { name: t, bits: 16, signed: true };
    case 'u16':
    case 'unsigned short':
      return { name: t, bits: 16, signed: false };
    case 'int':
    case 's32':
    case 'signed int':
    case 'enum dma_data_direction':
      return { name: t, bits: 32, signed: true };
    case 'u32':
    case 'unsigned int':
    case 'unsigned':
    case 'gfp_t':
      return { name: t, bits: 32, signed: false };
    case 'long':
    case 'ssize_t':
    case 'long int':
      return { name: t, bits: dm.longBits, signed: true };
    case 'unsigned long':
    case 'size_t':
    case 'unsigned long int':
    case 'uintptr_t':
      return { name: t, bits: dm.longBits, signed: false };
    case 'long long':
    case 's64':
    case 'long long int':
      return { name: t, bits: 64, signed: true };
    case 'u64':
    case 'unsigned long long':
    case 'unsigned long long int':
    case 'dma_addr_t':
    case 'phys_addr_t':
      return { name: t, bits: 64, signed: false };
    default:
      return undefined;
  }
}

/** Like intType, for names the model itself uses; an unknown name here is a bug in the model. */
export function mustIntType(name: string, dm: DataModel): IntType {
  const t = intType(name, dm);
  if (!t) throw new Error(`model bug: unknown C integer type ${name}`);
  return t;
}

/** The value a C object of type `t` holds after `v` is converted to it (C11 6.3.1.3, gcc). */
export function wrap(v: bigint, t: IntType): bigint {
  if (t.bits === 1) return v === 0n ? 0n : 1n; // conversion to _Bool is "!= 0", not truncation
  return t.signed ? BigInt.asIntN(t.bits, v) : BigInt.asUintN(t.bits, v);
}

/** `v` converted to an unsigned type of `bits` bits. */
export function u(bits: number, v: bigint): bigint {
  return BigInt.asUintN(bits, v);
}

export const U64_MAX = (1n << 64n) - 1n;

export function maxOf(t: IntType): bigint {
  if (t.bits === 1) return 1n;
  return t.signed ? (1n << BigInt(t.bits - 1)) - 1n : (1n << BigInt(t.bits)) - 1n;
}

export function minOf(t: IntType): bigint {
  return t.signed ? -(1n << BigInt(t.bits - 1)) : 0n;
}

/** The result of an arithmetic step in type `t`, with whether it wrapped (exact ≠ stored). */
export interface Checked {
  value: bigint;
  exact: bigint;
  wrapped: boolean;
}

export function checked(exact: bigint, t: IntType): Checked {
  const value = wrap(exact, t);
  return { value, exact, wrapped: value !== exact };
}

/** "0x1f" for unsigned values, "-22" for negative ones. */
export function hex(v: bigint): string {
  return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}

/** How a value of C type `t` is written in traces: unsigned as hex, signed as decimal, bool as word. */
export function formatValue(v: bigint, t: IntType | undefined): string {
  if (!t) return hex(v);
  if (t.bits === 1) return v === 0n ? 'false' : 'true';
  if (t.signed) return v.toString(10);
  return hex(v);
}

/** Parses "0x1000", "4096", "-22", "true"/"false" (as written by formatValue). */
export function parseValue(s: string): bigint | undefined {
  const t = s.trim();
  if (t === 'true') return 1n;
  if (t === 'false') return 0n;
  const m = /^(-)?(0x[0-9a-f]+|0b[01]+|0o[0-7]+|[0-9]+)$/i.exec(t);
  if (!m) return undefined;
  const mag = BigInt(m[2]!.toLowerCase());
  return m[1] ? -mag : mag;
}
