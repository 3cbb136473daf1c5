// `iovalint sim FILE… --function NAME [--scenario KEY=VALUE…] [--arg NAME=VALUE…] [--format text|json]`:
// run one function once in the simulator and print what the model saw: every model call in
// order with its arguments, result and events (a WARN is an event of kind "warn"), the invariant
// breaches, the return value and the final values of what pointer arguments point to.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseFile, type ParsedFile } from '../c/index.js';
import { parseScenario } from '../model/index.js';
import { buildChangeSet, InputError, parsePatchInput } from '../patch/index.js';
import { runOnce, type RunOnceReport } from '../review/simulation.js';
import { UsageError } from './errors.js';
import { writeStdout } from './output.js';

export interface SimOptions {
  function?: string;
  scenario?: string[];
  arg?: string[];
  format?: 'text' | 'json';
}

export async function runSim(files: string[], options: Record<string, unknown>): Promise<number> {
  const opts = { ...(options as SimOptions) };
  opts.format = formatFromArgv(process.argv) ?? opts.format;
  const name = opts.function;
  if (!name) throw new UsageError('sim: --function NAME is required');
  if (files.length === 0) throw new UsageError('sim: give the C files (or patches) that hold the function');
  const scenario = parseScenario(opts.scenario ?? []);
  if (!scenario.ok) throw new UsageError(`--scenario: ${scenario.errors.join('; ')}`);
  const args: Record<string, string> = {};
  for (const a of opts.arg ?? []) {
    const eq = a.indexOf('=');
    if (eq <= 0 || eq === a.length - 1) throw new UsageError(`--arg ${a}: expected NAME=VALUE (e.g. --arg size=0x2000)`);
    const key = a.slice(0, eq).trim();
    if (key in args) throw new UsageError(`--arg ${key} given twice`);
    args[key] = a.slice(eq + 1).trim();
  }
  const parsed = files.flatMap((f) => readSources(f));
  if (parsed.length === 0) throw new InputError('no C file in the input', files.join(' '));
  const result = runOnce(parsed, { functionName: name, spec: scenario.spec, args });
  if (!result.ok) throw new InputError(result.error);
  const report = result.report;
  await writeStdout(opts.format === 'json' ? `${JSON.stringify(jsonOf(report), null, 2)}\n` : textOf(report));
  return report.breaches.length > 0 ? 1 : 0;
}

/**
 * The root command also has -f/--format and commander lets it take options placed after the
 * subcommand, so `iovalint sim … --format json` reaches the root, not us: read it back from argv.
 */
function formatFromArgv(argv: readonly string[]): 'text' | 'json' | undefined {
  const at = argv.indexOf('sim');
  if (at < 0) return undefined;
  let found: string | undefined;
  for (let i = at + 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--format' || a === '-f') found = argv[i + 1];
    else if (a.startsWith('--format=')) found = a.slice('--format='.length);
  }
  if (found === undefined) return undefined;
  if (found !== 'text' && found !== 'json') throw new UsageError(`sim: --format must be text or json, not '${found}'`);
  return found;
}

/** A C file as it is, or the post-images of the C files a patch (diff, mail, quoted reply) touches. */
function readSources(path: string): ParsedFile[] {
  const text = readFileSync(path, 'utf8');
  const looksLikePatch = /^(diff --git |--- |\+\+\+ |@@ )/m.test(text) || /^>[ >]*(diff --git |@@ )/m.test(text);
  if (['.c', '.h'].includes(extname(path)) && !looksLikePatch) return [parseFile(path, text)];
  const changeSet = buildChangeSet(parsePatchInput(text, path));
  return changeSet.files
    .filter((f) => f.isC && f.postImage !== undefined)
    .map((f) => parseFile(f.path, f.postImage!, f.partial && f.knownLines ? { knownLines: f.knownLines } : {}));
}

function jsonOf(r: RunOnceReport): object {
  return {
    function: r.function,
    file: r.file,
    scenario: r.scenario,
    inputs: r.inputs,
    return: r.return,
    ended: r.ended,
    trace: r.trace.map((t) => ({ fn: t.fn, args: t.args, result: t.result ?? null, events: t.events, ...(t.line !== undefined ? { line: t.line } : {}) })),
    breaches: r.breaches,
    pointers: r.pointers,
    path: r.path,
    notes: r.notes,
  };
}

function textOf(r: RunOnceReport): string {
  const out: string[] = [];
  out.push(`${r.function} (${r.file}) on ${r.scenarioText}`);
  const inputs = Object.entries(r.inputs).map(([k, v]) => `${k}=${v}`).join(', ');
  if (inputs) out.push(`inputs: ${inputs}`);
  out.push('trace:');
  if (r.trace.length === 0) out.push('  (no model call)');
  for (const t of r.trace) {
    const args = Object.entries(t.args).map(([k, v]) => `${k}=${v}`).join(', ');
    out.push(`  ${t.line ? `line ${t.line}: ` : ''}${t.fn}(${args})${t.result !== undefined ? ` = ${t.result}` : ''}`);
    for (const e of t.events) out.push(`      ${e.kind === 'warn' ? 'WARN' : e.kind}: ${e.message}`);
  }
  if (r.ended.kind === 'returned') out.push(`returned: ${r.return ?? 'void'}`);
  else out.push(`stopped (${r.ended.why}): ${r.ended.message}`);
  for (const [name, fields] of Object.entries(r.pointers)) {
    if (Object.keys(fields).length === 0) continue;
    out.push(`${name}: ${Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  }
  if (r.breaches.length === 0) out.push('breaches: none');
  else {
    out.push('breaches:');
    for (const b of r.breaches) out.push(`  ${b.invariant}${b.line ? ` (line ${b.line})` : ''}: ${b.message}`);
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  return `${out.join('\n')}\n`;
}
