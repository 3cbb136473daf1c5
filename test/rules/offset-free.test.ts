import { offsetFreeRule } from '../../rules/offset-free.js';
import { DMA_IOMMU, at, free } from './iova-fixtures.js';
import { runRuleTests } from './rule-tester.js';

const notRewound = (callee: string, start: string, address: string): string =>
  `${callee}() starts at \`${start}\`, taken from the unaligned DMA address \`${address}\` without rewinding its in-granule offset: it does not release the range that was reserved`;
const notRealigned = (callee: string, length: string, address: string): string =>
  `${callee}() releases \`${length}\`, which leaves out the in-granule offset of \`${address}\`: it does not release the range that was reserved`;
const runningTotal = (length: string, size: string): string =>
  `dma_iova_destroy() frees iova_align(\`${length}\` + pad), not the reservation made for \`${size}\`: when they differ the free does not mirror the allocation; unlink what was linked and call dma_iova_free()`;

/** __iommu_dma_unmap() in shape, with the rewind and the re-alignment given. */
function unmap(rewind: string, realign: string): string {
  return `static void demo_unmap(struct device *dev, dma_addr_t dma_addr, size_t size)
{
\tstruct iommu_domain *domain = iommu_get_dma_domain(dev);
\tstruct iommu_dma_cookie *cookie = domain->iova_cookie;
\tstruct iova_domain *iovad = &cookie->iovad;
\tsize_t iova_off = iova_offset(iovad, dma_addr);
\tstruct iommu_iotlb_gather iotlb_gather;
\tsize_t unmapped;

${rewind}\tsize = ${realign};
\tiommu_iotlb_gather_init(&iotlb_gather);
\tunmapped = iommu_unmap_fast(domain, dma_addr, size, &iotlb_gather);
\tWARN_ON(unmapped != size);
\tiommu_dma_free_iova(cookie, dma_addr, size, &iotlb_gather);
}
`;
}

/** A block-layer style mapping with the teardown given. */
function caller(teardown: string, reserve = 'req->len'): string {
  return `static int demo_map_bvecs(struct device *dev, struct demo_req *req,
\t\t\t  struct bio_vec *bv, int nr, enum dma_data_direction dir)
{
\tsize_t mapped = 0;
\tint i, ret;

\tif (!dma_iova_try_alloc(dev, &req->state, bvec_phys(&bv[0]), ${reserve}))
\t\treturn -EIO;
\tfor (i = 0; i < nr; i++) {
\t\tret = dma_iova_link(dev, &req->state, bvec_phys(&bv[i]), mapped,
\t\t\t\t    bv[i].bv_len, dir, 0);
\t\tif (ret)
\t\t\tgoto out;
\t\tmapped += bv[i].bv_len;
\t}
\treturn dma_iova_sync(dev, &req->state, 0, mapped);
out:
${teardown}\treturn ret;
}
`;
}

const REWIND = '\tdma_addr -= iova_off;\n';
const startOnly = free({ start: 'state->addr' });
const lengthOnly = free({ length: 'iova_align(iovad, size)' });
const both = free({ start: 'state->addr', length: 'iova_align(iovad, size)' });
const noRewind = unmap('', 'iova_align(iovad, size + iova_off)');
const noRealign = unmap(REWIND, 'iova_align(iovad, size)');
const byPfn = `void demo_iova_free(struct device *dev, struct dma_iova_state *state)
{
\tstruct iova_domain *iovad = demo_iovad(dev);
\tsize_t pad = iova_offset(iovad, state->addr);
\tunsigned long shift = iova_shift(iovad);

\tfree_iova_fast(iovad, iova_pfn(iovad, state->addr),
\t\t       iova_align(iovad, dma_iova_size(state) + pad) >> shift);
}
`;
const unlinkNoRewind = `static void demo_iova_unlink(struct device *dev, struct dma_iova_state *state,
\t\t\t     size_t offset, size_t size)
{
\tstruct iommu_domain *domain = iommu_get_dma_domain(dev);
\tstruct iova_domain *iovad = &domain->iova_cookie->iovad;
\tdma_addr_t addr = state->addr + offset;
\tsize_t iova_start_pad = iova_offset(iovad, addr);
\tstruct iommu_iotlb_gather iotlb_gather;

\tiommu_iotlb_gather_init(&iotlb_gather);
\tsize = iova_align(iovad, size + iova_start_pad);
\tWARN_ON(iommu_unmap_fast(domain, addr, size, &iotlb_gather) != size);
}
`;
const destroyMapped = caller('\tdma_iova_destroy(dev, &req->state, mapped, dir, 0);\n');
const pages = `static int demo_register_pages(struct device *dev, struct dma_iova_state *state,
\t\t\t       struct page **pages, u32 npages, enum dma_data_direction dir)
{
\tu32 i;
\tint ret;

\tif (!dma_iova_try_alloc(dev, state, 0, npages * PAGE_SIZE))
\t\treturn -EIO;
\tfor (i = 0; i < npages; i++) {
\t\tret = dma_iova_link(dev, state, page_to_phys(pages[i]), i * PAGE_SIZE,
\t\t\t\t    PAGE_SIZE, dir, 0);
\t\tif (ret)
\t\t\tgoto err;
\t}
\treturn dma_iova_sync(dev, state, 0, npages * PAGE_SIZE);
err:
\tdma_iova_destroy(dev, state, i * PAGE_SIZE, dir, 0);
\treturn ret;
}
`;

