// `iovalint sim`: one function, run once on one scenario with the integer arguments given, the
// first option at every nondeterministic point. Returns the trace of model calls, the invariant
// breaches, the return value and the final values of what the pointer arguments point to.
import { pageSizeOf } from './types.js';
import type { ParsedFile } from '../c/index.js';
import { formatScenario, isModelObject, type ScenarioSpec, type TraceEntry } from '../model/index.js';
import { describeValue } from './interpreter.js';
import { execute, emptyInputs, parameterObjects } from './execute.js';
import { finishRun } from './finish.js';
import { analyzeParams } from './params.js';
import { Program, type ChangeFunctionLike } from './program.js';
import { DEFAULT_BUDGETS, type Budgets } from './run.js';
import { SimStruct, Cell, type Slot, type Value } from './values.js';

export interface RunOnceOptions {
  functionName: string;
  spec: ScenarioSpec;
  /** Integer parameters: name → C expression ("0x2000", "G-1", "-12"). */
  args: Readonly<Record<string, string>>;
  budgets?: Partial<Budgets>;
  pageSize?: bigint;
}

export interface RunOnceReport {
  function: string;
  file: string;
  scenario: ScenarioSpec;
  scenarioText: string;
  inputs: Record<string, string>;
  /** The return value: decimal for signed types and bool, 0x for unsigned, an object id, or null (void / did not return). */
  return: string | null;
  /** How the run ended: "returned", or what stopped it. */
  ended: { kind: 'returned' } | { kind: 'stopped'; why: string; message: string; line?: number };
  /** Every model call in order (and the simulator's WARN / unknown-call entries), with post-image lines. */
  trace: TraceEntry[];
  breaches: Array<{ invariant: string; message: string; fn?: string; line?: number }>;
  /** Final values of what pointer arguments point to: parameter → field → value. */
  pointers: Record<string, Record<string, string>>;
  path: Array<{ file: string; line: number; text: string }>;
  /** Choices the run made where the code left them open (unknown functions...), and remarks. */
  notes: string[];
}

export type RunOnceResult = { ok: true; report: RunOnceReport } | { ok: false; error: string };

/** Integer parameters that may be left out: the value nearly every caller passes. */
const OPTIONAL_ROLES: Readonly<Record<string, { expr: string; text: string }>> = {
  attrs: { expr: '0', text: '0 (no DMA attributes) used' },
  dir: { expr: 'DMA_BIDIRECTIONAL', text: 'DMA_BIDIRECTIONAL used' },
  mask: { expr: 'SCENARIO_MASK', text: "the scenario's mask used" },
};

export function runOnce(files: readonly ParsedFile[], options: RunOnceOptions): RunOnceResult {
  const functions = new Map<string, ChangeFunctionLike>();
  for (const file of files) for (const fn of file.functions) if (fn.body && !functions.has(fn.name)) functions.set(fn.name, { file, fn });
  const cf = functions.get(options.functionName);
  if (!cf) {
    const names = [...functions.keys()];
    return { ok: false, error: `no function '${options.functionName}' in ${files.map((f) => f.path).join(', ')}${names.length ? ` (functions: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''})` : ''}` };
  }
  if (cf.fn.hasError) return { ok: false, error: `${cf.file.path}:${cf.fn.lines.start}: ${cf.fn.name} does not parse (${cf.fn.notCheckedReason ?? 'parse error'})` };
  if (cf.fn.partial) return { ok: false, error: `${cf.file.path}:${cf.fn.lines.start}: ${cf.fn.name} is only partly shown by the patch` };
  const program = new Program(functions, files);
  const params = analyzeParams(cf, program, options.spec.arch);
  const inputs = emptyInputs();
  const known = new Set(params.map((p) => p.name));
  for (const name of Object.keys(options.args)) {
    if (!known.has(name)) return { ok: false, error: `--arg ${name}: ${cf.fn.name} has no parameter '${name}' (parameters: ${params.map((p) => p.name).join(', ') || 'none'})` };
  }
  const defaulted: string[] = [];
  for (const p of params) {
    const given = options.args[p.name];
    if (p.t.kind === 'int') {
      const fallback = given === undefined ? OPTIONAL_ROLES[p.role ?? ''] : undefined;
      if (given === undefined && fallback === undefined) return { ok: false, error: `${cf.fn.name}: integer parameter '${p.name}' (${p.typeText}) needs --arg ${p.name}=VALUE` };
      if (fallback !== undefined) defaulted.push(`${p.name} was not given: ${fallback.text}`);
      inputs.params.set(p.name, [given ?? fallback!.expr]);
    } else if (given !== undefined) {
      if (p.t.kind === 'ptr' && p.t.to.kind === 'struct' && p.t.to.name === 'dma_iova_state' && ['zero', 'allocated', 'linked', 'bounced'].includes(given)) {
        inputs.states.set(p.name, given as 'zero' | 'allocated' | 'linked' | 'bounced');
      } else if (p.t.kind === 'ptr' && (p.t.to.kind === 'void' || (p.t.to.kind === 'int' && p.t.to.bits === 8))) {
        inputs.params.set(p.name, [given]);
      } else return { ok: false, error: `--arg ${p.name}: '${p.name}' is a ${p.typeText}; only integers (and void * addresses, or a dma_iova_state as zero/allocated/linked/bounced) take values` };
    }
  }
  const budgets: Budgets = { ...DEFAULT_BUDGETS, deadline: Date.now() + 30_000, ...options.budgets };
  const result = execute({ program, cf, params, spec: options.spec, inputs, budgets, pageSize: pageSizeOf(options.spec, options.pageSize), prefix: [] });
  if (result.stop?.kind === 'unsupported' && result.stop.message.startsWith('input ')) return { ok: false, error: result.stop.message };
  finishRun(result, 'once', { teardownOnFailure: true });
  const w = result.world;
  const report: RunOnceReport = {
    function: cf.fn.name,
    file: cf.file.path,
    scenario: options.spec,
    scenarioText: formatScenario(options.spec),
    inputs: Object.fromEntries(result.inputs.filter((b) => b.value.k === 'int').map((b) => [b.name, formatReturn(b.value)!])),
    return: result.returned ? formatReturn(result.returned) : null,
    ended: result.returned
      ? { kind: 'returned' }
      : result.stop
        ? { kind: 'stopped', why: result.stop.kind, message: result.stop.message, ...(result.stop.line ? { line: result.stop.line } : {}) }
        : { kind: 'stopped', why: 'simulator-error', message: result.internalError ?? 'unknown' },
    trace: w.trace.filter((t) => !t.fn.startsWith('@')),
    breaches: w.breaches.map((b) => {
      const entry = w.trace[Number(b.data.call)];
      return { invariant: b.invariant, message: b.message, ...(b.data.fn ? { fn: b.data.fn } : {}), ...(entry?.line ? { line: entry.line } : {}) };
    }),
    pointers: finalPointerValues(result.inputs),
    path: result.run.path,
    notes: [
      ...defaulted,
      ...result.run.choices.made.filter((c) => c.of > 1).map((c) => `chosen: ${c.label} (1 of ${c.of} options)`),
      ...result.run.notes,
      ...result.run.approximations,
      ...(result.run.pathTruncated ? ['the path was cut short'] : []),
    ],
  };
  return { ok: true, report };
}

