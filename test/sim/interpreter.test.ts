// The interpreter's C semantics, one run at a time (runOnce): integer types and conversions in
// both data models, control flow, memory, and the kernel macros.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO } from '../../model/index.js';
import { runOnce } from '../../sim/index.js';
import { parseC } from './helpers.js';

function ret(src: string, fn: string, args: Record<string, string> = {}, arch: 64 | 32 = 64): string | null {
  const r = runOnce([parseC(src)], { functionName: fn, spec: { ...DEFAULT_SCENARIO, arch }, args });
  if (!r.ok) throw new Error(r.error);
  if (r.report.ended.kind !== 'returned') throw new Error(`${r.report.ended.why}: ${r.report.ended.message}`);
  return r.report.return;
}

function once(src: string, fn: string, args: Record<string, string> = {}, arch: 64 | 32 = 64) {
  const r = runOnce([parseC(src)], { functionName: fn, spec: { ...DEFAULT_SCENARIO, arch }, args });
  if (!r.ok) throw new Error(r.error);
  return r.report;
}

describe('integers', () => {
  it('wraps unsigned arithmetic at the type width, per data model', () => {
    const src = 'static size_t f(size_t a) { return a + 1; }';
    expect(ret(src, 'f', { a: '0xffffffff' }, 32)).toBe('0x0');
    expect(ret(src, 'f', { a: '0xffffffff' }, 64)).toBe('0x100000000');
  });
  it('applies the usual arithmetic conversions (signed -1 compared with unsigned)', () => {
    const src = 'static int f(unsigned int u) { int s = -1; return s < u; }';
    expect(ret(src, 'f', { u: '1' })).toBe('0');
    const src2 = 'static int f(long l) { unsigned int u = 1; return l < u; }';
    expect(ret(src2, 'f', { l: '-1' }, 64)).toBe('1');
    expect(ret(src2, 'f', { l: '-1' }, 32)).toBe('0');
  });
  it('truncates on assignment and cast; bool is != 0', () => {
    const src = `static u64 f(u64 m) { u32 t = m; bool b = m & 0x100000000ULL; return t + b + (u8)0x1ff; }`;
    expect(ret(src, 'f', { m: '0x1000000ff' })).toBe('0x1ff');
  });
  it('promotes narrow types and sign-extends signed values', () => {
    expect(ret('static int f(void) { u8 a = 200, b = 100; return a + b; }', 'f')).toBe('300');
    expect(ret('static long f(void) { s8 c = -2; return c; }', 'f')).toBe('-2');
    expect(ret('static u64 f(void) { int x = -1; return x; }', 'f')).toBe('0xffffffffffffffff');
  });
  it('types literals as C does (a hex literal above INT_MAX is unsigned int)', () => {
    expect(ret('static int f(void) { return 0xffffffff > 0; }', 'f')).toBe('1');
    expect(ret('static int f(void) { return -1 < 0xffffffff; }', 'f')).toBe('0');
    expect(ret('static int f(void) { return -1 < 4294967295; }', 'f')).toBe('1');
  });
  it('does shifts and bit operations in the promoted left type', () => {
    expect(ret('static u64 f(void) { return 1ULL << 63 | 1UL << 3; }', 'f')).toBe('0x8000000000000008');
    expect(ret('static unsigned long f(void) { return ~0UL >> 4; }', 'f', {}, 32)).toBe('0xfffffff');
  });
  it('divides toward zero and stops on division by zero', () => {
    expect(ret('static int f(void) { return -7 / 2 + -7 % 2; }', 'f')).toBe('-4');
    const r = once('static int f(int d) { return 1 / d; }', 'f', { d: '0' });
    expect(r.ended).toMatchObject({ kind: 'stopped', why: 'undefined' });
  });
  it('sizeof of types and expressions per data model', () => {
    const src = 'struct seg { u64 a; u32 b; }; static size_t f(void) { struct seg s; u32 *p; return sizeof(struct dma_iova_state) + sizeof(s) + sizeof(p) + sizeof(long); }';
    expect(ret(src, 'f', {}, 64)).toBe(`0x${(16 + 16 + 8 + 8).toString(16)}`);
    expect(ret(src, 'f', {}, 32)).toBe(`0x${(16 + 12 + 4 + 4).toString(16)}`);
  });
});