runRuleTests(offsetFreeRule, {
  valid: [
    { name: 'mainline dma_iova_free()', code: free(), path: DMA_IOMMU },
    { name: 'mainline __iommu_dma_unmap()', code: unmap(REWIND, 'iova_align(iovad, size + iova_off)'), path: DMA_IOMMU },
    { name: 'a free by pfn from the unrewound state->addr: iova_pfn() drops the offset itself', code: startOnly, path: DMA_IOMMU },
    { name: 'free_iova_fast() by pfn of the unrewound state->addr', code: byPfn, path: DMA_IOMMU },
    {
      name: 'the start rewound with iova_align_down()',
      code: free({ start: 'iova_align_down(iovad, state->addr)' }),
      path: DMA_IOMMU,
    },
    {
      name: 'freeing an allocated base on a map error',
      code: 'static dma_addr_t demo_map(struct device *dev, struct iommu_dma_cookie *cookie, struct iommu_domain *domain,\n\t\t\t   phys_addr_t phys, size_t size, int prot)\n{\n\tdma_addr_t iova = iommu_dma_alloc_iova(domain, size, dma_get_mask(dev), dev);\n\n\tif (iommu_map(domain, iova, phys, size, prot, GFP_ATOMIC)) {\n\t\tiommu_dma_free_iova(cookie, iova, size, NULL);\n\t\treturn DMA_MAPPING_ERROR;\n\t}\n\treturn iova;\n}\n',
      path: DMA_IOMMU,
    },
    {
      name: 'iommu_dma_free_iova() itself frees an aligned base',
      code: 'static void demo_free_iova(struct iommu_dma_cookie *cookie, dma_addr_t iova, size_t size)\n{\n\tstruct iova_domain *iovad = &cookie->iovad;\n\n\tfree_iova_fast(iovad, iova_pfn(iovad, iova), size >> iova_shift(iovad));\n}\n',
      path: DMA_IOMMU,
    },
    { name: 'a caller destroying the size it reserved', code: caller('\tdma_iova_destroy(dev, &req->state, req->len, dir, 0);\n') },
    { name: 'a caller destroying dma_iova_size()', code: caller('\tdma_iova_destroy(dev, &req->state, dma_iova_size(&req->state), dir, 0);\n') },
    { name: 'a caller unlinking what was linked, then freeing', code: caller('\tif (mapped)\n\t\tdma_iova_unlink(dev, &req->state, 0, mapped, dir, 0);\n\tdma_iova_free(dev, &req->state);\n') },
  ],
  invalid: [
    {
      name: 'an unlink unmapping from the unrewound state->addr',
      code: unlinkNoRewind,
      path: DMA_IOMMU,
      errors: [{ messageId: 'startNotRewound', message: notRewound('iommu_unmap_fast', 'addr', 'state->addr'), ...at(unlinkNoRewind, 'addr, size, &'), severity: 'error' }],
      output: unlinkNoRewind.replace('iommu_unmap_fast(domain, addr,', 'iommu_unmap_fast(domain, addr - iova_start_pad,'),
    },
    {
      name: 'a free whose length leaves out the pad',
      code: lengthOnly,
      path: DMA_IOMMU,
      errors: [{ messageId: 'lengthNotRealigned', message: notRealigned('iommu_dma_free_iova', 'iova_align(iovad, size)', 'state->addr'), ...at(lengthOnly, 'iova_align(iovad, size)') }],
      output: free(),
    },
    {
      name: 'neither rewound nor re-aligned: the length is what matters for a free by pfn',
      code: both,
      path: DMA_IOMMU,
      errors: [{ messageId: 'lengthNotRealigned', ...at(both, 'iova_align(iovad, size)') }],
      output: free({ start: 'state->addr' }),
    },
    {
      name: 'an unmap that forgets dma_addr -= iova_off',
      code: noRewind,
      path: DMA_IOMMU,
      errors: [{ message: notRewound('iommu_unmap_fast', 'dma_addr', 'dma_addr'), ...at(noRewind, 'dma_addr, size, &iotlb') }],
      output: unmap('', 'iova_align(iovad, size + iova_off)').replace('iommu_unmap_fast(domain, dma_addr,', 'iommu_unmap_fast(domain, dma_addr - iova_off,'),
    },
    {
      name: 'an unmap re-aligning without the offset',
      code: noRealign,
      path: DMA_IOMMU,
      errors: [
        { message: notRealigned('iommu_unmap_fast', 'size', 'dma_addr'), ...at(noRealign, 'size, &iotlb') },
        { message: notRealigned('iommu_dma_free_iova', 'size', 'dma_addr'), ...at(noRealign, 'size, &iotlb', 1) },
      ],
      output: unmap(REWIND, 'iova_align(iovad, size + iova_off)'),
    },
    {
      name: 'a caller destroying the running link total (D4, block layer error path)',
      code: destroyMapped,
      errors: [{ messageId: 'destroyRunningTotal', message: runningTotal('mapped', 'req->len'), ...at(destroyMapped, 'dma_iova_destroy('), severity: 'note' }],
      output: caller('\tif (mapped)\n\t\tdma_iova_unlink(dev, &req->state, 0, mapped, dir, 0);\n\tdma_iova_free(dev, &req->state);\n'),
    },
    {
      name: 'a caller destroying the pages linked so far (D4, vfio-mlx5 error path)',
      code: pages,
      errors: [{ message: runningTotal('i * PAGE_SIZE', 'npages * PAGE_SIZE'), ...at(pages, 'dma_iova_destroy(') }],
    },
  ],
});
