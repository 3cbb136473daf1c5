// The IOVA allocator (drivers/iommu/iova.c) and iommu_dma_alloc_iova/free_iova worked examples:
// power-of-two rounding, natural alignment, top-down below the limit, the cached node, the PCI
// 32-bit first attempt and its one-way flag, range caches, and frees that must mirror allocations.
import { describe, expect, it } from 'vitest';
import { IovaAllocator } from '../../model/iova-allocator.js';
import { api, createWorld } from '../../model/index.js';
import { invariantsOf, spec } from './helpers.js';

describe('IovaAllocator (one CPU)', () => {
  it('rounds sizes below 32 granules up to a power of two and aligns naturally, top-down from the limit', () => {
    const a = new IovaAllocator(4096n, 1n, 64);
    const r = a.allocIovaFast(3n, 0xfffffn, true);
    expect(r).toEqual({ pfn: 0xffffcn, granules: 4n, fromRcache: false });
    // The next one goes below: the walk starts at the cached node.
    expect(a.allocIovaFast(1n, 0xfffffn, true).pfn).toBe(0xffffbn);
    expect(a.allocIovaFast(2n, 0xfffffn, true).pfn).toBe(0xffff8n);
  });

  it('does not round 32 granules or more, but still aligns to the next power of two', () => {
    const a = new IovaAllocator(4096n, 1n, 64);
    const r = a.allocIovaFast(33n, 0xfffffn, true);
    expect(r.granules).toBe(33n);
    expect(r.pfn % 64n).toBe(0n);
    expect(r.pfn).toBe(0xfffc0n); // (0x100000 - 33) & ~63 = 0xfffdf & ~0x3f
  });

  it('never hands out pfn 0 (start_pfn is 1) and fails with 0 when the space below the limit is full', () => {
    const a = new IovaAllocator(4096n, 1n, 64);
    expect(a.allocIovaFast(2n, 3n, true).pfn).toBe(2n);
    expect(a.allocIovaFast(1n, 3n, true).pfn).toBe(1n);
    expect(a.allocIovaFast(1n, 3n, true).pfn).toBe(0n);
  });

  it('parks small frees in the range cache of their order and hands them back', () => {
    const a = new IovaAllocator(4096n, 1n, 64);
    const first = a.allocIovaFast(4n, 0xfffffn, true).pfn;
    expect(a.freeIovaFast(first, 4n)).toBe('rcache');
    expect(a.findIova(first)).toBeDefined(); // still in the tree while cached
    expect(a.allocIovaFast(3n, 0xfffffn, true)).toEqual({ pfn: first, granules: 4n, fromRcache: true });
  });

  it('frees ranges of order 6 and above straight back to the tree', () => {
    const a = new IovaAllocator(4096n, 1n, 64);
    const p = a.allocIovaFast(64n, 0xfffffn, true).pfn;
    expect(a.freeIovaFast(p, 64n)).toBe('tree');
    expect(a.findIova(p)).toBeUndefined();
  });

  it('flushes the range caches and retries once when the tree is full', () => {
    const a = new IovaAllocator(4096n, 1n, 64);
    // Four 1-granule ranges fill pfns 1..4; free them into the order-0 cache.
    const pfns = [1, 2, 3, 4].map(() => a.allocIovaFast(1n, 4n, true).pfn);
    expect(pfns).toEqual([4n, 3n, 2n, 1n]);
    for (const p of pfns) a.freeIovaFast(p, 1n);
    // A 2-granule request cannot use the order-0 cache; the tree is full until the flush.
    expect(a.allocIovaFast(2n, 4n, false).pfn).toBe(0n);
    expect(a.allocIovaFast(2n, 4n, true).pfn).toBe(2n);
    expect(a.cachedPfns()).toEqual([]);
  });

  it('computes pfns in a 32-bit unsigned long on 32-bit kernels', () => {
    const a = new IovaAllocator(4096n, 1n, 32);
    expect(a.anchorNode.pfnLo).toBe(0xffffffffn);
    expect(a.allocIovaFast(1n, 0xfffffn, true).pfn).toBe(0xfffffn);
  });
});

