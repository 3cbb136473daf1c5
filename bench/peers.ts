// npm run bench -- --peers KERNEL_DIR: iovalint side by side with checkpatch.pl and Coccinelle's
// spatch on a real kernel tree, alternating the tools on the same inputs, medians of the runs.
//   1. a 20-patch series generated from the tree (small edits inside DMA functions):
//      checkpatch.pl vs iovalint --tree, per patch;
//   2. the 1,387 files of dma-files.txt: spatch with one small rule (prefiltered and every file
//      parsed) vs iovalint with all rules and the simulator (prefiltered and not), and the
//      tree-sitter parse-only floor on one core;
//   3. all of drivers/: spatch prefiltered vs iovalint prefiltered (the same one rule, and all rules).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, timed, type TimedRun } from './run.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const kernel = process.argv[2];
const quick = process.argv.includes('--quick');
const full = process.argv.includes('--full');
const rounds = quick ? 1 : 3;
if (!kernel || !existsSync(join(kernel, 'scripts/checkpatch.pl'))) {
  process.stderr.write('usage: bench/peers.ts KERNEL_DIR (a tree from get-kernel.sh, with scripts/checkpatch.pl)\n');
  process.exit(2);
}
const DMA_FILES = '/work/shared/kernel/dma-files.txt';
const dmaFiles = readFileSync(existsSync(DMA_FILES) ? DMA_FILES : join(root, 'bench/dma-files.txt'), 'utf8').trim().split('\n');
const work = mkdtempSync(join(tmpdir(), 'iovalint-peers-'));
const cli = join(root, 'bin/iovalint.js');
const hasSpatch = timed('sh', ['-c', 'command -v spatch']).code === 0;

/** The one small Coccinelle rule: a DMA-mask setter whose result is dropped (dma/set-mask-unchecked). */
const COCCI_RULE = `// A DMA mask setter whose result is ignored.
@@
expression dev, mask;
@@
(
* dma_set_mask(dev, mask);
|
* dma_set_mask_and_coherent(dev, mask);
|
* dma_set_coherent_mask(dev, mask);
)
`;
const cocciFile = join(work, 'set-mask-unchecked.cocci');
writeFileSync(cocciFile, COCCI_RULE);

function row(label: string, value: string): void {
  process.stdout.write(`${label.padEnd(58)} ${value}\n`);
}

function stats(runs: TimedRun[]): { s: number; mib?: number; cpu?: number } {
  const mibs = runs.map((r) => r.peakMiB).filter((m): m is number => m !== undefined);
  const cpus = runs.map((r) => r.cpuS).filter((c): c is number => c !== undefined);
  return { s: median(runs.map((r) => r.ms)) / 1000, ...(mibs.length ? { mib: median(mibs) } : {}), ...(cpus.length ? { cpu: median(cpus) } : {}) };
}

function show(label: string, runs: TimedRun[], per = 1): number {
  const { s, mib, cpu } = stats(runs);
  const failed = runs.find((r) => r.code !== 0 && r.code !== 1);
  // CPU time beside wall time says how much of each tool ran in parallel
  const cpuText = cpu !== undefined && per === 1 ? `, CPU ${cpu.toFixed(1)} s` : '';
  row(label, `${(s / per).toFixed(per > 1 ? 3 : 2)} s${per > 1 ? ' per patch' : ''}${cpuText}${mib !== undefined ? `, peak ${mib.toFixed(0)} MiB` : ''}${failed ? ` (exit ${failed.code}: ${failed.stderr.trim().split('\n').pop()})` : ''}`);
  return s / per;
}

/** Alternates the commands round by round, so machine load hits all of them alike. */
function alternate(commands: Array<() => TimedRun>): TimedRun[][] {
  const results: TimedRun[][] = commands.map(() => []);
  for (let round = 0; round < rounds; round++) commands.forEach((run, i) => results[i]!.push(run()));
  return results;
}

