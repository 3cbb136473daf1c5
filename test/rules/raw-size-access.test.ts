import { rawSizeAccessRule } from '../../rules/raw-size-access.js';
import { DMA_IOMMU, at } from './iova-fixtures.js';
import { runRuleTests } from './rule-tester.js';

const NVME = 'drivers/nvme/host/pci.c';

const staleFix = `static blk_status_t demo_map_direct(struct request *req, struct device *dev,
\t\t\t\t    struct dma_iova_state *state)
{
\tstate->__size = 0;
\treturn demo_map_phys(req, dev);
}
`;
const inUse = `static bool demo_coalesced(struct demo_iod *iod)
{
\tif (iod->dma_state.__size)
\t\treturn true;
\treturn false;
}
`;
const lengthRead = `static void demo_unmap(struct device *dev, struct demo_iod *iod)
{
\tdma_iova_destroy(dev, &iod->dma_state, iod->dma_state.__size, DMA_TO_DEVICE, 0);
}
`;
const coreFree = `void demo_iova_free(struct device *dev, struct dma_iova_state *state)
{
\tstruct iommu_domain *domain = iommu_get_dma_domain(dev);
\tstruct iommu_dma_cookie *cookie = domain->iova_cookie;
\tstruct iova_domain *iovad = &cookie->iovad;
\tsize_t iova_start_pad = iova_offset(iovad, state->addr);
\tsize_t size = state->__size;

\tiommu_dma_free_iova(cookie, state->addr - iova_start_pad,
\t\t\t    iova_align(iovad, size + iova_start_pad), NULL);
}
`;
const maskedByHand = `static size_t demo_len(struct dma_iova_state *state)
{
\treturn state->__size & ~DMA_IOVA_USE_SWIOTLB;
}
`;
const flagPeek = `static bool demo_bounced(struct dma_iova_state *state)
{
\treturn state->__size & DMA_IOVA_USE_SWIOTLB;
}
`;
const setSize = `static void demo_resize(struct dma_iova_state *state, size_t len)
{
\tstate->__size = len;
}
`;

runRuleTests(rawSizeAccessRule, {
  valid: [
    { name: 'a driver reading the size through dma_iova_size()', code: 'static size_t demo_len(struct demo_iod *iod)\n{\n\treturn dma_iova_size(&iod->dma_state);\n}\n', path: NVME },
    { name: 'a driver testing dma_use_iova()', code: 'static bool demo_coalesced(struct demo_iod *iod)\n{\n\treturn dma_use_iova(&iod->dma_state);\n}\n', path: NVME },
    { name: 'a driver clearing the state with memset (the D1 fix)', code: 'static void demo_reset(struct dma_iova_state *state)\n{\n\tmemset(state, 0, sizeof(*state));\n}\n', path: NVME },
    { name: 'the core testing the flag', code: flagPeek, path: DMA_IOMMU },
    { name: 'the core testing whether the state is in use', code: 'static bool demo_use(struct dma_iova_state *state)\n{\n\treturn state->__size != 0;\n}\n', path: 'include/linux/dma-mapping.h' },
    { name: 'the header masking the flag by hand', code: maskedByHand, path: 'include/linux/dma-mapping.h' },
    { name: 'a bool helper of the core returning __size as a truth value', code: 'static inline bool demo_use_iova(struct dma_iova_state *state)\n{\n\treturn state->__size;\n}\n', path: 'include/linux/dma-mapping.h' },
    { name: 'the core storing the size', code: setSize, path: DMA_IOMMU },
    { name: 'a __size field of another struct', code: 'struct demo_buf {\n\tsize_t __size;\n};\n\nstatic size_t demo_buf_len(struct demo_buf *buf)\n{\n\treturn buf->__size;\n}\n', path: NVME },
  ],
  invalid: [
    {
      name: 'a driver zeroing __size (Keith Busch\'s first D1 fix)',
      code: staleFix,
      path: 'block/blk-mq-dma.c',
      errors: [{ messageId: 'privateWrite', message: '`state->__size` is private to the DMA core and must not be written here: clear the whole state with memset(state, 0, sizeof(*state))', ...at(staleFix, 'state->__size = 0'), severity: 'warning' }],
      output: staleFix.replace('state->__size = 0;', 'memset(state, 0, sizeof(*state));'),
    },
    {
      name: 'a driver testing __size for "in use"',
      code: inUse,
      path: NVME,
      errors: [{ messageId: 'privateRead', message: '`iod->dma_state.__size` is private to the DMA core: use dma_use_iova(&iod->dma_state)', ...at(inUse, 'iod->dma_state.__size') }],
      output: inUse.replace('iod->dma_state.__size', 'dma_use_iova(&iod->dma_state)'),
    },
    {
      name: 'a driver passing __size as a length',
      code: lengthRead,
      path: NVME,
      errors: [{ messageId: 'rawLength', message: '`iod->dma_state.__size` carries the DMA_IOVA_USE_SWIOTLB flag in bit 63: read the size with dma_iova_size(&iod->dma_state)', ...at(lengthRead, 'iod->dma_state.__size') }],
      output: lengthRead.replace('iod->dma_state.__size', 'dma_iova_size(&iod->dma_state)'),
    },
    {
      name: 'the core freeing the raw __size',
      code: coreFree,
      path: DMA_IOMMU,
      errors: [{ messageId: 'rawLength', message: '`state->__size` carries the DMA_IOVA_USE_SWIOTLB flag in bit 63: read the size with dma_iova_size(state)', ...at(coreFree, 'state->__size') }],
      output: coreFree.replace('state->__size', 'dma_iova_size(state)'),
    },
    {
      name: 'a driver masking the flag by hand',
      code: maskedByHand,
      path: NVME,
      errors: [{ messageId: 'privateRead', message: '`state->__size` is private to the DMA core: use dma_iova_size(state)', ...at(maskedByHand, 'state->__size') }],
      output: maskedByHand.replace('state->__size & ~DMA_IOVA_USE_SWIOTLB', 'dma_iova_size(state)'),
    },
    {
      name: 'a driver peeking at the flag',
      code: flagPeek,
      path: NVME,
      errors: [{ messageId: 'privateRead', message: '`state->__size` is private to the DMA core: use the dma_iova_* calls (the flag is the core\'s bookkeeping)', ...at(flagPeek, 'state->__size') }],
      output: null,
    },
    {
      name: 'a driver setting a size',
      code: setSize,
      path: NVME,
      errors: [{ messageId: 'privateWrite', message: '`state->__size` is private to the DMA core and must not be written here: only dma_iova_try_alloc() sets it', ...at(setSize, 'state->__size') }],
      output: null,
    },
  ],
});
