// Kernel macros and helpers the interpreter evaluates itself (DESIGN.md §4): WARN_ON_ONCE returns
// its condition and records a warn event, likely/unlikely are transparent, min/max/ALIGN/
// IS_ALIGNED/BIT_ULL/GENMASK_ULL/check_*_overflow/size_* compute as the kernel headers do in the
// scenario's data model, logging is a no-op, allocators hand out fresh memory (or fail when told).
// Facts from include/linux/{minmax,align,bits,overflow,err,mm}.h, in our words.
import type { SNode } from './tree.js';
import { kernelMacros } from '../c/index.js';
import { PHYS_BASE, type DeviceObj, type DmaIovaStateObj, type PageObj } from '../model/index.js';
import { BOOL, INT, ULLONG, commonType, intTypeNamed, isInt, promote, sizeT, slong, ulong, UINT, wrapTo, type CType, type IntT } from './ctype.js';
import { callKernelHelper, isKernelHelper } from './kernel-helpers.js';
import { StopRun, unsupported } from './errors.js';
import { isAllocator, squeeze, type Interpreter } from './interpreter.js';
import { Cell, SimStruct, intValue, nullPointer, type LValue, type Value } from './values.js';

type Builtin = (ip: Interpreter, call: SNode, args: SNode[], name: string) => Value;

const table = new Map<string, Builtin>();
const define = (names: string | string[], f: Builtin): void => {
  for (const n of Array.isArray(names) ? names : [names]) table.set(n, f);
};

const LOGGING = /^(printk|no_printk|trace_printk|pr_(emerg|alert|crit|err|warn|warning|notice|info|debug|devel|cont)(_once|_ratelimited)?|dev_(emerg|alert|crit|err|warn|notice|info|dbg|vdbg|printk)(_once|_ratelimited)?|netdev_(emerg|alert|crit|err|warn|notice|info|dbg)|drm_(err|warn|info|dbg)|seq_printf|print_hex_dump.*)$/;
const NO_OPS = /^(might_sleep|might_fault|lockdep_assert.*|spin_(un)?lock.*|raw_spin_(un)?lock.*|read_(un)?lock.*|write_(un)?lock.*|mutex_(un)?lock|rcu_read_(un)?lock.*|local_irq_.*|preempt_(disable|enable).*|barrier|smp_[rw]?mb.*|[rw]?mb|dma_[rw]mb|cond_resched|cpu_relax|kfree|kvfree|kfree_sensitive|kmem_cache_free|mempool_free|devm_kfree|vfree|free_pages?|__free_pages?|put_device|prefetchw?|__builtin_prefetch|kmemleak_.*|trace_[a-z0-9_]+|kasan_.*|kmsan_.*|debug_dma_.*|dma_debug_.*)$/;

export function hasBuiltin(name: string): boolean {
  return table.has(name) || LOGGING.test(name) || NO_OPS.test(name) || isAllocator(name) || isKernelHelper(name);
}

export function callBuiltin(ip: Interpreter, name: string, call: SNode, args: SNode[]): Value {
  const f = table.get(name);
  if (f) return f(ip, call, args, name);
  if (isKernelHelper(name)) return callKernelHelper(ip, name, call, args);
  if (LOGGING.test(name)) return intValue(0n, INT);
  if (NO_OPS.test(name)) {
    if (name === 'put_device' || /^k.*free|vfree|free_page|mempool_free/.test(name)) for (const a of args) ip.evalExpr(a);
    return intValue(0n, INT);
  }
  if (isAllocator(name)) return allocate(ip, name, call, args);
  throw unsupported(`built-in ${name}`, ip.line(call));
}

// ---- helpers ---------------------------------------------------------------------------------

function arg(ip: Interpreter, args: SNode[], i: number, call: SNode): SNode {
  const a = args[i];
  if (!a) throw unsupported(`${squeeze(call.text)}: missing argument ${i + 1}`, ip.line(call));
  return a;
}

function intArg(ip: Interpreter, args: SNode[], i: number, call: SNode): { v: bigint; t: IntT } {
  const n = arg(ip, args, i, call);
  return ip.toInt(ip.evalExpr(n), n);
}

/** The type named by a macro's type argument (`min_t(size_t, ...)`). */
function typeArg(ip: Interpreter, args: SNode[], i: number, call: SNode): IntT {
  const text = arg(ip, args, i, call).text;
  const t = ip.typeFromText(text);
  if (!isInt(t)) throw unsupported(`type argument ${text}`, ip.line(call));
  return t;
}

function int(v: bigint, t: IntT): Value {
  return intValue(wrapTo(v, t), t);
}

