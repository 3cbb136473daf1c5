// iova/stale-state: a dma_iova_state used after free/destroy, never initialised, or left holding an
// earlier mapping on a fallback path that neither try_alloc nor memset cleared (D1).
// Confidence high.
import { lifecycleRule } from './lifecycle/rule.js';

export default lifecycleRule({
  id: 'iova/stale-state',
  severity: 'error',
  confidence: 'high',
  description: 'a state reused on a fallback path without dma_iova_try_alloc() or memset clearing it first',
  docs: 'rules/stale-state.md',
  appliesTo: 'caller',
  fixable: false,
  messages: {
    useAfterRelease: '{{callee}}() on {{state}} after it was released at line {{releasedLine}}: the state is not cleared, dma_use_iova() stays true until a new dma_iova_try_alloc()',
    releasedTwice: '{{callee}}() releases {{state}} again (already released at line {{releasedLine}})',
    useUninit: '{{callee}}() reads {{state}}, which was never initialised: memset() it or pass it to dma_iova_try_alloc() first',
    staleFallback:
      '{{callee}}() maps through the fallback, but on this path {{state}} was neither cleared nor passed to dma_iova_try_alloc(): dma_use_iova() still sees the previous mapping; memset() it first',
  },
});
