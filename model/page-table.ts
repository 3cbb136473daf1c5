// An IOMMU page table at granule resolution: IOVA → physical address with protection bits, plus
// whether the IOTLB has been synced since the entry was written (iommu_map syncs at once,
// iommu_map_nosync leaves that to iommu_sync_map). Entries are kept as extents (runs of granules
// mapped to contiguous physical memory by one call) so that huge mappings cost nothing; every
// operation splits extents at granule boundaries exactly as per-granule entries would behave.
// The error behaviour is that of __iommu_map / __iommu_unmap (drivers/iommu/iommu.c) over an
// iommupt-style table that rejects zero lengths.
import { EEXIST, EINVAL } from './kconst.js';

export interface PageTableExtent {
  /** First IOVA (granule aligned). */
  iova: bigint;
  /** Bytes (a granule multiple, > 0). */
  size: bigint;
  /** Physical address of the first byte (granule aligned). */
  phys: bigint;
  prot: bigint;
  /** The IOTLB has seen these entries (iommu_map, or a covering iommu_sync_map). */
  synced: boolean;
  /** Which map call wrote it. */
  mapId: number;
}

export interface MapOutcome {
  /** 0 or a negative errno, as __iommu_map returns. */
  ret: bigint;
  reason?: 'unaligned' | 'zero-length' | 'overlap';
  mapId?: number;
}

export class IommuPageTable {
  readonly granule: bigint;
  /** Sorted by iova, never overlapping. */
  private extents: PageTableExtent[] = [];
  private nextMapId = 1;
  /** iommupt (Linux 2026) rejects a zero-length map; older io-pgtable code returned 0 for it. */
  readonly rejectsZeroLength: boolean;

  constructor(granule: bigint, rejectsZeroLength: boolean) {
    this.granule = granule;
    this.rejectsZeroLength = rejectsZeroLength;
  }

  all(): readonly PageTableExtent[] {
    return this.extents;
  }

  private aligned(v: bigint): boolean {
    return (v & (this.granule - 1n)) === 0n;
  }

  /** Extents overlapping [iova, iova + size). */
  overlapping(iova: bigint, size: bigint): PageTableExtent[] {
    const end = iova + size;
    return this.extents.filter((e) => e.iova < end && e.iova + e.size > iova);
  }

  /** __iommu_map: alignment of iova|paddr|size, zero length, overlap, then the entries. */
  map(iova: bigint, paddr: bigint, size: bigint, prot: bigint, synced: boolean): MapOutcome {
    if (!this.aligned(iova | paddr | size)) return { ret: -EINVAL, reason: 'unaligned' };
    if (size === 0n) return this.rejectsZeroLength ? { ret: -EINVAL, reason: 'zero-length' } : { ret: 0n };
    // A partly written map is unrolled by __iommu_map, so checking first gives the same end state.
    if (this.overlapping(iova, size).length > 0) return { ret: -EEXIST, reason: 'overlap' };
    const mapId = this.nextMapId++;
    this.extents.push({ iova, size, phys: paddr, prot, synced, mapId });
    this.extents.sort((a, b) => (a.iova < b.iova ? -1 : 1));
    return { ret: 0n, mapId };
  }

  /** Splits extents so that `at` (granule aligned) is an extent boundary. */
  private splitAt(at: bigint): void {
    const i = this.extents.findIndex((e) => e.iova < at && e.iova + e.size > at);
    if (i < 0) return;
    const e = this.extents[i]!;
    const headSize = at - e.iova;
    const tail: PageTableExtent = { ...e, iova: at, size: e.size - headSize, phys: e.phys + headSize };
    this.extents.splice(i, 1, { ...e, size: headSize }, tail);
  }

  /**
   * __iommu_unmap: bytes unmapped, walking up from iova until `size` bytes are gone or an unmapped
   * granule stops it; 0 for an unaligned request.
   */
  unmap(iova: bigint, size: bigint): bigint {
    if (!this.aligned(iova | size) || size === 0n) return 0n;
    let cursor = iova;
    const end = iova + size;
    this.splitAt(iova);
    this.splitAt(end);
    for (;;) {
      if (cursor >= end) break;
      const i = this.extents.findIndex((e) => e.iova === cursor);
      if (i < 0) break;
      cursor += this.extents[i]!.size;
      this.extents.splice(i, 1);
    }
    return cursor - iova;
  }

  /** iommu_iova_to_phys: 0 when unmapped. */
  iovaToPhys(iova: bigint): bigint {
    const e = this.extentAt(iova);
    return e ? e.phys + (iova - e.iova) : 0n;
  }

  extentAt(iova: bigint): PageTableExtent | undefined {
    return this.extents.find((e) => iova >= e.iova && iova < e.iova + e.size);
  }

  /** iommu_sync_map over [iova, iova + size), rounded out to granules. */
  syncRange(iova: bigint, size: bigint): void {
    if (size === 0n) return;
    const start = iova & ~(this.granule - 1n);
    const end = (iova + size + this.granule - 1n) & ~(this.granule - 1n);
    this.splitAt(start);
    this.splitAt(end);
    for (const e of this.extents) if (e.iova >= start && e.iova + e.size <= end) e.synced = true;
  }

  /** Bytes of [iova, iova + size) that are mapped. */
  mappedBytesIn(iova: bigint, size: bigint): bigint {
    let total = 0n;
    const end = iova + size;
    for (const e of this.overlapping(iova, size)) {
      const lo = e.iova > iova ? e.iova : iova;
      const hi = e.iova + e.size < end ? e.iova + e.size : end;
      total += hi - lo;
    }
    return total;
  }
}