function bool(b: boolean): Value {
  return intValue(b ? 1n : 0n, BOOL);
}

/** The value of `x` in type `t` after the usual conversions (both already integers). */
function inType(x: { v: bigint; t: IntT }, t: IntT): bigint {
  return wrapTo(x.v, t);
}

/** Records an interpreted WARN in the trace: an entry with one event of kind 'warn'. */
export function recordWarn(ip: Interpreter, macro: string, condition: string, node: SNode): void {
  const line = ip.line(node);
  const once = /ONCE/.test(macro);
  const first = ip.run.firstWarn(node.id);
  const message = `${macro}(${condition}) fired at line ${line}${once && !first ? ' (WARN_ON_ONCE already fired: not printed again)' : ''}`;
  const entry = { fn: macro, args: { condition }, result: 'true', events: [{ kind: 'warn' as const, what: condition, message }], line };
  ip.run.addEntry(entry);
  ip.run.interpretedWarns.add(entry);
}

/** size-no-wrap: an alignment or sum a macro computes wrapped. */
function recordWrap(ip: Interpreter, what: string, exact: bigint, stored: bigint, t: IntT, node: SNode): void {
  const line = ip.line(node);
  ip.world.recordBreach(
    'size-no-wrap',
    `${what} wraps in ${t.bits}-bit ${t.name} at line ${line}: exact 0x${exact.toString(16)}, stored 0x${stored.toString(16)}`,
    { exact: `0x${exact.toString(16)}`, stored: `0x${stored.toString(16)}`, line: String(line) },
    line,
  );
}

// ---- WARN / BUG / transparency ----------------------------------------------------------------

for (const name of kernelMacros.WARN_MACROS) {
  define(name, (ip, call, args) => {
    const cond = arg(ip, args, kernelMacros.warnConditionArgument(name), call);
    const fired = ip.truth(ip.evalExpr(cond), cond);
    if (fired) recordWarn(ip, name, squeeze(cond.text), call);
    return intValue(fired ? 1n : 0n, INT);
  });
}

define([...kernelMacros.BUG_ON_MACROS], (ip, call, args, name) => {
  const cond = arg(ip, args, 0, call);
  if (ip.truth(ip.evalExpr(cond), cond)) throw new StopRun('oops', `${name}(${squeeze(cond.text)}) fires at line ${ip.line(call)}: the kernel stops here`, ip.line(call));
  return intValue(0n, INT);
});

define([...kernelMacros.NORETURN_CALLS], (ip, call, _args, name) => {
  throw new StopRun('oops', `${name}() reached at line ${ip.line(call)}: the kernel stops here`, ip.line(call));
});

define(['likely', 'unlikely', 'likely_notrace', 'unlikely_notrace'], (ip, call, args) => {
  const a = arg(ip, args, 0, call);
  return intValue(ip.truth(ip.evalExpr(a), a) ? 1n : 0n, INT);
});
define(['__builtin_expect', 'READ_ONCE', 'data_race', 'ACCESS_ONCE', 'get_device'], (ip, call, args) => ip.evalExpr(arg(ip, args, 0, call)));
define('WRITE_ONCE', (ip, call, args) => {
  const lv = ip.evalLValue(arg(ip, args, 0, call));
  return ip.write(lv, ip.evalExpr(arg(ip, args, 1, call)), call);
});
define('__builtin_constant_p', () => intValue(0n, INT));

// ---- min / max ---------------------------------------------------------------------------------

function minmax(values: Array<{ v: bigint; t: IntT }>, pickMin: boolean, forced?: IntT): Value {
  const t = forced ?? values.map((x) => x.t).reduce((a, b) => commonType(a, b));
  let best = inType(values[0]!, t);
  for (const x of values.slice(1)) {
    const v = inType(x, t);
    if (pickMin ? v < best : v > best) best = v;
  }
  return int(best, promote(t));
}

