// dma/mask-truncation: masks keep their 64 bits, and are not built with overflowing shifts.
import rule from '../../rules/mask-truncation.js';
import { runRuleTests } from './rule-tester.js';

const IOMMU = 'drivers/iommu/dma-iommu.c';

/** The seed's helper with the mask first stored in a local of `type`. */
const seedStoring = (type: string): string => `static bool iommu_dma_iova_alloc(struct device *dev,
		struct dma_iova_state *state, phys_addr_t phys, size_t size)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	struct iommu_dma_cookie *cookie = domain->iova_cookie;
	struct iova_domain *iovad = &cookie->iovad;
	size_t iova_off = iova_offset(iovad, phys);
	${type} dma_limit = dma_get_mask(dev);
	dma_addr_t addr;

	if (WARN_ON_ONCE(!size))
		return false;
	if (WARN_ON_ONCE(size & DMA_IOVA_USE_SWIOTLB))
		return false;

	addr = iommu_dma_alloc_iova(domain, iova_align(iovad, size + iova_off),
				    dma_limit, dev);
	if (!addr)
		return false;

	state->addr = addr + iova_off;
	state->__size = size;
	return true;
}
`;

/** A probe that sets `mask`, with `decl` declared first. */
const probe = (decl: string, mask: string): string => `static int demo_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	${decl}
	int ret;

	ret = dma_set_mask_and_coherent(&pdev->dev, ${mask});
	if (ret)
		return ret;
	return demo_init_rings(pdev);
}
`;

const STORE = (value: string, type: string, target: string, effect: string): string => `mask \`${value}\` stored in \`${type} ${target}\`: ${effect}`;
const CUT32 = 'the mask becomes DMA_BIT_MASK(32), its upper bits lost';

