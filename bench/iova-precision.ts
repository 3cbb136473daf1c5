// Precision run of the iova/* mission rules over real kernel code (issue 4, item 7): every report
// on drivers/iommu/, kernel/dma/ and the DMA-using files of shared/kernel/dma-files.txt, for triage.
// Usage: node --import tsx bench/iova-precision.ts [/work/linux] [--list extra-files.txt] [--dirs a,b,...]
// Benchmark only: the kernel tree is never a test dependency.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { reviewSync } from '../review/index.js';
import { defaultConfig } from '../review/config.js';
import { allRules } from '../rules/index.js';
import type { ChangeSet } from '../patch/types.js';

const root = process.argv[2] ?? '/work/linux';
const listFile = process.argv.includes('--list') ? process.argv[process.argv.indexOf('--list') + 1] : join(import.meta.dirname, '../../shared/kernel/dma-files.txt');
const rules = allRules.filter((r) => r.meta.id.startsWith('iova/') && ['size-zero-guard', 'swiotlb-flag-guard', 'raw-size-access', 'offset-size', 'offset-addr', 'offset-free', 'offset-granule', 'link-pad-offset', 'size-overflow'].includes(r.meta.id.slice(5)));

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (name.endsWith('.c')) out.push(relative(root, p));
  }
}

const files = new Set<string>();
const dirsArg = process.argv.includes('--dirs') ? process.argv[process.argv.indexOf('--dirs') + 1].split(',') : [];
for (const dir of ['drivers/iommu', 'kernel/dma', ...dirsArg]) {
  const list: string[] = [];
  walk(join(root, dir), list);
  list.forEach((f) => files.add(f));
}
if (existsSync(listFile)) for (const line of readFileSync(listFile, 'utf8').split('\n')) if (line.trim()) files.add(line.trim());

// cheap prefilter: a file naming nothing these rules look at cannot yield a report
const WORDS = /iova|__size|dma_iova_|iommu_map|iommu_unmap|alloc_iova/;
const config = defaultConfig();
for (const r of rules) config.rules[r.meta.id] = { enabled: true, options: {} };
const started = performance.now();
let scanned = 0;
let parsedFiles = 0;
const counts = new Map<string, number>();
for (const path of [...files].sort()) {
  const full = join(root, path);
  if (!existsSync(full)) continue;
  scanned++;
  const text = readFileSync(full, 'utf8');
  if (!WORDS.test(text)) continue;
  parsedFiles++;
  const changeSet: ChangeSet = {
    files: [{ path, status: 'added', isC: true, binary: false, postImage: text, partial: false, changedLines: new Set(), deletionPoints: new Set(), lineOrigin: new Map(), hunks: [] }],
    patches: [],
    source: 'precision',
    wholeFiles: true,
  };
  const report = reviewSync(changeSet, { rules, simulator: false, config });
  for (const f of report.findings) {
    counts.set(f.ruleId, (counts.get(f.ruleId) ?? 0) + 1);
    console.log(`${f.file}:${f.line}:${f.column}: ${f.severity}: ${f.message} [${f.ruleId}] (${f.function ?? '-'})`);
  }
}
console.log(`\n${scanned} files, ${parsedFiles} parsed after the word prefilter, ${((performance.now() - started) / 1000).toFixed(1)} s`);
for (const r of rules) console.log(`${r.meta.id}: ${counts.get(r.meta.id) ?? 0}`);