define(['min', 'max', 'min3', 'max3', '__min', '__max'], (ip, call, args, name) => {
  const n = name.endsWith('3') ? 3 : 2;
  const values = Array.from({ length: n }, (_, i) => intArg(ip, args, i, call));
  return minmax(values, name.includes('min'), undefined);
});
define(['min_t', 'max_t'], (ip, call, args, name) => {
  const t = typeArg(ip, args, 0, call);
  const values = [intArg(ip, args, 1, call), intArg(ip, args, 2, call)];
  const r = minmax(values, name === 'min_t', t);
  return int((r as { v: bigint }).v, t);
});
define(['umin', 'umax'], (ip, call, args, name) => {
  const values = [intArg(ip, args, 0, call), intArg(ip, args, 1, call)];
  return minmax(values, name === 'umin', ULLONG);
});
define('min_not_zero', (ip, call, args) => {
  const x = intArg(ip, args, 0, call);
  const y = intArg(ip, args, 1, call);
  const t = commonType(x.t, y.t);
  const a = inType(x, t);
  const b = inType(y, t);
  return int(a === 0n ? b : b === 0n ? a : a < b ? a : b, t);
});
define(['clamp', 'clamp_t', 'clamp_val'], (ip, call, args, name) => {
  const off = name === 'clamp_t' ? 1 : 0;
  const v = intArg(ip, args, off, call);
  const lo = intArg(ip, args, off + 1, call);
  const hi = intArg(ip, args, off + 2, call);
  const t = name === 'clamp_t' ? typeArg(ip, args, 0, call) : name === 'clamp_val' ? v.t : commonType(commonType(v.t, lo.t), hi.t);
  let r = inType(v, t);
  if (r < inType(lo, t)) r = inType(lo, t);
  if (r > inType(hi, t)) r = inType(hi, t);
  return int(r, t);
});

// ---- alignment ---------------------------------------------------------------------------------

/** __ALIGN_KERNEL(x, a): (x + ((typeof(x))a - 1)) & ~((typeof(x))a - 1), arithmetic in the promoted type. */
function alignUp(ip: Interpreter, x: { v: bigint; t: IntT }, a: { v: bigint; t: IntT }, what: string, call: SNode): Value {
  const mask = wrapTo(wrapTo(a.v, x.t) - 1n, commonType(x.t, INT));
  const t = commonType(x.t, commonType(x.t, INT));
  const xv = wrapTo(x.v, t);
  const exact = xv + wrapTo(mask, t);
  const sum = wrapTo(exact, t);
  if (sum !== exact && !t.signed) recordWrap(ip, what, exact & ~wrapTo(mask, t), wrapTo(sum & ~wrapTo(mask, t), t), t, call);
  return int(sum & ~wrapTo(mask, t), t);
}

define(['ALIGN', '__ALIGN_KERNEL', 'ALIGN_KERNEL'], (ip, call, args) => alignUp(ip, intArg(ip, args, 0, call), intArg(ip, args, 1, call), squeeze(call.text), call));
define('PAGE_ALIGN', (ip, call, args) => {
  const x = intArg(ip, args, 0, call);
  return alignUp(ip, x, { v: ip.run.pageSize, t: ulong(ip.arch) }, squeeze(call.text), call);
});
define(['ALIGN_DOWN', 'PAGE_ALIGN_DOWN', 'round_down'], (ip, call, args, name) => {
  const x = intArg(ip, args, 0, call);
  const a = name === 'PAGE_ALIGN_DOWN' ? { v: ip.run.pageSize, t: ulong(ip.arch) } : intArg(ip, args, 1, call);
  const t = commonType(x.t, name === 'round_down' ? x.t : a.t);
  const mask = wrapTo(wrapTo(a.v, x.t) - 1n, t);
  return int(wrapTo(x.v, t) & ~mask, t);
});
define('IS_ALIGNED', (ip, call, args) => {
  const x = intArg(ip, args, 0, call);
  const a = intArg(ip, args, 1, call);
  const t = commonType(x.t, x.t);
  const mask = wrapTo(wrapTo(a.v, x.t) - 1n, t);
  return intValue((wrapTo(x.v, t) & mask) === 0n ? 1n : 0n, INT);
});
define('round_up', (ip, call, args) => {
  // ((((x) - 1) | __round_mask(x, y)) + 1), __round_mask = (typeof(x))((y) - 1)
  const x = intArg(ip, args, 0, call);
  const y = intArg(ip, args, 1, call);
  const t = promote(x.t);
  const mask = wrapTo(wrapTo(y.v - 1n, x.t), t);
  const exact = (wrapTo(wrapTo(x.v, t) - 1n, t) | mask) + 1n;
  const v = wrapTo(exact, t);
  if (v !== exact && !t.signed && x.v !== 0n) recordWrap(ip, squeeze(call.text), exact, v, t, call);
  return int(v, t);
});
define(['roundup', 'rounddown', 'DIV_ROUND_UP', 'DIV_ROUND_UP_ULL', 'DIV_ROUND_CLOSEST'], (ip, call, args, name) => {
  const x = intArg(ip, args, 0, call);
  const y = intArg(ip, args, 1, call);
  const t = name === 'DIV_ROUND_UP_ULL' ? ULLONG : commonType(x.t, y.t);
  const a = wrapTo(x.v, t);
  const b = wrapTo(y.v, t);
  if (b === 0n) throw new StopRun('undefined', `division by zero in ${squeeze(call.text)}`, ip.line(call));
  if (name === 'rounddown') return int(a - (a % b), t);
  if (name === 'DIV_ROUND_CLOSEST') return int((a + b / 2n) / b, t);
  const exact = a + b - 1n;
  const sum = wrapTo(exact, t);
  if (sum !== exact && !t.signed) recordWrap(ip, squeeze(call.text), exact, sum, t, call);
  return int(name === 'roundup' ? (sum / b) * b : sum / b, t);
});
define('offset_in_page', (ip, call, args) => {
  const a = arg(ip, args, 0, call);
  const v = ip.evalExpr(a);
  const x = v.k === 'ptr' && v.p?.k === 'raw' ? v.p.addr : ip.toInt(v, a).v;
  const t = ulong(ip.arch);
  return int(wrapTo(x, t) & (ip.run.pageSize - 1n), t);
});
define(['PFN_DOWN', 'PHYS_PFN', 'PFN_UP', 'PFN_PHYS'], (ip, call, args, name) => {
  const x = intArg(ip, args, 0, call);
  const shift = BigInt(ip.run.pageSize.toString(2).length - 1);
  if (name === 'PFN_PHYS') return int(x.v << shift, intTypeNamed('phys_addr_t', ip.arch)!);
  const t = name === 'PFN_UP' || name === 'PFN_DOWN' ? commonType(x.t, ulong(ip.arch)) : ulong(ip.arch);
  const v = wrapTo(x.v, t) + (name === 'PFN_UP' ? ip.run.pageSize - 1n : 0n);
  return int(wrapTo(v, t) >> shift, t);
});
define('get_order', (ip, call, args) => {
  const x = intArg(ip, args, 0, call);
  const size = wrapTo(x.v, ulong(ip.arch));
  let order = 0n;
  while ((ip.run.pageSize << order) < size && order < 64n) order++;
  return int(order, INT);
});

