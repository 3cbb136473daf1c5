// The precision run of the dma/* mask rules (issue 4, item 7) on a real kernel tree:
//   npx tsx bench/mask-rules-precision.ts /work/linux [--list FILE] [--rule dma/mask-source] [--json OUT]
// Reviews drivers/iommu/, kernel/dma/ and every file of ../shared/kernel/dma-files.txt (or --list)
// one file at a time, as `iovalint --file PATH` does, and prints every finding and the counts per
// rule. Benchmark use only: the tree is never a test dependency.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { changeSetFromFiles } from '../patch/files.js';
import { defaultConfig } from '../review/config.js';
import { reviewSync } from '../review/index.js';
import type { Finding } from '../review/types.js';
import bitMaskArg from '../rules/bit-mask-arg.js';
import maskCheckEnd from '../rules/mask-check-end.js';
import maskSource from '../rules/mask-source.js';
import maskTruncation from '../rules/mask-truncation.js';
import setMaskUnchecked from '../rules/set-mask-unchecked.js';
import type { Rule } from '../rules/types.js';
import { precisionArgs } from './precision-args.js';

const { tree, listPath, only, jsonOut } = precisionArgs('bench/mask-rules-precision.ts');

const all: Rule[] = [maskSource, maskTruncation, maskCheckEnd, setMaskUnchecked, bitMaskArg];
const rules = only ? all.filter((r) => r.meta.id === only) : all;

function cFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(join(tree, d), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = join(d, name.name);
      if (name.isDirectory()) walk(rel);
      else if (name.name.endsWith('.c')) out.push(rel);
    }
  };
  walk(dir);
  return out;
}

const files = [...new Set([...cFilesUnder('drivers/iommu'), ...cFilesUnder('kernel/dma'), ...readFileSync(listPath, 'utf8').split('\n').filter(Boolean)])];
const config = defaultConfig();
for (const rule of rules) config.rules[rule.meta.id] = { enabled: true, options: {} };

const findings: Finding[] = [];
let functions = 0;
let notChecked = 0;
const started = performance.now();
for (const rel of files) {
  const changeSet = await changeSetFromFiles([join(tree, rel)], { root: tree });
  const report = reviewSync(changeSet, { rules, simulator: false, config });
  functions += report.functions.length;
  notChecked += report.functions.filter((f) => !f.checked).length;
  for (const f of report.findings) findings.push({ ...f, file: relative(tree, join(tree, rel)) });
}
const ms = performance.now() - started;

for (const f of findings) console.log(`${f.file}:${f.line}:${f.column}: ${f.severity}: ${f.message} [${f.ruleId}]`);
console.log(`\n${files.length} files, ${functions} functions (${notChecked} not fully checked), ${Math.round(ms / 1000)} s`);
const counts = new Map<string, number>();
for (const f of findings) counts.set(f.ruleId, (counts.get(f.ruleId) ?? 0) + 1);
for (const rule of rules) console.log(`${rule.meta.id}: ${counts.get(rule.meta.id) ?? 0}`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(findings.map((f) => ({ rule: f.ruleId, file: f.file, line: f.line, column: f.column, message: f.message })), null, 1));
