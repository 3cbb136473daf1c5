// C types as the interpreter sees them: integers with exact width and signedness in a data model
// (64-bit: LP64; 32-bit: ILP32 with 64-bit dma_addr_t/phys_addr_t, as on LPAE/PAE), pointers,
// structs by tag, arrays, void. Types are read from declaration text ("const struct foo *",
// "unsigned long", "u64 [4]") so locals, parameters, fields and casts share one parser.
import { intType as modelIntType } from '../model/index.js';

export interface IntT {
  kind: 'int';
  /** C spelling, for traces ("size_t", "u64", "int"). */
  name: string;
  /** 1 for _Bool. */
  bits: number;
  signed: boolean;
}

export type CType =
  | IntT
  | { kind: 'ptr'; to: CType }
  | { kind: 'struct'; name: string }
  | { kind: 'array'; of: CType; len: number | undefined }
  | { kind: 'void' }
  | { kind: 'unknown'; text: string };

export type Arch = 64 | 32;

export const VOID: CType = { kind: 'void' };
export const INT: IntT = { kind: 'int', name: 'int', bits: 32, signed: true };
export const UINT: IntT = { kind: 'int', name: 'unsigned int', bits: 32, signed: false };
export const LLONG: IntT = { kind: 'int', name: 'long long', bits: 64, signed: true };
export const ULLONG: IntT = { kind: 'int', name: 'unsigned long long', bits: 64, signed: false };
export const U64: IntT = { kind: 'int', name: 'u64', bits: 64, signed: false };
export const BOOL: IntT = { kind: 'int', name: 'bool', bits: 1, signed: false };
export const CHAR: IntT = { kind: 'int', name: 'char', bits: 8, signed: true };
export const DMA_ADDR: IntT = { kind: 'int', name: 'dma_addr_t', bits: 64, signed: false };

export function sizeT(arch: Arch): IntT {
  return { kind: 'int', name: 'size_t', bits: arch, signed: false };
}
export function ulong(arch: Arch): IntT {
  return { kind: 'int', name: 'unsigned long', bits: arch, signed: false };
}
export function slong(arch: Arch): IntT {
  return { kind: 'int', name: 'long', bits: arch, signed: true };
}

const QUALIFIERS = /\b(const|volatile|restrict|__restrict|register|static|inline|__inline|__inline__|extern|__iomem|__user|__force|__rcu|__percpu|__bitwise|__must_check|__maybe_unused|__always_unused|_Atomic)\b/g;

/** Fixed-width kernel and libc names the model's table does not list. */
const EXTRA_INTS: Record<string, [number, boolean]> = {
  __u8: [8, false], uint8_t: [8, false], __s8: [8, true], int8_t: [8, true],
  __u16: [16, false], uint16_t: [16, false], __s16: [16, true], int16_t: [16, true],
  __le16: [16, false], __be16: [16, false],
  __u32: [32, false], uint32_t: [32, false], __s32: [32, true], int32_t: [32, true],
  __le32: [32, false], __be32: [32, false], u_int: [32, false], uint: [32, false],
  __u64: [64, false], uint64_t: [64, false], __s64: [64, true], int64_t: [64, true],
  __le64: [64, false], __be64: [64, false], resource_size_t: [64, false], loff_t: [64, true],
  blk_status_t: [8, false], fmode_t: [32, false], dma_data_direction: [32, true],
};
const LONG_INTS: Record<string, boolean> = {
  pgoff_t: false, ptrdiff_t: true, intptr_t: true, __kernel_size_t: false, ulong: false, sector_t: false,
};

/** The integer type a (whitespace-normalised, qualifier-free) type name stands for. */
export function intTypeNamed(raw: string, arch: Arch): IntT | undefined {
  const name = raw.replace(QUALIFIERS, ' ').replace(/\s+/g, ' ').trim();
  if (name === '') return undefined;
  if (/^enum\b/.test(name)) return { kind: 'int', name, bits: 32, signed: true };
  const model = modelIntType(canonicalIntName(name), { arch, longBits: arch });
  if (model) return { kind: 'int', name, bits: model.bits, signed: model.signed };
  const extra = EXTRA_INTS[name];
  if (extra) return { kind: 'int', name, bits: extra[0], signed: extra[1] };
  if (name in LONG_INTS) return { kind: 'int', name, bits: arch, signed: LONG_INTS[name]! };
  return undefined;
}

