// iova/missing-sync: ranges linked and then published by a success return with no dma_iova_sync()
// after them on that path. Confidence high (any later sync of the state counts as covering).
import { lifecycleRule } from './lifecycle/rule.js';

export default lifecycleRule({
  id: 'iova/missing-sync',
  severity: 'error',
  confidence: 'high',
  description: 'links published to the device (address stored or returned as success) with no dma_iova_sync() covering them',
  docs: 'rules/missing-sync.md',
  appliesTo: 'caller',
  fixable: false,
  messages: {
    unsynced: 'the range linked here reaches the success return at line {{returnLine}} without a dma_iova_sync() covering it',
    unsyncedHelper: '{{helper}}() links ranges of {{state}} that reach the success return at line {{returnLine}} without a dma_iova_sync() covering them',
  },
});
