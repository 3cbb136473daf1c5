// Worked examples of the two-step IOVA API, with the reference's numbers and the defects it lists.
import { describe, expect, it } from 'vitest';
import {
  DMA_ATTR_MMIO,
  DMA_ATTR_REQUIRE_COHERENT,
  DMA_ATTR_SKIP_CPU_SYNC,
  DMA_BIDIRECTIONAL,
  DMA_FROM_DEVICE,
  DMA_TO_DEVICE,
  EIO,
  EINVAL,
  EOPNOTSUPP,
  EPERM,
  IOMMU_MMIO,
  KERNEL_PROFILES,
  api,
  assertPublished,
  createWorld,
} from '../../model/index.js';
import { invariantsOf, spec } from './helpers.js';

const BIDI = DMA_BIDIRECTIONAL;

describe('dma_iova_try_alloc / dma_iova_free: the reference worked example', () => {
  // granule 4 KiB, phys offset 0x234, size 0x2000
  it('reserves align(0x2000 + 0x234) = 3 granules; the allocator takes 4 (power-of-two roundup); state->addr = base + 0x234', () => {
    const w = createWorld(spec());
    const st = w.newState();
    expect(api.dma_iova_try_alloc(w, w.dev, st, 0x1234_5234n, 0x2000n)).toBe(true);
    const r = w.reservations[0]!;
    expect(r.granules).toBe(3n); // what dma-iommu asked for and must free
    expect(r.taken).toBe(4n); // what alloc_iova_fast took: roundup_pow_of_two(3)
    expect(r.base % 0x4000n).toBe(0n); // naturally aligned to the rounded size
    expect(r.base).toBe(0xffffc000n); // PCI: top of the 32-bit space first
    expect(st.addr).toBe(r.base + 0x234n);
    expect(st.rawSize).toBe(0x2000n);
    expect(api.dma_iova_size(w, st)).toBe(0x2000n);
    expect(api.dma_use_iova(w, st)).toBe(true);
  });

  it('links the buffer so that byte k is at state->addr + k, and dma_iova_free releases exactly those 3 granules', () => {
    const w = createWorld(spec());
    const st = w.newState();
    api.dma_iova_try_alloc(w, w.dev, st, 0x1234_5234n, 0x2000n);
    expect(api.dma_iova_link(w, w.dev, st, 0x1234_5234n, 0n, 0x2000n, BIDI, 0n)).toBe(0n);
    const pt = w.dev.domain!.pageTable;
    for (const k of [0n, 1n, 0xdcbn, 0xdccn, 0x1fffn]) expect(pt.iovaToPhys(st.addr + k)).toBe(0x1234_5234n + k);
    expect(pt.mappedBytesIn(0xffffc000n, 0x4000n)).toBe(0x3000n);
    expect(api.dma_iova_sync(w, w.dev, st, 0n, 0x2000n)).toBe(0n);
    expect(assertPublished(w, w.dev, { state: st })).toEqual([]);
    api.dma_iova_unlink(w, w.dev, st, 0n, 0x2000n, BIDI, 0n);
    api.dma_iova_free(w, w.dev, st);
    const free = w.trace.at(-1)!.events.find((e) => e.what === 'iommu_dma_free_iova')!;
    expect(free.message).toContain('iova=0xffffc000, size=0x3000');
    expect(w.breaches).toEqual([]);
    expect(w.teardown()).toEqual([]);
    // The freed range sits in the order-2 cache and comes back for the same request.
    const st2 = w.newState();
    api.dma_iova_try_alloc(w, w.dev, st2, 0x1234_5234n, 0x2000n);
    expect(st2.addr).toBe(0xffffc234n);
  });

  it('returns false with a WARN for size 0 and for bit 63, leaving the state zeroed', () => {
    const w = createWorld(spec());
    const st = w.newState();
    expect(api.dma_iova_try_alloc(w, w.dev, st, 0n, 0n)).toBe(false);
    expect(api.dma_iova_try_alloc(w, w.dev, st, 0n, 1n << 63n)).toBe(false);
    expect(w.warnings().map((x) => x.condition)).toEqual(['!size', '(u64)size & DMA_IOVA_USE_SWIOTLB']);
    expect([st.addr, st.rawSize]).toEqual([0n, 0n]);
    expect(w.reservations).toEqual([]);
  });

  it('returns false without a WARN when the device has no DMA-IOMMU domain', () => {
    const w = createWorld(spec({ iommu: false }));
    const st = w.newState();
    expect(api.dma_iova_try_alloc(w, w.dev, st, 0n, 0x1000n)).toBe(false);
    expect(w.warnings()).toEqual([]);
  });

  it('clears a stale state even when it then fails (the memset comes first)', () => {
    const w = createWorld(spec());
    const st = w.newState();
    api.dma_iova_try_alloc(w, w.dev, st, 0n, 0x1000n);
    api.dma_iova_free(w, w.dev, st);
    expect(api.dma_use_iova(w, st)).toBe(true); // D1: nothing clears it after free
    api.dma_iova_try_alloc(w, w.dev, st, 0n, 0n);
    expect(api.dma_use_iova(w, st)).toBe(false);
  });
});

