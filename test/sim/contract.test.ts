// Contract mode: a caller runs with each lifecycle callee failing at each of its calls in turn;
// at return the model's invariants are checked (leaks at teardown after a failure, unsynced or
// unmapped bytes after a success).
import { describe, expect, it } from 'vitest';
import { confirmIn, fixture, parseC } from './helpers.js';

const LIFECYCLE = {
  mode: 'contract' as const,
  failing: ['dma_iova_link', 'dma_iova_sync', 'dma_iova_try_alloc', 'allocations'],
  expect: {
    invariants: ['no-leak', 'sync-before-publish', 'link-in-reservation', 'unlink-mirrors-link', 'state-live', 'no-double-free', 'free-mirrors-alloc'] as const,
    description: 'every error path gives back what it took',
  },
};

describe('contract mode', () => {
  it('confirms a caller that leaks the IOVA when the link fails', () => {
    const out = confirmIn(fixture('lifecycle.c'), 'xfer_map_leaky', { ...LIFECYCLE, expect: { ...LIFECYCLE.expect, invariants: [...LIFECYCLE.expect.invariants] } });
    expect(out.confirmation, out.note).toBe('confirmed');
    expect(out.witness!.summary).toMatch(/dma_iova_link \(call 1\) failing: no-leak breaks/);
    const fns = out.witness!.trace.map((t) => t.fn);
    expect(fns).toEqual(['dma_iova_try_alloc', 'dma_iova_link', '@teardown']);
    expect(out.witness!.trace[1]!.events[0]).toMatchObject({ kind: 'info', what: 'injected-failure' });
  });

  it('refutes the caller that unwinds every failure', () => {
    const out = confirmIn(fixture('lifecycle.c'), 'xfer_map', { ...LIFECYCLE, expect: { ...LIFECYCLE.expect, invariants: [...LIFECYCLE.expect.invariants] } });
    expect(out.confirmation, out.note).toBe('refuted');
  });

  it('confirms success published without a sync (no failure needed)', () => {
    const src = `static int xfer_nosync(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	if (!dma_iova_try_alloc(dev, state, phys, len))
		return -EOPNOTSUPP;
	if (dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0)) {
		dma_iova_free(dev, state);
		return -EIO;
	}
	return 0;
}`;
    const out = confirmIn(parseC(src), 'xfer_nosync', { mode: 'contract', expect: { description: 'links are synced before success' } });
    expect(out.confirmation, out.note).toBe('confirmed');
    expect(out.witness!.breach?.invariant).toBe('sync-before-publish');
  });

  it('confirms an allocation failure that leaks an earlier reservation', () => {
    const src = `struct xfer { struct dma_iova_state state; void *desc; };
static int xfer_start(struct device *dev, struct xfer *x, phys_addr_t phys, size_t len)
{
	if (!dma_iova_try_alloc(dev, &x->state, phys, len))
		return -EOPNOTSUPP;
	x->desc = kzalloc(64, GFP_KERNEL);
	if (!x->desc)
		return -ENOMEM;
	if (dma_iova_link(dev, &x->state, phys, 0, len, DMA_TO_DEVICE, 0))
		goto out_free;
	if (dma_iova_sync(dev, &x->state, 0, len))
		goto out_destroy;
	return 0;
out_destroy:
	dma_iova_destroy(dev, &x->state, len, DMA_TO_DEVICE, 0);
	kfree(x->desc);
	return -EIO;
out_free:
	dma_iova_free(dev, &x->state);
	kfree(x->desc);
	return -EIO;
}`;
    const out = confirmIn(parseC(src), 'xfer_start', { mode: 'contract', failing: ['allocations', 'dma_iova_link'], expect: { invariants: ['no-leak'], description: 'error paths free the IOVA' } });
    expect(out.confirmation, out.note).toBe('confirmed');
    expect(out.witness!.summary).toMatch(/allocations \(call 1\) failing/);
  });
});

