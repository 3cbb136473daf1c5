import { offsetSizeRule } from '../../rules/offset-size.js';
import { DMA_IOMMU, at, link, tryAlloc } from './iova-fixtures.js';
import { runRuleTests } from './rule-tester.js';

const reservation = (length: string, offset = 'iova_off', callee = 'iommu_dma_alloc_iova'): string =>
  `${callee}() reserves \`${length}\`, which leaves out the in-granule offset \`${offset}\` of phys: the buffer's last bytes fall outside the reservation`;
const mapping = (length: string, offset = 'iova_off', callee = 'iommu_map'): string =>
  `${callee}() maps from the rewound phys but for \`${length}\`, which leaves out the in-granule offset \`${offset}\`: the buffer's last bytes are not mapped`;

/** A one-step map in the shape of __iommu_dma_map(), with the aligned size given. */
function oneStep(aligned: string): string {
  return `static dma_addr_t demo_map(struct device *dev, phys_addr_t phys, size_t size,
\t\t\t   int prot, u64 dma_mask)
{
\tstruct iommu_domain *domain = iommu_get_dma_domain(dev);
\tstruct iommu_dma_cookie *cookie = domain->iova_cookie;
\tstruct iova_domain *iovad = &cookie->iovad;
\tsize_t iova_off = iova_offset(iovad, phys);
\tdma_addr_t iova;

\tsize = ${aligned};
\tiova = iommu_dma_alloc_iova(domain, size, dma_mask, dev);
\tif (!iova)
\t\treturn DMA_MAPPING_ERROR;
\tif (iommu_map(domain, iova, phys - iova_off, size, prot, GFP_ATOMIC)) {
\t\tiommu_dma_free_iova(cookie, iova, size, NULL);
\t\treturn DMA_MAPPING_ERROR;
\t}
\treturn iova + iova_off;
}
`;
}

const seedMutation = tryAlloc({ length: 'iova_align(iovad, size)' });
const oneStepMutation = oneStep('iova_align(iovad, size)');
const linkMutation = link({ length: 'iova_align(iovad, size)' });
const ignoresPhys = tryAlloc({ length: 'iova_align(iovad, size)', addr: 'addr', offset: '0' });
const ownDomain = `static dma_addr_t demo_own_map(struct demo_ctx *ctx, phys_addr_t phys, size_t len)
{
\tunsigned long off = offset_in_page(phys);
\tdma_addr_t iova = demo_get_iova(ctx, len);

\tif (iommu_map(ctx->domain, iova, phys & PAGE_MASK, PAGE_ALIGN(len), IOMMU_READ, GFP_KERNEL))
\t\treturn DMA_MAPPING_ERROR;
\treturn iova + off;
}
`;
const granules = `static bool demo_iova_alloc_fast(struct device *dev, struct dma_iova_state *state,
\t\t\t\t phys_addr_t phys, size_t size)
{
\tstruct iova_domain *iovad = demo_iovad(dev);
\tunsigned long shift = iova_shift(iovad);
\tsize_t iova_off = iova_offset(iovad, phys);
\tunsigned long pfn;

\tif (!size || size & DMA_IOVA_USE_SWIOTLB)
\t\treturn false;
\tpfn = alloc_iova_fast(iovad, iova_align(iovad, size) >> shift,
\t\t\t      dma_get_mask(dev) >> shift, true);
\tif (!pfn)
\t\treturn false;
\tstate->addr = ((dma_addr_t)pfn << shift) + iova_off;
\tstate->__size = size;
\treturn true;
}
`;

