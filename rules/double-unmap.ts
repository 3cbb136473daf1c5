// iova/double-unmap: an address unmapped twice on one path, a per-segment dma_unmap_*() of an
// address of a coalesced IOVA mapping, or per-segment bookkeeping of such addresses (D9).
// Confidence high for the path checks, moderate for the bookkeeping one.
import { lifecycleRule } from './lifecycle/rule.js';

export default lifecycleRule({
  id: 'iova/double-unmap',
  severity: 'error',
  confidence: 'high',
  description: 'per-segment dma_unmap_* of addresses that the IOVA path coalesced, or an address unmapped twice',
  docs: 'rules/double-unmap.md',
  appliesTo: 'caller',
  fixable: false,
  messages: {
    unmappedTwice: '{{callee}}() unmaps `{{addr}}`, already unmapped at line {{line}} on this path',
    coalescedUnmap: '{{callee}}() unmaps per segment `{{addr}}`, an address of the coalesced IOVA mapping of {{state}}: dma_iova_destroy()/dma_iova_unlink() unmaps it',
    savedCoalesced:
      'per-segment address saved in `{{target}}` for a later dma_unmap_*() although `{{value}}` may be the coalesced IOVA mapping, which dma_iova_destroy() unmaps: save it only when !dma_use_iova()',
  },
});