/** 20 patches, each a one-line edit (a trailing comment) on a DMA call inside a function. */
function generateSeries(): string[] {
  const patches: string[] = [];
  const call = /^\t+.*\b(dma_map_single|dma_map_page|dma_set_mask_and_coherent|dma_set_mask|dma_alloc_coherent|iommu_map)\(.*;\s*$/;
  for (const file of dmaFiles) {
    if (patches.length === 20) break;
    if (!file.startsWith('drivers/')) continue;
    const text = readFileSync(join(kernel!, file), 'utf8');
    const lines = text.split('\n');
    const at = lines.findIndex((l) => call.test(l) && !l.includes('/*'));
    if (at < 3 || at + 4 > lines.length) continue;
    const n = patches.length + 1;
    const before = lines.slice(at - 3, at);
    const after = lines.slice(at + 1, at + 4);
    const hunk = [
      `@@ -${at - 2},7 +${at - 2},7 @@`,
      ...before.map((l) => ` ${l}`),
      `-${lines[at]}`,
      `+${lines[at]!.replace(/\s*$/, '')} /* checked by bench */`,
      ...after.map((l) => ` ${l}`),
    ];
    const patch = [
      `From 0000000000000000000000000000000000000${String(n).padStart(3, '0')} Mon Sep 17 00:00:00 2001`,
      'From: Bench Mark <bench@example.org>',
      'Date: Sat, 28 Nov 2026 00:00:00 +0000',
      `Subject: [PATCH ${n}/20] bench: note a DMA call in ${file.split('/').pop()}`,
      '',
      'A one-line change inside a function that calls the DMA API.',
      '',
      'Signed-off-by: Bench Mark <bench@example.org>',
      '---',
      ` ${file} | 2 +-`,
      ' 1 file changed, 1 insertion(+), 1 deletion(-)',
      '',
      `diff --git a/${file} b/${file}`,
      'index 1111111..2222222 100644',
      `--- a/${file}`,
      `+++ b/${file}`,
      ...hunk,
      '-- ',
      '2.39.5',
      '',
    ].join('\n');
    const path = join(work, `${String(n).padStart(4, '0')}-bench.patch`);
    writeFileSync(path, patch);
    patches.push(path);
  }
  return patches;
}

function seriesComparison(): void {
  process.stdout.write('\n-- 20-patch series (edits inside DMA functions), per patch\n');
  const patches = generateSeries();
  const [checkpatch, iovalint] = alternate([
    () => timed('perl', ['scripts/checkpatch.pl', '-q', '--no-summary', ...patches], { cwd: kernel! }),
    () => timed(process.execPath, [cli, '--tree', kernel!, '--format', 'terse', '--fail-on', 'error', ...patches]),
  ]);
  const cp = show('checkpatch.pl on the series', checkpatch!, patches.length);
  const io = show('iovalint --tree on the series (all rules + simulator)', iovalint!, patches.length);
  row('  ratio iovalint / checkpatch (target <= 1.0)', (io / cp).toFixed(2));
  const [single] = alternate([() => timed(process.execPath, [cli, '--tree', kernel!, '--fail-on', 'error', patches[0]!])]);
  show('iovalint on one patch (one process, cold start)', single!);
}

function dmaFilesComparison(): void {
  process.stdout.write(`\n-- the ${dmaFiles.length} files of dma-files.txt\n`);
  const listArgs = dmaFiles.map((f) => join(kernel!, f));
  const commands: Array<[string, () => TimedRun]> = [
    ['tree-sitter-c parse only, one core (floor)', () => timed(process.execPath, ['--import', 'tsx', join(root, 'bench/parse-floor.ts'), kernel!, DMA_FILES])],
    ['iovalint, all rules + simulator, prefiltered', () => timed(process.execPath, [cli, '--tree', kernel!, '-q', '--format', 'terse', '--fail-on', 'error', '--file', ...listArgs])],
    ['iovalint, all rules + simulator, every file parsed', () => timed(process.execPath, [cli, '--tree', kernel!, '-q', '--format', 'terse', '--fail-on', 'error', '--no-prefilter', '--file', ...listArgs])],
  ];
  if (hasSpatch) {
    // spatch takes the files given on its command line as ONE group (parsed and matched together:
    // minutes and gigabytes for 1,387 files); one file at a time is what --dir does, so the
    // benchmark gives it a copy of the files under their tree paths
    const copy = join(work, 'dma-files');
    for (const f of dmaFiles) {
      mkdirSync(dirname(join(copy, f)), { recursive: true });
      copyFileSync(join(kernel!, f), join(copy, f));
    }
    commands.push(['spatch, one rule, may skip files without its words', () => timed('spatch', ['--sp-file', cocciFile, '-j', '2', '--very-quiet', '--dir', copy])]);
    commands.push(['spatch, one rule, every file parsed', () => timed('spatch', ['--sp-file', cocciFile, '-j', '2', '--very-quiet', '--disable-worth-trying-opt', '--dir', copy])]);
  }
  const results = alternate(commands.map(([, run]) => run));
  const seconds = commands.map(([label], i) => show(label, results[i]!));
  row('  ratio iovalint (prefiltered) / parse-only floor (target <= 1.5)', (seconds[1]! / seconds[0]!).toFixed(2));
  if (hasSpatch) {
    row('  ratio iovalint all rules / spatch one rule, every file parsed (target <= 0.2)', (seconds[1]! / seconds[4]!).toFixed(2));
    // what the 0.2 target leaves for everything but the parse: a tool that parses every file with
    // tree-sitter spends the floor's time (over its cores) before any rule runs
    row('  for scale: the parse-only floor / the same spatch (one core; halved on two cores)', (seconds[0]! / seconds[4]!).toFixed(2));
  } else row('spatch', 'not installed (apt-get install coccinelle)');
}

function driversComparison(): void {
  process.stdout.write('\n-- all .c files of drivers/\n');
  const drivers = join(kernel!, 'drivers');
  const commands: Array<[string, () => TimedRun]> = [
    ['iovalint --rule dma/set-mask-unchecked, prefiltered', () => timed(process.execPath, [cli, '--tree', kernel!, '-q', '--format', 'terse', '--fail-on', 'error', '--rule', 'dma/set-mask-unchecked', '--file', drivers])],
    ['iovalint, all rules + simulator, prefiltered', () => timed(process.execPath, [cli, '--tree', kernel!, '-q', '--format', 'terse', '--fail-on', 'error', '--file', drivers])],
  ];
  if (hasSpatch) commands.push(['spatch, one rule, prefiltered', () => timed('spatch', ['--sp-file', cocciFile, '-j', '2', '--very-quiet', '--dir', drivers])]);
  if (hasSpatch && full) commands.push(['spatch, one rule, every file parsed', () => timed('spatch', ['--sp-file', cocciFile, '-j', '2', '--very-quiet', '--disable-worth-trying-opt', '--dir', drivers])]);
  const results = alternate(commands.map(([, run]) => run));
  const seconds = commands.map(([label], i) => show(label, results[i]!));
  if (hasSpatch) row('  ratio iovalint same rule / spatch, prefiltered (target <= 1.0)', (seconds[0]! / seconds[2]!).toFixed(2));
}

seriesComparison();
dmaFilesComparison();
driversComparison();