describe('32-bit size_t (D10, D23)', () => {
  const s32 = spec({ arch: 32, mask: 32, coherentMask: 32 });

  it('the bit-63 guard is dead: a u64 size with bit 63 set is truncated to size_t first', () => {
    const w = createWorld(s32);
    const st = w.newState();
    expect(api.dma_iova_try_alloc(w, w.dev, st, 0n, (1n << 63n) | 0x1000n)).toBe(true);
    expect(st.rawSize).toBe(0x1000n);
    expect(w.warnings()).toEqual([]);
  });

  it('size + pad wraps in iova_align: a 4 GiB - 4 KiB buffer at offset 0x234 gets a 1-granule reservation (D23)', () => {
    const w = createWorld(s32);
    const st = w.newState();
    expect(api.dma_iova_try_alloc(w, w.dev, st, 0x1000_0234n, 0xffff_f000n)).toBe(true);
    expect(w.breaches.map((b) => [b.invariant, b.data.primary])).toEqual([
      ['size-no-wrap', 'true'],
      ['alloc-nonzero', 'false'],
      ['reservation-covers-buffer', 'false'],
    ]);
    const r = w.reservations[0]!;
    expect([r.granules, r.taken]).toEqual([0n, 1n]);
    // A later link of the second page maps IOVA outside the reservation: base + 0x1000 is
    // 0x100000000, which iommu_map's unsigned long iova truncates to IOVA 0.
    expect(api.dma_iova_link(w, w.dev, st, 0x2000_0000n, 0x1000n - 0x234n, 0x1000n, BIDI, 0n)).toBe(0n);
    expect(w.breachesSince(1).map((b) => b.invariant)).toEqual(['link-in-reservation', 'mapping-covers-buffer']);
    expect(w.dev.domain!.pageTable.iovaToPhys(0n)).toBe(0x2000_0000n);
  });

  it('size + pad wraps at the addition itself', () => {
    const w = createWorld(s32);
    const st = w.newState();
    api.dma_iova_try_alloc(w, w.dev, st, 0x234n, 0xffff_ff00n);
    expect(w.reservations[0]!.granules).toBe(1n); // (0xffffff00 + 0x234) mod 2^32 = 0x134 → 1 granule
    expect(w.primaryInvariants()).toEqual(['size-no-wrap']);
  });

  it('the same buffer on 64-bit reserves what it needs', () => {
    const w = createWorld(spec());
    const st = w.newState();
    expect(api.dma_iova_try_alloc(w, w.dev, st, 0x1000_0234n, 0xffff_f000n)).toBe(true);
    expect(w.reservations[0]!.granules).toBe(0x100000n);
    expect(w.breaches).toEqual([]);
  });

  it('with `size_t __size` (series v0–v5) the swiotlb flag is lost and bounce slots leak; with u64 they do not (D10)', () => {
    const run = (sizeIsSizeT: boolean): string[] => {
      const w = createWorld(spec({ arch: 32, untrusted: true, mask: 32, coherentMask: 32 }), { features: { stateSizeIsSizeT: sizeIsSizeT } });
      const st = w.newState();
      api.dma_iova_try_alloc(w, w.dev, st, 0x1000_0100n, 0x2000n);
      expect(api.dma_iova_link(w, w.dev, st, 0x1000_0100n, 0n, 0x2000n, BIDI, 0n)).toBe(0n);
      api.dma_iova_sync(w, w.dev, st, 0n, 0x2000n);
      api.dma_iova_destroy(w, w.dev, st, 0x2000n, BIDI, 0n);
      return w.teardown().map((b) => b.data.kind!);
    };
    expect(run(false)).toEqual([]);
    expect(run(true)).toEqual(['bounce', 'bounce']);
  });
});

