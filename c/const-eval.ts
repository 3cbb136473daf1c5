// Integer-constant evaluation with C's types: literals with their C type, the usual arithmetic
// conversions, wrap-around to the type's width, and a flag where C leaves the result undefined
// (`1 << 36` on an int: GCC folds it to 0 and warns). Kernel constant macros (DMA_BIT_MASK, BIT,
// GENMASK, SZ_*) are known; architecture-dependent ones (PAGE_SIZE) stay symbolic unless given.
import { KNOWN_CONSTANTS, SYMBOLIC_CONSTANTS } from './kernel-macros.js';
import { parseIntegerLiteral, toExpr, type Expr } from './expr.js';
import type { SyntaxNode } from './types.js';

export interface CIntType {
  /** C spelling of the type ("unsigned long long", "int", "u32" is reported as "unsigned int"). */
  name: string;
  bits: number;
  unsigned: boolean;
}

export type DataModel = 'LP64' | 'ILP32';

export interface ConstValue {
  value: bigint;
  type: CIntType;
  /** Why C leaves this undefined or implementation-defined ("shift count 36 >= width 32"). */
  undefinedBehaviour?: string;
}

export interface SymbolicValue {
  /** The first architecture-dependent name the value depends on (PAGE_SIZE...). */
  symbolic: string;
}

export type ConstResult = ConstValue | SymbolicValue | undefined;

export interface EvalOptions {
  /** LP64 (64-bit kernels, the default) or ILP32 (32-bit kernels: long and size_t are 32-bit). */
  model?: DataModel;
  /** Values for symbolic names (e.g. { PAGE_SIZE: 4096n }). */
  env?: Readonly<Record<string, bigint>>;
  /** Look up other names (file-level #defines, enumerators, locals' constant values). */
  lookup?: (name: string) => Expr | undefined;
}

const INT: CIntType = { name: 'int', bits: 32, unsigned: false };
const UINT: CIntType = { name: 'unsigned int', bits: 32, unsigned: true };
const LLONG: CIntType = { name: 'long long', bits: 64, unsigned: false };
const ULLONG: CIntType = { name: 'unsigned long long', bits: 64, unsigned: true };

function longType(model: DataModel, unsigned: boolean): CIntType {
  const bits = model === 'ILP32' ? 32 : 64;
  return { name: unsigned ? 'unsigned long' : 'long', bits, unsigned };
}

const RANK: Record<string, number> = { int: 1, 'unsigned int': 1, long: 2, 'unsigned long': 2, 'long long': 3, 'unsigned long long': 3 };

