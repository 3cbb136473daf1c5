import { sizeOverflowRule } from '../../rules/size-overflow.js';
import { DMA_IOMMU, at, tryAlloc } from './iova-fixtures.js';
import { runRuleTests } from './rule-tester.js';

const narrowed = (value: string, type: string): string => `\`${value}\` is a 64-bit length narrowed to \`${type}\`: sizes of 4 GiB and more wrap to a small IOVA length`;
const arith = (value: string, type: string, limit: string): string =>
  `\`${value}\` is computed in \`${type}\` (32 bits) before it becomes a size_t length: it overflows at ${limit}; widen an operand first (e.g. \`(size_t)n << PAGE_SHIFT\`) or use size_mul()`;
const LATENT = { latent: true };

function reserve(type: string, size: string): string {
  return `static bool demo_reserve(struct device *dev, struct dma_iova_state *state, ${type} npages)
{
\treturn dma_iova_try_alloc(dev, state, 0, ${size});
}
`;
}

const u32Local = tryAlloc({ locals: '\tu32 len = iova_align(iovad, size + iova_off);\n', length: 'len' });
const castArg = tryAlloc({ length: 'iova_align(iovad, (u32)(size + iova_off))' });
const intShift = reserve('int', 'npages << PAGE_SHIFT');
const u32Mul = reserve('u32', 'npages * SZ_4K');
const linkLen = `static int demo_link_tail(struct device *dev, struct dma_iova_state *state,
\t\t\t  phys_addr_t phys, size_t mapped, size_t len)
{
\tunsigned int chunk = len;

\treturn dma_iova_link(dev, state, phys, mapped, chunk, DMA_TO_DEVICE, 0);
}
`;
const latent = tryAlloc();

runRuleTests(sizeOverflowRule, {
  valid: [
    { name: 'mainline: the latent 32-bit wrap is off by default (D23)', code: tryAlloc(), path: DMA_IOMMU },
    { name: 'a size_t local', code: tryAlloc({ locals: '\tsize_t len = iova_align(iovad, size + iova_off);\n', length: 'len' }), path: DMA_IOMMU },
    { name: 'an int count widened before the shift', code: reserve('int', '(size_t)npages << PAGE_SHIFT') },
    { name: 'a u32 count times PAGE_SIZE is unsigned long arithmetic (vfio-mlx5)', code: reserve('u32', 'npages * PAGE_SIZE') },
    {
      name: 'a u32 local holding a 32-bit quantity (host1x pushbuffer shape)',
      code: `static int demo_pushbuffer_map(struct demo_host *host, struct iommu_domain *domain, phys_addr_t phys)
{
\tu32 size = DEMO_SLOTS * 8 + 4;

\tsize = iova_align(&host->iova, size);
\treturn iommu_map(domain, host->iova_base, phys, size, IOMMU_READ, GFP_KERNEL);
}
`,
    },
    {
      name: 'a 32-bit-only architecture: size_t is 32 bits too',
      code: 'static int demo_map_pages(struct iommu_domain *domain, unsigned long iova, phys_addr_t phys, unsigned int count)\n{\n\treturn iommu_map(domain, iova, phys, count << PAGE_SHIFT, IOMMU_READ, GFP_KERNEL);\n}\n',
      path: 'arch/arm/mm/dma-mapping.c',
    },
    {
      name: 'with latent: true, a size bounded before the sum',
      code: tryAlloc({ guards: '\tif (!size || size > SIZE_MAX - iova_off - iovad->granule)\n\t\treturn false;\n' }),
      path: DMA_IOMMU,
      options: LATENT,
    },
  ],
  invalid: [
    { name: 'size + pad aligned into a u32 local', code: u32Local, path: DMA_IOMMU, errors: [{ messageId: 'narrowed', message: narrowed('iova_align(iovad, size + iova_off)', 'u32'), ...at(u32Local, 'iova_align(iovad, size + iova_off)'), severity: 'error' }], output: null },
    { name: 'size + pad cast to u32', code: castArg, path: DMA_IOMMU, errors: [{ message: narrowed('size + iova_off', 'u32'), ...at(castArg, '(u32)') }] },
    { name: 'an int page count shifted into bytes', code: intShift, errors: [{ messageId: 'arithmetic32', message: arith('npages << PAGE_SHIFT', 'int', '2 GiB'), ...at(intShift, 'npages <<') }] },
    { name: 'a u32 count times SZ_4K', code: u32Mul, errors: [{ message: arith('npages * SZ_4K', 'unsigned int', '4 GiB'), ...at(u32Mul, 'npages *') }] },
    { name: 'a size_t length kept in an unsigned int', code: linkLen, errors: [{ message: narrowed('len', 'unsigned int'), ...at(linkLen, 'len;') }] },
    {
      name: 'with latent: true, the mainline 32-bit wrap as a note (D23)',
      code: latent,
      path: DMA_IOMMU,
      options: LATENT,
      errors: [
        {
          messageId: 'latentWrap',
          message: '`size + iova_off` is not checked for wrap-around: with a 32-bit size_t a size near SIZE_MAX wraps to a small reservation (mainline has the same latent wrap, reference D23)',
          ...at(latent, 'size + iova_off'),
          severity: 'note',
        },
      ],
    },
  ],
});
