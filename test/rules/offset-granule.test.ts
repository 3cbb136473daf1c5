import { offsetGranuleRule } from '../../rules/offset-granule.js';
import { DMA_IOMMU, at, free, link, tryAlloc } from './iova-fixtures.js';
import { runRuleTests } from './rule-tester.js';

const msg = (text: string, target: string, advice: string): string =>
  `\`${text}\` counts in CPU pages, but ${target} is in IOVA granules, which differ from PAGE_SIZE on some IOMMUs: use ${advice}`;

const pageOffset = tryAlloc({ offset: 'offset_in_page(phys)' });
const pageAlign = tryAlloc({ length: 'PAGE_ALIGN(size + iova_off)' });
const maskLink = link({ phys: 'phys & PAGE_MASK' });
const maskFree = free({ start: 'state->addr & PAGE_MASK' });
const pfnCount = `static bool demo_iova_alloc_fast(struct device *dev, struct dma_iova_state *state,
\t\t\t\t phys_addr_t phys, size_t size)
{
\tstruct iommu_domain *domain = iommu_get_dma_domain(dev);
\tstruct iova_domain *iovad = &domain->iova_cookie->iovad;
\tsize_t iova_off = iova_offset(iovad, phys);
\tunsigned long pfn;

\tif (!size || size & DMA_IOVA_USE_SWIOTLB)
\t\treturn false;
\tpfn = alloc_iova_fast(iovad, iova_align(iovad, size + iova_off) >> PAGE_SHIFT,
\t\t\t      dma_get_mask(dev) >> iova_shift(iovad), true);
\tif (!pfn)
\t\treturn false;
\tstate->addr = (pfn << iova_shift(iovad)) + iova_off;
\tstate->__size = size;
\treturn true;
}
`;
const inlineOffset = tryAlloc({ addr: 'addr + offset_in_page(phys)' });

runRuleTests(offsetGranuleRule, {
  valid: [
    { name: 'the seed: iova_offset and iova_align', code: tryAlloc(), path: DMA_IOMMU },
    { name: 'mainline dma_iova_link()', code: link(), path: DMA_IOMMU },
    { name: 'mainline dma_iova_free()', code: free(), path: DMA_IOMMU },
    {
      name: 'pages counted for the CPU buffer, IOVA sized in granules (iommu_dma_alloc_remap shape)',
      code: `static void *demo_alloc_remap(struct device *dev, size_t size, dma_addr_t *dma_handle)
{
\tstruct iommu_domain *domain = iommu_get_dma_domain(dev);
\tstruct iova_domain *iovad = &domain->iova_cookie->iovad;
\tunsigned int count = PAGE_ALIGN(size) >> PAGE_SHIFT;
\tstruct page **pages = demo_alloc_pages(dev, count);

\tsize = iova_align(iovad, size);
\t*dma_handle = iommu_dma_alloc_iova(domain, size, dev->coherent_dma_mask, dev);
\treturn pages;
}
`,
      path: DMA_IOMMU,
    },
    {
      name: 'a caller of the two-step API links CPU pages',
      code: `static int demo_register_pages(struct device *dev, struct dma_iova_state *state,
\t\t\t       struct page **pages, u32 npages)
{
\tu32 i;
\tint ret;

\tfor (i = 0; i < npages; i++) {
\t\tret = dma_iova_link(dev, state, page_to_phys(pages[i]), i * PAGE_SIZE,
\t\t\t\t    PAGE_SIZE, DMA_TO_DEVICE, 0);
\t\tif (ret)
\t\t\treturn ret;
\t}
\treturn dma_iova_sync(dev, state, 0, npages * PAGE_SIZE);
}
`,
    },
    {
      name: 'a driver with its own PAGE_SIZE iova_domain',
      code: `static dma_addr_t demo_host_alloc(struct demo_host *host, size_t size)
{
\tstruct iova *alloc = alloc_iova(&host->iova, PAGE_ALIGN(size) >> PAGE_SHIFT,
\t\t\t\t       host->iova_end >> PAGE_SHIFT, true);

\treturn alloc ? iova_dma_addr(&host->iova, alloc) : 0;
}
`,
      path: 'drivers/gpu/host1x/demo.c',
    },
  ],
  invalid: [
    {
      name: 'the IOVA offset taken with offset_in_page()',
      code: pageOffset,
      path: DMA_IOMMU,
      errors: [{ messageId: 'pageUnit', message: msg('offset_in_page(phys)', 'iommu_dma_alloc_iova()', 'iova_offset(iovad, x)'), ...at(pageOffset, 'offset_in_page'), severity: 'warning' }],
      output: tryAlloc(),
    },
    {
      name: 'the reservation aligned with PAGE_ALIGN()',
      code: pageAlign,
      path: DMA_IOMMU,
      errors: [{ message: msg('PAGE_ALIGN(size + iova_off)', 'iommu_dma_alloc_iova()', 'iova_align(iovad, x)'), ...at(pageAlign, 'PAGE_ALIGN') }],
      output: tryAlloc(),
    },
    { name: 'a link rewinding phys with PAGE_MASK', code: maskLink, path: DMA_IOMMU, errors: [{ message: msg('PAGE_MASK', '__dma_iova_link()', '~iova_mask(iovad)'), ...at(maskLink, 'PAGE_MASK') }], output: null },
    { name: 'a free rewinding state->addr with PAGE_MASK', code: maskFree, path: DMA_IOMMU, errors: [{ message: msg('PAGE_MASK', 'iommu_dma_free_iova()', '~iova_mask(iovad)'), ...at(maskFree, 'PAGE_MASK') }] },
    { name: 'a granule count shifted by PAGE_SHIFT', code: pfnCount, path: DMA_IOMMU, errors: [{ message: msg('PAGE_SHIFT', 'alloc_iova_fast()', 'iova_shift(iovad)'), ...at(pfnCount, 'PAGE_SHIFT') }] },
    {
      name: 'the published address offset by offset_in_page()',
      code: inlineOffset,
      path: DMA_IOMMU,
      errors: [{ message: msg('offset_in_page(phys)', 'state->addr', 'iova_offset(iovad, x)'), ...at(inlineOffset, 'offset_in_page') }],
      output: tryAlloc({ addr: 'addr + iova_offset(iovad, phys)' }),
    },
  ],
});