describe('control flow', () => {
  it('runs for, while, do, break and continue', () => {
    const src = `static int f(int n) {
	int i, s = 0;
	for (i = 0; i < n; i++) { if (i == 2) continue; if (i == 6) break; s += i; }
	while (s > 10) s -= 3;
	do { s++; } while (s < 0);
	return s;
}`;
    expect(ret(src, 'f', { n: '10' })).toBe('11');
  });
  it('switches with fallthrough, default and case ranges', () => {
    const src = `static int f(int x) {
	int r = 0;
	switch (x) {
	case 1:
		r += 1;
		fallthrough;
	case 2:
		r += 2;
		break;
	case 3 ... 5:
		r = 30;
		break;
	default:
		r = -1;
	}
	return r;
}`;
    expect(ret(src, 'f', { x: '1' })).toBe('3');
    expect(ret(src, 'f', { x: '2' })).toBe('2');
    expect(ret(src, 'f', { x: '4' })).toBe('30');
    expect(ret(src, 'f', { x: '9' })).toBe('-1');
  });
  it('follows goto forward into unwind labels and backward into retry loops', () => {
    const src = `static int f(int n) {
	int tries = 0, ret = 0;
retry:
	tries++;
	if (tries < n)
		goto retry;
	if (n > 5) {
		ret = -22;
		goto out;
	}
	ret = tries;
out:
	return ret;
}`;
    expect(ret(src, 'f', { n: '3' })).toBe('3');
    expect(ret(src, 'f', { n: '7' })).toBe('-22');
  });
  it('evaluates ?: (with the GNU two-operand form), && and || lazily', () => {
    const src = 'static int f(int a) { int *p = NULL; return (a && *p) + (a ?: 9) + (!a || 4); }';
    expect(ret(src, 'f', { a: '0' })).toBe('10');
  });
  it('stops an endless loop on its iteration budget', () => {
    const r = once('static int f(void) { int i = 0; while (1) i++; return i; }', 'f');
    expect(r.ended).toMatchObject({ kind: 'stopped', why: 'budget' });
  });
  it('stops on iterator macros it cannot enumerate, naming them', () => {
    const r = once('static int f(struct list_head *h) { struct foo *p; int n = 0; list_for_each_entry(p, h, node) { n++; } return n; }', 'f');
    expect(r.ended).toMatchObject({ kind: 'stopped', why: 'unsupported' });
    expect((r.ended as { message: string }).message).toMatch(/list_for_each_entry/);
  });
});

describe('memory', () => {
  it('handles locals through pointers, arrays of structs and struct fields', () => {
    const src = `struct seg { phys_addr_t phys; u32 len; };
struct req { struct seg segs[4]; int nr; };
static void fill(struct req *r, int *count)
{
	int i;
	for (i = 0; i < 3; i++) {
		r->segs[i].phys = 0x1000 * (i + 1);
		r->segs[i].len = 0x100;
	}
	r->nr = 3;
	*count = r->nr;
}
static u64 f(void)
{
	struct req req = {};
	int n = 0;
	u64 total = 0;
	int i;
	fill(&req, &n);
	for (i = 0; i < n; i++)
		total += req.segs[i].phys + req.segs[i].len;
	return total + req.segs[3].len;
}`;
    expect(ret(src, 'f')).toBe(`0x${(0x1000 + 0x2000 + 0x3000 + 0x300).toString(16)}`);
  });
  it('invents the contents of memory behind a parameter, arrays included, and says so', () => {
    const r = once('static u64 f(struct foo *p) { return p->segs[1].len + p->segs[0].len + p->nr; }', 'f');
    expect(r.ended).toEqual({ kind: 'returned' });
    expect(r.notes.join('\n')).toMatch(/p->segs\[1\]->len is not known to the simulator/);
  });
  it('reads a local before it is set as undefined behaviour', () => {
    const r = once('static int f(void) { int x; return x + 1; }', 'f');
    expect(r.ended).toMatchObject({ kind: 'stopped', why: 'undefined' });
  });
  it('reports a NULL dereference as a kernel oops', () => {
    const r = once('static int f(struct foo *p) { p = NULL; return p->x; }', 'f');
    expect(r.ended).toMatchObject({ kind: 'stopped', why: 'oops' });
  });
  it('keeps a dma_iova_state local as a model object (memset clears it)', () => {
    const src = `static u64 f(struct device *dev, phys_addr_t phys)
{
	struct dma_iova_state st;
	u64 before;

	if (!dma_iova_try_alloc(dev, &st, phys, 0x2000))
		return 1;
	before = dma_iova_size(&st);
	dma_iova_free(dev, &st);
	memset(&st, 0, sizeof(st));
	return before + dma_use_iova(&st);
}`;
    const r = once(src, 'f', { phys: '0x1000' });
    expect(r.return).toBe('0x2000');
    expect(r.trace.map((t) => t.fn)).toEqual(['dma_iova_try_alloc', 'dma_iova_size', 'dma_iova_free', 'dma_use_iova']);
    expect(r.breaches).toEqual([]);
  });
});

