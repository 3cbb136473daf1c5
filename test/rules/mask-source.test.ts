// dma/mask-source: the IOVA allocation limit comes from the mask the allocation is for.
import rule from '../../rules/mask-source.js';
import { runRuleTests } from './rule-tester.js';

const IOMMU = 'drivers/iommu/dma-iommu.c';

/** The seed's allocation helper with its limit argument replaced. */
const seedWith = (limit: string): string => `static bool iommu_dma_iova_alloc(struct device *dev,
		struct dma_iova_state *state, phys_addr_t phys, size_t size)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	struct iommu_dma_cookie *cookie = domain->iova_cookie;
	struct iova_domain *iovad = &cookie->iovad;
	size_t iova_off = iova_offset(iovad, phys);
	dma_addr_t addr;

	if (WARN_ON_ONCE(!size))
		return false;
	if (WARN_ON_ONCE(size & DMA_IOVA_USE_SWIOTLB))
		return false;

	addr = iommu_dma_alloc_iova(domain,
			iova_align(iovad, size + iova_off),
			${limit}, dev);
	if (!addr)
		return false;

	state->addr = addr + iova_off;
	state->__size = size;
	return true;
}
`;

const COHERENT_MSG = (source: string, expected: string): string =>
  `IOVA allocation limited by the coherent mask \`${source}\` in a streaming/IOVA allocation: the streaming mask \`${expected}\` may be narrower, and the device cannot reach an IOVA above it`;
const CONSTANT_MSG = (source: string, value: string, expected: string): string =>
  `IOVA allocation limited by the constant \`${source}\`${value} instead of the device's mask \`${expected}\`: a device with a narrower mask gets an IOVA it cannot reach`;