/** "long unsigned int" → "unsigned long", "signed" → "int", "short int" → "short". */
function canonicalIntName(name: string): string {
  const words = name.split(' ');
  if (!words.every((w) => ['unsigned', 'signed', 'long', 'short', 'int', 'char'].includes(w))) return name;
  const unsigned = words.includes('unsigned');
  const longs = words.filter((w) => w === 'long').length;
  let base: string;
  if (words.includes('char')) base = 'char';
  else if (words.includes('short')) base = 'short';
  else if (longs >= 2) base = 'long long';
  else if (longs === 1) base = 'long';
  else base = 'int';
  if (base === 'char') return unsigned ? 'unsigned char' : words.includes('signed') ? 'signed char' : 'char';
  return unsigned ? `unsigned ${base}` : base;
}

/**
 * Parses a declared type as text: "struct dma_iova_state *", "const u64", "unsigned long [4]",
 * "struct seg [NR_SEGS]" (array sizes through `evalSize`). Unknown names become 'unknown'.
 */
export function parseTypeText(raw: string, arch: Arch, evalSize: (text: string) => number | undefined = numberOrUndefined): CType {
  let text = raw.replace(QUALIFIERS, ' ').replace(/\s+/g, ' ').trim();
  const dims: Array<number | undefined> = [];
  for (let m = /\[([^\]]*)\]\s*$/.exec(text); m; m = /\[([^\]]*)\]\s*$/.exec(text)) {
    dims.unshift(m[1]!.trim() === '' ? undefined : evalSize(m[1]!.trim()));
    text = text.slice(0, m.index).trim();
  }
  let stars = 0;
  while (text.endsWith('*')) {
    stars++;
    text = text.slice(0, -1).trim();
  }
  if (text.includes('(')) return { kind: 'unknown', text: raw.trim() };
  let t: CType;
  const struct = /^(struct|union)\s+(\w+)$/.exec(text);
  if (struct) t = { kind: 'struct', name: struct[2]! };
  else if (text === 'void') t = VOID;
  else t = intTypeNamed(text, arch) ?? { kind: 'unknown', text };
  for (let i = 0; i < stars; i++) t = { kind: 'ptr', to: t };
  for (let i = dims.length - 1; i >= 0; i--) t = { kind: 'array', of: t, len: dims[i] };
  return t;
}

function numberOrUndefined(text: string): number | undefined {
  const n = Number(text.replace(/[uUlL]+$/, ''));
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

export function isInt(t: CType): t is IntT {
  return t.kind === 'int';
}

export function isPointerLike(t: CType): boolean {
  return t.kind === 'ptr' || t.kind === 'array';
}

/** Integer promotion: everything narrower than int (bool, char, short) becomes int. */
export function promote(t: IntT): IntT {
  return t.bits < 32 ? INT : t;
}

/** The usual arithmetic conversions (C11 6.3.1.8) of two integer types. */
export function commonType(a: IntT, b: IntT): IntT {
  const pa = promote(a);
  const pb = promote(b);
  if (pa.signed === pb.signed) return pa.bits >= pb.bits ? pa : pb;
  const [u, s] = pa.signed ? [pb, pa] : [pa, pb];
  if (u.bits >= s.bits) return u;
  return s;
}

/** The value of `v` converted to `t` (wrap-around; _Bool is "!= 0"). */
export function wrapTo(v: bigint, t: IntT): bigint {
  if (t.bits === 1) return v === 0n ? 0n : 1n;
  return t.signed ? BigInt.asIntN(t.bits, v) : BigInt.asUintN(t.bits, v);
}

export function maxOf(t: IntT): bigint {
  if (t.bits === 1) return 1n;
  return t.signed ? (1n << BigInt(t.bits - 1)) - 1n : (1n << BigInt(t.bits)) - 1n;
}

export function minOf(t: IntT): bigint {
  return t.signed && t.bits > 1 ? -(1n << BigInt(t.bits - 1)) : 0n;
}

/** C spelling of a type, for messages. */
export function typeName(t: CType): string {
  switch (t.kind) {
    case 'int':
      return t.name;
    case 'ptr':
      return `${typeName(t.to)} *`;
    case 'struct':
      return `struct ${t.name}`;
    case 'array':
      return `${typeName(t.of)} [${t.len ?? ''}]`;
    case 'void':
      return 'void';
    default:
      return t.text;
  }
}

/** The same type as text a model contract would write ("struct device *", "size_t"). */
export function sameType(a: CType, b: CType): boolean {
  return typeName(a) === typeName(b);
}