// ---- bits --------------------------------------------------------------------------------------

define(['BIT', 'BIT_ULL', 'BIT_U32', 'BIT_U64'], (ip, call, args, name) => {
  const n = intArg(ip, args, 0, call);
  const t = name === 'BIT' ? ulong(ip.arch) : name === 'BIT_U32' ? UINT : ULLONG;
  if (n.v < 0n || n.v >= BigInt(t.bits)) ip.run.note(`${squeeze(call.text)} at line ${ip.line(call)}: shift count ${n.v} is out of range for ${t.bits} bits`);
  return int(n.v < 0n || n.v >= BigInt(t.bits) ? 0n : 1n << n.v, t);
});
define(['GENMASK', 'GENMASK_ULL', 'GENMASK_U32', 'GENMASK_U64'], (ip, call, args, name) => {
  const h = intArg(ip, args, 0, call).v;
  const l = intArg(ip, args, 1, call).v;
  const t = name === 'GENMASK' ? ulong(ip.arch) : name === 'GENMASK_U32' ? UINT : ULLONG;
  const bits = BigInt(t.bits);
  if (h < l || h >= bits || l < 0n) {
    ip.run.note(`${squeeze(call.text)} at line ${ip.line(call)}: bit range ${h}..${l} does not fit ${t.bits} bits`);
  }
  const all = (1n << bits) - 1n;
  const hi = h >= bits || h < 0n ? 0n : all >> (bits - 1n - h);
  const lo = l >= bits || l < 0n ? 0n : (all << l) & all;
  return int(hi & lo, t);
});
// page_size(page): PAGE_SIZE << compound_order(page); the simulator's pages are order 0
define('page_size', (ip, call, args) => {
  ip.evalExpr(arg(ip, args, 0, call));
  return int(ip.run.pageSize, ulong(ip.arch));
});

// byte order (include/linux/byteorder): the CPU is little-endian, so le conversions keep the
// value at the width; be conversions swap its bytes
for (const bits of [16, 32, 64] as const) {
  const t: IntT = { kind: 'int', name: `u${bits}`, bits, signed: false };
  define([`cpu_to_le${bits}`, `le${bits}_to_cpu`], (ip, call, args) => int(intArg(ip, args, 0, call).v, t));
  define([`cpu_to_be${bits}`, `be${bits}_to_cpu`], (ip, call, args) => {
    let v = wrapTo(intArg(ip, args, 0, call).v, t);
    let out = 0n;
    for (let i = 0; i < bits / 8; i++) {
      out = (out << 8n) | (v & 0xffn);
      v >>= 8n;
    }
    return int(out, t);
  });
}