/** The integer type a kernel type name stands for, in a data model (undefined if not an integer type). */
export function intTypeOf(typeText: string, model: DataModel = 'LP64'): CIntType | undefined {
  const t = typeText.replace(/\b(const|volatile|__iomem|__user|__force|register|static)\b/g, ' ').replace(/\s+/g, ' ').trim();
  if (t.includes('*')) return { name: 'pointer', bits: model === 'ILP32' ? 32 : 64, unsigned: true };
  const fixed: Record<string, CIntType> = {
    u8: { name: 'unsigned char', bits: 8, unsigned: true }, __u8: { name: 'unsigned char', bits: 8, unsigned: true },
    uint8_t: { name: 'unsigned char', bits: 8, unsigned: true }, s8: { name: 'signed char', bits: 8, unsigned: false },
    u16: { name: 'unsigned short', bits: 16, unsigned: true }, __u16: { name: 'unsigned short', bits: 16, unsigned: true },
    uint16_t: { name: 'unsigned short', bits: 16, unsigned: true }, s16: { name: 'short', bits: 16, unsigned: false },
    __le16: { name: 'unsigned short', bits: 16, unsigned: true }, __be16: { name: 'unsigned short', bits: 16, unsigned: true },
    u32: UINT, __u32: UINT, uint32_t: UINT, s32: INT, __s32: INT, int32_t: INT, __le32: UINT, __be32: UINT,
    u64: ULLONG, __u64: ULLONG, uint64_t: ULLONG, s64: LLONG, __s64: LLONG, int64_t: LLONG, __le64: ULLONG, __be64: ULLONG,
    bool: { name: '_Bool', bits: 1, unsigned: true }, _Bool: { name: '_Bool', bits: 1, unsigned: true },
    char: { name: 'char', bits: 8, unsigned: false }, 'signed char': { name: 'signed char', bits: 8, unsigned: false },
    'unsigned char': { name: 'unsigned char', bits: 8, unsigned: true },
    short: { name: 'short', bits: 16, unsigned: false }, 'short int': { name: 'short', bits: 16, unsigned: false },
    'unsigned short': { name: 'unsigned short', bits: 16, unsigned: true },
    int: INT, signed: INT, 'signed int': INT, unsigned: UINT, 'unsigned int': UINT,
    'long long': LLONG, 'long long int': LLONG, 'signed long long': LLONG,
    'unsigned long long': ULLONG, 'unsigned long long int': ULLONG,
    // DMA and physical addresses: 64-bit on every 64-bit kernel; on 32-bit kernels with LPAE/PAE too
    dma_addr_t: ULLONG, phys_addr_t: ULLONG, resource_size_t: ULLONG,
  };
  if (fixed[t]) return fixed[t];
  if (t === 'long' || t === 'long int' || t === 'signed long') return longType(model, false);
  if (t === 'unsigned long' || t === 'unsigned long int') return longType(model, true);
  if (t === 'size_t' || t === 'uintptr_t' || t === 'unsigned long' || t === '__kernel_size_t') {
    return { name: 'unsigned long', bits: model === 'ILP32' ? 32 : 64, unsigned: true };
  }
  if (t === 'ssize_t' || t === 'ptrdiff_t' || t === 'intptr_t') return longType(model, false);
  if (t === 'loff_t') return LLONG;
  if (t === 'gfp_t' || t === 'dma_data_direction' || t === 'enum dma_data_direction') return UINT;
  return undefined;
}

/** Wrap `v` to the width and signedness of `t`. */
export function wrapToType(v: bigint, t: CIntType): bigint {
  return t.unsigned ? BigInt.asUintN(t.bits, v) : BigInt.asIntN(t.bits, v);
}

function literalType(lit: { value: bigint; unsigned: boolean; longs: number; radix: number }, model: DataModel): CIntType {
  const long = longType(model, false);
  const ulong = longType(model, true);
  const candidates: CIntType[] = [];
  const decimal = lit.radix === 10;
  if (lit.longs === 0) {
    if (lit.unsigned) candidates.push(UINT, ulong, ULLONG);
    else candidates.push(...(decimal ? [INT, long, LLONG] : [INT, UINT, long, ulong, LLONG, ULLONG]));
  } else if (lit.longs === 1) {
    if (lit.unsigned) candidates.push(ulong, ULLONG);
    else candidates.push(...(decimal ? [long, LLONG] : [long, ulong, LLONG, ULLONG]));
  } else {
    candidates.push(...(lit.unsigned ? [ULLONG] : decimal ? [LLONG] : [LLONG, ULLONG]));
  }
  for (const t of candidates) {
    const max = t.unsigned ? (1n << BigInt(t.bits)) - 1n : (1n << BigInt(t.bits - 1)) - 1n;
    if (lit.value <= max) return t;
  }
  return ULLONG;
}

/** Usual arithmetic conversions of two (already promoted) integer types. */
export function commonType(a: CIntType, b: CIntType): CIntType {
  const pa = promote(a);
  const pb = promote(b);
  if (pa.unsigned === pb.unsigned) return pa.bits > pb.bits || (pa.bits === pb.bits && (RANK[pa.name] ?? 0) >= (RANK[pb.name] ?? 0)) ? pa : pb;
  const [u, s] = pa.unsigned ? [pa, pb] : [pb, pa];
  if (u.bits >= s.bits) return u;
  return s; // the signed type is wider and represents every value of the unsigned one
}

function promote(t: CIntType): CIntType {
  return t.bits < 32 ? INT : t;
}

