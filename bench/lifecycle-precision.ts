// The precision run of the issue-6 lifecycle and layering rules on a real kernel tree:
//   npx tsx bench/lifecycle-precision.ts /work/linux [--list FILE] [--rule iova/double-unmap] [--json OUT]
// (NO_SCAN=1: only the files of --list, no directory scan)
// Reviews drivers/iommu/, kernel/dma/, the files of ../shared/kernel/dma-files.txt (or --list), and
// every .c file under drivers/, kernel/dma/, mm/ and block/ that names an unmap, the IOVA API or a
// DMA-domain internal, one file at a time as `iovalint --file PATH` does (helpers of the same file
// are summarised). Prints every finding, the counts per rule and the time. The tree is never a test
// dependency.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { changeSetFromFiles } from '../patch/files.js';
import { defaultConfig } from '../review/config.js';
import { reviewSync } from '../review/index.js';
import type { Finding } from '../review/types.js';
import { LIFECYCLE_RULES } from '../rules/lifecycle/registry.js';
import { precisionArgs } from './precision-args.js';

const { tree, listPath, only, jsonOut } = precisionArgs('bench/lifecycle-precision.ts');
const rules = only ? LIFECYCLE_RULES.filter((r) => r.meta.id === only) : LIFECYCLE_RULES;

/** Words that make a file relevant to these rules. */
const WORDS = /\b(dma_unmap_\w+|dma_iova_\w+|iova_cookie|iommu_get_dma_domain|alloc_iova\w*|free_iova\w*|iommu_map\w*|iommu_unmap\w*|iommu_dma_\w+)\s*\(|->iova_cookie\b/;

function cFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    if (!existsSync(join(tree, d))) return;
    for (const name of readdirSync(join(tree, d), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = join(d, name.name);
      if (name.isDirectory()) walk(rel);
      else if (name.name.endsWith('.c')) out.push(rel);
    }
  };
  walk(dir);
  return out;
}

const scanned = process.env.NO_SCAN ? [] : ['drivers', 'kernel/dma', 'mm', 'block'].flatMap(cFilesUnder).filter((rel) => WORDS.test(readFileSync(join(tree, rel), 'latin1')));
const listed = readFileSync(listPath, 'utf8').split('\n').filter(Boolean);
const files = process.env.NO_SCAN ? listed : [...new Set([...cFilesUnder("drivers/iommu"), ...cFilesUnder("kernel/dma"), ...listed, ...scanned])];
const config = defaultConfig();
for (const rule of rules) config.rules[rule.meta.id] = { enabled: true, options: {} };

const findings: Finding[] = [];
let functions = 0;
let notChecked = 0;
let slowest = { file: '', ms: 0 };
let done = 0;
const started = performance.now();
for (const rel of files) {
  const t0 = performance.now();
  const changeSet = await changeSetFromFiles([join(tree, rel)], { root: tree });
  const report = reviewSync(changeSet, { rules, simulator: false, config });
  const ms = performance.now() - t0;
  if (ms > slowest.ms) slowest = { file: rel, ms };
  functions += report.functions.length;
  notChecked += report.functions.filter((f) => !f.checked).length;
  for (const f of report.findings) findings.push({ ...f, file: rel });
  if (++done % 100 === 0) console.error(`${done}/${files.length} files, ${Math.round((performance.now() - started) / 1000)} s`);
}
const ms = performance.now() - started;

for (const f of findings) console.log(`${f.file}:${f.line}:${f.column}: ${f.severity}: ${f.message} [${f.ruleId}]${f.function ? ` in ${f.function}()` : ''}`);
console.log(`\n${files.length} files (${scanned.length} found by words), ${functions} functions (${notChecked} not fully checked), ${Math.round(ms / 1000)} s; slowest ${slowest.file} ${Math.round(slowest.ms)} ms`);
const counts = new Map<string, number>();
for (const f of findings) counts.set(f.ruleId, (counts.get(f.ruleId) ?? 0) + 1);
for (const rule of rules) console.log(`${rule.meta.id}: ${counts.get(rule.meta.id) ?? 0}`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(findings.map((f) => ({ rule: f.ruleId, file: f.file, line: f.line, column: f.column, function: f.function, message: f.message })), null, 1));