define('lower_32_bits', (ip, call, args) => int(intArg(ip, args, 0, call).v & 0xffff_ffffn, { kind: 'int', name: 'u32', bits: 32, signed: false }));
define('upper_32_bits', (ip, call, args) => {
  const x = intArg(ip, args, 0, call);
  const t = promote(x.t);
  return int((wrapTo(x.v, t) >> 16n >> 16n) & 0xffff_ffffn, { kind: 'int', name: 'u32', bits: 32, signed: false });
});
define(['ilog2', '__ilog2_u64', '__fls', 'fls', 'fls64', 'ffs', '__ffs64', 'rounddown_pow_of_two'], (ip, call, args, name) => {
  const x = intArg(ip, args, 0, call);
  const v = BigInt.asUintN(64, x.v);
  const msb = v === 0n ? -1n : BigInt(v.toString(2).length - 1);
  switch (name) {
    case 'fls':
    case 'fls64':
      return int(msb + 1n, INT);
    case 'ffs': {
      if (v === 0n) return int(0n, INT);
      let i = 0n;
      while (((v >> i) & 1n) === 0n) i++;
      return int(i + 1n, INT);
    }
    case '__ffs64': {
      let i = 0n;
      while (v !== 0n && ((v >> i) & 1n) === 0n) i++;
      return int(i, ulong(ip.arch));
    }
    case 'rounddown_pow_of_two':
      return int(v === 0n ? 0n : 1n << msb, ulong(ip.arch));
    default:
      if (v === 0n) ip.run.note(`${squeeze(call.text)} at line ${ip.line(call)}: log2 of 0 is undefined`);
      return int(msb, name === '__fls' ? ulong(ip.arch) : INT);
  }
});

// ---- overflow helpers ---------------------------------------------------------------------------

define(['check_add_overflow', 'check_sub_overflow', 'check_mul_overflow'], (ip, call, args, name) => {
  const a = intArg(ip, args, 0, call);
  const b = intArg(ip, args, 1, call);
  const dNode = arg(ip, args, 2, call);
  const target = ip.deref(ip.evalExpr(dNode), dNode);
  const tt = lvalueIntType(ip, target, call);
  const exact = name === 'check_add_overflow' ? a.v + b.v : name === 'check_sub_overflow' ? a.v - b.v : a.v * b.v;
  const stored = wrapTo(exact, tt);
  ip.write(target, intValue(stored, tt), call);
  return bool(stored !== exact);
});
define(['size_add', 'size_sub', 'size_mul', 'array_size', 'array3_size'], (ip, call, args, name) => {
  const t = sizeT(ip.arch);
  const max = (1n << BigInt(ip.arch)) - 1n;
  const vals = args.map((_, i) => wrapTo(intArg(ip, args, i, call).v, t));
  let r: bigint;
  if (name === 'size_sub') r = vals[0] === max || vals[1] === max || vals[0]! < vals[1]! ? max : vals[0]! - vals[1]!;
  else if (name === 'size_add') r = vals[0]! + vals[1]!;
  else r = vals.reduce((p, c) => p * c, 1n);
  return int(r > max ? max : r, t);
});

function lvalueIntType(ip: Interpreter, lv: LValue, call: SNode): IntT {
  if (lv.k === 'cell') {
    if (isInt(lv.cell.t)) return lv.cell.t;
    if (lv.cell.t.kind === 'unknown') return ulong(ip.arch);
  }
  if (lv.k === 'field') {
    const r = lv.obj.getField(lv.name);
    if (r.ok && typeof r.value === 'bigint') return intTypeNamed(r.cType, ip.arch) ?? ULLONG;
  }
  throw unsupported(`${squeeze(call.text)}: the result is not stored in an integer`, ip.line(call));
}

// ---- memory --------------------------------------------------------------------------------------