function isSymbolic(r: ConstResult): r is SymbolicValue {
  return r !== undefined && 'symbolic' in r;
}

/** Evaluate an integer constant expression (node or Expr). */
export function evalConst(input: Expr | SyntaxNode, options: EvalOptions = {}): ConstResult {
  const e = 'kind' in input ? input : toExpr(input);
  return new Evaluator(options).eval(e, 0);
}

class Evaluator {
  private readonly model: DataModel;
  constructor(private readonly options: EvalOptions) {
    this.model = options.model ?? 'LP64';
  }

  private value(v: bigint, type: CIntType, ub?: string): ConstValue {
    const r: ConstValue = { value: wrapToType(v, type), type };
    if (ub) r.undefinedBehaviour = ub;
    return r;
  }

  eval(e: Expr, depth: number): ConstResult {
    if (depth > 64) return undefined;
    const d = depth + 1;
    switch (e.kind) {
      case 'number': {
        const lit = parseIntegerLiteral(e.text);
        if (!lit) return e.text === 'true' ? this.value(1n, INT) : e.text === 'false' ? this.value(0n, INT) : undefined;
        return this.value(lit.value, literalType(lit, this.model));
      }
      case 'ident': return this.name(e.name, d);
      case 'cast': {
        const inner = this.eval(e.operand, d);
        if (!inner || isSymbolic(inner)) return inner;
        const t = intTypeOf(e.type, this.model);
        if (!t) return inner;
        if (t.name === '_Bool') return this.carry(inner, this.value(inner.value !== 0n ? 1n : 0n, t));
        return this.carry(inner, this.value(inner.value, t));
      }
      case 'unary': {
        const inner = this.eval(e.operand, d);
        if (!inner || isSymbolic(inner)) return inner;
        const t = promote(inner.type);
        if (e.op === '-') return this.carry(inner, this.value(-inner.value, t));
        if (e.op === '~') return this.carry(inner, this.value(~inner.value, t));
        if (e.op === '+') return this.carry(inner, this.value(inner.value, t));
        return undefined;
      }
      case 'not': {
        const inner = this.eval(e.operand, d);
        if (!inner || isSymbolic(inner)) return inner;
        return this.carry(inner, this.value(inner.value === 0n ? 1n : 0n, INT));
      }
      case 'binary': return this.binary(e.op, e.left, e.right, d);
      case 'conditional': {
        const test = this.eval(e.test, d);
        if (!test || isSymbolic(test)) return test;
        return this.eval(test.value !== 0n ? (e.then ?? e.test) : e.else, d);
      }
      case 'sizeof': {
        // sizeof(u64) parses as sizeof of a parenthesised identifier: read the name as a type
        const typeText = e.type ?? (e.operand?.kind === 'ident' ? e.operand.name : undefined);
        const t = typeText !== undefined ? intTypeOf(typeText, this.model) : undefined;
        if (!t) return undefined;
        return this.value(BigInt(Math.max(1, t.bits / 8)), longType(this.model, true));
      }
      case 'call': return this.call(e, d);
      default: return undefined;
    }
  }

  private carry(from: ConstValue, to: ConstValue): ConstValue {
    if (from.undefinedBehaviour && !to.undefinedBehaviour) to.undefinedBehaviour = from.undefinedBehaviour;
    return to;
  }

  private name(name: string, depth: number): ConstResult {
    const env = this.options.env;
    if (env && Object.prototype.hasOwnProperty.call(env, name)) {
      const v = env[name];
      return this.value(v, name === 'PAGE_SIZE' || name === 'PAGE_MASK' ? longType(this.model, true) : v > 0x7fff_ffffn ? ULLONG : INT);
    }
    if (SYMBOLIC_CONSTANTS.has(name)) {
      if (name === 'SIZE_MAX' || name === 'ULONG_MAX') return this.value(-1n, longType(this.model, true));
      if (name === 'LONG_MAX') return this.value((1n << BigInt(longType(this.model, false).bits - 1)) - 1n, longType(this.model, false));
      if (name === 'BITS_PER_LONG') return this.value(BigInt(longType(this.model, false).bits), INT);
      return { symbolic: name };
    }
    const known = KNOWN_CONSTANTS.get(name);
    if (known !== undefined) {
      if (name === 'U32_MAX' || name === 'UINT_MAX') return this.value(known, UINT);
      if (name === 'U8_MAX' || name === 'U16_MAX' || name === 'INT_MAX' || name === 'S32_MAX') return this.value(known, INT);
      if (name === 'true' || name === 'false' || name === 'NULL') return this.value(known, INT);
      return this.value(known, known > 0x7fff_ffffn ? ULLONG : INT);
    }
    const looked = this.options.lookup?.(name);
    if (looked) return this.eval(looked, depth);
    return undefined;
  }

