// iova/link-unchecked: a dma_iova_link()/dma_iova_sync() result thrown away, or a failure that
// still reaches the success return (the `break` of D2). Confidence high.
import { lifecycleRule } from './lifecycle/rule.js';

export default lifecycleRule({
  id: 'iova/link-unchecked',
  severity: 'error',
  confidence: 'high',
  description: 'a dma_iova_link() or dma_iova_sync() result ignored, or a failure swallowed (e.g. break then success)',
  docs: 'rules/link-unchecked.md',
  appliesTo: 'caller',
  fixable: false,
  messages: {
    ignored: 'the result of {{callee}}() is ignored: on failure the range is not mapped, and the caller is told it is',
    swallowed: 'a failure of {{callee}}() here still reaches the success return at line {{returnLine}}: the partial mapping is reported as mapped',
  },
});