define('memset', (ip, call, args) => {
  const pNode = arg(ip, args, 0, call);
  const p = ip.evalExpr(pNode);
  const c = intArg(ip, args, 1, call).v & 0xffn;
  intArg(ip, args, 2, call);
  if (p.k !== 'ptr' || p.p === null) throw new StopRun('oops', `memset of a NULL pointer at line ${ip.line(call)}`, ip.line(call));
  const target = p.p;
  const fill = (t: CType): Value => {
    if (t.kind === 'ptr') return nullPointer(t.to);
    if (isInt(t)) {
      let v = 0n;
      for (let i = 0; i < Math.ceil(Math.max(t.bits, 8) / 8); i++) v = (v << 8n) | c;
      return int(v, t);
    }
    return intValue(0n, INT);
  };
  if (target.k === 'obj') {
    if (target.obj.kind !== 'dma_iova_state') throw unsupported(`memset of a ${target.obj.cType}`, ip.line(call));
    const st = target.obj as DmaIovaStateObj;
    const v = (fill(ULLONG) as { v: bigint }).v;
    st.setField('addr', v);
    st.setField('__size', v);
  } else if (target.k === 'struct') {
    if (c !== 0n) throw unsupported('memset of a struct with a non-zero byte', ip.line(call));
    target.s.fields.clear();
    target.s.zeroed = true;
  } else if (target.k === 'cell') {
    if (target.cell.bound) throw unsupported('memset of a model object through a field', ip.line(call));
    target.cell.v = target.cell.t.kind === 'unknown' ? intValue(0n, ulong(ip.arch)) : fill(target.cell.t);
    // a member of a struct the change does not define: it may be an object (a zeroed state)
    if (target.cell.t.kind === 'unknown' && c === 0n) target.cell.zeroFilled = true;
  } else if (target.k === 'elem') {
    if (c !== 0n || target.index !== 0) throw unsupported('memset of part of an array', ip.line(call));
    target.arr.elems.length = 0;
    target.arr.zeroed = true;
  } else if (target.k !== 'raw') throw unsupported('memset of this memory', ip.line(call));
  return p;
});

define('memcpy', (ip, call, args) => {
  const dst = ip.evalExpr(arg(ip, args, 0, call));
  const src = ip.evalExpr(arg(ip, args, 1, call));
  intArg(ip, args, 2, call);
  if (dst.k === 'ptr' && src.k === 'ptr' && dst.p && src.p) {
    if (dst.p.k === 'raw' && src.p.k === 'raw') return dst;
    const d = ip.deref(dst, call);
    const s = ip.read(ip.deref(src, call), call);
    if (s.k === 'agg' && (d.k === 'struct' || d.k === 'obj')) {
      ip.copyAggregate(d, s, call);
      return dst;
    }
  }
  throw unsupported(`memcpy (${squeeze(call.text)})`, ip.line(call));
});

define('ARRAY_SIZE', (ip, call, args) => {
  const t = ip.staticType(arg(ip, args, 0, call));
  if (t?.kind !== 'array' || t.len === undefined) throw unsupported(`ARRAY_SIZE of ${squeeze(args[0]?.text ?? '')}`, ip.line(call));
  return int(BigInt(t.len), sizeT(ip.arch));
});

define('swap', (ip, call, args) => {
  const a = ip.evalLValue(arg(ip, args, 0, call));
  const b = ip.evalLValue(arg(ip, args, 1, call));
  const va = ip.read(a, call);
  const vb = ip.read(b, call);
  ip.write(a, vb, call);
  ip.write(b, va, call);
  return intValue(0n, INT);
});

define('container_of', (ip, call, args) => {
  const p = ip.evalExpr(arg(ip, args, 0, call));
  const typeText = arg(ip, args, 1, call).text;
  const member = arg(ip, args, 2, call).text;
  const t = ip.typeFromText(typeText);
  const structName = t.kind === 'struct' ? t.name : '?';
  if (p.k !== 'ptr' || p.p === null) throw new StopRun('oops', `container_of on NULL at line ${ip.line(call)}`, ip.line(call));
  const target = p.p.k === 'cell' ? p.p.cell : p.p.k === 'struct' ? p.p.s : p.p.k === 'obj' ? p.p.obj : undefined;
  const parent = target ? ip.parents.get(target) : undefined;
  if (parent && parent.field === member) return { k: 'ptr', p: { k: 'struct', s: parent.s }, to: t };
  // A container the simulator never saw: a fresh one holding this member (its other fields are inputs).
  const s = new SimStruct(structName, `container_of(${squeeze(args[0]!.text)})`, true);
  if (target) {
    s.fields.set(member, target);
    ip.parents.set(target, { s, field: member });
  }
  return { k: 'ptr', p: { k: 'struct', s }, to: t };
});

// ---- errors as pointers ---------------------------------------------------------------------------

