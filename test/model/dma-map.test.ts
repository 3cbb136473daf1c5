// The one-step API, masks and the iova.h helpers.
import { describe, expect, it } from 'vitest';
import {
  DMA_BIDIRECTIONAL,
  DMA_MAPPING_ERROR,
  DMA_TO_DEVICE,
  EIO,
  ENOMEM,
  api,
  assertByteAddress,
  createWorld,
} from '../../model/index.js';
import { spec } from './helpers.js';

describe('dma_map_phys / dma_map_page / dma_map_single and their unmaps', () => {
  it('maps align(size + offset) at a fresh IOVA and returns iova + offset', () => {
    const w = createWorld(spec());
    const dma = api.dma_map_phys(w, w.dev, 0x1234_5234n, 0x100n, DMA_TO_DEVICE, 0n);
    expect(dma).toBe(0xfffff234n);
    expect(w.dev.domain!.pageTable.iovaToPhys(dma)).toBe(0x1234_5234n);
    expect(assertByteAddress(w, w.dev, dma, 0x1234_5234n)).toEqual([]);
    expect(api.dma_mapping_error(w, w.dev, dma)).toBe(0n);
    api.dma_unmap_phys(w, w.dev, dma, 0x100n, DMA_TO_DEVICE, 0n);
    expect([...w.breaches, ...w.teardown()]).toEqual([]);
  });

  it('dma_map_page_attrs adds the page offset; dma_map_single uses the identity linear map', () => {
    const w = createWorld(spec({ pci: false }));
    const page = w.newPage(0x4000_0000n);
    const a = api.dma_map_page_attrs(w, w.dev, page, 0x10n, 0x20n, DMA_TO_DEVICE, 0n);
    expect(a & 0xfffn).toBe(0x10n);
    const b = api.dma_map_single_attrs(w, w.dev, 0x5000_0008n, 0x8n, DMA_TO_DEVICE, 0n);
    expect(w.dev.domain!.pageTable.iovaToPhys(b)).toBe(0x5000_0008n);
  });

  it('bounces an unaligned buffer of an untrusted device and releases the slot on unmap', () => {
    const w = createWorld(spec({ untrusted: true }));
    const dma = api.dma_map_phys(w, w.dev, 0x1234_5234n, 0x100n, DMA_TO_DEVICE, 0n);
    expect(dma).toBe(0xfffff234n);
    const slot = w.pool.live()[0]!;
    expect(slot.tlbAddr).toBe(0x7c00_0234n);
    expect(w.dev.domain!.pageTable.iovaToPhys(dma)).toBe(slot.tlbAddr);
    expect(assertByteAddress(w, w.dev, dma, 0x1234_5234n)).toEqual([]);
    api.dma_unmap_phys(w, w.dev, dma, 0x100n, DMA_TO_DEVICE, 0n);
    expect(w.pool.live()).toEqual([]);
    expect(w.teardown()).toEqual([]);
  });

  it('returns DMA_MAPPING_ERROR (and dma_mapping_error -ENOMEM) when the IOVA space is exhausted', () => {
    const w = createWorld(spec({ pci: false, mask: 32 }), { apertureEnd: 0x3fffn });
    // start_pfn 1: pfns 1..3 are the whole space.
    const ok = api.dma_map_phys(w, w.dev, 0x1000_0000n, 0x2000n, DMA_TO_DEVICE, 0n);
    expect(ok).not.toBe(DMA_MAPPING_ERROR);
    const bad = api.dma_map_phys(w, w.dev, 0x2000_0000n, 0x2000n, DMA_TO_DEVICE, 0n);
    expect(bad).toBe(DMA_MAPPING_ERROR);
    expect(api.dma_mapping_error(w, w.dev, bad)).toBe(-ENOMEM);
  });

  it('maps directly (dma == phys) without an IOMMU, bouncing what the mask cannot reach', () => {
    const w = createWorld(spec({ iommu: false, mask: 32 }));
    expect(api.dma_map_phys(w, w.dev, 0x1000_0000n, 0x100n, DMA_TO_DEVICE, 0n)).toBe(0x1000_0000n);
    const high = api.dma_map_phys(w, w.dev, 0x1_2000_0000n, 0x100n, DMA_TO_DEVICE, 0n);
    expect(high).toBe(0x7c00_0000n);
    expect(assertByteAddress(w, w.dev, high, 0x1_2000_0000n)).toEqual([]);
    const noPool = createWorld(spec({ iommu: false, mask: 32 }), { swiotlbActive: false });
    expect(api.dma_map_phys(noPool, noPool.dev, 0x1_2000_0000n, 0x100n, DMA_TO_DEVICE, 0n)).toBe(DMA_MAPPING_ERROR);
    expect(noPool.warnings().map((x) => x.condition)).toEqual(['1']);
  });

  it('a second unmap of the same address is no-double-free (the kernel WARNs on !phys)', () => {
    const w = createWorld(spec());
    const dma = api.dma_map_phys(w, w.dev, 0x1000_0000n, 0x1000n, DMA_TO_DEVICE, 0n);
    api.dma_unmap_phys(w, w.dev, dma, 0x1000n, DMA_TO_DEVICE, 0n);
    api.dma_unmap_phys(w, w.dev, dma, 0x1000n, DMA_TO_DEVICE, 0n);
    expect(w.primaryInvariants()).toEqual(['no-double-free']);
    expect(w.warnings().map((x) => x.condition)).toEqual(['!phys']);
  });

  it('an unmap with another size or direction breaches unlink-mirrors-link', () => {
    const w = createWorld(spec());
    const dma = api.dma_map_phys(w, w.dev, 0x1000_0000n, 0x1000n, DMA_TO_DEVICE, 0n);
    api.dma_unmap_phys(w, w.dev, dma, 0x800n, DMA_BIDIRECTIONAL, 0n);
    expect(w.primaryInvariants()).toEqual(['unlink-mirrors-link']);
  });

  it('per-segment unmap of an address from a dma_iova_state is a double unmap (D9)', () => {
    const w = createWorld(spec());
    const st = w.newState();
    api.dma_iova_try_alloc(w, w.dev, st, 0n, 0x2000n);
    api.dma_iova_link(w, w.dev, st, 0x1000_0000n, 0n, 0x2000n, DMA_TO_DEVICE, 0n);
    api.dma_iova_sync(w, w.dev, st, 0n, 0x2000n);
    api.dma_unmap_phys(w, w.dev, st.addr, 0x1000n, DMA_TO_DEVICE, 0n);
    expect(w.primaryInvariants()).toEqual(['no-double-free']);
  });

  it('a bad direction is BUG_ON: a modelled oops', () => {
    const w = createWorld(spec());
    expect(() => api.dma_map_phys(w, w.dev, 0n, 0x10n, 7n, 0n)).toThrow(/BUG_ON/);
    expect(w.trace[0]!.result).toBe('oops');
  });

  it('dma_need_unmap, dma_get_merge_boundary and dma_opt_mapping_size', () => {
    const w = createWorld(spec({ granule: 16384 }));
    expect(api.dma_need_unmap(w, w.dev)).toBe(true);
    expect(api.dma_get_merge_boundary(w, w.dev)).toBe(0x3fffn);
    expect(api.dma_opt_mapping_size(w, w.dev)).toBe(16384n << 5n);
    const direct = createWorld(spec({ iommu: false }));
    expect(api.dma_get_merge_boundary(direct, direct.dev)).toBe(0n);
    expect(api.dma_need_unmap(direct, direct.dev)).toBe(false);
    const untrusted = createWorld(spec({ untrusted: true }));
    expect(api.dma_max_mapping_size(untrusted, untrusted.dev)).toBe(0x40000n - 0x1000n);
  });
});

