// Kernel constants the model's functions use: errno values, DMA directions and attributes, IOMMU
// protection bits and the dma_iova_state flag. Values are the kernel's (include/uapi/asm-generic/
// errno*.h, include/linux/dma-mapping.h, dma-direction.h, iommu.h, swiotlb.h).

export const EPERM = 1n;
export const EIO = 5n;
export const ENOMEM = 12n;
export const EFAULT = 14n;
export const EEXIST = 17n;
export const ENODEV = 19n;
export const EINVAL = 22n;
export const EOPNOTSUPP = 95n;

export const ERRNO_NAMES: ReadonlyMap<bigint, string> = new Map([
  [EPERM, 'EPERM'],
  [EIO, 'EIO'],
  [ENOMEM, 'ENOMEM'],
  [EFAULT, 'EFAULT'],
  [EEXIST, 'EEXIST'],
  [ENODEV, 'ENODEV'],
  [EINVAL, 'EINVAL'],
  [EOPNOTSUPP, 'EOPNOTSUPP'],
]);

/** enum dma_data_direction */
export const DMA_BIDIRECTIONAL = 0n;
export const DMA_TO_DEVICE = 1n;
export const DMA_FROM_DEVICE = 2n;
export const DMA_NONE = 3n;

/** DMA_ATTR_* bits (unsigned long). MMIO since v6.18, REQUIRE_COHERENT since 2026 (v7.x). */
export const DMA_ATTR_WEAK_ORDERING = 1n << 1n;
export const DMA_ATTR_WRITE_COMBINE = 1n << 2n;
export const DMA_ATTR_NO_KERNEL_MAPPING = 1n << 4n;
export const DMA_ATTR_SKIP_CPU_SYNC = 1n << 5n;
export const DMA_ATTR_FORCE_CONTIGUOUS = 1n << 6n;
export const DMA_ATTR_ALLOC_SINGLE_PAGES = 1n << 7n;
export const DMA_ATTR_NO_WARN = 1n << 8n;
export const DMA_ATTR_PRIVILEGED = 1n << 9n;
export const DMA_ATTR_MMIO = 1n << 10n;
export const DMA_ATTR_DEBUGGING_IGNORE_CACHELINES = 1n << 11n;
export const DMA_ATTR_REQUIRE_COHERENT = 1n << 12n;

/** The attribute bits that must agree between a link and its unlink (reference §3.7). */
export const ATTRS_THAT_MUST_MIRROR = DMA_ATTR_MMIO | DMA_ATTR_SKIP_CPU_SYNC | DMA_ATTR_REQUIRE_COHERENT;

/** IOMMU_* protection bits (include/linux/iommu.h). */
export const IOMMU_READ = 1n << 0n;
export const IOMMU_WRITE = 1n << 1n;
export const IOMMU_CACHE = 1n << 2n;
export const IOMMU_NOEXEC = 1n << 3n;
export const IOMMU_MMIO = 1n << 4n;
export const IOMMU_PRIV = 1n << 5n;

/** Bit 63 of dma_iova_state.__size: some link of this state went through swiotlb. */
export const DMA_IOVA_USE_SWIOTLB = 1n << 63n;

/** ~(dma_addr_t)0: the one-step mapping functions' failure value. */
export const DMA_MAPPING_ERROR = (1n << 64n) - 1n;

/** log2 of the largest IOVA range (in granules) the per-CPU range caches hold, plus one. */
export const IOVA_RANGE_CACHE_MAX_SIZE = 6;
/** pfns per rcache magazine and magazines in the global depot (drivers/iommu/iova.c). */
export const IOVA_MAG_SIZE = 127;
export const MAX_GLOBAL_MAGS = 32;

/** swiotlb slot size and the largest contiguous run of slots one mapping may take. */
export const IO_TLB_SHIFT = 11n;
export const IO_TLB_SIZE = 1n << IO_TLB_SHIFT;
export const IO_TLB_SEGSIZE = 128n;

export const DIRECTION_NAMES: ReadonlyMap<bigint, string> = new Map([
  [DMA_BIDIRECTIONAL, 'DMA_BIDIRECTIONAL'],
  [DMA_TO_DEVICE, 'DMA_TO_DEVICE'],
  [DMA_FROM_DEVICE, 'DMA_FROM_DEVICE'],
  [DMA_NONE, 'DMA_NONE'],
]);

/** Named constants a simulator may need to evaluate kernel expressions, by C name. */
export const KERNEL_CONSTANTS: Readonly<Record<string, bigint>> = {
  DMA_BIDIRECTIONAL,
  DMA_TO_DEVICE,
  DMA_FROM_DEVICE,
  DMA_NONE,
  DMA_ATTR_WEAK_ORDERING,
  DMA_ATTR_WRITE_COMBINE,
  DMA_ATTR_NO_KERNEL_MAPPING,
  DMA_ATTR_SKIP_CPU_SYNC,
  DMA_ATTR_FORCE_CONTIGUOUS,
  DMA_ATTR_ALLOC_SINGLE_PAGES,
  DMA_ATTR_NO_WARN,
  DMA_ATTR_PRIVILEGED,
  DMA_ATTR_MMIO,
  DMA_ATTR_DEBUGGING_IGNORE_CACHELINES,
  DMA_ATTR_REQUIRE_COHERENT,
  IOMMU_READ,
  IOMMU_WRITE,
  IOMMU_CACHE,
  IOMMU_NOEXEC,
  IOMMU_MMIO,
  IOMMU_PRIV,
  DMA_IOVA_USE_SWIOTLB,
  DMA_MAPPING_ERROR,
  IOVA_RANGE_CACHE_MAX_SIZE: BigInt(IOVA_RANGE_CACHE_MAX_SIZE),
  EPERM,
  EIO,
  ENOMEM,
  EFAULT,
  EEXIST,
  ENODEV,
  EINVAL,
  EOPNOTSUPP,
};