define('ERR_PTR', (ip, call, args) => {
  const e = intArg(ip, args, 0, call);
  return { k: 'ptr', p: { k: 'err', errno: -e.v }, to: { kind: 'void' } };
});
define(['PTR_ERR', 'PTR_ERR_OR_ZERO'], (ip, call, args, name) => {
  const v = ip.evalExpr(arg(ip, args, 0, call));
  if (v.k === 'ptr' && v.p?.k === 'err') return int(-v.p.errno, slong(ip.arch));
  if (name === 'PTR_ERR_OR_ZERO' || (v.k === 'ptr' && v.p === null)) return int(0n, name === 'PTR_ERR_OR_ZERO' ? INT : slong(ip.arch));
  throw unsupported(`PTR_ERR of a valid pointer (line ${ip.line(call)})`, ip.line(call));
});
define(['IS_ERR', 'IS_ERR_OR_NULL', 'IS_ERR_VALUE'], (ip, call, args, name) => {
  const v = ip.evalExpr(arg(ip, args, 0, call));
  if (v.k === 'ptr') return bool(v.p?.k === 'err' || (name === 'IS_ERR_OR_NULL' && v.p === null));
  const x = ip.toInt(v, call);
  const u = BigInt.asUintN(ip.arch, x.v);
  return bool(u >= BigInt.asUintN(ip.arch, -4095n) || (name === 'IS_ERR_OR_NULL' && u === 0n));
});
define('ERR_CAST', (ip, call, args) => ip.evalExpr(arg(ip, args, 0, call)));
define('dev_err_probe', (ip, call, args) => ip.evalExpr(arg(ip, args, 1, call)));

// ---- configuration -----------------------------------------------------------------------------

const CONFIG_ON = new Set([
  'CONFIG_IOMMU_DMA', 'CONFIG_IOMMU_API', 'CONFIG_IOMMU_SUPPORT', 'CONFIG_SWIOTLB', 'CONFIG_HAS_DMA', 'CONFIG_PCI',
  'CONFIG_ARCH_DMA_ADDR_T_64BIT', 'CONFIG_PHYS_ADDR_T_64BIT', 'CONFIG_DMA_NEED_SYNC', 'CONFIG_IOMMU_IOVA',
]);
const CONFIG_OFF = new Set(['CONFIG_DMA_API_DEBUG', 'CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC', 'CONFIG_KASAN', 'CONFIG_DEBUG_KERNEL']);

define(['IS_ENABLED', 'IS_BUILTIN', 'IS_REACHABLE', 'IS_MODULE'], (ip, call, args, name) => {
  const option = arg(ip, args, 0, call).text.trim();
  if (name === 'IS_MODULE') return int(0n, INT);
  if (option === 'CONFIG_64BIT') return int(ip.arch === 64 ? 1n : 0n, INT);
  if (option === 'CONFIG_32BIT') return int(ip.arch === 32 ? 1n : 0n, INT);
  if (CONFIG_ON.has(option)) return int(1n, INT);
  if (CONFIG_OFF.has(option)) return int(0n, INT);
  const i = ip.run.choices.choose([`${option}=y`, `${option}=n`]);
  return int(i === 0 ? 1n : 0n, INT);
});

// ---- devices and pages -----------------------------------------------------------------------------

function deviceArg(ip: Interpreter, args: SNode[], call: SNode): DeviceObj {
  const v = ip.convert(ip.evalExpr(arg(ip, args, 0, call)), { kind: 'ptr', to: { kind: 'struct', name: 'device' } }, call);
  if (v.k === 'ptr' && v.p === null) throw new StopRun('oops', `NULL device at line ${ip.line(call)}`, ip.line(call));
  if (v.k !== 'ptr' || v.p?.k !== 'obj' || v.p.obj.kind !== 'device') throw unsupported(`${squeeze(call.text)}: not a device the model knows`, ip.line(call));
  return v.p.obj as DeviceObj;
}

