// iova/link-out-of-range: a link, sync, unlink or destroy whose end provably exceeds the size given
// to dma_iova_try_alloc() (symbolic: loop bounds from the guards, sizes as linear forms).
// Confidence high (reported only when the excess is certainly positive).
import { lifecycleRule } from './lifecycle/rule.js';

export default lifecycleRule({
  id: 'iova/link-out-of-range',
  severity: 'error',
  confidence: 'high',
  description: 'a link, sync or unlink beyond the size reserved by try_alloc',
  docs: 'rules/link-out-of-range.md',
  appliesTo: 'caller',
  fixable: false,
  messages: {
    beyondReservation:
      '{{callee}}() reaches {{end}} bytes into a reservation of {{reserved}} (dma_iova_try_alloc() at line {{line}}): {{excess}} past its end, in IOVA space that is not this state\'s',
  },
});
