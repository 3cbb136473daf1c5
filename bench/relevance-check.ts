// The relevance gate changes no finding on real code: every file of a list reviewed whole, all
// rules (opt-in options too), with the gate on and off; prints the differences and both times.
//   npx tsx bench/relevance-check.ts KERNEL_DIR [LIST]   (LIST: default ../shared/kernel/dma-files.txt)
import { defaultConfig } from '../review/config.js';
import { registeredRules } from '../review/defaults.js';
import { reviewSync } from '../review/index.js';
import { runOnOffCheck } from './on-off-check.js';

const config = defaultConfig();
for (const rule of registeredRules()) config.rules[rule.meta.id] = { enabled: true, options: { ...(config.rules[rule.meta.id]?.options ?? {}), latent: true } };

runOnOffCheck(
  {
    script: 'bench/relevance-check.ts',
    what: 'the gate',
    review: (changeSet, on) => reviewSync(changeSet, { simulator: false, config, ...(on ? {} : { relevanceGate: false }) }),
  },
  process.argv.slice(2),
);
