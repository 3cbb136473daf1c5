// iova/leak-on-error: an error return after a successful try_alloc or link that leaves the IOVA
// reserved or ranges linked (no dma_iova_destroy, no unlink + free), helpers of the change
// included. Confidence high (path-exact; a state handed to an unknown function is not followed).
import { lifecycleRule } from './lifecycle/rule.js';

export default lifecycleRule({
  id: 'iova/leak-on-error',
  severity: 'error',
  confidence: 'high',
  description: 'an error path after a successful try_alloc or link that returns without dma_iova_destroy / unlink + free',
  docs: 'rules/leak-on-error.md',
  appliesTo: 'caller',
  fixable: false,
  messages: {
    leak: 'error return leaks {{what}} at line {{line}} ({{state}}): call {{release}} before returning',
    freeWhileLinked: '{{callee}}() frees {{state}} while the range linked at line {{line}} is still linked: unlink it first, or destroy the linked length',
    reallocLive: 'dma_iova_try_alloc() on {{state}} while its reservation from line {{line}} is still live: that IOVA is leaked',
  },
});