describe('contract mode with the caller\'s preconditions', () => {
  const LINK_ONE = (unwind: boolean) => `struct xfer { struct dma_iova_state st; };
static int xfer_link_one(struct device *dev, struct xfer *x, phys_addr_t phys, size_t len)
{
	int ret = dma_iova_link(dev, &x->st, phys, 0, len, DMA_TO_DEVICE, 0);

	if (ret)
		return ret;
	ret = dma_iova_sync(dev, &x->st, 0, len);
	if (ret) {
${unwind ? '\t\tdma_iova_unlink(dev, &x->st, 0, len, DMA_TO_DEVICE, 0);\n' : ''}		return ret;
	}
	return 0;
}`;
  const reserved = { states: { 'x->st': 'allocated' as const } };

  it('a state behind a parameter comes reserved; the link left behind on a failed sync leaks, the reservation is the caller\'s', () => {
    const out = confirmIn(parseC(LINK_ONE(false)), 'xfer_link_one', { mode: 'contract', failing: ['dma_iova_sync'], preconditions: reserved, expect: { invariants: ['no-leak'], description: 'the link is undone' } });
    expect(out.confirmation, out.note).toBe('confirmed');
    expect(out.witness!.summary).toMatch(/dma_iova_sync \(call 1\) failing: no-leak breaks: 0x2000 bytes still mapped at IOVA/);
    expect(out.witness!.trace[0]).toMatchObject({ fn: 'dma_iova_try_alloc' });
    expect(out.witness!.trace[0]!.events.some((e) => e.what === 'setup')).toBe(true);
    // the caller's reservation stays live, and is not reported
    expect(out.witness!.trace.find((t) => t.fn === '@teardown')!.events.filter((e) => e.kind === 'breach').map((e) => e.message).join('\n')).not.toMatch(/reserved for/);
  });

  it('the unwinding version is refuted: every run completed and the caller\'s reservation is not a leak', () => {
    const out = confirmIn(parseC(LINK_ONE(true)), 'xfer_link_one', { mode: 'contract', failing: ['dma_iova_link', 'dma_iova_sync'], preconditions: reserved, expect: { invariants: ['no-leak', 'sync-before-publish'], description: 'the link is undone' } });
    expect(out.confirmation, out.note).toBe('refuted');
  });

  it('a failed link swallowed and success returned: mapping-covers-buffer (D2)', () => {
    const src = `static bool map_segs(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	int error = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);

	if (error)
		goto out;
	error = dma_iova_sync(dev, state, 0, len);
out:
	return true;
}`;
    const out = confirmIn(parseC(src), 'map_segs', { mode: 'contract', failing: ['dma_iova_link'], preconditions: { states: { state: 'allocated' } }, expect: { invariants: ['mapping-covers-buffer'], description: 'the partial mapping is reported as mapped' } });
    expect(out.confirmation, out.note).toBe('confirmed');
    expect(out.witness!.breach?.message).toMatch(/dma_iova_link of \[0x0, 0x2000\) on state0 failed \(-12 at line 3\), yet success is returned/);
  });

  const FALLBACK = (clear: boolean) => `static int start(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len, bool can_iova)
{
	if (can_iova && dma_iova_try_alloc(dev, state, phys, len))
		return 1;
${clear ? '\tmemset(state, 0, sizeof(*state));\n' : ''}	return 0;
}`;

  it('a stale state handed in and left on the fallback: state-live (D1); cleared with memset: refuted', () => {
    const stale = { states: { state: 'stale' as const } };
    const request = { mode: 'contract' as const, failing: ['dma_iova_try_alloc'], preconditions: stale, inputs: { can_iova: '0' }, expect: { invariants: ['state-live' as const], description: 'the fallback clears the state' } };
    const bad = confirmIn(parseC(FALLBACK(false)), 'start', request);
    expect(bad.confirmation, bad.note).toBe('confirmed');
    expect(bad.witness!.inputs.state).toBe('state0 (stale)');
    expect(bad.witness!.breach?.message).toMatch(/dma_use_iova\(\) is still true, but its IOVA 0x[0-9a-f]+ was freed by call #3/);
    const good = confirmIn(parseC(FALLBACK(true)), 'start', request);
    expect(good.confirmation, good.note).toBe('refuted');
  });

  const MAP_UNMAP = (unmapAttrs: string) => `struct rq { struct dma_iova_state st; size_t mapped; };
int rq_map(struct device *dev, struct rq *rd, phys_addr_t paddr, size_t len)
{
	if (!dma_iova_try_alloc(dev, &rd->st, paddr, len))
		return -EOPNOTSUPP;
	if (dma_iova_link(dev, &rd->st, paddr, 0, len, DMA_TO_DEVICE, DMA_ATTR_MMIO)) {
		dma_iova_free(dev, &rd->st);
		return -EIO;
	}
	if (dma_iova_sync(dev, &rd->st, 0, len)) {
		dma_iova_destroy(dev, &rd->st, len, DMA_TO_DEVICE, DMA_ATTR_MMIO);
		return -EIO;
	}
	rd->mapped = len;
	return 0;
}
void rq_unmap(struct device *dev, struct rq *rd)
{
	if (dma_use_iova(&rd->st))
		dma_iova_destroy(dev, &rd->st, rd->mapped, DMA_TO_DEVICE, ${unmapAttrs});
}`;

  it('the map side run first on the same objects: an unmap that drops DMA_ATTR_MMIO breaks unlink-mirrors-link (D12), the mirror is refuted', () => {
    const request = { mode: 'contract' as const, preconditions: { before: ['rq_map'] }, expect: { invariants: ['unlink-mirrors-link' as const], description: 'unmap with the link\'s attributes' } };
    const bad = confirmIn(parseC(MAP_UNMAP('0')), 'rq_unmap', request);
    expect(bad.confirmation, bad.note).toBe('confirmed');
    expect(bad.witness!.breach?.message).toMatch(/unlink attrs 0x0 differ from the link's 0x400/);
    expect(bad.witness!.trace.slice(0, 3).map((t) => t.fn)).toEqual(['dma_iova_try_alloc', 'dma_iova_link', 'dma_iova_sync']);
    expect(bad.witness!.inputs['rq_map:len']).toBe('0x2000 (2*G)');
    const good = confirmIn(parseC(MAP_UNMAP('DMA_ATTR_MMIO')), 'rq_unmap', request);
    expect(good.confirmation, good.note).toBe('refuted');
  });

  it('a function whose map side is not in the change: the caller\'s link takes the shape of its release, never a witness by itself', () => {
    const src = `void rq_unmap_only(struct device *dev, struct dma_iova_state *state, size_t len, enum dma_data_direction dir)
{
	dma_iova_unlink(dev, state, 0, len, dir, DMA_ATTR_MMIO);
	dma_iova_free(dev, state);
}`;
    const out = confirmIn(parseC(src), 'rq_unmap_only', { mode: 'contract', preconditions: { states: { state: 'linked' } }, expect: { invariants: ['unlink-mirrors-link', 'no-leak'], description: 'the unmap mirrors the links' } });
    expect(out.confirmation, out.note).toBe('unconfirmed');
    expect(out.note).toMatch(/the caller's link of state0 was made as dma_iova_unlink\(\) at line 3 releases it: the map side is not in the change/);
  });

  it('an unmap of an address read from memory nobody described is not run: unconfirmed, naming it (D13)', () => {
    const src = `struct desc { u64 addr; u32 len; };
void unmap_desc(struct device *dev, struct desc *d)
{
	dma_unmap_phys(dev, d->addr, d->len, DMA_TO_DEVICE, 0);
}`;
    const out = confirmIn(parseC(src), 'unmap_desc', { mode: 'contract', expect: { invariants: ['unlink-mirrors-link', 'no-double-free'], description: 'unmaps what was mapped' } });
    expect(out.confirmation, out.note).toBe('unconfirmed');
    expect(out.note).toMatch(/dma_unmap_phys\(\) at line 4 unmaps d->addr \(0x123400000\), a value the simulator invented: what the map side stored there is not in the change/);
  });

  it('a helper of the change named as failing stands for the lifecycle calls it makes', () => {
    const src = `static int helper(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	return dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);
}
static int top(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	if (!dma_iova_try_alloc(dev, state, phys, len))
		return -EOPNOTSUPP;
	if (helper(dev, state, phys, len))
		return -EIO;
	return dma_iova_sync(dev, state, 0, len);
}`;
    const out = confirmIn(parseC(src), 'top', { mode: 'contract', failing: ['helper'], expect: { invariants: ['no-leak'], description: 'the reservation is released' } });
    expect(out.confirmation, out.note).toBe('confirmed');
    expect(out.witness!.summary).toMatch(/dma_iova_link \(call 1\) failing: no-leak breaks/);
  });
});
