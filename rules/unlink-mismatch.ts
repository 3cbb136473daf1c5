// iova/unlink-mismatch: unlink/destroy whose direction, attributes or range does not mirror the
// links (D7, D11, D12), links at a constant offset in a loop (D25), swapped arguments of an
// unmapping helper (D13). Confidence moderate (attrs compared as written or stored).
import { lifecycleRule } from './lifecycle/rule.js';

export default lifecycleRule({
  id: 'iova/unlink-mismatch',
  severity: 'error',
  confidence: 'moderate',
  description: 'unlink/destroy ranges, directions or attributes that do not mirror the links',
  docs: 'rules/unlink-mismatch.md',
  appliesTo: 'caller',
  fixable: true,
  messages: {
    dirMismatch: '{{callee}}() with direction {{got}}, but the range was linked with {{linked}} (line {{line}})',
    attrsMismatch: '{{callee}}() with attrs {{got}}, but the range was linked with {{linked}} (line {{line}}): unmap with the attributes of the link',
    destroyPartial:
      '{{callee}}() of {{len}} after a failed link: only the bytes linked before the failure are mapped, and unmapping the rest warns and frees the wrong size; destroy the linked length',
    splitsLink:
      '{{callee}}() of [{{offset}}, +{{size}}) lies inside the range linked at line {{line}} ([{{linkOffset}}, +{{linkSize}})) without being it: a partial unmap of a (possibly huge) IOMMU mapping is not supported; unlink what was linked',
    constantOffset:
      'dma_iova_link() in a loop at the constant offset {{offset}} while {{sum}} sums the lengths: every range lands at IOVA offset {{offset}} and the later links do not mirror what is unlinked; link at {{sum}}',
    swappedArgs:
      'argument {{position}} of {{helper}}(), `{{arg}}`, is one descriptor but {{helper}}() walks `{{walked}}` as an array: arguments {{position}} and {{other}} look swapped, so it unmaps what was not mapped',
  },
});
