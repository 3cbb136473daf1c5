// iova/unchecked-alloc: dma_iova_try_alloc() whose false return still reaches dma_iova_*() on
// that state, or returns success without the dma_map_*() fallback. Confidence high (path-exact).
import { lifecycleRule } from './lifecycle/rule.js';

export default lifecycleRule({
  id: 'iova/unchecked-alloc',
  severity: 'error',
  confidence: 'high',
  description: 'dma_iova_try_alloc() whose false return does not lead to the dma_map_* fallback',
  docs: 'rules/unchecked-alloc.md',
  appliesTo: 'caller',
  fixable: false,
  messages: {
    useAfterFailedAlloc:
      'dma_iova_try_alloc() can return false, yet {{callee}}() at line {{line}} still uses {{state}} on that path: on false, map with dma_map_*() and call no dma_iova_*()',
    useUnallocated: '{{callee}}() on {{state}}, which no dma_iova_try_alloc() reserved on this path (it is zeroed, or holds the dma_map_* fallback)',
    teardownUnchecked:
      '{{callee}}() on {{state}} without testing dma_use_iova(): {{mapper}}() leaves it unreserved when dma_iova_try_alloc() fails, and the teardown then frees IOVA that was never reserved',
    noFallback:
      'when dma_iova_try_alloc() returns false, the success return at line {{returnLine}} is reached without mapping anything: fall back to dma_map_*()',
  },
});
