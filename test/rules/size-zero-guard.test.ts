import { sizeZeroGuardRule } from '../../rules/size-zero-guard.js';
import { DMA_IOMMU, MAINLINE_GUARDS, at, tryAlloc, wrapped } from './iova-fixtures.js';
import { runRuleTests } from './rule-tester.js';

const ALLOC_MSG = 'iommu_dma_alloc_iova() reserves IOVA for a size derived from `size` with no dominating check that `size` is not 0';
const lengthMsg = (length: string, callee: string): string => `\`${length}\` is a size minus a pad and may be 0: ${callee}() is reached with no check that it is non-zero`;
const ALLOC = 'iommu_dma_alloc_iova(domain';

/** The aligned middle of a bounced link (iommu_dma_iova_link_swiotlb), with the check given. */
function middle(check: string, length = 'size'): string {
  return `static int demo_link_middle(struct device *dev, struct dma_iova_state *state,
\t\t\t    phys_addr_t phys, size_t offset, size_t size,
\t\t\t    enum dma_data_direction dir, unsigned long attrs)
{
\tstruct iova_domain *iovad = demo_iovad(dev);
\tsize_t iova_end_pad = iova_offset(iovad, phys + size);
\tdma_addr_t addr = state->addr + offset;
\tint error = 0;

\tsize -= iova_end_pad;
${check}\t\terror = __dma_iova_link(dev, addr, phys, ${length}, dir, attrs);
\treturn error;
}
`;
}

const noGuard = tryAlloc({ guards: '' });
const afterAlloc = tryAlloc({ guards: '', after: '\tif (WARN_ON_ONCE(!size))\n\t\treturn false;\n' });
const oneBranch = tryAlloc({ guards: '\tif (phys) {\n\t\tif (!size)\n\t\t\treturn false;\n\t}\n' });
const wrongVariable = tryAlloc({ guards: '\tif (WARN_ON_ONCE(!phys))\n\t\treturn false;\n' });
const warnOnly = tryAlloc({ guards: '\tWARN_ON_ONCE(!size);\n' });
const staleGuard = tryAlloc({
  guards: '\tif (!size)\n\t\treturn false;\n\tsize = min(size, demo_max_len(dev));\n',
});
const helperElse = tryAlloc({
  before: 'static bool demo_phys_ok(phys_addr_t phys, size_t size)\n{\n\treturn phys != 0;\n}\n\n',
  guards: '\tif (!demo_phys_ok(phys, size))\n\t\treturn false;\n',
});
const wrapperUnchecked = wrapped('\tif (WARN_ON_ONCE((u64)size & DMA_IOVA_USE_SWIOTLB))\n\t\treturn false;\n');
const middleUnchecked = middle('\tif (phys)\n');
const linkCaller = `static int demo_link_tail(struct device *dev, struct dma_iova_state *state,
\t\t\t  phys_addr_t phys, size_t mapped, size_t len, size_t pad)
{
\treturn dma_iova_link(dev, state, phys, mapped, len - pad, DMA_TO_DEVICE, 0);
}
`;