define('dev_is_pci', (ip, call, args) => bool(deviceArg(ip, args, call).pci));
define('dev_name', (ip, call, args) => ({ k: 'ptr', p: { k: 'str', text: `"${deviceArg(ip, args, call).id}"` }, to: { kind: 'int', name: 'char', bits: 8, signed: true } }));
define('dev_to_node', (ip, call, args) => {
  deviceArg(ip, args, call);
  return int(-1n, INT);
});
define('to_pci_dev', (ip, call, args) => {
  const dev = deviceArg(ip, args, call);
  const s = new SimStruct('pci_dev', `to_pci_dev(${dev.id})`, true);
  s.fields.set('dev', dev);
  // pci_dev->untrusted is what dev_is_untrusted() reads: the scenario's
  const untrusted = new Cell({ kind: 'int', name: 'unsigned int', bits: 32, signed: false }, intValue(dev.untrusted ? 1n : 0n, UINT), `to_pci_dev(${dev.id})->untrusted`);
  untrusted.written = true;
  s.fields.set('untrusted', untrusted);
  ip.parents.set(dev, { s, field: 'dev' });
  return { k: 'ptr', p: { k: 'struct', s }, to: { kind: 'struct', name: 'pci_dev' } };
});
// Static keys: off unless enabled at boot (iommu_deferred_attach_enabled: only for kdump); both
// states are tried, a choice the enumeration covers.
define(['static_branch_unlikely', 'static_branch_likely', 'static_key_enabled', 'static_key_false', 'static_key_true'], (ip, call, args, name) => {
  const key = arg(ip, args, 0, call).text.replace(/^&/, '').trim();
  const i = ip.run.choices.choose([`${key} off`, `${key} on`]);
  void name;
  return int(i === 0 ? 0n : 1n, BOOL);
});
// CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC is off in the model's default kernel (WorldOptions.kmallocBounce).
define('dma_kmalloc_needs_bounce', (ip, call, args) => {
  for (const a of args) ip.evalExpr(a);
  if (ip.world.options.kmallocBounce) throw unsupported('dma_kmalloc_needs_bounce() with kmalloc bouncing configured', ip.line(call));
  return bool(false);
});
define(['phys_to_virt', '__va'], (ip, call, args) => ({ k: 'ptr', p: { k: 'raw', addr: BigInt.asUintN(64, intArg(ip, args, 0, call).v) }, to: { kind: 'void' } }));
define(['__pa'], (ip, call, args) => {
  const v = ip.evalExpr(arg(ip, args, 0, call));
  const x = v.k === 'ptr' && v.p?.k === 'raw' ? v.p.addr : ip.toInt(v, call).v;
  return int(x, intTypeNamed('phys_addr_t', ip.arch)!);
});
define(['page_address', 'lowmem_page_address'], (ip, call, args) => {
  const v = ip.evalExpr(arg(ip, args, 0, call));
  if (v.k === 'ptr' && v.p?.k === 'obj' && v.p.obj.kind === 'page') return { k: 'ptr', p: { k: 'raw', addr: (v.p.obj as PageObj).phys }, to: { kind: 'void' } };
  throw unsupported(`page_address of a page the model does not know (line ${ip.line(call)})`, ip.line(call));
});
define('virt_to_page', (ip, call, args) => {
  const v = ip.evalExpr(arg(ip, args, 0, call));
  const addr = v.k === 'ptr' && v.p?.k === 'raw' ? v.p.addr : ip.toInt(v, call).v;
  const page = ip.world.newPage(addr & ~(ip.run.pageSize - 1n));
  return { k: 'ptr', p: { k: 'obj', obj: page }, to: { kind: 'struct', name: 'page' } };
});

// ---- allocators -------------------------------------------------------------------------------------

let allocationCount = 0;

function allocate(ip: Interpreter, name: string, call: SNode, args: SNode[]): Value {
  for (const a of args) ip.evalExpr(a);
  const line = ip.line(call);
  const failing = ip.run.shouldFail(name, 'allocations');
  ip.run.calls.push({ fn: name, line, args: [], via: 'builtin', injected: failing });
  if (/^alloc_pages?$/.test(name)) {
    if (failing) return injectedNull(ip, name, call, { kind: 'struct', name: 'page' });
    return { k: 'ptr', p: { k: 'obj', obj: ip.world.newPage(PHYS_BASE + BigInt(++allocationCount % 256) * 0x10_0000n) }, to: { kind: 'struct', name: 'page' } };
  }
  if (/^(__get_free_pages?|get_zeroed_page)$/.test(name)) {
    if (failing) return injectedNull(ip, name, call, { kind: 'void' });
    return int(PHYS_BASE + BigInt(++allocationCount % 256) * 0x10_0000n, ulong(ip.arch));
  }
  if (failing) return injectedNull(ip, name, call, { kind: 'void' });
  const s = new SimStruct('?', `${name}()@${line}`, false);
  s.zeroed = /kzalloc|kcalloc|zalloc|kvcalloc|kvzalloc/.test(name);
  s.allocated = true;
  return { k: 'ptr', p: { k: 'struct', s }, to: { kind: 'void' } };
}

function injectedNull(ip: Interpreter, name: string, call: SNode, to: CType): Value {
  const entry = {
    fn: name,
    args: {},
    result: 'NULL',
    events: [{ kind: 'info' as const, what: 'injected-failure', message: `${name}() made to fail by the simulator` }],
    line: ip.line(call),
  };
  ip.run.addEntry(entry);
  return nullPointer(to);
}