/** "0x3000" for unsigned values, "-12" / "1" for signed ones and bool, ids for objects. */
export function formatReturn(v: Value): string | null {
  if (v.k === 'void') return null;
  if (v.k === 'int') return v.t.signed || v.t.bits === 1 ? v.v.toString() : `0x${v.v.toString(16)}`;
  if (v.k === 'ptr') {
    if (v.p === null) return '0x0';
    if (v.p.k === 'raw') return `0x${v.p.addr.toString(16)}`;
    if (v.p.k === 'err') return `0x${BigInt.asUintN(64, -v.p.errno).toString(16)}`;
  }
  return describeValue(v);
}

function finalPointerValues(inputs: ReturnType<typeof execute>['inputs']): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const { name, obj } of parameterObjects(inputs)) {
    const fields: Record<string, string> = {};
    for (const f of obj.fields()) {
      const r = obj.getField(f.name);
      if (!r.ok) continue;
      if (typeof r.value === 'bigint') fields[f.name] = /^(int|s\d+|long|ssize_t)$/.test(r.cType) ? r.value.toString() : r.cType === 'bool' ? r.value.toString() : `0x${r.value.toString(16)}`;
      else if (f.kind === 'pointer' && isModelObject(r.value) && r.value.kind === 'u64_cell') {
        const cell = r.value.getField('*');
        if (cell.ok && typeof cell.value === 'bigint') fields[`*${f.name}`] = `0x${cell.value.toString(16)}`;
      }
    }
    out[name] = fields;
  }
  for (const b of inputs) {
    const v = b.value;
    if (v.k === 'ptr' && v.p?.k === 'struct' && !v.p.s.bound) {
      const fields = writtenFields(v.p.s, '');
      if (Object.keys(fields).length) out[b.name] = fields;
    } else if (v.k === 'ptr' && v.p?.k === 'cell' && v.p.cell.written && v.p.cell.v) {
      out[b.name] = { '*': formatReturn(v.p.cell.v) ?? 'void' };
    }
  }
  return out;
}

function writtenFields(s: SimStruct, prefix: string, depth = 0): Record<string, string> {
  const out: Record<string, string> = {};
  if (depth > 4) return out;
  for (const [name, slot] of s.fields as Map<string, Slot>) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (slot instanceof Cell && slot.written && slot.v && slot.v.k !== 'lazy') out[key] = formatReturn(slot.v) ?? 'void';
    else if (slot instanceof SimStruct) Object.assign(out, writtenFields(slot, key, depth + 1));
    else if (isModelObject(slot)) {
      for (const f of slot.fields()) {
        const r = slot.getField(f.name);
        if (r.ok && typeof r.value === 'bigint') out[`${key}.${f.name}`] = `0x${r.value.toString(16)}`;
      }
    }
  }
  return out;
}