describe('masks', () => {
  it('dma_get_mask defaults to 32 bits and follows dma_set_mask', () => {
    const w = createWorld(spec({ mask: 0, coherentMask: 0 }));
    expect(api.dma_get_mask(w, w.dev)).toBe(0xffffffffn);
    expect(api.dma_set_mask_and_coherent(w, w.dev, (1n << 39n) - 1n)).toBe(0n);
    expect(api.dma_get_mask(w, w.dev)).toBe((1n << 39n) - 1n);
    expect(w.dev.coherentDmaMask).toBe((1n << 39n) - 1n);
  });

  it('a device without an IOMMU rejects masks narrower than ZONE_DMA (-EIO) and keeps its mask', () => {
    const w = createWorld(spec({ iommu: false, mask: 32 }));
    expect(api.dma_set_mask(w, w.dev, 0xfffffn)).toBe(-EIO);
    expect(api.dma_set_mask_and_coherent(w, w.dev, 0xfffffn)).toBe(-EIO);
    expect(api.dma_get_mask(w, w.dev)).toBe(0xffffffffn);
    expect(api.dma_set_coherent_mask(w, w.dev, 0xffffffn)).toBe(0n);
  });

  it('the streaming mask bounds IOVA allocation; the coherent mask does not', () => {
    const w = createWorld(spec({ pci: false, mask: 39, coherentMask: 32 }));
    const st = w.newState();
    api.dma_iova_try_alloc(w, w.dev, st, 0n, 0x1000n);
    expect(st.addr).toBe((1n << 39n) - 0x1000n);
  });

  it('DMA_BIT_MASK over its range, and outside it with an info event', () => {
    const w = createWorld(spec());
    expect(api.DMA_BIT_MASK(w, 39n)).toBe((1n << 39n) - 1n);
    expect(api.DMA_BIT_MASK(w, 64n)).toBe((1n << 64n) - 1n);
    expect(api.DMA_BIT_MASK(w, 0n)).toBe(0n);
    expect(w.trace.at(-1)!.events[0]!.message).toContain('not meaningful');
  });
});

describe('iova.h helpers', () => {
  it('iova_offset, iova_align (with its wrap), iova_unaligned, shift, mask, pfn', () => {
    const w = createWorld(spec({ granule: 65536 }));
    const iovad = w.dev.domain!.iovad;
    expect(api.iova_offset(w, iovad, 0x1_2345_6789n)).toBe(0x6789n);
    expect(api.iova_align(w, iovad, 0x10001n)).toBe(0x20000n);
    expect(api.iova_unaligned(w, iovad, 0x10000n, 0x10000n)).toBe(0n);
    expect(api.iova_unaligned(w, iovad, 0x10000n, 0x10010n)).toBe(0x10n);
    expect(api.iova_shift(w, iovad)).toBe(16n);
    expect(api.iova_mask(w, iovad)).toBe(0xffffn);
    expect(api.iova_pfn(w, iovad, 0x1_0003_0000n)).toBe(0x10003n);
    expect(w.breaches).toEqual([]);
    const w32 = createWorld(spec({ arch: 32 }));
    expect(api.iova_align(w32, w32.dev.domain!.iovad, 0xffff_f001n)).toBe(0n);
    expect(w32.primaryInvariants()).toEqual(['size-no-wrap']);
  });
});