runRuleTests(offsetSizeRule, {
  valid: [
    { name: 'the seed: iova_align(iovad, size + iova_off)', code: tryAlloc(), path: DMA_IOMMU },
    { name: 'a one-step map aligning in place, as __iommu_dma_map() does', code: oneStep('iova_align(iovad, size + iova_off)'), path: DMA_IOMMU },
    { name: 'mainline dma_iova_link()', code: link(), path: DMA_IOMMU },
    {
      name: 'the length through a local',
      code: tryAlloc({ locals: '\tsize_t len = size + iova_off;\n', length: 'iova_align(iovad, len)' }),
      path: DMA_IOMMU,
    },
    {
      name: 'a page-granular allocation takes no phys (iommu_dma_alloc_remap shape)',
      code: `static dma_addr_t demo_alloc_remap(struct device *dev, size_t size)
{
\tstruct iommu_domain *domain = iommu_get_dma_domain(dev);
\tstruct iova_domain *iovad = &domain->iova_cookie->iovad;

\tsize = iova_align(iovad, size);
\treturn iommu_dma_alloc_iova(domain, size, dev->coherent_dma_mask, dev);
}
`,
      path: DMA_IOMMU,
    },
    {
      name: 'a running total is not judged (iommu_dma_map_sg shape)',
      code: `static dma_addr_t demo_map_sg(struct device *dev, struct scatterlist *sg, int nents)
{
\tstruct iommu_domain *domain = iommu_get_dma_domain(dev);
\tstruct iova_domain *iovad = &domain->iova_cookie->iovad;
\tstruct scatterlist *s;
\tsize_t iova_len = 0;
\tint i;

\tfor_each_sg(sg, s, nents, i) {
\t\tsize_t s_iova_off = iova_offset(iovad, s->offset);

\t\tiova_len += iova_align(iovad, s->length + s_iova_off);
\t}
\treturn iommu_dma_alloc_iova(domain, iova_len, dma_get_mask(dev), dev);
}
`,
      path: DMA_IOMMU,
    },
    {
      name: 'a mapping from an unrewound phys',
      code: 'static int demo_map_page(struct iommu_domain *domain, unsigned long iova, phys_addr_t phys, size_t size)\n{\n\treturn iommu_map(domain, iova, phys, size, IOMMU_READ, GFP_KERNEL);\n}\n',
    },
  ],
  invalid: [
    {
      name: 'the seed without + iova_off',
      code: seedMutation,
      path: DMA_IOMMU,
      errors: [{ messageId: 'reservation', message: reservation('iova_align(iovad, size)'), ...at(seedMutation, 'iova_align(iovad, size)'), severity: 'error' }],
      output: tryAlloc(),
    },
    {
      name: 'a one-step map aligning without the offset: reservation and mapping',
      code: oneStepMutation,
      path: DMA_IOMMU,
      errors: [
        { messageId: 'reservation', message: reservation('size'), ...at(oneStepMutation, 'size, dma_mask') },
        { messageId: 'mapping', message: mapping('size'), ...at(oneStepMutation, 'size, prot') },
      ],
      output: oneStep('iova_align(iovad, size + iova_off)'),
    },
    {
      name: 'a link without the start pad',
      code: linkMutation,
      path: DMA_IOMMU,
      errors: [{ messageId: 'mapping', message: mapping('iova_align(iovad, size)', 'iova_start_pad', '__dma_iova_link'), ...at(linkMutation, 'iova_align(iovad, size)') }],
      output: link(),
    },
    {
      name: 'an implementation that ignores phys altogether',
      code: ignoresPhys,
      path: DMA_IOMMU,
      errors: [{ message: reservation('iova_align(iovad, size)', 'iova_offset(iovad, phys)'), ...at(ignoresPhys, 'iova_align(iovad, size)') }],
      output: null,
    },
    {
      name: 'a driver mapping its own domain from phys & PAGE_MASK',
      code: ownDomain,
      path: 'drivers/gpu/drm/demo/demo_iommu.c',
      errors: [{ message: mapping('PAGE_ALIGN(len)', 'off'), ...at(ownDomain, 'PAGE_ALIGN(len)') }],
      output: ownDomain.replace('PAGE_ALIGN(len)', 'PAGE_ALIGN(len + off)'),
    },
    {
      name: 'a granule count for alloc_iova_fast() without the offset',
      code: granules,
      path: DMA_IOMMU,
      errors: [{ message: reservation('iova_align(iovad, size) >> shift', 'iova_off', 'alloc_iova_fast'), ...at(granules, 'iova_align(iovad, size) >> shift') }],
    },
  ],
});
