// npm run bench [-- --peers KERNEL_DIR] [-- --quick]
// Prints parse throughput, whole-run time per patch and peak memory for inputs generated here,
// then the simulator's figures, then (with --peers) the side-by-side comparison with checkpatch
// and Coccinelle on a real kernel tree. Figures are medians of several runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCFile, generateSeries } from './generate.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const peersIndex = args.indexOf('--peers');
const peersDir = peersIndex >= 0 ? args[peersIndex + 1] : undefined;
const runs = quick ? 1 : 3;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface TimedRun {
  ms: number;
  /** Peak resident set size in MiB, when /usr/bin/time is available. */
  peakMiB?: number;
  /** User + system CPU seconds of the command and its children, when /usr/bin/time is available. */
  cpuS?: number;
  code: number;
  stdout: string;
  stderr: string;
}

const hasGnuTime = existsSync('/usr/bin/time');

/** Runs a command, returning wall time and (with GNU time) peak RSS. */
export function timed(command: string, commandArgs: string[], options: { cwd?: string; input?: string } = {}): TimedRun {
  const marker = '@@iovalint-bench-rss@@';
  const [cmd, cmdArgs] = hasGnuTime ? ['/usr/bin/time', ['-f', `${marker}%M %U %S`, command, ...commandArgs]] : [command, commandArgs];
  const start = performance.now();
  const result = spawnSync(cmd, cmdArgs, {
    cwd: options.cwd ?? root,
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  const ms = performance.now() - start;
  let stderr = result.stderr ?? '';
  let peakMiB: number | undefined;
  let cpuS: number | undefined;
  const at = stderr.lastIndexOf(marker);
  if (at >= 0) {
    const [rss, user, sys] = stderr.slice(at + marker.length).trim().split(/\s+/).map(Number);
    peakMiB = rss! / 1024;
    if (Number.isFinite(user) && Number.isFinite(sys)) cpuS = user! + sys!;
    stderr = stderr.slice(0, at);
  }
  return { ms, ...(peakMiB !== undefined ? { peakMiB } : {}), ...(cpuS !== undefined ? { cpuS } : {}), code: result.status ?? -1, stdout: result.stdout ?? '', stderr };
}

function fmt(n: number, digits = 1): string {
  return n.toFixed(digits);
}

function section(title: string): void {
  process.stdout.write(`\n== ${title}\n`);
}

function line(label: string, value: string): void {
  process.stdout.write(`${label.padEnd(52)} ${value}\n`);
}

function ensureBuilt(): void {
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
}

function engineBench(work: string): void {
  section('engine (issue 2): generated inputs');
  const bigFile = join(work, 'drivers/misc/bench/big.c');
  spawnSync('mkdir', ['-p', join(work, 'drivers/misc/bench')]);
  const text = generateCFile(4 * 1024 * 1024);
  writeFileSync(bigFile, text);
  const mb = Buffer.byteLength(text) / 1024 / 1024;

  // Parse throughput, in a child so the figure includes nothing else.
  const parse = [...Array(runs)].map(() => timed(process.execPath, ['--import', 'tsx', join(root, 'bench/parse-child.ts'), bigFile]));
  const parseMs = median(parse.map((r) => Number(JSON.parse(r.stdout).parseMs)));
  line(`parse (macro pre-pass + tree-sitter + index), ${fmt(mb)} MB`, `${fmt(parseMs, 0)} ms = ${fmt(mb / (parseMs / 1000))} MB/s`);

  const cli = join(root, 'bin/iovalint.js');
  const whole = [...Array(runs)].map(() => timed(process.execPath, [cli, '--file', bigFile, '--format', 'json', '--fail-on', 'error']));
  const wholeMs = median(whole.map((r) => r.ms));
  const rules = JSON.parse(whole[0]!.stdout) as { findings: unknown[]; functions: unknown[] };
  line(`review of the whole file, all rules + simulator`, `${fmt(wholeMs, 0)} ms (${fmt(mb / (wholeMs / 1000))} MB/s), ${rules.functions.length} functions, ${rules.findings.length} findings`);
  line('  peak memory', whole[0]!.peakMiB !== undefined ? `${fmt(median(whole.map((r) => r.peakMiB!)), 0)} MiB` : 'n/a (no /usr/bin/time)');

  const series = join(work, 'series.mbox');
  writeFileSync(series, generateSeries(20));
  const seriesRuns = [...Array(runs)].map(() => timed(process.execPath, [cli, series, '--format', 'json', '--fail-on', 'error']));
  const seriesMs = median(seriesRuns.map((r) => r.ms));
  const report = JSON.parse(seriesRuns[0]!.stdout) as { findings: unknown[]; timings: { totalMs: number } };
  line('20-patch series, whole command (cold start included)', `${fmt(seriesMs, 0)} ms = ${fmt(seriesMs / 20)} ms per patch`);
  line('  of which the engine (review())', `${fmt(report.timings.totalMs, 0)} ms = ${fmt(report.timings.totalMs / 20)} ms per patch`);
  line('  peak memory', seriesRuns[0]!.peakMiB !== undefined ? `${fmt(median(seriesRuns.map((r) => r.peakMiB!)), 0)} MiB` : 'n/a');

  const onePatch = join(work, 'one.mbox');
  writeFileSync(onePatch, generateSeries(1, 3));
  const one = [...Array(runs)].map(() => timed(process.execPath, [cli, onePatch, '--fail-on', 'error']));
  line('one-patch run, whole command', `${fmt(median(one.map((r) => r.ms)), 0)} ms`);
  const version = [...Array(runs)].map(() => timed(process.execPath, [cli, '--version']));
  line('iovalint --version (cold start)', `${fmt(median(version.map((r) => r.ms)), 0)} ms`);
}

function simBench(): void {
  const script = join(root, 'bench/sim.ts');
  if (!existsSync(script)) {
    section('simulator (issue 5)');
    line('skipped', 'bench/sim.ts is not there yet');
    return;
  }
  section('simulator (issue 5)');
  const result = timed(process.execPath, ['--import', 'tsx', script, ...(quick ? ['--quick'] : [])]);
  process.stdout.write(result.stdout);
  if (result.code !== 0) process.stdout.write(`(bench/sim.ts failed: ${result.stderr.trim().split('\n').pop()})\n`);
}

async function peersBench(dir: string): Promise<void> {
  const script = join(root, 'bench/peers.ts');
  section(`peers (issue 8) on ${dir}`);
  if (!existsSync(script)) {
    line('skipped', 'bench/peers.ts is not there yet');
    return;
  }
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, dir, ...(quick ? ['--quick'] : [])], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) process.stdout.write('(bench/peers.ts failed)\n');
}

async function main(): Promise<void> {
  ensureBuilt();
  const work = mkdtempSync(join(tmpdir(), 'iovalint-bench-'));
  process.stdout.write(`iovalint benchmarks (${runs} run${runs > 1 ? 's' : ''} each, medians; ${new Date().toISOString()})\n`);
  engineBench(work);
  simBench();
  if (peersDir) await peersBench(peersDir);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
