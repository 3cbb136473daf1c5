// One run: a fresh world for the scenario, the parameters bound to inputs (request values, else
// representative values of their roles), states prepared when asked, then the function
// interpreted. Whatever happens, a result comes back: stops and simulator bugs are values.
import {
  callModel,
  createWorld,
  DMA_TO_DEVICE,
  isModelObject,
  observe,
  PHYS_BASE,
  type DmaIovaStateObj,
  type ModelObject,
  type ObservedOutcome,
  type ScenarioSpec,
  type StatePrecondition,
  type World,
} from '../model/index.js';
import { ChoiceTracker } from './choices.js';
import { parseTypeText, isInt, type CType } from './ctype.js';
import { StopRun } from './errors.js';
import { evaluateText } from './expressions.js';
import { Interpreter, describeValue } from './interpreter.js';
import { newModelObjectFor, modelStructKind } from './model-bridge.js';
import { judgeSuccess } from './finish.js';
import { defaultCases, type ParamInfo } from './params.js';
import { parseExpressionSnippet } from './program.js';
import type { ChangeFunctionLike, Program } from './program.js';
import { Run, type Budgets, type FailPlan } from './run.js';
import { Cell, SimStruct, nullPointer, type Value } from './values.js';

export type StatePrep = StatePrecondition;

export interface InputSpec {
  /** Parameter name → candidate C expressions (each is tried; the first is the default). */
  params: Map<string, string[]>;
  /** Paths of memory behind parameters ("req->len") → C expression. */
  fields: Map<string, string>;
  /** State parameters to prepare before the run. */
  states: Map<string, StatePrep>;
  /** How every state parameter not named in `states` is prepared (a request gave phys/size for it). */
  stateDefault?: StatePrep;
  /** The buffer a prepared state is allocated (and linked) for, when no parameter holds it (candidates). */
  stateBuffer: { phys?: string[]; size?: string[] };
  /** States behind parameters or locals, by path ("map->state"), prepared when first met. */
  statePaths: Map<string, StatePrep>;
  /** Size and phys a prepared state reserves when no parameter gives them (C expressions). */
  setupSize?: string;
  setupPhys?: string;
  /** Contract mode: lifecycle runs take granule-aligned sizes and phys (also in functions run first). */
  contract?: boolean;
}

export function emptyInputs(): InputSpec {
  return { params: new Map(), fields: new Map(), states: new Map(), stateBuffer: {}, statePaths: new Map() };
}

/** A function of the change the caller runs first (preconditions.before), with its parameters. */
export interface BeforeCall {
  cf: ChangeFunctionLike;
  params: readonly ParamInfo[];
}

export interface ExecutePlan {
  program: Program;
  cf: ChangeFunctionLike;
  params: readonly ParamInfo[];
  spec: ScenarioSpec;
  inputs: InputSpec;
  budgets: Budgets;
  pageSize: bigint;
  failPlan?: FailPlan;
  prefix: readonly number[];
  /** Observe the call for differential mode (return, state, reservations, mappings, warnings). */
  observeState?: boolean;
  /** Functions the caller ran first on the same objects (preconditions.before). */
  before?: readonly BeforeCall[];
}

export interface BoundInput {
  name: string;
  value: Value;
  /** The C expression it came from ("G-1"), when not a plain number. */
  expr?: string;
  role?: string;
  /** A parameter given a value the simulator picked without a role to go by. */
  sampled?: boolean;
}

export interface ExecuteResult {
  plan: ExecutePlan;
  world: World;
  run: Run;
  ip: Interpreter;
  inputs: BoundInput[];
  returned?: Value;
  retType: CType;
  stop?: StopRun;
  /** A simulator bug met during the run (never thrown out). */
  internalError?: string;
  nextPrefix?: number[];
  outcome?: ObservedOutcome;
}