runRuleTests(sizeZeroGuardRule, {
  valid: [
    { name: 'mainline guards: WARN_ON_ONCE(!size) and WARN_ON_ONCE((u64)size & DMA_IOVA_USE_SWIOTLB)', code: tryAlloc(), path: DMA_IOMMU },
    { name: 'combined: !size || size & DMA_IOVA_USE_SWIOTLB', code: tryAlloc({ guards: '\tif (!size || size & DMA_IOVA_USE_SWIOTLB)\n\t\treturn false;\n' }), path: DMA_IOMMU },
    { name: 'behind unlikely, as a comparison', code: tryAlloc({ guards: '\tif (unlikely(size == 0))\n\t\treturn false;\n' }), path: DMA_IOMMU },
    { name: 'the whole condition negated', code: tryAlloc({ guards: '\tif (!(size && !(size & DMA_IOVA_USE_SWIOTLB)))\n\t\treturn false;\n' }), path: DMA_IOMMU },
    { name: 'spread over several ifs, 0 < size', code: tryAlloc({ guards: '\tif (size > SZ_1G)\n\t\treturn false;\n\tif (!(0 < size))\n\t\treturn false;\n' }), path: DMA_IOMMU },
    {
      name: 'a helper defined in the same change',
      code: tryAlloc({
        before: 'static bool demo_size_ok(size_t size)\n{\n\treturn size && !(size & DMA_IOVA_USE_SWIOTLB);\n}\n\n',
        guards: '\tif (WARN_ON_ONCE(!demo_size_ok(size)))\n\t\treturn false;\n',
      }),
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
    {
      name: 'checked before the size is re-aligned in place',
      code: tryAlloc({ guards: MAINLINE_GUARDS + '\tsize = iova_align(iovad, size + iova_off);\n', length: 'size' }),
      path: DMA_IOMMU,
    },
    {
      name: 'the length computed before the test of the (never reassigned) size',
      code: tryAlloc({ locals: '\tsize_t len = iova_align(iovad, size + iova_off);\n', length: 'len' }),
      path: DMA_IOMMU,
    },
    { name: 'BUG_ON(!size)', code: tryAlloc({ guards: '\tBUG_ON(!size);\n' }), path: DMA_IOMMU },
    { name: 'the guard in the exported wrapper, the allocation in its static helper', code: wrapped(MAINLINE_GUARDS), path: DMA_IOMMU },
    { name: 'the aligned middle linked only if (size) (the D5 fix)', code: middle('\tif (size)\n'), path: DMA_IOMMU },
    {
      name: 'a pad subtraction behind a comparison made before it',
      code: middle('\tif (iova_end_pad < size)\n').replace('\tsize -= iova_end_pad;\n', '\tif (iova_end_pad >= size)\n\t\treturn 0;\n\tsize -= iova_end_pad;\n').replace('\tif (iova_end_pad < size)\n', ''),
      path: DMA_IOMMU,
    },
    {
      name: 'a one-step map is the DMA API caller\'s contract (no state: not an implementation of the two-step API)',
      code: `static dma_addr_t demo_map(struct device *dev, phys_addr_t phys, size_t size, int prot, u64 dma_mask)
{
\tstruct iommu_domain *domain = iommu_get_dma_domain(dev);
\tstruct iova_domain *iovad = &domain->iova_cookie->iovad;
\tsize_t iova_off = iova_offset(iovad, phys);
\tdma_addr_t iova = iommu_dma_alloc_iova(domain, iova_align(iovad, size + iova_off), dma_mask, dev);

\treturn iova ? iova + iova_off : DMA_MAPPING_ERROR;
}
`,
      path: DMA_IOMMU,
    },
    {
      name: 'a caller subtracting something that is not a pad',
      code: 'static int demo_link_rest(struct device *dev, struct dma_iova_state *state, phys_addr_t phys,\n\t\t\t  size_t end, size_t start)\n{\n\treturn dma_iova_link(dev, state, phys, start, end - start, DMA_TO_DEVICE, 0);\n}\n',
    },
  ],
  invalid: [
    {
      name: 'no zero-size check at all (fixed by inserting the mainline guard)',
      code: noGuard,
      path: DMA_IOMMU,
      errors: [{ messageId: 'unguardedAlloc', message: ALLOC_MSG, ...at(noGuard, ALLOC), severity: 'error' }],
      output: noGuard.replace('\taddr = iommu_dma_alloc_iova', '\tif (WARN_ON_ONCE(!size))\n\t\treturn false;\n\n\taddr = iommu_dma_alloc_iova'),
    },
    { name: 'a wrapper that does not check before calling the helper', code: wrapperUnchecked, path: DMA_IOMMU, errors: [{ message: ALLOC_MSG, ...at(wrapperUnchecked, ALLOC) }] },
    { name: 'a guard after the allocation does not count', code: afterAlloc, path: DMA_IOMMU, errors: [{ message: ALLOC_MSG, ...at(afterAlloc, ALLOC) }] },
    { name: 'a guard on one branch only', code: oneBranch, path: DMA_IOMMU, errors: [{ message: ALLOC_MSG, ...at(oneBranch, ALLOC) }] },
    { name: 'a guard on the wrong variable', code: wrongVariable, path: DMA_IOMMU, errors: [{ message: ALLOC_MSG, ...at(wrongVariable, ALLOC) }] },
    { name: 'WARN_ON_ONCE(!size) that warns and carries on', code: warnOnly, path: DMA_IOMMU, errors: [{ message: ALLOC_MSG, ...at(warnOnly, ALLOC) }] },
    { name: 'a guard whose variable was reassigned since', code: staleGuard, path: DMA_IOMMU, errors: [{ message: ALLOC_MSG, ...at(staleGuard, ALLOC) }] },
    {
      name: 'the aligned middle of a bounced link, unchecked (D5, before 6ec91df8aff7)',
      code: middleUnchecked,
      path: DMA_IOMMU,
      errors: [{ messageId: 'unguardedLength', message: lengthMsg('size', '__dma_iova_link'), ...at(middleUnchecked, 'size, dir'), severity: 'warning' }],
      output: null,
    },
    {
      name: 'a caller linking a length minus its pad',
      code: linkCaller,
      errors: [{ message: lengthMsg('len - pad', 'dma_iova_link'), ...at(linkCaller, 'len - pad'), severity: 'warning' }],
    },
    { name: 'a guard in a helper of the change that tests something else', code: helperElse, path: DMA_IOMMU, errors: [{ message: ALLOC_MSG, ...at(helperElse, ALLOC) }] },
  ],
});
