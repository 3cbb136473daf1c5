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
