// The IOMMU page table (__iommu_map/__iommu_unmap semantics) and the swiotlb pool.
import { describe, expect, it } from 'vitest';
import { EEXIST, EINVAL } from '../../model/index.js';
import { IommuPageTable } from '../../model/page-table.js';
import { SwiotlbPool } from '../../model/swiotlb.js';

describe('IommuPageTable', () => {
  it('rejects unaligned iova, paddr or size with -EINVAL', () => {
    const pt = new IommuPageTable(4096n, true);
    expect(pt.map(0x1000n, 0x2001n, 0x1000n, 3n, true)).toMatchObject({ ret: -EINVAL, reason: 'unaligned' });
    expect(pt.map(0x1800n, 0x2000n, 0x1000n, 3n, true)).toMatchObject({ ret: -EINVAL, reason: 'unaligned' });
    expect(pt.map(0x1000n, 0x2000n, 0x800n, 3n, true)).toMatchObject({ ret: -EINVAL, reason: 'unaligned' });
    expect(pt.all()).toEqual([]);
  });

  it('rejects zero-length maps (iommupt) or accepts them as no-ops (older page tables)', () => {
    expect(new IommuPageTable(4096n, true).map(0x1000n, 0x2000n, 0n, 3n, true).ret).toBe(-EINVAL);
    expect(new IommuPageTable(4096n, false).map(0x1000n, 0x2000n, 0n, 3n, true).ret).toBe(0n);
  });

  it('rejects overlapping maps with -EEXIST and leaves the table as it was', () => {
    const pt = new IommuPageTable(4096n, true);
    expect(pt.map(0x10000n, 0x40000n, 0x3000n, 3n, true).ret).toBe(0n);
    expect(pt.map(0x12000n, 0x80000n, 0x2000n, 3n, true)).toMatchObject({ ret: -EEXIST, reason: 'overlap' });
    expect(pt.mappedBytesIn(0x10000n, 0x10000n)).toBe(0x3000n);
  });

  it('translates, unmaps what is there and reports the bytes unmapped', () => {
    const pt = new IommuPageTable(4096n, true);
    pt.map(0x10000n, 0x40000n, 0x3000n, 3n, false);
    expect(pt.iovaToPhys(0x11234n)).toBe(0x41234n);
    expect(pt.iovaToPhys(0x13000n)).toBe(0n);
    // Unmapping 4 granules from the start stops at the first hole (3 mapped).
    expect(pt.unmap(0x10000n, 0x4000n)).toBe(0x3000n);
    expect(pt.unmap(0x10000n, 0x1000n)).toBe(0n);
    expect(pt.unmap(0x10800n, 0x1000n)).toBe(0n); // unaligned
  });

  it('splits extents on partial unmap and partial sync, granule by granule', () => {
    const pt = new IommuPageTable(4096n, true);
    pt.map(0x10000n, 0x40000n, 0x4000n, 3n, false);
    pt.syncRange(0x11000n, 0x1000n);
    expect(pt.all().map((e) => [e.iova, e.synced])).toEqual([
      [0x10000n, false],
      [0x11000n, true],
      [0x12000n, false],
    ]);
    expect(pt.unmap(0x11000n, 0x2000n)).toBe(0x2000n);
    expect(pt.iovaToPhys(0x13000n)).toBe(0x43000n);
    expect(pt.iovaToPhys(0x12000n)).toBe(0n);
  });

  it('handles a mapping of several GiB without per-granule cost', () => {
    const pt = new IommuPageTable(4096n, true);
    expect(pt.map(1n << 40n, 0n, 1n << 36n, 3n, true).ret).toBe(0n);
    expect(pt.iovaToPhys((1n << 40n) + 0x123456789n)).toBe(0x123456789n);
    expect(pt.unmap(1n << 40n, 1n << 36n)).toBe(1n << 36n);
  });
});

describe('SwiotlbPool', () => {
  it('keeps the in-granule offset covered by min_align_mask and aligns the slot to alloc_align_mask', () => {
    const pool = new SwiotlbPool(0x7c000000n, 64n << 20n, true);
    const s = pool.map(0x12345234n, 0x100n, 0xfffn, 0xfffn);
    expect(typeof s).toBe('object');
    if (typeof s === 'string') return;
    expect(s.tlbAddr).toBe(0x7c000234n);
    const t = pool.map(0x9999n, 0x10n, 0xfffn, 0xfffn);
    if (typeof t === 'string') throw new Error(t);
    expect(t.tlbAddr & 0xfffn).toBe(0x999n);
    expect(t.tlbAddr).toBe(0x7c001999n); // the next 4K-aligned free run
  });

  it('keeps no offset without a min_align_mask (the offset swiotlb_align_offset keeps is masked by it)', () => {
    const pool = new SwiotlbPool(0x7c000000n, 1n << 20n, true);
    const s = pool.map(0x12345234n, 0x100n, 0xfffn, 0n);
    if (typeof s === 'string') throw new Error(s);
    expect(s.tlbAddr).toBe(0x7c000000n);
  });

  it('fails for mappings beyond IO_TLB_SEGSIZE slots and when inactive', () => {
    const pool = new SwiotlbPool(0x7c000000n, 64n << 20n, true);
    expect(pool.map(0n, 0x40001n, 0n, 0n)).toBe('too-large');
    expect(new SwiotlbPool(0n, 0n, false).map(0n, 0x10n, 0n, 0n)).toBe('inactive');
  });

  it('fails when full and reuses released slots', () => {
    const pool = new SwiotlbPool(0x7c000000n, 0x2000n, true);
    const a = pool.map(0x1000n, 0x1000n, 0xfffn, 0n);
    const b = pool.map(0x2000n, 0x1000n, 0xfffn, 0n);
    expect(pool.map(0x3000n, 0x100n, 0xfffn, 0n)).toBe('full');
    if (typeof a === 'string' || typeof b === 'string') throw new Error('map failed');
    pool.release(a);
    const c = pool.map(0x3000n, 0x100n, 0xfffn, 0n);
    if (typeof c === 'string') throw new Error(c);
    expect(c.slotIndex).toBe(a.slotIndex);
    expect(pool.liveSlotHolding(c.tlbAddr)).toBe(c);
  });
});