describe('iommu_dma_alloc_iova on a world', () => {
  it('tries the 32-bit space first for PCI devices with a wider mask', () => {
    const w = createWorld(spec({ pci: true, mask: 64 }));
    const dom = w.dev.domain!;
    expect(api.iommu_dma_alloc_iova(w, dom, 0x1000n, (1n << 64n) - 1n, w.dev)).toBe(0xfffff000n);
    expect(w.dev.iommu.pci32bitWorkaround).toBe(true);
  });

  it('goes top-down below the aperture (48-bit) for non-PCI devices', () => {
    const w = createWorld(spec({ pci: false, mask: 64 }));
    expect(api.iommu_dma_alloc_iova(w, w.dev.domain!, 0x1000n, (1n << 64n) - 1n, w.dev)).toBe(0xfffffffff000n);
  });

  it('applies min_not_zero(dma_limit, bus_dma_limit)', () => {
    const w = createWorld(spec({ pci: false, mask: 64, busLimit: 36 }));
    expect(api.iommu_dma_alloc_iova(w, w.dev.domain!, 0x1000n, (1n << 64n) - 1n, w.dev)).toBe(0xffffff000n);
    expect(w.breaches).toEqual([]);
  });

  it('clears pci_32bit_workaround for good when the 32-bit attempt fails (> 4 GiB, D19), then allocates below the cached node', () => {
    const w = createWorld(spec({ pci: true, mask: 64 }));
    const dom = w.dev.domain!;
    const big = api.iommu_dma_alloc_iova(w, dom, (1n << 32n) + 0x1000n, (1n << 64n) - 1n, w.dev);
    expect(big).toBe(0xfffe00000000n);
    expect(w.dev.iommu.pci32bitWorkaround).toBe(false);
    expect(w.trace[0]!.events.some((e) => e.what === 'dev_notice' && e.message.startsWith('Using 48-bit DMA addresses'))).toBe(true);
    // A small allocation now skips the 32-bit space and continues under the big range.
    expect(api.iommu_dma_alloc_iova(w, dom, 0x1000n, (1n << 64n) - 1n, w.dev)).toBe(0xfffdfffff000n);
  });

  it('records a reservation-in-limit breach when given a wider limit than the device has (dma/mask-source)', () => {
    const w = createWorld(spec({ pci: false, mask: 32 }));
    const base = api.iommu_dma_alloc_iova(w, w.dev.domain!, 0x1000n, (1n << 64n) - 1n, w.dev);
    expect(base).toBe(0xfffffffff000n);
    expect(invariantsOf(w.breaches)).toEqual(['reservation-in-limit']);
  });

  it('records alloc-nonzero for a 0-byte allocation', () => {
    const w = createWorld(spec());
    api.iommu_dma_alloc_iova(w, w.dev.domain!, 0n, 0xffffffffn, w.dev);
    expect(invariantsOf(w.breaches)).toEqual(['alloc-nonzero']);
  });

  it('requires frees to mirror the allocation (D4): a smaller free is a breach, the exact one is not', () => {
    const w = createWorld(spec());
    const dom = w.dev.domain!;
    const base = api.iommu_dma_alloc_iova(w, dom, 0x3000n, 0xffffffffn, w.dev);
    api.iommu_dma_free_iova(w, dom, base, 0x1000n, null);
    expect(w.breaches.map((b) => [b.invariant, b.data.sameOrder])).toEqual([['free-mirrors-alloc', 'false']]);

    const w2 = createWorld(spec());
    const b2 = api.iommu_dma_alloc_iova(w2, w2.dev.domain!, 0x3000n, 0xffffffffn, w2.dev);
    api.iommu_dma_free_iova(w2, w2.dev.domain!, b2, 0x3000n, null);
    expect(w2.breaches).toEqual([]);
    expect(w2.teardown()).toEqual([]);
  });

  it('a free larger than the allocation lets the range cache hand out overlapping IOVA', () => {
    const w = createWorld(spec({ pci: false, mask: 32 }));
    const dom = w.dev.domain!;
    const mask = 0xffffffffn;
    const x = api.iommu_dma_alloc_iova(w, dom, 0x1000n, mask, w.dev);
    const y = api.iommu_dma_alloc_iova(w, dom, 0x1000n, mask, w.dev);
    expect([x, y]).toEqual([0xfffff000n, 0xffffe000n]);
    api.iommu_dma_free_iova(w, dom, y, 0x2000n, null); // wrong: 2 granules into the order-1 bin
    const z = api.iommu_dma_alloc_iova(w, dom, 0x2000n, mask, w.dev);
    expect(z).toBe(0xffffe000n); // [y, y + 2 granules) overlaps x
    expect(w.primaryInvariants()).toEqual(['free-mirrors-alloc', 'reservation-disjoint']);
  });

  it('reports a double free and a free of IOVA never allocated', () => {
    const w = createWorld(spec());
    const dom = w.dev.domain!;
    const base = api.iommu_dma_alloc_iova(w, dom, 0x1000n, 0xffffffffn, w.dev);
    api.iommu_dma_free_iova(w, dom, base, 0x1000n, null);
    api.iommu_dma_free_iova(w, dom, base, 0x1000n, null);
    api.iommu_dma_free_iova(w, dom, 0x4000_0000n, 0x1000n, null);
    expect(w.breaches.map((b) => b.invariant)).toEqual(['no-double-free', 'free-mirrors-alloc']);
  });
});
