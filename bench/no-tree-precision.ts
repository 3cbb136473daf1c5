// False-positive hunt for reviews without a tree: patches that change nothing a rule can see,
// made on real kernel functions and reviewed as hunks only (partial functions). Every finding of
// an issue-4 rule that the review of the whole file does not make too is a false positive of the
// partial-function logic (the kernel precision runs triage the whole-file reports).
//   npx tsx bench/no-tree-precision.ts /work/linux [--list FILE] [--max N] [--every K] [--delete]
// Two edits per chosen line of a function that uses the IOVA or mask API: a trailing comment on a
// statement (the line counts as changed, the statement is the same) and a blank line inserted
// after it (the hunks move). Benchmark use only: the tree is never a test dependency.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFile } from '../c/parse-file.js';
import { buildChangeSet, changeSetFromFiles, parsePatchInput } from '../patch/index.js';
import { reviewSync } from '../review/index.js';
import { allRules } from '../rules/index.js';

const args = process.argv.slice(2);
const tree = args[0];
if (!tree || !existsSync(tree)) {
  console.error('usage: npx tsx bench/no-tree-precision.ts KERNEL_DIR [--list FILE] [--max N] [--every K]');
  process.exit(2);
}
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const listPath = option('--list') ?? join(import.meta.dirname, '../../shared/kernel/dma-files.txt');
const maxEdits = Number(option('--max') ?? 6000);
const every = Number(option('--every') ?? 3);
// --delete: also delete the line (that may make a real defect: the findings are listed for triage)
const deletes = args.includes('--delete');

const ISSUE_4 = new Set([
  'iova/size-zero-guard', 'iova/swiotlb-flag-guard', 'iova/raw-size-access', 'iova/offset-size', 'iova/offset-addr',
  'iova/offset-free', 'iova/offset-granule', 'iova/link-pad-offset', 'iova/size-overflow',
  'dma/mask-source', 'dma/mask-truncation', 'dma/mask-check-end', 'dma/set-mask-unchecked', 'dma/bit-mask-arg',
]);
const rules = allRules.filter((r) => ISSUE_4.has(r.meta.id));
const WORDS = /\b(iova_\w+|dma_iova_\w+|iommu_dma_\w+|alloc_iova\w*|free_iova\w*|iommu_map\w*|iommu_unmap\w*|DMA_BIT_MASK|dma_set_\w*mask\w*|dma_get_mask|coherent_dma_mask|dma_mask|__size|bus_dma_limit)\b/;

const files = new Set<string>(['drivers/iommu/dma-iommu.c', 'drivers/iommu/iova.c']);
for (const dir of ['kernel/dma']) {
  for (const f of readFileSync(listPath, 'utf8').split('\n')) if (f.startsWith(dir)) files.add(f.trim());
}
for (const f of readFileSync(listPath, 'utf8').split('\n').map((x) => x.trim()).filter(Boolean)) files.add(f);

/** git's default funcname: the last line before `line` that starts with a letter, `_` or `$`. */
function sectionFor(lines: string[], line: number): string {
  for (let i = line - 2; i >= 0; i--) if (/^[A-Za-z_$]/.test(lines[i]!)) return lines[i]!.slice(0, 80).trimEnd();
  return '';
}

/** A unified diff with three lines of context for `pre` → `post` that differ in one place. */
function diffOf(path: string, pre: string[], post: string[]): string {
  let first = 0;
  while (first < pre.length && pre[first] === post[first]) first++;
  let tailPre = pre.length - 1;
  let tailPost = post.length - 1;
  while (tailPre >= first && tailPost >= first && pre[tailPre] === post[tailPost]) {
    tailPre--;
    tailPost--;
  }
  const start = Math.max(0, first - 3);
  const endPre = Math.min(pre.length - 1, tailPre + 3);
  const endPost = Math.min(post.length - 1, tailPost + 3);
  const body: string[] = [];
  for (let i = start; i < first; i++) body.push(` ${pre[i]}`);
  for (let i = first; i <= tailPre; i++) body.push(`-${pre[i]}`);
  for (let i = first; i <= tailPost; i++) body.push(`+${post[i]}`);
  for (let i = tailPre + 1; i <= endPre; i++) body.push(` ${pre[i]}`);
  const section = sectionFor(pre, start + 1);
  return [
    `diff --git a/${path} b/${path}`,
    'index 1111111..2222222 100644',
    `--- a/${path}`,
    `+++ b/${path}`,
    `@@ -${start + 1},${endPre - start + 1} +${start + 1},${endPost - start + 1} @@${section ? ` ${section}` : ''}`,
    ...body,
    '',
  ].join('\n');
}

const started = performance.now();
let edits = 0;
let reviewed = 0;
let partialFunctions = 0;
const falsePositives: string[] = [];
const alsoWhole: string[] = [];
outer: for (const path of [...files].sort()) {
  const full = join(tree, path);
  if (!existsSync(full) || !path.endsWith('.c')) continue;
  const text = readFileSync(full, 'utf8');
  if (!WORDS.test(text)) continue;
  const lines = text.split('\n');
  const parsed = parseFile(path, text);
  const whole = reviewSync(await changeSetFromFiles([full], { root: tree }), { rules, simulator: false });
  const wholeKeys = new Set(whole.findings.map((f) => `${f.ruleId}@${f.line}`));
  for (const fn of parsed.functions) {
    if (!WORDS.test(fn.node.text)) continue;
    for (let line = fn.lines.start + 2, k = 0; line < fn.lines.end; line++) {
      const code = lines[line - 1]!;
      if (!/;\s*$/.test(code) || /^\s*(\/\/|\/\*|\*)/.test(code) || k++ % every !== 0) continue;
      for (const kind of deletes ? (['touch', 'blank', 'delete'] as const) : (['touch', 'blank'] as const)) {
        if (edits++ >= maxEdits) break outer;
        const post = [...lines];
        if (kind === 'touch') post[line - 1] = `${code} /* no change */`;
        else if (kind === 'blank') post.splice(line, 0, '');
        else post.splice(line - 1, 1);
        let report;
        try {
          report = reviewSync(buildChangeSet(parsePatchInput(diffOf(path, lines, post), `${path}:${line}`)), { rules, simulator: false });
        } catch (err) {
          falsePositives.push(`${path}:${line} (${kind}): error ${(err as Error).message}`);
          continue;
        }
        reviewed++;
        partialFunctions += report.functions.filter((f) => f.partial).length;
        for (const f of report.findings) {
          // a blank line inserted above moves the finding down by one
          const wholeLine = kind === 'blank' && f.line > line ? f.line - 1 : kind === 'delete' && f.line >= line ? f.line + 1 : f.line;
          (wholeKeys.has(`${f.ruleId}@${wholeLine}`) ? alsoWhole : falsePositives).push(`${path}:${line} (${kind}) ${f.file}:${f.line}: ${f.ruleId}: ${f.message}`);
        }
      }
    }
  }
}
for (const fp of falsePositives) console.log(fp);
console.log(
  `\n${edits} edits, ${reviewed} reviewed, ${partialFunctions} partial functions; ${alsoWhole.length} findings the whole-file review makes too, ` +
    `${falsePositives.length} only without a tree (false positives); ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
