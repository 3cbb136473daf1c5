// The CFG pre-check of the lifecycle rules: may an unmap of an address text reach another unmap
// of the same text with no store to one of its words between? "No" lets the path machine be
// skipped, so every "no" here must be a function the machine cannot report a double unmap in.
import { describe, expect, it } from 'vitest';
import { analyze, parseFile } from '../../c/index.js';
import { doubleUnmapPossible } from '../../rules/lifecycle/unmap-reach.js';

/** With no callee summarised: every call is an unknown call to the machine. */
function possible(code: string): boolean {
  const file = parseFile('reach.c', code);
  const a = analyze(file.functions[0]!);
  return doubleUnmapPossible(a.cfg!, a.mirror, () => false);
}

describe('doubleUnmapPossible', () => {
  it('two unmaps of one address in sequence', () => {
    expect(possible(`void f(struct device *dev, dma_addr_t a, size_t n)
{
	dma_unmap_single(dev, a, n, DMA_TO_DEVICE);
	dma_unmap_single(dev, a, n, DMA_TO_DEVICE);
}
`)).toBe(true);
  });

  it('an unmap in a loop whose address does not change', () => {
    expect(possible(`void f(struct device *dev, struct demo *d, int n)
{
	int i;

	for (i = 0; i < n; i++)
		dma_unmap_page(dev, d->addr, d->len, DMA_TO_DEVICE);
}
`)).toBe(true);
  });

  it('an unmap in a loop whose index changes each round', () => {
    expect(possible(`void f(struct device *dev, struct demo *d, int n)
{
	int i;

	for (i = 0; i < n; i++)
		dma_unmap_page(dev, d->v[i].addr, d->v[i].len, DMA_TO_DEVICE);
}
`)).toBe(false);
  });

  it('a retry through a backward goto', () => {
    expect(possible(`int f(struct device *dev, struct demo *d)
{
	int tries = 0;
again:
	if (demo_kick(d))
		dma_unmap_single(dev, d->addr, d->len, DMA_TO_DEVICE);
	if (++tries < 3)
		goto again;
	return 0;
}
`)).toBe(true);
  });

  it('the address reassigned between the unmaps', () => {
    expect(possible(`void f(struct device *dev, void *buf, size_t n)
{
	dma_addr_t a = dma_map_single(dev, buf, n, DMA_TO_DEVICE);

	dma_unmap_single(dev, a, n, DMA_TO_DEVICE);
	a = dma_map_single(dev, buf, n, DMA_FROM_DEVICE);
	dma_unmap_single(dev, a, n, DMA_FROM_DEVICE);
}
`)).toBe(false);
  });

  it('exclusive arms: the CFG has no path from one to the other', () => {
    expect(possible(`void f(struct device *dev, struct demo *d)
{
	if (d->is_page)
		dma_unmap_page(dev, d->addr, d->len, DMA_TO_DEVICE);
	else
		dma_unmap_single(dev, d->addr, d->len, DMA_TO_DEVICE);
}
`)).toBe(false);
  });

  it('a store inside a test does not count as forgetting (it may not run)', () => {
    expect(possible(`void f(struct device *dev, struct demo *d, dma_addr_t a)
{
	dma_unmap_single(dev, a, d->len, DMA_TO_DEVICE);
	if (d->ok && (a = d->next))
		demo_log(d);
	dma_unmap_single(dev, a, d->len, DMA_TO_DEVICE);
}
`)).toBe(true);
  });

  it('an error path and the common exit both unmapping', () => {
    expect(possible(`int f(struct device *dev, struct demo *d)
{
	int ret = demo_start(d);

	if (ret) {
		dma_unmap_single(dev, d->addr, d->len, DMA_TO_DEVICE);
		goto out;
	}
	return 0;
out:
	dma_unmap_single(dev, d->addr, d->len, DMA_TO_DEVICE);
	return ret;
}
`)).toBe(true);
  });
});

describe('doubleUnmapPossible: what unknown calls forget', () => {
  const LOOP = (call: string) => `int f(struct device *dev, struct ring *r, int budget)
{
	struct rx_desc d;
	int done = 0;

	while (done < budget) {
		${call}
		dma_unmap_single(dev, d.addr, d.len, DMA_FROM_DEVICE);
		done++;
	}
	return done;
}
`;

  it('an unknown call handed &d rewrites d each round', () => {
    expect(possible(LOOP('ring_get_desc(r, &d);'))).toBe(false);
  });

  it('a non-inert unknown call may change what is read through memory', () => {
    expect(possible(LOOP('ring_refill(r);'))).toBe(false);
  });

  it('an inert call (logging) changes nothing', () => {
    expect(possible(LOOP('pr_debug("rx %d\\n", done);'))).toBe(true);
  });

  it('a call the machine may summarise is not assumed to forget (nor, by default, any call)', () => {
    const file = parseFile('reach.c', LOOP('ring_refill(r);'));
    const a = analyze(file.functions[0]!);
    expect(doubleUnmapPossible(a.cfg!, a.mirror, (callee) => callee === 'ring_refill')).toBe(true);
    expect(doubleUnmapPossible(a.cfg!, a.mirror)).toBe(true);
  });
});

describe('doubleUnmapPossible: several unmaps in one statement', () => {
  it('the last unmap of a statement is followed on, not only the first', () => {
    expect(possible(`void f(struct device *dev, dma_addr_t a, dma_addr_t b, size_t n, int k)
{
	int i;

	for (i = 0; i < k; i++)
		dma_unmap_single(dev, a, n, DMA_TO_DEVICE), a = b, dma_unmap_single(dev, a, n, DMA_TO_DEVICE);
}
`)).toBe(true);
  });
});
