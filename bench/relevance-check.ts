// The relevance gate changes no finding on real code: every file of a list reviewed whole, all
// rules (opt-in options too), with the gate on and off; prints the differences and both times.
//   npx tsx bench/relevance-check.ts KERNEL_DIR [LIST]   (LIST: default ../shared/kernel/dma-files.txt)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wholeFileChange } from '../patch/index.js';
import type { ChangeSet } from '../patch/types.js';
import { defaultConfig } from '../review/config.js';
import { registeredRules } from '../review/defaults.js';
import { reviewSync } from '../review/index.js';
import type { Report } from '../review/types.js';

const [kernel, list = '/work/shared/kernel/dma-files.txt'] = process.argv.slice(2);
if (!kernel) {
  process.stderr.write('usage: bench/relevance-check.ts KERNEL_DIR [LIST]\n');
  process.exit(2);
}
const files = readFileSync(list, 'utf8').trim().split('\n');
const config = defaultConfig();
for (const rule of registeredRules()) config.rules[rule.meta.id] = { enabled: true, options: { ...(config.rules[rule.meta.id]?.options ?? {}), latent: true } };
const lines = (r: Report): string[] => r.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.message}`);

let onMs = 0;
let offMs = 0;
let findings = 0;
let differing = 0;
for (const file of files) {
  const bytes = readFileSync(join(kernel, file));
  const changeSet = (): ChangeSet => ({ files: [wholeFileChange(file, bytes)], wholeFiles: true }) as ChangeSet;
  let t = performance.now();
  const on = lines(reviewSync(changeSet(), { simulator: false, config }));
  onMs += performance.now() - t;
  t = performance.now();
  const off = lines(reviewSync(changeSet(), { simulator: false, config, relevanceGate: false }));
  offMs += performance.now() - t;
  findings += off.length;
  if (JSON.stringify(on) !== JSON.stringify(off)) {
    differing++;
    process.stdout.write(`${file}: only without the gate ${JSON.stringify(off.filter((x) => !on.includes(x)))}; only with it ${JSON.stringify(on.filter((x) => !off.includes(x)))}\n`);
  }
}
process.stdout.write(`${files.length} files, ${findings} findings without the gate, ${differing} files differ; gate on ${(onMs / 1000).toFixed(1)} s, off ${(offMs / 1000).toFixed(1)} s (one thread)\n`);