  private binary(op: string, l: Expr, r: Expr, d: number): ConstResult {
    if (op === '&&' || op === '||') {
      const a = this.eval(l, d);
      if (!a || isSymbolic(a)) return a;
      if (op === '&&' && a.value === 0n) return this.value(0n, INT);
      if (op === '||' && a.value !== 0n) return this.value(1n, INT);
      const b = this.eval(r, d);
      if (!b || isSymbolic(b)) return b;
      return this.value(b.value !== 0n ? 1n : 0n, INT);
    }
    const a = this.eval(l, d);
    if (!a || isSymbolic(a)) return a;
    const b = this.eval(r, d);
    if (!b || isSymbolic(b)) return b;
    const ub = a.undefinedBehaviour ?? b.undefinedBehaviour;
    if (op === '<<' || op === '>>') {
      const t = promote(a.type);
      const count = b.value;
      if (count < 0n || count >= BigInt(t.bits)) {
        // GCC folds an out-of-range constant shift to 0 (and warns)
        return this.value(0n, t, `shift count ${count} >= width ${t.bits} of ${t.name}`);
      }
      if (op === '>>') return this.value(a.value >> count, t, ub);
      const wide = a.value << count;
      const wrapped = wrapToType(wide, t);
      const overflow = !t.unsigned && wrapped !== wide ? `${a.value} << ${count} overflows ${t.name}` : undefined;
      return this.value(wide, t, ub ?? overflow);
    }
    const t = commonType(a.type, b.type);
    const x = wrapToType(a.value, t);
    const y = wrapToType(b.value, t);
    switch (op) {
      case '+': return this.value(x + y, t, ub ?? this.signedOverflow(x + y, t));
      case '-': return this.value(x - y, t, ub ?? this.signedOverflow(x - y, t));
      case '*': return this.value(x * y, t, ub ?? this.signedOverflow(x * y, t));
      case '/': return y === 0n ? undefined : this.value(x / y, t, ub);
      case '%': return y === 0n ? undefined : this.value(x % y, t, ub);
      case '&': return this.value(x & y, t, ub);
      case '|': return this.value(x | y, t, ub);
      case '^': return this.value(x ^ y, t, ub);
      case '==': return this.value(x === y ? 1n : 0n, INT, ub);
      case '!=': return this.value(x !== y ? 1n : 0n, INT, ub);
      case '<': return this.value(x < y ? 1n : 0n, INT, ub);
      case '<=': return this.value(x <= y ? 1n : 0n, INT, ub);
      case '>': return this.value(x > y ? 1n : 0n, INT, ub);
      case '>=': return this.value(x >= y ? 1n : 0n, INT, ub);
      default: return undefined;
    }
  }

  private signedOverflow(v: bigint, t: CIntType): string | undefined {
    return !t.unsigned && wrapToType(v, t) !== v ? `signed overflow in ${t.name}` : undefined;
  }

