import { linkPadOffsetRule } from '../../rules/link-pad-offset.js';
import { DMA_IOMMU, at, link } from './iova-fixtures.js';
import { runRuleTests } from './rule-tester.js';

const IMPL_MSG = '__dma_iova_link() links `phys` at `offset` with no dominating check that an unaligned phys is linked only at offset 0: reject `iova_offset(iovad, phys) && offset > 0` first';
const unaligned = (phys: string, why: string, offset: string): string =>
  `\`${phys}\` may start inside a granule (\`${why}\`) but is linked at \`${offset}\`: only the link at offset 0 may be unaligned (dma_iova_link() warns and returns -EIO)`;
const hint = (h: string): string =>
  `\`${h}\` as the phys of dma_iova_try_alloc() requests no alignment: phys only sets the in-granule offset of state->addr; pass the first link's phys, or 0`;

/** A caller linking `phys` at the running `mapped` offset, in a loop. */
function caller(phys: string, guard = ''): string {
  return `static int demo_link_all(struct device *dev, struct dma_iova_state *state,
\t\t\t struct page **pages, struct bio_vec *bv, struct scatterlist *sg,
\t\t\t int n, unsigned int off)
{
\tsize_t mapped = 0;
\tint i, ret;

\tfor (i = 0; i < n; i++) {
${guard}\t\tret = dma_iova_link(dev, state, ${phys}, mapped, PAGE_SIZE,
\t\t\t\t    DMA_TO_DEVICE, 0);
\t\tif (ret)
\t\t\treturn ret;
\t\tmapped += PAGE_SIZE;
\t}
\treturn dma_iova_sync(dev, state, 0, mapped);
}
`;
}

function reserve(phys: string): string {
  return `static bool demo_reserve(struct device *dev, struct dma_iova_state *state, unsigned long npages)
{
\treturn dma_iova_try_alloc(dev, state, ${phys}, npages * PAGE_SIZE);
}
`;
}

const noGuard = link({ guard: '' });
const swiotlbOnly = link({
  guard: '\tif (dev_use_swiotlb(dev, size, dir) && iova_unaligned(iovad, phys, size)) {\n\t\tif (WARN_ON_ONCE(iova_start_pad && offset > 0))\n\t\t\treturn -EIO;\n\t\treturn iommu_dma_iova_link_swiotlb(dev, state, phys, offset, size, dir, attrs);\n\t}\n',
});
const wrongTest = link({ guard: '\tif (WARN_ON_ONCE(iova_start_pad && offset == 0))\n\t\treturn -EIO;\n' });
const pageOff = caller('page_to_phys(pages[i]) + off');
const inPage = caller('page_to_phys(pages[i]) + offset_in_page(buf)').replace('int n, unsigned int off)', 'int n, void *buf)');
const viaLocal = caller('p', '\t\tphys_addr_t p = page_to_phys(pages[i]) + off;\n\n');
const hpage = reserve('HPAGE_PMD_SIZE');
const hpageCond = reserve('npages * PAGE_SIZE >= HPAGE_PMD_SIZE ? HPAGE_PMD_SIZE : 0');

