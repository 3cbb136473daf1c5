// The double-unmap pre-check (rules/lifecycle/unmap-reach.ts) changes no finding on real code:
// every file of a list reviewed whole by the lifecycle rules with the pre-check on and off; prints
// the differences and both times.
//   npx tsx bench/unmap-reach-check.ts KERNEL_DIR [LIST]   (LIST: default ../shared/kernel/dma-files.txt)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wholeFileChange } from '../patch/index.js';
import type { ChangeSet } from '../patch/types.js';
import { reviewSync } from '../review/index.js';
import type { Report } from '../review/types.js';
import { lifecycleSettings } from '../rules/lifecycle/analysis.js';
import { LIFECYCLE_RULES } from '../rules/lifecycle/registry.js';

const [kernel, list = '/work/shared/kernel/dma-files.txt'] = process.argv.slice(2);
if (!kernel) {
  process.stderr.write('usage: bench/unmap-reach-check.ts KERNEL_DIR [LIST]\n');
  process.exit(2);
}
const files = readFileSync(list, 'utf8').trim().split('\n');
const rules = LIFECYCLE_RULES;
const lines = (r: Report): string[] => r.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.message}`);

const ms = { on: 0, off: 0 };
let findings = 0;
let differing = 0;
for (const file of files) {
  const bytes = readFileSync(join(kernel, file));
  const run = (on: boolean): string[] => {
    lifecycleSettings.unmapPrecheck = on;
    const t = performance.now();
    const changeSet = { files: [wholeFileChange(file, bytes)], wholeFiles: true } as ChangeSet;
    const out = lines(reviewSync(changeSet, { simulator: false, rules }));
    ms[on ? 'on' : 'off'] += performance.now() - t;
    return out;
  };
  const on = run(true);
  const off = run(false);
  findings += off.length;
  if (JSON.stringify(on) !== JSON.stringify(off)) {
    differing++;
    process.stdout.write(`${file}: only without the pre-check ${JSON.stringify(off.filter((x) => !on.includes(x)))}; only with it ${JSON.stringify(on.filter((x) => !off.includes(x)))}\n`);
  }
}
process.stdout.write(`${files.length} files, ${findings} lifecycle findings without the pre-check, ${differing} files differ; pre-check on ${(ms.on / 1000).toFixed(1)} s, off ${(ms.off / 1000).toFixed(1)} s (one thread)\n`);
