// c/value-use: how a call's result is used, which reads a definition reaches, truth-value uses.
import { describe, expect, it } from 'vitest';
import { readsReachedBy, resultUse, usedAsTruth } from '../../c/index.js';
import { call, find, fn, parseClean } from './helpers.js';

const file = parseClean(`int demo(struct device *dev)
{
	int ret;
	int unused = setup_b(dev);

	setup_a(dev);
	(void)setup_c(dev);
	ret = setup_d(dev);
	ret = setup_e(dev);
	if (ret)
		return ret;
	if (!setup_f(dev))
		return -EIO;
	if ((ret = setup_g(dev)))
		return ret;
	return setup_h(dev) + 1;
}

bool demo_ok(u64 addr, u64 mask)
{
	if (WARN_ON_ONCE(addr & ~mask))
		return false;
	while (addr & 1)
		addr >>= 1;
	return addr & mask;
}

u64 demo_high(u64 addr, u64 mask)
{
	return addr & ~mask;
}
`);

describe('resultUse', () => {
  const demo = fn(file, 'demo');
  it('reads dropped results, with or without (void)', () => {
    expect(resultUse(demo, call(demo.node, 'setup_a'))).toEqual({ kind: 'dropped', voidCast: false });
    expect(resultUse(demo, call(demo.node, 'setup_c'))).toEqual({ kind: 'dropped', voidCast: true });
  });
  it('reads stored results with their definition', () => {
    const d = resultUse(demo, call(demo.node, 'setup_d'));
    expect(d.kind).toBe('stored');
    if (d.kind !== 'stored') return;
    expect(d.target.text).toBe('ret');
    expect(d.definition?.kind).toBe('assign');
    // overwritten before any read
    expect(readsReachedBy(demo, d.definition!)).toEqual([]);
    const e = resultUse(demo, call(demo.node, 'setup_e'));
    expect(e.kind === 'stored' && readsReachedBy(demo, e.definition!).map((id) => id.startPosition.row + 1)).toEqual([10, 11]);
    const b = resultUse(demo, call(demo.node, 'setup_b'));
    expect(b.kind === 'stored' && b.definition?.kind).toBe('init');
    expect(b.kind === 'stored' && readsReachedBy(demo, b.definition!)).toEqual([]);
  });
  it('reads a result tested by an if, through !', () => {
    const f = resultUse(demo, call(demo.node, 'setup_f'));
    expect(f.kind).toBe('tested');
    expect(f.kind === 'tested' && f.negated).toBe(true);
  });
  it('counts an assignment used as a value, and arithmetic, as uses', () => {
    expect(resultUse(demo, call(demo.node, 'setup_g')).kind).toBe('used');
    expect(resultUse(demo, call(demo.node, 'setup_h')).kind).toBe('used');
  });
});

describe('usedAsTruth', () => {
  const ok = fn(file, 'demo_ok');
  const high = fn(file, 'demo_high');
  it('sees WARN_ON_ONCE arguments, loop conditions and bool returns', () => {
    expect(usedAsTruth(ok, find(ok.node, 'binary_expression', 'addr & ~mask'))).toBe(true);
    expect(usedAsTruth(ok, find(ok.node, 'binary_expression', 'addr & 1'))).toBe(true);
    expect(usedAsTruth(ok, find(ok.node, 'binary_expression', 'addr & mask'))).toBe(true);
  });
  it('not a value returned as an integer', () => {
    expect(usedAsTruth(high, find(high.node, 'binary_expression', 'addr & ~mask'))).toBe(false);
  });
});
