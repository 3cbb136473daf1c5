import { swiotlbFlagGuardRule } from '../../rules/swiotlb-flag-guard.js';
import { DMA_IOMMU, MAINLINE_GUARDS, at, tryAlloc, wrapped } from './iova-fixtures.js';
import { runRuleTests } from './rule-tester.js';

const ZERO = '\tif (WARN_ON_ONCE(!size))\n\t\treturn false;\n';
const STORE_MSG = '`size` is stored in __size with no dominating check that bit 63 (DMA_IOVA_USE_SWIOTLB) is clear: reject `(u64)size & DMA_IOVA_USE_SWIOTLB` first';
const wrongMsg = (test: string): string => `\`${test}\` does not reject every \`size\` with bit 63 (DMA_IOVA_USE_SWIOTLB) set: test \`(u64)size & DMA_IOVA_USE_SWIOTLB\``;
const AFTER_MSG = 'IOVA is reserved before `size` is checked for bit 63 (DMA_IOVA_USE_SWIOTLB): move the check before the allocation';

const noCheck = tryAlloc({ guards: ZERO });
const equality = tryAlloc({ guards: '\tif (!size || size == DMA_IOVA_USE_SWIOTLB)\n\t\treturn false;\n' });
const narrowed = tryAlloc({ guards: ZERO + '\tif (WARN_ON_ONCE((u32)size & DMA_IOVA_USE_SWIOTLB))\n\t\treturn false;\n' });
const lower = tryAlloc({ guards: ZERO + '\tif (WARN_ON_ONCE(lower_32_bits(size) & DMA_IOVA_USE_SWIOTLB))\n\t\treturn false;\n' });
const afterAlloc = tryAlloc({ guards: ZERO, after: '\tif (WARN_ON_ONCE((u64)size & DMA_IOVA_USE_SWIOTLB))\n\t\treturn false;\n' });
const warnOnly = tryAlloc({ guards: ZERO + '\tWARN_ON_ONCE(size & DMA_IOVA_USE_SWIOTLB);\n' });
const otherBit = tryAlloc({ guards: ZERO + '\tif (size & BIT_ULL(62))\n\t\treturn false;\n' });
const wrapperUnchecked = wrapped(ZERO);
const narrowStruct = 'struct dma_iova_state {\n\tdma_addr_t addr;\n\tsize_t __size;\n};\n';
const packed = `static bool demo_iova_adopt(struct device *dev, struct dma_iova_state *state,
\t\t\t    dma_addr_t base, size_t size)
{
\tstruct iommu_domain *domain = iommu_get_dma_domain(dev);

\tif (!iommu_dma_alloc_iova(domain, size, dma_get_mask(dev), dev))
\t\treturn false;
\t*state = (struct dma_iova_state){ .addr = base, .__size = size | DMA_IOVA_USE_SWIOTLB };
\treturn true;
}
`;

