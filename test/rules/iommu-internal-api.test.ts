// iova/iommu-internal-api: drivers keep out of the DMA domain's internals; private domains are theirs.
import rule from '../../rules/iommu-internal-api.js';
import { runRuleTests } from './rule-tester.js';

const DRIVER = 'drivers/net/ethernet/demo/demo_dma.c';

const COOKIE_ALLOC = `#include <linux/iova.h>

dma_addr_t demo_reserve(struct device *dev, size_t size)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);
	struct iova_domain *iovad = &domain->iova_cookie->iovad;
	unsigned long pfn;

	pfn = alloc_iova_fast(iovad, size >> PAGE_SHIFT, dma_get_mask(dev) >> PAGE_SHIFT, true);
	return pfn << PAGE_SHIFT;
}
`;

runRuleTests(rule, {
  valid: [
    { name: 'the DMA layer itself may', code: COOKIE_ALLOC, path: 'drivers/iommu/dma-iommu.c' },
    { name: 'kernel/dma may', code: COOKIE_ALLOC, path: 'kernel/dma/demo.c' },
    {
      name: 'a private iova_domain on an unmanaged domain (host1x, tegra style)',
      path: 'drivers/gpu/host1x/demo.c',
      code: `#include <linux/iova.h>

int demo_init(struct demo_host *host, struct device *dev)
{
	host->domain = iommu_paging_domain_alloc(dev);
	if (IS_ERR(host->domain))
		return PTR_ERR(host->domain);
	init_iova_domain(&host->iova, SZ_4K, 1);
	return iommu_attach_group(host->domain, host->group);
}

dma_addr_t demo_map(struct demo_host *host, phys_addr_t phys, size_t size)
{
	struct iova *alloc = alloc_iova(&host->iova, size >> 12, host->limit >> 12, true);

	if (!alloc)
		return DMA_MAPPING_ERROR;
	if (iommu_map(host->domain, iova_dma_addr(&host->iova, alloc), phys, size, IOMMU_READ, GFP_KERNEL)) {
		__free_iova(&host->iova, alloc);
		return DMA_MAPPING_ERROR;
	}
	return iova_dma_addr(&host->iova, alloc);
}
`,
    },
    {
      name: 'the domain looked up only to translate an address',
      path: DRIVER,
      code: `phys_addr_t demo_to_phys(struct device *dev, dma_addr_t addr)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);

	return domain ? iommu_iova_to_phys(domain, addr) : addr;
}
`,
    },
    {
      name: 'a driver that attaches its own domain finds it again',
      path: 'drivers/remoteproc/demo_rproc.c',
      code: `int demo_attach(struct device *dev, struct demo_rproc *r)
{
	r->domain = iommu_paging_domain_alloc(dev);
	if (IS_ERR(r->domain))
		return PTR_ERR(r->domain);
	return iommu_attach_device(r->domain, dev);
}

int demo_map_fw(struct device *dev, struct demo_rproc *r)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);

	return iommu_map(domain, r->da, r->pa, r->len, IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
}
`,
    },
    {
      name: 'a static helper of its own that happens to be called __alloc_iova (arch/arm style)',
      path: 'arch/arm/mm/dma-mapping.c',
      code: `static dma_addr_t __alloc_iova(struct dma_iommu_mapping *mapping, size_t size)
{
	return mapping->base + demo_bitmap_alloc(mapping, size);
}

dma_addr_t demo_map(struct dma_iommu_mapping *mapping, size_t size)
{
	return __alloc_iova(mapping, size);
}
`,
    },
    {
      name: 'a driver using the two-step API',
      path: DRIVER,
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	if (!dma_iova_try_alloc(dev, state, phys, len))
		return -EOPNOTSUPP;
	return dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);
}
`,
    },
  ],
  invalid: [
    {
      name: 'the cookie and its iovad from a driver',
      path: DRIVER,
      code: COOKIE_ALLOC,
      errors: [
        {
          messageId: 'cookie',
          message:
            '`domain->iova_cookie` reaches the IOVA cookie of the device\'s DMA domain: that IOVA space belongs to the DMA API; use dma_iova_try_alloc(), or a private iova_domain on an unmanaged domain',
          line: 6,
          column: 31,
        },
        {
          messageId: 'dmaIovad',
          message: 'alloc_iova_fast() on the DMA domain\'s iova_domain (`iovad`): the DMA API allocates from it too; use dma_iova_try_alloc() and dma_iova_link()',
          line: 9,
          column: 8,
        },
      ],
    },
    {
      name: 'iommu_get_dma_domain() and a mapping into it',
      path: DRIVER,
      code: `int demo_map_fixed(struct device *dev, unsigned long iova, phys_addr_t phys, size_t size)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);

	return iommu_map(domain, iova, phys, size, IOMMU_READ, GFP_KERNEL);
}
`,
      errors: [
        {
          messageId: 'internalCall',
          message:
            'iommu_get_dma_domain() is internal to the DMA layer (drivers/iommu/dma-iommu.c): outside drivers/iommu/ and kernel/dma/ use dma_iova_try_alloc()/dma_iova_link() or dma_map_*()',
          line: 3,
          column: 32,
        },
        { messageId: 'mapDmaDomain', line: 5, column: 9, severity: 'error' },
      ],
    },
    {
      name: 'a mapping into whatever domain the device has, with none of its own (IPA style)',
      path: 'drivers/net/ipa/demo_mem.c',
      code: `int demo_imem_map(struct device *dev, unsigned long iova, phys_addr_t phys, size_t size)
{
	struct iommu_domain *domain;

	domain = iommu_get_domain_for_dev(dev);
	if (!domain)
		return -EINVAL;
	return iommu_map(domain, iova, phys, size, IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
}
`,
      errors: [
        {
          messageId: 'mapDmaDomain',
          message:
            'iommu_map() into `domain`, the device\'s DMA-API domain (iommu_get_domain_for_dev() in a driver that attaches no domain of its own): the DMA API\'s IOVA allocator does not know this mapping; use dma_iova_try_alloc() + dma_iova_link(), or an unmanaged domain (iommu_paging_domain_alloc())',
          line: 8,
          column: 9,
          severity: 'warning',
        },
      ],
    },
    {
      name: 'a dma-iommu allocator called by a driver',
      path: DRIVER,
      code: `dma_addr_t demo_alloc(struct device *dev, struct iommu_domain *domain, size_t size)
{
	return iommu_dma_alloc_iova(domain, size, dma_get_mask(dev), dev);
}
`,
      errors: [{ messageId: 'internalCall', line: 3, column: 9 }],
    },
    {
      name: 'the dma-buf core reserving IOVA for an exporter (D18)',
      path: 'drivers/dma-buf/dma-buf.c',
      code: `int demo_core_map(struct dma_buf_attachment *attach, struct dma_iova_state *state, size_t size)
{
	if (!dma_iova_try_alloc(attach->dev, state, 0, size))
		return -EOPNOTSUPP;
	return 0;
}
`,
      errors: [
        {
          messageId: 'coreAllocates',
          message: 'dma_iova_try_alloc() in core code (drivers/dma-buf/dma-buf.c): the exporter chooses how its memory gets DMA addresses, not the core (reference D18)',
          line: 3,
          column: 7,
        },
      ],
    },
    {
      name: 'the cookie read through a local',
      path: 'drivers/gpu/drm/demo/demo_gem.c',
      code: `void demo_free(struct iommu_domain *domain, dma_addr_t iova, size_t size)
{
	struct iommu_dma_cookie *cookie = domain->iova_cookie;

	free_iova_fast(&cookie->iovad, iova >> PAGE_SHIFT, size >> PAGE_SHIFT);
}
`,
      errors: [
        { messageId: 'cookie', line: 3, column: 36 },
        { messageId: 'dmaIovad', line: 5, column: 2 },
      ],
    },
  ],
});
