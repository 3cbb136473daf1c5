// Which kernel the model behaves as. The default is mainline after the June 2026 swiotlb fix
// (6ec91df8aff7) on an iommupt page table; switches reproduce earlier behaviour on purpose.

export interface KernelFeatures {
  /** 6ec91df8aff7: skip an empty aligned middle in iommu_dma_iova_link_swiotlb and unwind from `offset` (D5). */
  swiotlbEmptyMiddleFix: boolean;
  /** iommupt (d6c65b0fd621) rejects zero-length maps with -EINVAL; older page tables returned 0. */
  pageTableRejectsZeroLength: boolean;
  /** v6.18: DMA_ATTR_MMIO gives IOMMU_MMIO, skips CPU syncs and refuses swiotlb (-EPERM). */
  mmioAttr: boolean;
  /** v7.x (Mar 2026): DMA_ATTR_REQUIRE_COHERENT checks in dma_iova_link and dma_map_phys. */
  requireCoherentAttr: boolean;
  /** v0–v5 of the series: `size_t __size` (the swiotlb flag is lost on 32-bit, D10). */
  stateSizeIsSizeT: boolean;
  /** Dec 2025 batching: non-coherent links leave arch_sync_dma_flush() to dma_iova_sync(). */
  flushInSync: boolean;
}

export const MAINLINE_FEATURES: KernelFeatures = {
  swiotlbEmptyMiddleFix: true,
  pageTableRejectsZeroLength: true,
  mmioAttr: true,
  requireCoherentAttr: true,
  stateSizeIsSizeT: false,
  flushInSync: true,
};

/** Named kernels the model can behave as, for `--kernel`-style selection and for tests. */
export const KERNEL_PROFILES: Readonly<Record<string, KernelFeatures>> = {
  /** Mainline after 6ec91df8aff7 (June 2026, stable 7.0): the default. */
  'v7.1': MAINLINE_FEATURES,
  /** v7.0 before the empty-middle fix, with iommupt: the D5 failure. */
  'v7.0': { ...MAINLINE_FEATURES, swiotlbEmptyMiddleFix: false },
  /** The API as merged (v6.16): no MMIO or REQUIRE_COHERENT handling, io-pgtable accepting 0-length maps. */
  'v6.16': {
    swiotlbEmptyMiddleFix: false,
    pageTableRejectsZeroLength: false,
    mmioAttr: false,
    requireCoherentAttr: false,
    stateSizeIsSizeT: false,
    flushInSync: false,
  },
  /** The Oct 2024 posting the seed patch comes from (v0–v5): size_t __size. */
  'series-v0': {
    swiotlbEmptyMiddleFix: false,
    pageTableRejectsZeroLength: false,
    mmioAttr: false,
    requireCoherentAttr: false,
    stateSizeIsSizeT: true,
    flushInSync: false,
  },
};
