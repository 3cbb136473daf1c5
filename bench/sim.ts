// npx tsx bench/sim.ts [--quick]
// The simulator's figures: interpreted runs per second (each run: a fresh model world, inputs
// bound, the function interpreted with its model calls, the return-time assertions), and the
// time the simulator adds to reviewing a generated 20-function patch (review with and without it).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseFile, type ParsedFile } from '../c/index.js';
import type { ScenarioSpec } from '../model/index.js';
import { buildChangeSet, parsePatchInput } from '../patch/index.js';
import { reviewSync } from '../review/index.js';
import { representativeScenarios } from '../sim/index.js';
import { execute, emptyInputs } from '../sim/execute.js';
import { finishRun } from '../sim/finish.js';
import { analyzeParams } from '../sim/params.js';
import { Program } from '../sim/program.js';
import { DEFAULT_BUDGETS } from '../sim/run.js';
import { generateSeries } from './generate.js';

const quick = process.argv.includes('--quick');
const repeats = quick ? 1 : 3;

function line(label: string, value: string): void {
  process.stdout.write(`${label.padEnd(52)} ${value}\n`);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const fixtures = fileURLToPath(new URL('../fixtures/sim/', import.meta.url));
const file = (name: string): ParsedFile => parseFile(`drivers/sim/${name}`, readFileSync(`${fixtures}${name}`, 'utf8'));

/** Runs `fnName` over every scenario and choice sequence until `seconds` pass; returns runs/s. */
function runsPerSecond(parsed: ParsedFile, fnName: string, seconds: number): { perSecond: number; runs: number } {
  const functions = new Map(parsed.functions.map((fn) => [fn.name, { file: parsed, fn }]));
  const cf = functions.get(fnName)!;
  const program = new Program(functions, [parsed]);
  const params = analyzeParams(cf, program, 64);
  const scenarios: ScenarioSpec[] = representativeScenarios();
  const budgets = { ...DEFAULT_BUDGETS, deadline: Date.now() + 60_000 };
  let runs = 0;
  const run = (spec: ScenarioSpec, prefix: number[]): number[] | undefined => {
    const r = execute({ program, cf, params, spec, inputs: emptyInputs(), budgets, pageSize: 4096n, prefix });
    finishRun(r, 'confirm');
    runs++;
    return r.nextPrefix;
  };
  const sweep = (ms: number): number => {
    runs = 0;
    const start = performance.now();
    while (performance.now() < start + ms) {
      for (const spec of scenarios) {
        let prefix: number[] | undefined = [];
        while (prefix) prefix = run(spec, prefix);
      }
    }
    return performance.now() - start;
  };
  sweep(seconds * 500); // warm-up: the JIT settles after a few hundred runs
  const elapsed = sweep(seconds * 1000);
  return { perSecond: runs / (elapsed / 1000), runs };
}

const seconds = quick ? 0.5 : 2;
const cases: Array<[string, string, string]> = [
  ['seed-shaped allocation helper (5 model calls)', 'size-overflow.c', 'waldo_iova_alloc'],
  ['caller: try_alloc, link, sync, unwind (3 model calls)', 'lifecycle.c', 'xfer_map'],
  ['mask probe (2 model calls)', 'set-mask-unchecked.c', 'thud_probe_checked'],
];
for (const [label, fixture, fn] of cases) {
  const r = runsPerSecond(file(fixture), fn, seconds);
  line(`runs per second: ${label}`, `${r.perSecond.toFixed(0)} runs/s (${r.runs} runs)`);
}

// The review of a generated 20-function patch, with and without the simulator.
const series = generateSeries(20, 7);
const changeSet = buildChangeSet(parsePatchInput(series, 'bench-20.mbox'));
reviewSync(changeSet, { simulator: false });
reviewSync(changeSet);
const without: number[] = [];
const withSim: number[] = [];
const simMs: number[] = [];
let findings = 0;
let confirmed = 0;
let refuted = 0;
for (let i = 0; i < repeats; i++) {
  let t = performance.now();
  reviewSync(changeSet, { simulator: false });
  without.push(performance.now() - t);
  t = performance.now();
  const report = reviewSync(changeSet);
  withSim.push(performance.now() - t);
  simMs.push(report.timings.simMs);
  findings = report.findings.length + report.refuted.length;
  confirmed = report.findings.filter((f) => f.confirmation === 'confirmed').length;
  refuted = report.refuted.length;
}
const functions = changeSet.files.length;
line('20-function patch: review without the simulator', `${median(without).toFixed(0)} ms`);
line('20-function patch: review with the simulator', `${median(withSim).toFixed(0)} ms (${findings} findings: ${confirmed} confirmed, ${refuted} refuted)`);
line('  time the simulator adds', `${(median(withSim) - median(without)).toFixed(0)} ms (report.timings.simMs ${median(simMs).toFixed(0)} ms, ${functions} files)`);