runRuleTests(rule, {
  valid: [
    { name: 'the seed: dma_get_mask(dev)', code: seedWith('dma_get_mask(dev)'), path: IOMMU },
    {
      name: 'iommu_dma_alloc-style coherent allocator: the coherent mask is right',
      path: IOMMU,
      code: `void *demo_dma_alloc(struct device *dev, size_t size, dma_addr_t *handle,
		gfp_t gfp, unsigned long attrs)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	struct iova_domain *iovad = &domain->iova_cookie->iovad;
	dma_addr_t iova;

	size = iova_align(iovad, size);
	iova = iommu_dma_alloc_iova(domain, size, dev->coherent_dma_mask, dev);
	if (!iova)
		return NULL;
	*handle = iova;
	return demo_remap(dev, iova, size, gfp);
}
`,
    },
    {
      name: '__iommu_dma_alloc_noncontiguous-style: sg_table and gfp',
      path: IOMMU,
      code: `static struct page **demo_alloc_noncontiguous(struct device *dev, size_t size,
		struct sg_table *sgt, gfp_t gfp, unsigned long attrs)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	dma_addr_t iova;

	iova = iommu_dma_alloc_iova(domain, size, dev->coherent_dma_mask, dev);
	if (!iova)
		return NULL;
	sg_dma_address(sgt->sgl) = iova;
	return demo_pages(sgt);
}
`,
    },
    {
      name: 'iommu_dma_alloc_iova-style: the 32-bit first attempt is compared with the limit',
      path: IOMMU,
      code: `static dma_addr_t demo_alloc_iova(struct iommu_domain *domain,
		size_t size, u64 dma_limit, struct device *dev)
{
	struct iommu_dma_cookie *cookie = domain->iova_cookie;
	struct iova_domain *iovad = &cookie->iovad;
	unsigned long shift, iova_len, iova;

	shift = iova_shift(iovad);
	iova_len = size >> shift;
	dma_limit = min_not_zero(dma_limit, dev->bus_dma_limit);

	if (dma_limit > DMA_BIT_MASK(32) && dev_is_pci(dev)) {
		iova = alloc_iova_fast(iovad, iova_len, DMA_BIT_MASK(32) >> shift, false);
		if (iova)
			goto done;
	}
	iova = alloc_iova_fast(iovad, iova_len, dma_limit >> shift, true);
done:
	return (dma_addr_t)iova << shift;
}
`,
    },
    {
      name: '__iommu_dma_map-style: a mask parameter passed on is the callers\' business',
      path: IOMMU,
      code: `static dma_addr_t demo_dma_map(struct device *dev, phys_addr_t phys,
		size_t size, int prot, u64 dma_mask)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	size_t iova_off = iova_offset(&domain->iova_cookie->iovad, phys);
	dma_addr_t iova;

	iova = iommu_dma_alloc_iova(domain, size + iova_off, dma_mask, dev);
	if (!iova)
		return DMA_MAPPING_ERROR;
	return iova + iova_off;
}
`,
    },
    {
      name: 'a min() with the streaming mask is limited by it',
      path: IOMMU,
      code: seedWith('min(dma_get_mask(dev), dev->bus_dma_limit)'),
    },
    {
      name: 'a driver\'s private iova_domain: its aperture, and a hardware constant',
      path: 'drivers/media/pci/demo/demo-mmu.c',
      code: `static int demo_mmu_map(struct demo_mmu *mmu, size_t size, bool low)
{
	unsigned long shift = iova_shift(&mmu->iovad);
	struct iova *iova;

	if (low)
		iova = alloc_iova(&mmu->iovad, size >> shift, DMA_BIT_MASK(32) >> shift, true);
	else
		iova = alloc_iova(&mmu->iovad, size >> shift, mmu->aperture_end >> shift, true);
	return iova ? 0 : -ENOMEM;
}
`,
    },
    {
      name: '*dev->dma_mask read behind a test of the pointer',
      path: IOMMU,
      code: seedWith('dev->dma_mask && *dev->dma_mask ? *dev->dma_mask : DMA_BIT_MASK(32)').replace(
        '\taddr = iommu_dma_alloc_iova',
        '\tif (!dev->dma_mask)\n\t\treturn false;\n\taddr = iommu_dma_alloc_iova',
      ),
    },
    { name: 'the mask narrowed by the bus limit', path: IOMMU, code: seedWith('min_not_zero(dma_get_mask(dev), dev->bus_dma_limit)') },
    {
      name: 'a local that is the streaming mask on one path and something unknown on another',
      path: IOMMU,
      code: seedWith('dma_limit').replace('\tdma_addr_t addr;\n', '\tdma_addr_t addr;\n\tu64 dma_limit = dma_get_mask(dev);\n\n\tif (demo_quirk(dev))\n\t\tdma_limit = demo_quirk_limit(dev);\n'),
    },
    { name: 'a min() with something unknown may be narrower than the mask', path: IOMMU, code: seedWith('min(dev->coherent_dma_mask, demo_window_limit(dev))') },
    {
      name: 'a u32 copy of dma_get_mask() is dma/mask-truncation\'s finding, not this one',
      path: IOMMU,
      code: seedWith('dma_limit').replace('\tdma_addr_t addr;\n', '\tdma_addr_t addr;\n\tu32 dma_limit = dma_get_mask(dev);\n'),
    },
  ],
  invalid: [
    {
      name: 'seed mutation: the coherent mask (fix: dma_get_mask)',
      path: IOMMU,
      code: seedWith('dev->coherent_dma_mask'),
      errors: [{ line: 17, column: 4, severity: 'error', messageId: 'coherentMask', message: COHERENT_MSG('dev->coherent_dma_mask', 'dma_get_mask(dev)') }],
      output: seedWith('dma_get_mask(dev)'),
    },
    {
      name: 'seed mutation: DMA_BIT_MASK(64) (fix: dma_get_mask)',
      path: IOMMU,
      code: seedWith('DMA_BIT_MASK(64)'),
      errors: [{ line: 17, column: 4, severity: 'error', message: CONSTANT_MSG('DMA_BIT_MASK(64)', '', 'dma_get_mask(dev)') }],
      output: seedWith('dma_get_mask(dev)'),
    },
    {
      name: 'a map path passing ~0ULL to __iommu_dma_map',
      path: IOMMU,
      code: `static dma_addr_t demo_map_phys(struct device *dev, phys_addr_t phys,
		size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	int prot = dma_info_to_prot(dir, dev_is_dma_coherent(dev), attrs);

	return __iommu_dma_map(dev, phys, size, prot, ~0ULL);
}
`,
      errors: [{ line: 6, column: 48, message: CONSTANT_MSG('~0ULL', ' (DMA_BIT_MASK(64))', 'dma_get_mask(dev)') }],
      output: `static dma_addr_t demo_map_phys(struct device *dev, phys_addr_t phys,
		size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	int prot = dma_info_to_prot(dir, dev_is_dma_coherent(dev), attrs);

	return __iommu_dma_map(dev, phys, size, prot, dma_get_mask(dev));
}
`,
    },
    {
      name: 'the coherent mask through a local and min_not_zero (no fix: not written in the call)',
      path: IOMMU,
      code: `static dma_addr_t demo_map_sg_iova(struct device *dev, struct scatterlist *sg,
		int nents, size_t iova_len)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	u64 limit = min_not_zero(dev->coherent_dma_mask, dev->bus_dma_limit);

	return iommu_dma_alloc_iova(domain, iova_len, limit, dev);
}
`,
      errors: [{ line: 7, column: 48, messageId: 'coherentMask', message: COHERENT_MSG('min_not_zero(dev->coherent_dma_mask, dev->bus_dma_limit)', 'dma_get_mask(dev)') }],
      output: null,
    },
    {
      name: 'the coherent mask in a local narrowed by the bus limit on one path',
      path: IOMMU,
      code: `static bool demo_iova_alloc(struct device *dev, struct dma_iova_state *state, size_t size)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	u64 dma_limit = dev->coherent_dma_mask;
	dma_addr_t addr;

	if (dev->bus_dma_limit)
		dma_limit = min(dma_limit, dev->bus_dma_limit);
	addr = iommu_dma_alloc_iova(domain, size, dma_limit, dev);
	if (!addr)
		return false;
	state->addr = addr;
	state->__size = size;
	return true;
}
`,
      errors: [{ line: 9, column: 44, messageId: 'coherentMask', message: COHERENT_MSG('dev->coherent_dma_mask', 'dma_get_mask(dev)') }],
      output: null,
    },
    {
      name: 'unchecked *dev->dma_mask (warning, fix: dma_get_mask)',
      path: IOMMU,
      code: seedWith('*dev->dma_mask'),
      errors: [
        {
          line: 17,
          column: 4,
          severity: 'warning',
          message: '`*dev->dma_mask` read without checking `dev->dma_mask`: NULL or 0 when no mask was set; use `dma_get_mask(dev)` (which falls back to DMA_BIT_MASK(32))',
        },
      ],
      output: seedWith('dma_get_mask(dev)'),
    },
    {
      name: 'alloc_iova_fast in the DMA domain limited by the coherent mask',
      path: IOMMU,
      code: `static dma_addr_t demo_iova_reserve(struct device *dev,
		struct dma_iova_state *state, size_t size)
{
	struct iommu_dma_cookie *cookie = iommu_get_dma_domain(dev)->iova_cookie;
	struct iova_domain *iovad = &cookie->iovad;
	unsigned long shift = iova_shift(iovad);
	unsigned long pfn;

	pfn = alloc_iova_fast(iovad, size >> shift,
			      dev->coherent_dma_mask >> shift, true);
	return (dma_addr_t)pfn << shift;
}
`,
      errors: [{ line: 10, column: 10, message: COHERENT_MSG('dev->coherent_dma_mask', 'dma_get_mask(dev)') }],
      output: null,
    },
    {
      name: 'a coherent allocator limited by the streaming mask (warning, fix: coherent mask)',
      path: IOMMU,
      code: `void *demo_dma_alloc(struct device *dev, size_t size, dma_addr_t *handle,
		gfp_t gfp, unsigned long attrs)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	dma_addr_t iova;

	iova = iommu_dma_alloc_iova(domain, size, dma_get_mask(dev), dev);
	if (!iova)
		return NULL;
	*handle = iova;
	return demo_remap(dev, iova, size, gfp);
}
`,
      errors: [
        {
          line: 7,
          column: 44,
          severity: 'warning',
          messageId: 'streamingForCoherent',
          message: 'coherent allocation limited by the streaming mask `dma_get_mask(dev)`: coherent buffers must stay below `dev->coherent_dma_mask`, which may be narrower',
        },
      ],
      output: `void *demo_dma_alloc(struct device *dev, size_t size, dma_addr_t *handle,
		gfp_t gfp, unsigned long attrs)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	dma_addr_t iova;

	iova = iommu_dma_alloc_iova(domain, size, dev->coherent_dma_mask, dev);
	if (!iova)
		return NULL;
	*handle = iova;
	return demo_remap(dev, iova, size, gfp);
}
`,
    },
    {
      name: 'caller side: a helper of the change passes its limit on; the caller gives the coherent mask',
      path: IOMMU,
      code: `static dma_addr_t demo_reserve(struct iommu_domain *domain, size_t size,
		u64 limit, struct device *dev)
{
	return iommu_dma_alloc_iova(domain, size, limit, dev);
}

static dma_addr_t demo_map_page(struct device *dev, struct page *page,
		unsigned long offset, size_t size, enum dma_data_direction dir)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);

	return demo_reserve(domain, size, pdev_to_dev(dev)->coherent_dma_mask, dev);
}
`,
      errors: [{ line: 12, column: 36, message: COHERENT_MSG('pdev_to_dev(dev)->coherent_dma_mask', 'dma_get_mask(pdev_to_dev(dev))') }],
    },
    {
      name: 'the bus limit alone (fix: min_not_zero with the mask)',
      path: IOMMU,
      code: seedWith('dev->bus_dma_limit'),
      errors: [
        {
          line: 17,
          column: 4,
          messageId: 'busLimitOnly',
          message: 'IOVA allocation limited by the bus limit `dev->bus_dma_limit` alone: the device\'s own mask is ignored (and a bus limit of 0 means none); use `min_not_zero(dma_get_mask(dev), dev->bus_dma_limit)`',
        },
      ],
      output: seedWith('min_not_zero(dma_get_mask(dev), dev->bus_dma_limit)'),
    },
    {
      name: 'a streaming IOVA function reserving from alloc_iova_fast under a constant',
      path: IOMMU,
      code: `static bool demo_iova_try_alloc(struct device *dev, struct iova_domain *iovad,
		struct dma_iova_state *state, size_t size)
{
	unsigned long shift = iova_shift(iovad);
	unsigned long pfn;

	pfn = alloc_iova_fast(iovad, iova_align(iovad, size) >> shift,
			      U64_MAX >> shift, true);
	if (!pfn)
		return false;
	state->addr = (dma_addr_t)pfn << shift;
	state->__size = size;
	return true;
}
`,
      errors: [{ line: 8, column: 10, message: CONSTANT_MSG('U64_MAX', ' (DMA_BIT_MASK(64))', 'dma_get_mask(dev)') }],
      output: null,
    },
    {
      name: 'an allocator given a limit that uses a constant instead',
      path: IOMMU,
      code: `static unsigned long demo_alloc_pfn(struct iova_domain *iovad,
		unsigned long len, u64 dma_limit)
{
	unsigned long shift = iova_shift(iovad);

	return alloc_iova_fast(iovad, len >> shift, DMA_BIT_MASK(48) >> shift, true);
}
`,
      errors: [{ line: 6, column: 46, message: CONSTANT_MSG('DMA_BIT_MASK(48)', '', 'dma_get_mask(dev)') }],
      output: null,
    },
  ],
});
