/** The model's own version, then the kernel behaviour it follows by default (see model/README.md). */
export const MODEL_VERSION = 'iova-model 1.0.0 (Linux v7.1 dma-iommu/iova semantics incl. 6ec91df8aff7; allocator checked against 6.12.117)';
