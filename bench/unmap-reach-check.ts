// The double-unmap pre-check (rules/lifecycle/unmap-reach.ts) changes no finding on real code:
// every file of a list reviewed whole by the lifecycle rules with the pre-check on and off; prints
// the differences and both times.
//   npx tsx bench/unmap-reach-check.ts KERNEL_DIR [LIST]   (LIST: default ../shared/kernel/dma-files.txt)
import { reviewSync } from '../review/index.js';
import { lifecycleSettings } from '../rules/lifecycle/analysis.js';
import { LIFECYCLE_RULES } from '../rules/lifecycle/registry.js';
import { runOnOffCheck } from './on-off-check.js';

runOnOffCheck(
  {
    script: 'bench/unmap-reach-check.ts',
    what: 'the pre-check',
    review: (changeSet, on) => {
      lifecycleSettings.unmapPrecheck = on;
      return reviewSync(changeSet, { simulator: false, rules: LIFECYCLE_RULES });
    },
  },
  process.argv.slice(2),
);