runRuleTests(rule, {
  valid: [
    { name: 'the seed helper with a u64 local', code: seedStoring('u64'), path: IOMMU },
    { name: 'a dma_addr_t local', code: seedStoring('dma_addr_t'), path: IOMMU },
    { name: '32-bit-only hardware: a u32 holding DMA_BIT_MASK(32)', code: probe('u32 mask = DMA_BIT_MASK(32);', 'mask') },
    { name: '(1 << 31) - 1 is the 31-bit mask it means', code: probe('', '(1 << 31) - 1') },
    { name: '(1ULL << 36) - 1 is the 36-bit mask it means', code: probe('', '(1ULL << 36) - 1') },
    {
      name: 'deliberate narrowing: lower_32_bits, min_t with a 32-bit mask, fls64',
      code: probe('u32 lo = lower_32_bits(dma_get_mask(&pdev->dev));\n\tu32 low = min_t(u64, dma_get_mask(&pdev->dev), DMA_BIT_MASK(32));\n\tu32 bits = fls64(dma_get_mask(&pdev->dev));', 'DMA_BIT_MASK(64)'),
    },
    { name: 'an int holding the result of dma_set_mask', code: probe('int err = dma_set_mask(&pdev->dev, DMA_BIT_MASK(40));', 'DMA_BIT_MASK(40)') },
    {
      name: 'alloc_iova-style: the pfn limit is an unsigned long by design',
      path: 'drivers/iommu/iova.c',
      code: `unsigned long demo_alloc_iova_fast(struct iova_domain *iovad, unsigned long size,
		unsigned long limit_pfn, bool flush_rcache)
{
	struct iova *new_iova;

	new_iova = alloc_iova(iovad, size, limit_pfn, true);
	return new_iova ? new_iova->pfn_lo : 0;
}
`,
    },
    {
      name: 'a byte limit kept in an unsigned long (vduse-style): not a mask on 64-bit builds',
      path: 'drivers/vdpa/vdpa_user/iova_domain.c',
      code: `static dma_addr_t demo_domain_alloc_iova(struct iova_domain *iovad,
		unsigned long size, unsigned long limit)
{
	unsigned long shift = iova_shift(iovad);
	unsigned long iova_len = iova_align(iovad, size) >> shift;
	unsigned long iova_pfn;

	iova_pfn = alloc_iova_fast(iovad, iova_len, limit >> shift, true);
	return (dma_addr_t)iova_pfn << shift;
}
`,
    },
  ],
  invalid: [
    {
      name: 'seed mutation: the mask stored in a u32 (fix: u64)',
      path: IOMMU,
      code: seedStoring('u32'),
      errors: [{ line: 8, column: 18, severity: 'error', messageId: 'narrowStore', message: STORE('dma_get_mask(dev)', 'u32', 'dma_limit', CUT32) }],
      output: seedStoring('u64'),
    },
    {
      name: 'on 32-bit builds: an unsigned long local (warning)',
      path: IOMMU,
      code: seedStoring('unsigned long'),
      errors: [{ line: 8, column: 28, severity: 'warning', message: STORE('dma_get_mask(dev)', 'unsigned long', 'dma_limit', 'the mask becomes DMA_BIT_MASK(32) on 32-bit builds, its upper bits lost') }],
      output: seedStoring('u64'),
    },
    {
      name: 'an int holding DMA_BIT_MASK(32) sign-extends to 64 bits',
      code: probe('int mask = DMA_BIT_MASK(32);', 'mask'),
      errors: [{ line: 3, column: 13, severity: 'error', message: STORE('DMA_BIT_MASK(32)', 'int', 'mask', 'it sign-extends to DMA_BIT_MASK(64)') }],
      output: probe('u64 mask = DMA_BIT_MASK(32);', 'mask'),
    },
    {
      name: '(1 << 36) - 1 is all ones (fix: DMA_BIT_MASK(36))',
      code: probe('', '(1 << 36) - 1'),
      errors: [
        {
          line: 6,
          column: 46,
          severity: 'error',
          messageId: 'shiftOverflow',
          message: '`(1 << 36) - 1` is not DMA_BIT_MASK(36): the shift overflows its type, so it evaluates to DMA_BIT_MASK(64); use `DMA_BIT_MASK(36)`',
        },
      ],
      output: probe('', 'DMA_BIT_MASK(36)'),
    },
    {
      name: '(1UL << 40) - 1 through a local, on 32-bit builds (warning)',
      code: probe('u64 mask = (1UL << 40) - 1;', 'mask'),
      errors: [
        {
          line: 3,
          column: 13,
          severity: 'warning',
          message: '`(1UL << 40) - 1` is not DMA_BIT_MASK(40): the shift overflows its type, so it evaluates to DMA_BIT_MASK(32) on 32-bit builds; use `DMA_BIT_MASK(40)`',
        },
      ],
      output: probe('u64 mask = DMA_BIT_MASK(40);', 'mask'),
    },
    {
      name: 'a #define built with an int shift, used as the mask (no fix at the use)',
      code: `#define DEMO_DMA_MASK ((1 << 40) - 1)\n\n${probe('', 'DEMO_DMA_MASK')}`,
      errors: [{ line: 8, column: 46, message: '`DEMO_DMA_MASK` is not DMA_BIT_MASK(40): the shift overflows its type, so it evaluates to DMA_BIT_MASK(64); use `DMA_BIT_MASK(40)`' }],
      output: null,
    },
    {
      name: 'GENMASK(39, 0) stored in the coherent mask: undefined on 32-bit builds',
      code: `static void demo_setup_dma(struct platform_device *pdev)
{
	pdev->dev.coherent_dma_mask = GENMASK(39, 0);
	pdev->dev.dma_mask = &pdev->dev.coherent_dma_mask;
}
`,
      errors: [{ line: 3, column: 32, severity: 'warning', message: '`GENMASK(39, 0)` is not DMA_BIT_MASK(40): the shift is undefined on 32-bit builds; use `DMA_BIT_MASK(40)`' }],
      output: `static void demo_setup_dma(struct platform_device *pdev)
{
	pdev->dev.coherent_dma_mask = DMA_BIT_MASK(40);
	pdev->dev.dma_mask = &pdev->dev.coherent_dma_mask;
}
`,
    },
    {
      name: 'a mask returned as u32',
      code: `static u32 demo_dma_mask(struct demo_priv *priv)
{
	if (priv->wide)
		return DMA_BIT_MASK(40);
	return DMA_BIT_MASK(32);
}
`,
      errors: [{ line: 4, column: 10, messageId: 'narrowReturn', message: 'mask `DMA_BIT_MASK(40)` returned as `u32` from demo_dma_mask(): the mask becomes DMA_BIT_MASK(32), its upper bits lost' }],
    },
    {
      name: 'implementation side: an IOVA allocator taking a u32 limit',
      path: IOMMU,
      code: `static dma_addr_t demo_alloc_iova(struct iommu_domain *domain, size_t size,
		u32 dma_limit, struct device *dev)
{
	return iommu_dma_alloc_iova(domain, size, dma_limit, dev);
}
`,
      errors: [
        {
          line: 4,
          column: 44,
          messageId: 'narrowParam',
          message: 'the `u32 dma_limit` parameter narrows every mask passed to demo_alloc_iova() before it limits iommu_dma_alloc_iova(): a 64-bit mask becomes DMA_BIT_MASK(32)',
        },
      ],
    },
    {
      name: 'caller side: a 40-bit mask passed to a helper that takes a u32',
      code: `static int demo_set_mask(struct device *dev, u32 mask)
{
	return dma_set_mask_and_coherent(dev, mask);
}

static int demo_probe(struct platform_device *pdev)
{
	return demo_set_mask(&pdev->dev, DMA_BIT_MASK(40));
}
`,
      errors: [{ line: 8, column: 35, messageId: 'narrowArgument', message: 'mask `DMA_BIT_MASK(40)` passed as `u32 mask` of demo_set_mask(): the mask becomes DMA_BIT_MASK(32), its upper bits lost' }],
    },
    {
      name: 'a narrowing cast in the mask argument',
      code: `static int demo_inherit_mask(struct device *dev, struct device *parent)
{
	return dma_set_mask(dev, (u32)dma_get_mask(parent));
}
`,
      errors: [{ line: 3, column: 27, messageId: 'narrowCast', message: 'mask `dma_get_mask(parent)` cast to `u32` before dma_set_mask(): the mask becomes DMA_BIT_MASK(32), its upper bits lost' }],
    },
    {
      name: 'a u32 field of a struct defined in the file',
      code: `struct demo_priv {
	struct device *dev;
	u32 dma_mask;
};

static void demo_save_mask(struct demo_priv *priv)
{
	priv->dma_mask = dma_get_mask(priv->dev);
}
`,
      errors: [{ line: 8, column: 19, message: STORE('dma_get_mask(priv->dev)', 'u32', 'priv->dma_mask', CUT32) }],
      output: null,
    },
  ],
});