export function execute(plan: ExecutePlan): ExecuteResult {
  const { spec, program, cf } = plan;
  const world = createWorld(spec);
  const choices = new ChoiceTracker(plan.prefix);
  const fieldValues = new Map<string, Value>();
  const run = new Run(world, spec, choices, plan.budgets, plan.failPlan ?? new Map(), fieldValues, plan.pageSize);
  if (plan.inputs.contract) {
    const total = evaluateText(plan.inputs.setupSize ?? '2*G', spec, program, new Map(), plan.pageSize);
    run.contract = { total: total.ok && total.value.k === 'int' ? total.value.v : 2n * BigInt(spec.granule) };
  }
  const ip = new Interpreter(run, program);
  const retType = parseTypeText(cf.fn.returnType, spec.arch);
  const result: ExecuteResult = { plan, world, run, ip, inputs: [], retType };
  try {
    const bound = bindParameters(plan, ip, result.inputs, fieldValues);
    const args = bound.args;
    setUpCaller(plan, ip, bound, result.inputs);
    if (run.preconditionFailed) {
      result.nextPrefix = choices.nextPrefix();
      return result;
    }
    ip.entryValues = new Map(result.inputs.map((b) => [b.name, b.value]));
    const call = (): Value => ip.callFunction(cf, args);
    if (plan.observeState) {
      const state = result.inputs.map((b) => b.value).find((v) => v.k === 'ptr' && v.p?.k === 'obj' && v.p.obj.kind === 'dma_iova_state');
      const stateObj = state?.k === 'ptr' && state.p?.k === 'obj' ? (state.p.obj as DmaIovaStateObj) : undefined;
      let returned: Value | undefined;
      const outcome = observe(
        world,
        () => {
          returned = call();
          return returned.k === 'int' ? returned.v : returned.k === 'ptr' ? (returned.p?.k === 'obj' ? returned.p.obj : returned.p === null ? null : undefined) : undefined;
        },
        { ...(stateObj ? { state: stateObj } : {}), returnType: () => (retType.kind === 'int' ? (retType.bits === 1 ? 'bool' : retType.name) : undefined) },
      );
      result.returned = returned;
      result.outcome = outcome;
    } else {
      result.returned = call();
    }
  } catch (e) {
    if (e instanceof StopRun) result.stop = e;
    else result.internalError = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  result.nextPrefix = choices.nextPrefix();
  return result;
}

/** Values of input expressions that name no parameter, by scenario and text. */
const constantInputs = new Map<string, Value>();

interface Bound {
  args: Value[];
  bindings: Map<string, Value>;
  phys: Value | undefined;
  size: Value | undefined;
}

/**
 * The caller's part before the call: states behind parameters prepared (eagerly when the path
 * starts at a parameter, else when the code first meets them), the functions it runs first, then
 * a snapshot of what is live — the caller's, not leaked by the function under test.
 */
function setUpCaller(plan: ExecutePlan, ip: Interpreter, bound: Bound, inputsOut: BoundInput[]): void {
  const run = ip.run;
  const w = run.world;
  run.prepareState = (obj, prep) => {
    // contract mode, no map side: the caller's links take the shape the function releases
    const deferred = plan.inputs.contract && prep === 'linked' && !(plan.before?.length);
    prepareState(w, obj, deferred ? 'allocated' : (prep as StatePrep), bound.phys, bound.size, setupSizeOf(plan, ip, bound));
    if (deferred) run.deferredLinks.set(obj, bound.phys?.k === 'int' ? bound.phys.v : PHYS_BASE);
  };
  for (const [path, prep] of plan.inputs.statePaths) run.pendingStates.set(path.replace(/\s+/g, '').replace(/\./g, '->').replace(/^&/, ''), prep);
  for (const path of [...run.pendingStates.keys()]) {
    const root = path.split('->')[0]!;
    if (!bound.bindings.has(root) || !path.includes('->')) continue;
    const parsed = parseExpressionSnippet(`&(${path})`);
    if (!parsed) continue;
    const v = ip.evaluateWith(parsed.cf, bound.bindings, parsed.node);
    // a field of a struct the change does not define: it is the state the precondition names
    if (v.k === 'ptr' && v.p && run.pendingStates.has(path)) ip.bindPointer(v.p, 'dma_iova_state');
  }
  for (const b of plan.before ?? []) {
    const args = b.params.map((p) => {
      const same = bound.bindings.get(p.name);
      if (same) return same;
      const t = parseTypeText(p.typeText, plan.spec.arch);
      if (isInt(t)) {
        const contractDefault = plan.inputs.contract ? (p.role === 'size' ? (plan.inputs.setupSize ?? '2*G') : p.role === 'phys' ? 'PHYS_BASE' : undefined) : undefined;
        const expr = contractDefault ?? defaultCases(p.role)?.[0] ?? '0';
        const r = evaluateText(expr, plan.spec, plan.program, bound.bindings, plan.pageSize);
        if (!r.ok) throw new StopRun('unsupported', `preconditions: ${b.cf.fn.name}'s ${p.name}: ${r.error}`);
        const v = ip.convert(r.value, t, plan.program.mirror(b.cf));
        inputsOut.push({ name: `${b.cf.fn.name}:${p.name}`, value: v, ...(isPlainNumber(expr) ? {} : { expr }) });
        return v;
      }
      return pointerParameter({ ...p, t }, ip, plan, bound.phys, bound.size);
    });
    run.suspendFailures = true;
    const from = w.trace.length;
    let returned: Value;
    try {
      returned = ip.callFunction(b.cf, args);
    } finally {
      run.suspendFailures = false;
    }
    for (const entry of w.trace.slice(from)) entry.events.push({ kind: 'info', what: 'setup', message: `in ${b.cf.fn.name}(), which the caller runs first (the map side)` });
    const retType = parseTypeText(b.cf.fn.returnType, plan.spec.arch);
    if (!judgeSuccess(retType, returned)) {
      run.preconditionFailed = `${b.cf.fn.name}() did not succeed (returned ${describeValue(returned)})`;
      return;
    }
  }
  run.setupEnd = w.trace.length;
  run.keep = w.liveSnapshot();
  for (let i = 0; i < run.setupEnd; i++) {
    const entry = w.trace[i]!;
    if (!entry.events.some((e) => e.what === 'setup')) entry.events.push({ kind: 'info', what: 'setup', message: 'the caller, before the call (preconditions)' });
  }
}

function setupSizeOf(plan: ExecutePlan, ip: Interpreter, bound: Bound): bigint | undefined {
  const expr = plan.inputs.setupSize;
  if (!expr) return undefined;
  const r = evaluateText(expr, plan.spec, plan.program, bound.bindings, plan.pageSize);
  if (!r.ok || r.value.k !== 'int') throw new StopRun('unsupported', `preconditions.size: ${r.ok ? 'not an integer' : r.error}`);
  void ip;
  return r.value.v;
}

function bindParameters(plan: ExecutePlan, ip: Interpreter, out: BoundInput[], fieldValues: Map<string, Value>): Bound {
  const { spec, program } = plan;
  const run = ip.run;
  const bindings = new Map<string, Value>();
  const args: Value[] = [];
  const paramNames = plan.params.map((p) => p.name);
  const evalInput = (expr: string, what: string): Value => {
    // expressions over constants only (G, PHYS_BASE, literals) are the same in every run of a scenario
    const constant = !paramNames.some((n) => new RegExp(`\\b${n}\\b`).test(expr)) && !/\bmask\b/.test(expr);
    const key = `${spec.arch}/${spec.granule}/${spec.mask}|${plan.pageSize}|${expr}`;
    const cached = constant ? constantInputs.get(key) : undefined;
    if (cached) return cached;
    const r = evaluateText(expr, spec, program, bindings, plan.pageSize);
    if (!r.ok) throw new StopRun('unsupported', `input ${what}: ${r.error}`);
    if (constant) {
      if (constantInputs.size > 4096) constantInputs.clear();
      constantInputs.set(key, r.value);
    }
    return r.value;
  };
  if (!plan.params.some((p) => p.name === 'mask')) {
    const m = evaluateText('SCENARIO_MASK', spec, program, new Map(), plan.pageSize);
    if (m.ok) bindings.set('mask', m.value);
  }
  const params = plan.params.map((p) => ({ ...p, t: parseTypeText(p.typeText, spec.arch) }));
  // integers first (pages and states may depend on phys and size), in order
  const values = new Map<string, Value>();
  for (const p of params) {
    if (!isInt(p.t)) continue;
    const given = plan.inputs.params.get(p.name);
    const defaults = defaultCases(p.role);
    const candidates = given ?? defaults ?? ['0', '1'];
    const index = candidates.length > 1 ? run.choices.choose(candidates.map((c) => `${p.name} = ${c}`)) : 0;
    const expr = candidates[index]!;
    if (!given && !defaults) run.approximate(`parameter ${p.name} has no role the simulator knows: it tried 0 and 1`);
    const v = ip.convert(evalInput(expr, p.name), p.t, program.mirror(plan.cf));
    values.set(p.name, v);
    bindings.set(p.name, v);
    out.push({ name: p.name, value: v, ...(isPlainNumber(expr) ? {} : { expr }), ...(p.role ? { role: p.role } : {}), ...(!given && !defaults ? { sampled: true } : {}) });
  }
  for (const [path, expr] of plan.inputs.fields) fieldValues.set(path, evalInput(expr, path));
  let phys = [...values.entries()].find(([n]) => params.find((p) => p.name === n)?.role === 'phys')?.[1];
  let size = [...values.entries()].find(([n]) => params.find((p) => p.name === n)?.role === 'size')?.[1];
  const buffer = (key: 'phys' | 'size'): Value | undefined => {
    const candidates = plan.inputs.stateBuffer[key];
    if (!candidates?.length) return undefined;
    const i = candidates.length > 1 ? run.choices.choose(candidates.map((c) => `${key} = ${c}`)) : 0;
    const v = evalInput(candidates[i]!, key);
    out.push({ name: key, value: v, expr: candidates[i]!, role: key });
    return v;
  };
  phys = buffer('phys') ?? phys;
  size = buffer('size') ?? size;
  if (!phys && plan.inputs.setupPhys) phys = evalInput(plan.inputs.setupPhys, 'phys');
  for (const p of params) {
    if (values.has(p.name)) {
      args.push(values.get(p.name)!);
      continue;
    }
    const v = pointerParameter(p, ip, plan, phys, size);
    args.push(v);
    bindings.set(p.name, v);
    const prep = v.k === 'ptr' && v.p?.k === 'obj' && v.p.obj.kind === 'dma_iova_state' ? (plan.inputs.states.get(p.name) ?? plan.inputs.states.get('state') ?? plan.inputs.stateDefault) : undefined;
    out.push({ name: p.name, value: v, ...(p.role ? { role: p.role } : {}), ...(prep && prep !== 'zero' ? { expr: prep } : {}) });
  }
  return { args, bindings, phys, size };
}

function isPlainNumber(expr: string): boolean {
  return /^-?(0x[0-9a-f]+|\d+)[uUlL]*$/i.test(expr.trim());
}

/** A fresh object for a pointer (or struct) parameter, by its type. */
function pointerParameter(p: ParamInfo, ip: Interpreter, plan: ExecutePlan, phys: Value | undefined, size: Value | undefined, setupSize?: bigint): Value {
  const run = ip.run;
  const t = p.t;
  if (t.kind === 'ptr') {
    const to = t.to;
    if (to.kind === 'struct') {
      if (to.name === 'page') {
        const addr = phys?.k === 'int' ? phys.v & ~(plan.pageSize - 1n) : PHYS_BASE;
        return { k: 'ptr', p: { k: 'obj', obj: run.world.newPage(addr) }, to };
      }
      if (modelStructKind(to.name)) {
        const obj = newModelObjectFor(run, to.name);
        if (!obj) return nullPointer(to);
        if (obj.kind === 'dma_iova_state') {
          const prep = plan.inputs.states.get(p.name) ?? plan.inputs.states.get('state') ?? plan.inputs.stateDefault;
          const sizeOverride = prep && prep !== 'zero' && plan.inputs.setupSize ? evaluateText(plan.inputs.setupSize, plan.spec, plan.program, new Map(), plan.pageSize) : undefined;
          // contract mode, no map side: the caller's links take the shape the function releases
          const deferred = plan.inputs.contract && prep === 'linked' && !(plan.before?.length);
          prepareState(run.world, obj as DmaIovaStateObj, deferred ? 'allocated' : prep, phys, size, setupSize ?? (sizeOverride?.ok && sizeOverride.value.k === 'int' ? sizeOverride.value.v : undefined));
          if (deferred) run.deferredLinks.set(obj as DmaIovaStateObj, phys?.k === 'int' ? phys.v : PHYS_BASE);
        }
        return { k: 'ptr', p: { k: 'obj', obj }, to };
      }
      return { k: 'ptr', p: { k: 'struct', s: new SimStruct(to.name, p.name, true) }, to };
    }
    if (to.kind === 'void' || (to.kind === 'int' && to.bits === 8)) {
      const given = plan.inputs.params.get(p.name)?.[0];
      const r = given ? evaluateText(given, plan.spec, plan.program, new Map(), plan.pageSize) : undefined;
      const addr = r?.ok && r.value.k === 'int' ? r.value.v : phys?.k === 'int' ? phys.v : PHYS_BASE + 0x234n;
      return { k: 'ptr', p: { k: 'raw', addr }, to };
    }
    return { k: 'ptr', p: { k: 'cell', cell: new Cell(to, undefined, `*${p.name}`, true) }, to };
  }
  if (t.kind === 'struct') {
    const obj = modelStructKind(t.name) ? newModelObjectFor(run, t.name) : undefined;
    if (obj) return { k: 'agg', slot: obj, t };
    return { k: 'agg', slot: new SimStruct(t.name, p.name, true), t };
  }
  return { k: 'lazy', cell: new Cell({ kind: 'unknown', text: p.typeText }, undefined, p.name, true) };
}

/**
 * Puts a state where a request wants it before the run: allocated by try_alloc, linked and
 * synced, or linked through swiotlb (the flag bit set: an untrusted device and an unaligned phys).
 */
export function prepareState(w: World, state: DmaIovaStateObj, prep: StatePrep | undefined, phys: Value | undefined, size: Value | undefined, reserve?: bigint): void {
  if (!prep || prep === 'zero') return;
  const g = BigInt(w.spec.granule);
  const p = phys?.k === 'int' ? phys.v : PHYS_BASE + 0x234n;
  const s = reserve !== undefined && reserve > 0n ? reserve : size?.k === 'int' && size.v > 0n && size.v < 1n << 40n ? size.v : 2n * g;
  const entries: number[] = [];
  const call = (fn: string, args: Array<bigint | ModelObject | null>): void => {
    entries.push(w.trace.length);
    callModel(w, fn, args);
  };
  call('dma_iova_try_alloc', [w.dev, state, p, s]);
  if (prep !== 'allocated') {
    call('dma_iova_link', [w.dev, state, p, 0n, s, DMA_TO_DEVICE, 0n]);
    call('dma_iova_sync', [w.dev, state, 0n, s]);
  }
  // an earlier user's unmap: destroyed, not cleared (dma_use_iova() stays true)
  if (prep === 'stale') call('dma_iova_destroy', [w.dev, state, s, DMA_TO_DEVICE, 0n]);
  for (let i = entries[0] ?? w.trace.length; i < w.trace.length; i++) {
    w.trace[i]!.events.push({ kind: 'info', what: 'setup', message: 'prepared by the simulator before the run' });
  }
}

/** Parameter values as a witness shows them: "0x1001 (G+1)". */
export function describeInputs(inputs: readonly BoundInput[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const b of inputs) {
    let text = describeValue(b.value);
    if (b.value.k === 'ptr' && b.value.p?.k === 'obj') text = b.value.p.obj.id;
    if (b.expr) text = `${text} (${b.expr})`;
    out[b.name] = text;
  }
  return out;
}

/** The model objects the parameters point to (for pictures and final values). */
export function parameterObjects(inputs: readonly BoundInput[]): Array<{ name: string; obj: ModelObject }> {
  const out: Array<{ name: string; obj: ModelObject }> = [];
  for (const b of inputs) {
    const v = b.value;
    if (v.k === 'ptr' && v.p?.k === 'obj') out.push({ name: b.name, obj: v.p.obj });
    else if (v.k === 'ptr' && v.p?.k === 'struct' && v.p.s.bound) out.push({ name: b.name, obj: v.p.s.bound });
    else if (v.k === 'agg' && isModelObject(v.slot)) out.push({ name: b.name, obj: v.slot });
  }
  return out;
}