runRuleTests(swiotlbFlagGuardRule, {
  valid: [
    { name: 'mainline: WARN_ON_ONCE((u64)size & DMA_IOVA_USE_SWIOTLB)', code: tryAlloc(), path: DMA_IOMMU },
    { name: 'the seed: the test without the cast (the conversion widens size anyway)', code: tryAlloc({ guards: ZERO + '\tif (WARN_ON_ONCE(size & DMA_IOVA_USE_SWIOTLB))\n\t\treturn false;\n' }), path: DMA_IOMMU },
    { name: 'combined with the zero check, behind unlikely', code: tryAlloc({ guards: '\tif (unlikely(!size || (size & DMA_IOVA_USE_SWIOTLB)))\n\t\treturn false;\n' }), path: DMA_IOMMU },
    { name: 'an upper bound below 2^63, over two ifs', code: tryAlloc({ guards: ZERO + '\tif (size > SZ_1G)\n\t\treturn false;\n' }), path: DMA_IOMMU },
    { name: 'a signed test: (s64)size < 0', code: tryAlloc({ guards: ZERO + '\tif (WARN_ON_ONCE((s64)size < 0))\n\t\treturn false;\n' }), path: DMA_IOMMU },
    { name: 'size >= DMA_IOVA_USE_SWIOTLB', code: tryAlloc({ guards: ZERO + '\tif (size >= DMA_IOVA_USE_SWIOTLB)\n\t\treturn false;\n' }), path: DMA_IOMMU },
    {
      name: 'a helper defined in the same change, reached through a local',
      code: tryAlloc({
        before: 'static int demo_check_size(size_t size)\n{\n\tif (!size || size & BIT_ULL(63))\n\t\treturn -EINVAL;\n\treturn 0;\n}\n\n',
        locals: '\tint ret;\n',
        guards: '\tret = demo_check_size(size);\n\tif (ret)\n\t\treturn false;\n',
      }),
      path: DMA_IOMMU,
    },
    {
      name: 'the whole guard negated, 1ULL << 63',
      code: tryAlloc({ guards: '\tif (!(size && !(size & (1ULL << 63))))\n\t\treturn false;\n' }),
      path: DMA_IOMMU,
    },
    {
      name: 'through a goto to an exit label',
      code: `static bool demo_iova_alloc(struct device *dev, struct dma_iova_state *state,
\t\t\t    phys_addr_t phys, size_t size)
{
\tstruct iommu_domain *domain = iommu_get_dma_domain(dev);
\tstruct iova_domain *iovad = &domain->iova_cookie->iovad;
\tsize_t iova_off = iova_offset(iovad, phys);
\tdma_addr_t addr;

\tif (!size)
\t\tgoto out_fail;
\tif (WARN_ON_ONCE(size & BIT_ULL(63)))
\t\tgoto out_fail;
\taddr = iommu_dma_alloc_iova(domain, iova_align(iovad, size + iova_off),
\t\t\t\t    dma_get_mask(dev), dev);
\tif (!addr)
\t\tgoto out_fail;
\tstate->addr = addr + iova_off;
\tstate->__size = size;
\treturn true;

out_fail:
\treturn false;
}
`,
      path: DMA_IOMMU,
    },
    { name: 'a driver writing __size without reserving IOVA is iova/raw-size-access\'s', code: 'static void demo_reset(struct dma_iova_state *state, size_t len)\n{\n\tstate->__size = len;\n}\n' },
    { name: 'the core ORing the flag into the state', code: 'static void demo_mark_bounced(struct dma_iova_state *state)\n{\n\tstate->__size |= DMA_IOVA_USE_SWIOTLB;\n}\n', path: DMA_IOMMU },
    { name: 'the guard in the exported wrapper, the store in its static helper', code: wrapped(MAINLINE_GUARDS), path: DMA_IOMMU },
    { name: 'a 64-bit __size', code: 'struct dma_iova_state {\n\tdma_addr_t addr;\n\tu64 __size;\n};\n', path: 'include/linux/dma-mapping.h' },
    { name: 'a copy of another state\'s size needs no test', code: 'static void demo_copy(struct dma_iova_state *to, struct dma_iova_state *from)\n{\n\tto->__size = from->__size;\n}\n', path: DMA_IOMMU },
  ],
  invalid: [
    { name: 'no flag check', code: noCheck, path: DMA_IOMMU, errors: [{ messageId: 'unguardedStore', message: STORE_MSG, ...at(noCheck, 'state->__size = size'), severity: 'error' }], output: null },
    {
      name: 'size == DMA_IOVA_USE_SWIOTLB only rejects 2^63 itself',
      code: equality,
      path: DMA_IOMMU,
      errors: [{ messageId: 'wrongTest', message: wrongMsg('size == DMA_IOVA_USE_SWIOTLB'), ...at(equality, 'size == DMA') }],
      output: equality.replace('size == DMA_IOVA_USE_SWIOTLB', '(u64)size & DMA_IOVA_USE_SWIOTLB'),
    },
    {
      name: 'the test on a 32-bit value: (u32)size has no bit 63',
      code: narrowed,
      path: DMA_IOMMU,
      errors: [{ messageId: 'wrongTest', message: wrongMsg('(u32)size & DMA_IOVA_USE_SWIOTLB'), ...at(narrowed, '(u32)size') }],
      output: narrowed.replace('(u32)size & DMA_IOVA_USE_SWIOTLB', '(u64)size & DMA_IOVA_USE_SWIOTLB'),
    },
    {
      name: 'the test on lower_32_bits(size)',
      code: lower,
      path: DMA_IOMMU,
      errors: [{ messageId: 'wrongTest', message: wrongMsg('lower_32_bits(size) & DMA_IOVA_USE_SWIOTLB'), ...at(lower, 'lower_32_bits') }],
      output: lower.replace('lower_32_bits(size) & DMA_IOVA_USE_SWIOTLB', '(u64)size & DMA_IOVA_USE_SWIOTLB'),
    },
    { name: 'a right test after the allocation', code: afterAlloc, path: DMA_IOMMU, errors: [{ messageId: 'guardAfterAlloc', message: AFTER_MSG, ...at(afterAlloc, 'iommu_dma_alloc_iova(domain') }] },
    { name: 'a wrapper that checks only for 0 before calling the helper', code: wrapperUnchecked, path: DMA_IOMMU, errors: [{ message: STORE_MSG, ...at(wrapperUnchecked, 'state->__size = size') }] },
    { name: 'WARN_ON_ONCE that warns and stores anyway', code: warnOnly, path: DMA_IOMMU, errors: [{ message: STORE_MSG, ...at(warnOnly, 'state->__size = size') }] },
    { name: 'a mask other than the flag bit', code: otherBit, path: DMA_IOMMU, errors: [{ message: STORE_MSG, ...at(otherBit, 'state->__size = size') }] },
    {
      name: 'packed with the flag in an initialiser, unchecked',
      code: packed,
      path: DMA_IOMMU,
      errors: [{ message: STORE_MSG, ...at(packed, '.__size = size') }],
    },
    {
      name: 'a size_t __size loses the flag on 32-bit builds (D10)',
      code: narrowStruct,
      path: 'include/linux/dma-mapping.h',
      errors: [{ messageId: 'narrowField', message: '__size is `size_t`: DMA_IOVA_USE_SWIOTLB is bit 63 and is lost on 32-bit builds; declare it u64', ...at(narrowStruct, 'size_t'), severity: 'warning' }],
      output: narrowStruct.replace('size_t __size', 'u64 __size'),
    },
  ],
});
