import { offsetAddrRule } from '../../rules/offset-addr.js';
import { DMA_IOMMU, at, link, tryAlloc } from './iova-fixtures.js';
import { runRuleTests } from './rule-tester.js';

const missing = (value: string, offset = 'iova_off'): string =>
  `\`${value}\` is published as the DMA address without the in-granule offset \`${offset}\`: byte k of the buffer is not at this address + k`;
const twice = (value: string): string => `\`${value}\` adds the in-granule offset of phys 2 times: byte k of the buffer is not at this address + k`;
const callerTwice = (offset: string): string =>
  `state->addr already includes the offset of the phys given to dma_iova_try_alloc(): adding \`${offset}\` again points past the buffer`;

function oneStep(result: string): string {
  return `static dma_addr_t demo_map(struct device *dev, phys_addr_t phys, size_t size,
\t\t\t   int prot, u64 dma_mask)
{
\tstruct iommu_domain *domain = iommu_get_dma_domain(dev);
\tstruct iova_domain *iovad = &domain->iova_cookie->iovad;
\tsize_t iova_off = iova_offset(iovad, phys);
\tdma_addr_t iova;

\tsize = iova_align(iovad, size + iova_off);
\tiova = iommu_dma_alloc_iova(domain, size, dma_mask, dev);
\tif (!iova)
\t\treturn DMA_MAPPING_ERROR;
\tif (iommu_map(domain, iova, phys - iova_off, size, prot, GFP_ATOMIC))
\t\treturn DMA_MAPPING_ERROR;
\treturn ${result};
}
`;
}

function caller(publish: string): string {
  return `static int demo_map_first(struct device *dev, struct demo_req *req,
\t\t\t  phys_addr_t phys, size_t len)
{
\tif (!dma_iova_try_alloc(dev, &req->state, phys, len))
\t\treturn -ENOMEM;
\treq->dma = ${publish};
\treturn 0;
}
`;
}

const dropped = tryAlloc({ addr: 'addr' });
const doubled = tryAlloc({ locals: '\tdma_addr_t dma_addr;\n', after: '\tdma_addr = addr + iova_off;\n', addr: 'dma_addr + iova_off' });
const oneStepDropped = oneStep('iova');
const linkStart = link({ iova: 'state->addr + offset' });
const callerPage = caller('req->state.addr + offset_in_page(phys)');
const callerMask = `static dma_addr_t demo_first_dma(struct device *dev, struct dma_iova_state *state,
\t\t\t\t phys_addr_t paddr, size_t len)
{
\tif (!dma_iova_try_alloc(dev, state, paddr, len))
\t\treturn DMA_MAPPING_ERROR;
\treturn state->addr + (paddr & ~PAGE_MASK);
}
`;
const ignoresPhys = tryAlloc({ offset: '0', length: 'iova_align(iovad, size)', addr: 'addr' });
const subtracted = tryAlloc({ addr: 'addr - iova_off' });

runRuleTests(offsetAddrRule, {
  valid: [
    { name: 'the seed: addr + iova_off', code: tryAlloc(), path: DMA_IOMMU },
    { name: 'a one-step map returning iova + iova_off', code: oneStep('iova + iova_off'), path: DMA_IOMMU },
    { name: 'mainline dma_iova_link() rewinds both IOVA and phys', code: link(), path: DMA_IOMMU },
    { name: 'the offset added through a local', code: tryAlloc({ locals: '\tdma_addr_t dma_addr;\n', after: '\tdma_addr = addr + iova_off;\n', addr: 'dma_addr' }), path: DMA_IOMMU },
    {
      name: 'a pfn shifted back and the offset added',
      code: tryAlloc({ locals: '\tunsigned long pfn;\n', after: '\tpfn = alloc_iova_fast(iovad, 1, 0, true);\n', addr: '((dma_addr_t)pfn << iova_shift(iovad)) + iova_off' }),
      path: DMA_IOMMU,
    },
    { name: 'a caller publishing state->addr as is', code: caller('req->state.addr') },
    { name: 'a caller adding the link offset (HMM)', code: caller('req->state.addr + req->offset') },
    {
      name: 'a page-granular allocation publishes its base',
      code: 'static dma_addr_t demo_alloc_pages_iova(struct device *dev, size_t size)\n{\n\tstruct iommu_domain *domain = iommu_get_dma_domain(dev);\n\n\treturn iommu_dma_alloc_iova(domain, size, dma_get_mask(dev), dev);\n}\n',
      path: DMA_IOMMU,
    },
  ],
  invalid: [
    {
      name: 'the seed without + iova_off in state->addr',
      code: dropped,
      path: DMA_IOMMU,
      errors: [{ messageId: 'missing', message: missing('addr'), ...at(dropped, 'addr;\n\tstate->__size'), severity: 'error' }],
      output: tryAlloc(),
    },
    { name: 'the offset added twice through a local', code: doubled, path: DMA_IOMMU, errors: [{ messageId: 'twice', message: twice('dma_addr + iova_off'), ...at(doubled, 'dma_addr + iova_off;\n\tstate->__size') }], output: null },
    {
      name: 'a one-step map returning the bare IOVA',
      code: oneStepDropped,
      path: DMA_IOMMU,
      errors: [{ messageId: 'missing', message: missing('iova'), ...at(oneStepDropped, 'iova;\n}') }],
      output: oneStep('iova + iova_off'),
    },
    {
      name: 'a link that rewinds phys but not the IOVA',
      code: linkStart,
      path: DMA_IOMMU,
      errors: [{ messageId: 'mapStart', message: 'phys is rewound by `iova_start_pad` but the IOVA `state->addr + offset` is not: the link maps the granule at the wrong IOVA', ...at(linkStart, 'state->addr + offset,') }],
      output: link(),
    },
    { name: 'a caller adding offset_in_page(phys) to state->addr', code: callerPage, errors: [{ messageId: 'callerTwice', message: callerTwice('offset_in_page(phys)'), ...at(callerPage, 'req->state.addr + ') }] },
    { name: 'a caller adding paddr & ~PAGE_MASK to state->addr', code: callerMask, errors: [{ messageId: 'callerTwice', message: callerTwice('paddr & ~PAGE_MASK'), ...at(callerMask, 'state->addr + (') }] },
    { name: 'an implementation that ignores phys', code: ignoresPhys, path: DMA_IOMMU, errors: [{ message: missing('addr', 'iova_offset(iovad, phys)'), ...at(ignoresPhys, 'addr;\n\tstate->__size') }], output: null },
    { name: 'the offset subtracted instead of added', code: subtracted, path: DMA_IOMMU, errors: [{ message: missing('addr - iova_off'), ...at(subtracted, 'addr - iova_off') }], output: null },
  ],
});