describe('dma_iova_link guards and caller-side invariants', () => {
  function allocated(over = {}, phys = 0x1000_0000n, size = 0x4000n) {
    const w = createWorld(spec(over));
    const st = w.newState();
    api.dma_iova_try_alloc(w, w.dev, st, phys, size);
    return { w, st };
  }

  it('WARNs and returns -EIO for an unaligned phys at a non-zero offset (no breach: the kernel stopped it)', () => {
    const { w, st } = allocated();
    expect(api.dma_iova_link(w, w.dev, st, 0x2000_0010n, 0x1000n, 0x1000n, BIDI, 0n)).toBe(-EIO);
    expect(w.warnings().map((x) => x.condition)).toEqual(['iova_start_pad && offset > 0']);
    expect(w.breaches).toEqual([]);
  });

  it('first-link-offset: the phys at offset 0 must carry try_alloc\'s offset', () => {
    const { w, st } = allocated({}, 0x1000_0234n, 0x2000n);
    expect(api.dma_iova_link(w, w.dev, st, 0x1000_0000n, 0n, 0x1000n, BIDI, 0n)).toBe(-EINVAL);
    expect(w.primaryInvariants()).toEqual(['first-link-offset']);
  });

  it('later-link-aligned: an aligned phys at an unaligned IOVA offset (D6) fails in iommu_map', () => {
    const { w, st } = allocated();
    expect(api.dma_iova_link(w, w.dev, st, 0x2000_0000n, 0x800n, 0x1000n, BIDI, 0n)).toBe(-EINVAL);
    expect(w.primaryInvariants()).toEqual(['later-link-aligned']);
  });

  it('later-link-aligned: a link that ends mid-granule may not be followed by another', () => {
    const { w, st } = allocated();
    expect(api.dma_iova_link(w, w.dev, st, 0x2000_0000n, 0n, 0x800n, BIDI, 0n)).toBe(0n);
    expect(w.breaches).toEqual([]);
    api.dma_iova_link(w, w.dev, st, 0x3000_0000n, 0x1000n, 0x1000n, BIDI, 0n);
    expect(w.primaryInvariants()).toEqual(['later-link-aligned']);
  });

  it('link-in-reservation: offset + size beyond dma_iova_size is not checked by the kernel, but breaches', () => {
    const { w, st } = allocated();
    expect(api.dma_iova_link(w, w.dev, st, 0x2000_0000n, 0x4000n, 0x1000n, BIDI, 0n)).toBe(0n);
    expect(w.primaryInvariants()).toEqual(['link-in-reservation']);
  });

  it('a 0-length link reaches the page table (alloc-nonzero) and fails there', () => {
    const { w, st } = allocated();
    expect(api.dma_iova_link(w, w.dev, st, 0x2000_0000n, 0n, 0n, BIDI, 0n)).toBe(-EINVAL);
    expect(w.primaryInvariants()).toEqual(['alloc-nonzero']);
  });

  it('DMA_ATTR_MMIO maps with IOMMU_MMIO and no CPU sync; refuses swiotlb with -EPERM', () => {
    const { w, st } = allocated({ coherent: false });
    expect(api.dma_iova_link(w, w.dev, st, 0x2000_0000n, 0n, 0x1000n, DMA_TO_DEVICE, DMA_ATTR_MMIO)).toBe(0n);
    const e = w.dev.domain!.pageTable.extentAt(st.addr)!;
    expect(e.prot & IOMMU_MMIO).toBe(IOMMU_MMIO);
    expect(w.trace.at(-1)!.events.some((x) => x.what === 'arch_sync_dma_for_device')).toBe(false);
    const u = allocated({ untrusted: true });
    expect(api.dma_iova_link(u.w, u.w.dev, u.st, 0x2000_0010n, 0n, 0x100n, DMA_TO_DEVICE, DMA_ATTR_MMIO)).toBe(-EPERM);
  });

  it('DMA_ATTR_REQUIRE_COHERENT: -EOPNOTSUPP on a non-coherent device, -EPERM where swiotlb would be needed', () => {
    const { w, st } = allocated({ coherent: false });
    expect(api.dma_iova_link(w, w.dev, st, 0x2000_0000n, 0n, 0x1000n, BIDI, DMA_ATTR_REQUIRE_COHERENT)).toBe(-EOPNOTSUPP);
    const u = allocated({ untrusted: true });
    expect(api.dma_iova_link(u.w, u.w.dev, u.st, 0x2000_0010n, 0n, 0x100n, BIDI, DMA_ATTR_REQUIRE_COHERENT)).toBe(-EPERM);
  });

  it('a non-coherent device syncs CPU caches on link and on unlink (slow path)', () => {
    const { w, st } = allocated({ coherent: false });
    api.dma_iova_link(w, w.dev, st, 0x2000_0000n, 0n, 0x2000n, DMA_FROM_DEVICE, 0n);
    expect(w.trace.at(-1)!.events.some((x) => x.what === 'arch_sync_dma_for_device')).toBe(true);
    api.dma_iova_unlink(w, w.dev, st, 0n, 0x2000n, DMA_FROM_DEVICE, 0n);
    expect(w.trace.at(-1)!.events.some((x) => x.what === 'arch_sync_dma_for_cpu')).toBe(true);
    api.dma_iova_unlink(w, w.dev, st, 0n, 0x2000n, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
    expect(w.primaryInvariants()).toEqual(['no-double-free']);
  });
});

describe('the swiotlb link path: head / middle / tail (D5)', () => {
  // Link 1 bounces the head [0, 0xf00) of a buffer at offset 0x100; link 2 (offset 0xf00) is 0x800
  // bytes of aligned phys: no head, an empty aligned middle, a 0x800-byte tail.
  function d5(profile: 'v7.1' | 'v7.0') {
    const w = createWorld(spec({ untrusted: true }), { features: KERNEL_PROFILES[profile] });
    const st = w.newState();
    api.dma_iova_try_alloc(w, w.dev, st, 0x1000_0100n, 0x1700n);
    expect(api.dma_iova_link(w, w.dev, st, 0x1000_0100n, 0n, 0xf00n, BIDI, 0n)).toBe(0n);
    const ret = api.dma_iova_link(w, w.dev, st, 0x2000_0000n, 0xf00n, 0x800n, BIDI, 0n);
    return { w, st, ret };
  }

  it('bounces the head into a slot that keeps the in-granule offset and sets the sticky flag', () => {
    const w = createWorld(spec({ untrusted: true }));
    const st = w.newState();
    api.dma_iova_try_alloc(w, w.dev, st, 0x1000_0100n, 0x1700n);
    api.dma_iova_link(w, w.dev, st, 0x1000_0100n, 0n, 0xf00n, BIDI, 0n);
    const slot = w.pool.live()[0]!;
    expect(slot.tlbAddr & 0xfffn).toBe(0x100n);
    expect(w.dev.domain!.pageTable.iovaToPhys(st.addr)).toBe(slot.tlbAddr);
    expect(st.rawSize).toBe((1n << 63n) | 0x1700n);
    expect(api.dma_iova_size(w, st)).toBe(0x1700n);
  });

  it('with the 2026 fix (6ec91df8aff7): skips the empty middle and bounces the tail', () => {
    const { w, st, ret } = d5('v7.1');
    expect(ret).toBe(0n);
    expect(w.breaches).toEqual([]);
    expect(w.pool.live()).toHaveLength(2);
    api.dma_iova_sync(w, w.dev, st, 0n, 0x1700n);
    api.dma_iova_destroy(w, w.dev, st, 0x1700n, BIDI, 0n);
    expect(w.breaches).toEqual([]);
    expect(w.teardown()).toEqual([]);
  });

  it('before the fix: the 0-length middle fails in iommupt and the unwind from offset 0 tears down link 1', () => {
    const { w, ret } = d5('v7.0');
    expect(ret).toBe(-EINVAL);
    expect(w.breaches.map((b) => [b.invariant, b.data.primary])).toEqual([
      ['alloc-nonzero', 'true'],
      ['unlink-mirrors-link', 'false'],
    ]);
    expect(w.pool.live()).toEqual([]); // link 1's bounce slot was released by the unwind
    expect(w.dev.domain!.pageTable.all()).toEqual([]); // and its mapping removed
  });

  it('before iommupt (0-length maps accepted) the unfixed code happens to work', () => {
    const w = createWorld(spec({ untrusted: true }), { features: KERNEL_PROFILES['v6.16'] });
    const st = w.newState();
    api.dma_iova_try_alloc(w, w.dev, st, 0x1000_0100n, 0x1700n);
    api.dma_iova_link(w, w.dev, st, 0x1000_0100n, 0n, 0xf00n, BIDI, 0n);
    expect(api.dma_iova_link(w, w.dev, st, 0x2000_0000n, 0xf00n, 0x800n, BIDI, 0n)).toBe(0n);
    expect(w.primaryInvariants()).toEqual(['alloc-nonzero']);
  });

  it('a 16 KiB granule with an NVMe-like min_align_mask (0xfff) cannot keep a 0x2100 head offset: the head link fails with -EINVAL', () => {
    const w = createWorld(spec({ untrusted: true, granule: 16384 }));
    const st = w.newState();
    api.dma_iova_try_alloc(w, w.dev, st, 0x1000_2100n, 0x3000n);
    expect(api.dma_iova_link(w, w.dev, st, 0x1000_2100n, 0n, 0x3000n, BIDI, 0n)).toBe(-EINVAL);
    expect(w.pool.live()).toEqual([]);
    expect(w.breaches).toEqual([]);
  });
});

describe('unlink, destroy and free mirror what was linked and allocated', () => {
  function twoLinks() {
    const w = createWorld(spec());
    const st = w.newState();
    api.dma_iova_try_alloc(w, w.dev, st, 0n, 0x4000n);
    api.dma_iova_link(w, w.dev, st, 0x1000_0000n, 0n, 0x2000n, BIDI, 0n);
    api.dma_iova_link(w, w.dev, st, 0x2000_0000n, 0x2000n, 0x2000n, BIDI, 0n);
    api.dma_iova_sync(w, w.dev, st, 0n, 0x4000n);
    return { w, st };
  }

  it('unlinking the links one by one and freeing is clean', () => {
    const { w, st } = twoLinks();
    api.dma_iova_unlink(w, w.dev, st, 0x2000n, 0x2000n, BIDI, 0n);
    api.dma_iova_unlink(w, w.dev, st, 0n, 0x2000n, BIDI, 0n);
    api.dma_iova_free(w, w.dev, st);
    expect([...w.breaches, ...w.teardown()]).toEqual([]);
  });

  it('an unlink that splits a link, uses another direction or attrs, or covers nothing linked breaches unlink-mirrors-link', () => {
    for (const [off, size, dir, attrs] of [
      [0n, 0x1000n, BIDI, 0n],
      [0n, 0x2000n, DMA_TO_DEVICE, 0n],
      [0n, 0x2000n, BIDI, DMA_ATTR_MMIO],
    ] as const) {
      const { w, st } = twoLinks();
      api.dma_iova_unlink(w, w.dev, st, off, size, dir, attrs);
      expect(w.primaryInvariants()).toEqual(['unlink-mirrors-link']);
    }
    const { w, st } = twoLinks();
    api.dma_iova_unlink(w, w.dev, st, 0n, 0x2000n, BIDI, 0n);
    api.dma_iova_unlink(w, w.dev, st, 0n, 0x2000n, BIDI, 0n);
    expect(w.primaryInvariants()).toEqual(['no-double-free']);
  });

  it('dma_iova_destroy(S) is clean; destroy with a shorter length frees less than was reserved (D4)', () => {
    const ok = twoLinks();
    api.dma_iova_destroy(ok.w, ok.w.dev, ok.st, 0x4000n, BIDI, 0n);
    expect([...ok.w.breaches, ...ok.w.teardown()]).toEqual([]);

    const w = createWorld(spec());
    const st = w.newState();
    api.dma_iova_try_alloc(w, w.dev, st, 0n, 0x4000n);
    api.dma_iova_link(w, w.dev, st, 0x1000_0000n, 0n, 0x1000n, BIDI, 0n); // the error path after one link
    api.dma_iova_destroy(w, w.dev, st, 0x1000n, BIDI, 0n);
    expect(w.breaches.map((b) => [b.invariant, b.data.sameOrder])).toEqual([['free-mirrors-alloc', 'false']]);
  });

  it('destroy(mapped_len) must cover every link; destroy(0) with links left breaches too', () => {
    const a = twoLinks();
    api.dma_iova_destroy(a.w, a.w.dev, a.st, 0x2000n, BIDI, 0n);
    expect(a.w.primaryInvariants()[0]).toBe('unlink-mirrors-link');
    const b = twoLinks();
    api.dma_iova_destroy(b.w, b.w.dev, b.st, 0n, BIDI, 0n);
    expect(invariantsOf(b.w.breaches)).toEqual(['no-leak', 'unlink-mirrors-link']);
    expect(b.w.primaryInvariants()).toEqual(['unlink-mirrors-link']);
  });

  it('free with links still mapped leaves stale translations (no-leak); a second free is no-double-free', () => {
    const { w, st } = twoLinks();
    api.dma_iova_free(w, w.dev, st);
    expect(w.primaryInvariants()).toEqual(['no-leak']);
    api.dma_iova_free(w, w.dev, st);
    expect(w.primaryInvariants()).toEqual(['no-leak', 'no-double-free']);
  });

  it('a destroyed state reused without try_alloc (D1) is a double free; a never-allocated one is state-live', () => {
    const { w, st } = twoLinks();
    api.dma_iova_destroy(w, w.dev, st, 0x4000n, BIDI, 0n);
    expect(api.dma_use_iova(w, st)).toBe(true);
    api.dma_iova_destroy(w, w.dev, st, 0x4000n, BIDI, 0n);
    expect(w.primaryInvariants()).toEqual(['no-double-free']);
    const fresh = w.newState();
    api.dma_iova_sync(w, w.dev, fresh, 0n, 0x1000n);
    expect(w.primaryInvariants()).toEqual(['no-double-free', 'state-live']);
  });

  it('leaks are found at teardown, one breach per leaked object', () => {
    const { w } = twoLinks();
    const leaks = w.teardown();
    expect(leaks.map((b) => b.data.kind)).toEqual(['reservation', 'mapping', 'mapping']);
    expect(w.teardown()).toEqual([]);
  });
});

describe('dma_iova_sync and publishing', () => {
  it('links not synced when success is returned breach sync-before-publish', () => {
    const w = createWorld(spec());
    const st = w.newState();
    api.dma_iova_try_alloc(w, w.dev, st, 0n, 0x2000n);
    api.dma_iova_link(w, w.dev, st, 0x1000_0000n, 0n, 0x2000n, BIDI, 0n);
    expect(assertPublished(w, w.dev, { state: st }).map((b) => b.invariant)).toEqual(['sync-before-publish']);
    api.dma_iova_sync(w, w.dev, st, 0n, 0x1000n);
    expect(assertPublished(w, w.dev, { state: st }).map((b) => b.invariant)).toEqual(['sync-before-publish']);
    api.dma_iova_sync(w, w.dev, st, 0x1000n, 0x1000n);
    expect(assertPublished(w, w.dev, { state: st })).toEqual([]);
  });
});