runRuleTests(linkPadOffsetRule, {
  valid: [
    { name: 'mainline: WARN_ON_ONCE(iova_start_pad && offset > 0)', code: link(), path: DMA_IOMMU },
    { name: 'the test written inline, offset first', code: link({ guard: '\tif (offset && iova_offset(iovad, phys))\n\t\treturn -EIO;\n' }), path: DMA_IOMMU },
    { name: 'any unaligned phys rejected, behind unlikely', code: link({ guard: '\tif (unlikely(iova_start_pad))\n\t\treturn -EINVAL;\n' }), path: DMA_IOMMU },
    {
      name: 'a helper defined in the same change',
      code: link({
        before: 'static bool demo_link_ok(size_t pad, size_t offset)\n{\n\treturn !pad || !offset;\n}\n\n',
        guard: '\tif (WARN_ON_ONCE(!demo_link_ok(iova_start_pad, offset)))\n\t\treturn -EIO;\n',
      }),
      path: DMA_IOMMU,
    },
    {
      name: 'through a goto to an exit label',
      code: `int demo_iova_link(struct device *dev, struct dma_iova_state *state,
\t\t   phys_addr_t phys, size_t offset, size_t size,
\t\t   enum dma_data_direction dir, unsigned long attrs)
{
\tstruct iova_domain *iovad = demo_iovad(dev);
\tsize_t iova_start_pad = iova_offset(iovad, phys);
\tint ret = -EIO;

\tif (iova_start_pad && offset > 0)
\t\tgoto out;
\tret = __dma_iova_link(dev, state->addr + offset - iova_start_pad,
\t\t\t      phys - iova_start_pad,
\t\t\t      iova_align(iovad, size + iova_start_pad), dir, attrs);
out:
\treturn ret;
}
`,
      path: DMA_IOMMU,
    },
    { name: 'a caller linking whole pages (HMM, vfio-mlx5)', code: caller('page_to_phys(pages[i])') },
    { name: 'a caller proving alignment first', code: caller('page_to_phys(pages[i]) + off', '\t\tif (!IS_ALIGNED(page_to_phys(pages[i]) + off, PAGE_SIZE))\n\t\t\treturn -EINVAL;\n') },
    {
      name: 'a caller linking an unaligned buffer at offset 0',
      code: 'static int demo_link_one(struct device *dev, struct dma_iova_state *state, struct bio_vec *bv)\n{\n\treturn dma_iova_link(dev, state, bvec_phys(bv), 0, bv->bv_len, DMA_TO_DEVICE, 0);\n}\n',
    },
    { name: 'try_alloc with the first phys, or 0', code: reserve('0') },
    { name: 'per-element offsets: the block layer\'s merge rules may align them (bvec_phys)', code: caller('bvec_phys(&bv[i])') },
    { name: 'per-element offsets: sg_phys', code: caller('sg_phys(&sg[i])') },
  ],
  invalid: [
    { name: 'an implementation with no pad check', code: noGuard, path: DMA_IOMMU, errors: [{ messageId: 'implementationUnchecked', message: IMPL_MSG, ...at(noGuard, '__dma_iova_link('), severity: 'error' }], output: null },
    { name: 'the check on the swiotlb branch only', code: swiotlbOnly, path: DMA_IOMMU, errors: [{ message: IMPL_MSG, ...at(swiotlbOnly, '__dma_iova_link(') }] },
    { name: 'a check of the wrong offset', code: wrongTest, path: DMA_IOMMU, errors: [{ message: IMPL_MSG, ...at(wrongTest, '__dma_iova_link(') }] },
    {
      name: 'a caller linking page + offset at the running offset',
      code: pageOff,
      errors: [{ messageId: 'callerUnaligned', message: unaligned('page_to_phys(pages[i]) + off', 'off', 'mapped'), ...at(pageOff, 'page_to_phys'), severity: 'warning' }],
    },
    { name: 'a caller adding the in-page offset of one buffer to every page', code: inPage, errors: [{ message: unaligned('page_to_phys(pages[i]) + offset_in_page(buf)', 'offset_in_page(buf)', 'mapped'), ...at(inPage, 'page_to_phys') }] },
    { name: 'the same through a local', code: viaLocal, errors: [{ message: unaligned('p', 'off', 'mapped'), ...at(viaLocal, 'p, mapped') }] },
    { name: 'HPAGE_PMD_SIZE as the phys of try_alloc (D17)', code: hpage, errors: [{ messageId: 'allocPhysHint', message: hint('HPAGE_PMD_SIZE'), ...at(hpage, 'HPAGE_PMD_SIZE'), severity: 'note' }] },
    { name: 'HPAGE_PMD_SIZE chosen by size (the DRM pagemap shape)', code: hpageCond, errors: [{ message: hint('HPAGE_PMD_SIZE'), ...at(hpageCond, 'npages * PAGE_SIZE >=') }] },
  ],
});