  private call(e: Extract<Expr, { kind: 'call' }>, d: number): ConstResult {
    const args = (): Array<ConstResult> => e.args.map((a) => this.eval(a, d));
    const ulong = longType(this.model, true);
    switch (e.callee) {
      case 'DMA_BIT_MASK': {
        const [n] = args();
        if (!n || isSymbolic(n)) return n;
        // ((n) == 64 ? ~0ULL : ((1ULL << (n)) - 1))
        if (n.value === 64n) return this.value(-1n, ULLONG);
        if (n.value < 0n || n.value > 64n) return this.value(0n, ULLONG, `DMA_BIT_MASK(${n.value}) outside 0..64`);
        return this.value((1n << n.value) - 1n, ULLONG);
      }
      case 'BIT':
      case 'BIT_ULL': {
        const [n] = args();
        if (!n || isSymbolic(n)) return n;
        const t = e.callee === 'BIT' ? ulong : ULLONG;
        if (n.value < 0n || n.value >= BigInt(t.bits)) return this.value(0n, t, `shift count ${n.value} >= width ${t.bits} of ${t.name}`);
        return this.value(1n << n.value, t);
      }
      case 'GENMASK':
      case 'GENMASK_ULL': {
        const [h, l] = args();
        if (!h || isSymbolic(h)) return h;
        if (!l || isSymbolic(l)) return l;
        const t = e.callee === 'GENMASK' ? ulong : ULLONG;
        if (h.value < l.value || h.value >= BigInt(t.bits)) return undefined;
        return this.value(((1n << (h.value - l.value + 1n)) - 1n) << l.value, t);
      }
      case 'ALIGN':
      case 'round_up': {
        const [x, a] = args();
        if (!x || isSymbolic(x)) return x;
        if (!a || isSymbolic(a)) return a;
        if (a.value <= 0n) return undefined;
        const t = commonType(x.type, a.type);
        return this.value(((x.value + a.value - 1n) / a.value) * a.value, t);
      }
      case 'round_down': {
        const [x, a] = args();
        if (!x || isSymbolic(x)) return x;
        if (!a || isSymbolic(a) || a.value <= 0n) return a && isSymbolic(a) ? a : undefined;
        return this.value((x.value / a.value) * a.value, commonType(x.type, a.type));
      }
      case 'DIV_ROUND_UP': {
        const [x, y] = args();
        if (!x || isSymbolic(x)) return x;
        if (!y || isSymbolic(y) || y.value === 0n) return y && isSymbolic(y) ? y : undefined;
        return this.value((x.value + y.value - 1n) / y.value, commonType(x.type, y.type));
      }
      case 'min':
      case 'max':
      case 'min_t':
      case 'max_t': {
        const typed = e.callee.endsWith('_t');
        const vals = args().slice(typed ? 1 : 0);
        if (vals.length < 2) return undefined;
        const [a, b] = vals;
        if (!a || isSymbolic(a)) return a;
        if (!b || isSymbolic(b)) return b;
        const t = typed ? (intTypeOf(e.args[0].kind === 'type' ? e.args[0].text : e.args[0].kind === 'ident' ? e.args[0].name : '', this.model) ?? commonType(a.type, b.type)) : commonType(a.type, b.type);
        const x = wrapToType(a.value, t);
        const y = wrapToType(b.value, t);
        return this.value(e.callee.startsWith('min') ? (x < y ? x : y) : x > y ? x : y, t);
      }
      case 'upper_32_bits': {
        const [x] = args();
        if (!x || isSymbolic(x)) return x;
        return this.value((BigInt.asUintN(64, x.value) >> 32n) & 0xffff_ffffn, UINT);
      }
      case 'lower_32_bits': {
        const [x] = args();
        if (!x || isSymbolic(x)) return x;
        return this.value(x.value & 0xffff_ffffn, UINT);
      }
      case 'PAGE_ALIGN': {
        const [x] = args();
        if (!x || isSymbolic(x)) return x;
        const page = this.name('PAGE_SIZE', d);
        if (!page || isSymbolic(page)) return page;
        return this.value(((x.value + page.value - 1n) / page.value) * page.value, x.type);
      }
      case 'likely':
      case 'unlikely':
        return e.args[0] ? this.eval(e.args[0], d) : undefined;
      default:
        return undefined;
    }
  }
}

/** True when `r` is a known value (not symbolic, not unknown). */
export function isKnownConst(r: ConstResult): r is ConstValue {
  return r !== undefined && !('symbolic' in r);
}