describe('kernel macros', () => {
  it('min/max/min_t/min_not_zero/clamp', () => {
    expect(ret('static u64 f(void) { return min(3, 5) + max(3, 5) + min_t(u8, 0x1ff, 0x20) + min_not_zero(0, 7) + clamp(12, 1, 10); }', 'f')).toBe(`0x${(3 + 5 + 0x20 + 7 + 10).toString(16)}`);
  });
  it('ALIGN, IS_ALIGNED, round_up, DIV_ROUND_UP, PAGE_ALIGN, offset_in_page (PAGE_SIZE 4 KiB)', () => {
    expect(ret('static size_t f(void) { return ALIGN(0x1001, 0x1000) + IS_ALIGNED(0x2000, 0x1000) + round_up(5, 4) + DIV_ROUND_UP(9, 4) + PAGE_ALIGN(1) + offset_in_page(0x12345); }', 'f')).toBe(
      `0x${(0x2000 + 1 + 8 + 3 + 0x1000 + 0x345).toString(16)}`,
    );
  });
  it('BIT_ULL, GENMASK_ULL, DMA_BIT_MASK (from the model), lower/upper_32_bits', () => {
    expect(ret('static u64 f(void) { return BIT_ULL(40) | GENMASK_ULL(7, 4); }', 'f')).toBe('0x100000000f0');
    expect(ret('static u64 f(void) { return DMA_BIT_MASK(36); }', 'f')).toBe('0xfffffffff');
    expect(ret('static u32 f(void) { return upper_32_bits(0x123456789ULL) + lower_32_bits(0x100000002ULL); }', 'f')).toBe('0x3');
  });
  it('check_add_overflow stores the wrapped sum and reports the overflow; size_add saturates', () => {
    const src = 'static size_t f(size_t a) { size_t s; if (check_add_overflow(a, (size_t)0x10, &s)) return s; return size_add(a, a); }';
    expect(ret(src, 'f', { a: '0xfffffffa' }, 32)).toBe('0xa');
    expect(ret(src, 'f', { a: '0x10' }, 32)).toBe('0x20');
    expect(ret('static size_t f(size_t a) { return size_mul(a, 4); }', 'f', { a: '0x80000000' }, 32)).toBe('0xffffffff');
  });
  it('WARN_ON_ONCE returns its condition and records a warn event; logging is a no-op', () => {
    const r = once('static int f(size_t size) { dev_err(NULL, "x %d", 1); if (WARN_ON_ONCE(!size)) return -22; return 0; }', 'f', { size: '0' });
    expect(r.return).toBe('-22');
    expect(r.trace).toEqual([expect.objectContaining({ fn: 'WARN_ON_ONCE', args: { condition: '!size' }, events: [expect.objectContaining({ kind: 'warn', what: '!size' })] })]);
  });
  it('likely/unlikely are transparent; IS_ENABLED(CONFIG_64BIT) follows the scenario', () => {
    expect(ret('static int f(void) { return unlikely(5) + likely(0) + IS_ENABLED(CONFIG_64BIT); }', 'f', {}, 32)).toBe('1');
  });
  it('uses #defines and enums of the file', () => {
    expect(ret('#define NR 4\nenum { A = 2, B };\nstatic int f(void) { int a[NR]; a[NR - 1] = B; return a[3] * ARRAY_SIZE(a); }', 'f')).toBe('12');
  });
  it('a size + pad that wraps records size-no-wrap, a compared one does not', () => {
    const wraps = once('static size_t f(size_t s) { return s + 0x234; }', 'f', { s: '0xffffffff' }, 32);
    expect(wraps.breaches.map((b) => b.invariant)).toEqual(['size-no-wrap']);
    const checked = once('static size_t f(size_t s) { if (s + 0x234 < s) return 0; return 1; }', 'f', { s: '0xffffffff' }, 32);
    expect(checked.breaches).toEqual([]);
  });
});

describe('calls', () => {
  it('gives an unknown function the first of its enumerated results and says so', () => {
    const r = once('static int f(void) { return frob(); }', 'f');
    expect(r.return).toBe('0');
    expect(r.notes.join('\n')).toMatch(/frob\(\) returned 0 \(1 of 4 options\)/);
  });
  it('interprets helpers of the change and stops on its call-depth budget for recursion', () => {
    expect(ret('static int g(int x) { return x * 2; } static int f(void) { return g(g(3)); }', 'f')).toBe('12');
    const r = once('static int f(int x) { return f(x + 1); }', 'f', { x: '0' });
    expect(r.ended).toMatchObject({ kind: 'stopped', why: 'budget' });
  });
  it('run once: dir and attrs may be left out (noted), other integers may not', () => {
    const src = 'static int f(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t size, enum dma_data_direction dir, unsigned long attrs) { return dir + attrs; }';
    const r = once(src, 'f', { phys: '0', size: '0x1000' });
    expect(r.return).toBe('0');
    expect(r.notes).toEqual(expect.arrayContaining(['dir was not given: DMA_BIDIRECTIONAL used', 'attrs was not given: 0 (no DMA attributes) used']));
    const missing = runOnce([parseC(src)], { functionName: 'f', spec: DEFAULT_SCENARIO, args: { phys: '0' } });
    expect(missing).toEqual({ ok: false, error: "f: integer parameter 'size' (size_t) needs --arg size=VALUE" });
  });
  it('binds pointer parameters to fresh model objects (a device, a state)', () => {
    const r = once('static u64 f(struct device *dev, struct dma_iova_state *state) { state->addr = 0x1234; return dma_get_mask(dev); }', 'f');
    expect(r.return).toBe('0xffffffffffffffff');
    expect(r.pointers.state).toEqual({ addr: '0x1234', __size: '0x0' });
  });
});
