// Confirm mode: run the function a finding sits in on the scenario its rule asks for, over every
// nondeterministic choice, and answer confirmed (a run showed the observation: here is the run),
// refuted (every run of every representative scenario completed — no unknown construct, no
// budget hit, no invented value — and none showed it: the guard holds), or unconfirmed (what
// stopped it).
import { pageSizeOf } from './types.js';
import { contractFor, DEFAULT_SCENARIO, evalInput, type RecordedBreach, type ScenarioSpec, type SimRequest } from '../model/index.js';
import { candidateScenarios } from './scenarios.js';
import { emptyInputs, execute, type BeforeCall, type ExecuteResult, type InputSpec, type StatePrep } from './execute.js';
import { checkExpect } from './expect.js';
import { finishRun } from './finish.js';
import { analyzeParams, paramForKey, roleOfKey, type ParamInfo } from './params.js';
import type { ChangeFunctionLike, Program } from './program.js';
import { DEFAULT_BUDGETS, type Budgets, type FailPlan } from './run.js';
import { buildWitness, shortInputs } from './witness.js';
import type { SimOutcome, SimSettings } from './types.js';
import { isAllocator, lineText } from './interpreter.js';

const STATE_PREPS: readonly StatePrep[] = ['zero', 'allocated', 'linked', 'bounced', 'stale'];

export interface Target {
  program: Program;
  cf: ChangeFunctionLike;
}

/** The inputs a request names, placed on parameters (by name or role) or on memory behind them. */
export function placeInputs(request: SimRequest, params: readonly ParamInfo[], cf: ChangeFunctionLike, program?: Program): { inputs: InputSpec; constraints: Partial<ScenarioSpec> } | { error: string } {
  const inputs = emptyInputs();
  const constraints: Partial<ScenarioSpec> = { ...request.scenario };
  // Contract mode asks about the lifecycle, not arithmetic edges: sizes as given (no granule
  // neighbourhood), states reserved for a few granule-aligned segments at an aligned phys.
  const contract = request.mode === 'contract';
  const sizeCompanions = contract ? (): string[] => [] : granuleCompanions;
  if (contract) {
    // two granule-sized segments: what counts and invented lengths add up to (2 × G)
    inputs.setupSize = request.preconditions?.size ?? '2*G';
    inputs.setupPhys = 'PHYS_BASE';
    for (const p of params) {
      if (p.t.kind !== 'int') continue;
      if (p.role === 'size') inputs.params.set(p.name, [request.preconditions?.size ?? '2*G']);
      if (p.role === 'phys') inputs.params.set(p.name, ['PHYS_BASE']);
    }
    inputs.contract = true;
  } else if (request.preconditions?.size) inputs.setupSize = request.preconditions.size;
  for (const [key, prep] of Object.entries(request.preconditions?.states ?? {})) {
    if (!STATE_PREPS.includes(prep)) return { error: `preconditions: state ${key}: '${prep}' is not one of ${STATE_PREPS.join(', ')}` };
    const p = params.find((q) => q.name === key.replace(/^\*/, ''));
    if (p) {
      const isState = p.t.kind === 'ptr' && p.t.to.kind === 'struct' && p.t.to.name === 'dma_iova_state';
      if (!isState) return { error: `preconditions: ${key} is a ${p.typeText}, not a struct dma_iova_state *` };
      inputs.states.set(p.name, prep);
      if (prep === 'bounced') Object.assign(constraints, { untrusted: true, pci: true, iommu: true });
    } else if (/->|\./.test(key)) inputs.statePaths.set(key, prep);
    else return { error: `preconditions: ${cf.fn.name} has no parameter ${key} and it is not a path` };
  }
  for (const [key, expr] of Object.entries(request.inputs ?? {})) {
    const p = paramForKey(params, key);
    if (p) {
      const isState = p.t.kind === 'ptr' && p.t.to.kind === 'struct' && p.t.to.name === 'dma_iova_state';
      if (isState) {
        if (!STATE_PREPS.includes(expr as StatePrep)) return { error: `input ${key}: a state is given as zero, allocated, linked or bounced, not '${expr}'` };
        inputs.states.set(p.name, expr as StatePrep);
        if (expr === 'bounced') Object.assign(constraints, { untrusted: true, pci: true, iommu: true });
      } else if (p.t.kind === 'int' || (p.t.kind === 'ptr' && (p.t.to.kind === 'void' || (p.t.to.kind === 'int' && p.t.to.bits === 8)))) {
        inputs.params.set(p.name, p.role === 'size' ? [expr, ...sizeCompanions(expr)] : [expr]);
      } else return { error: `input ${key}: parameter ${p.name} is a ${p.typeText}, not a value the simulator can set` };
      continue;
    }
    if (/->|\./.test(key)) {
      inputs.fields.set(key.replace(/\s+/g, '').replace(/\./g, '->'), expr);
      continue;
    }
    const role = roleOfKey(key);
    const path = role ? fieldPathForRole(cf, params, role) : undefined;
    if (path) {
      inputs.fields.set(path, expr);
      continue;
    }
    const stateParam = params.find((q) => q.t.kind === 'ptr' && q.t.to.kind === 'struct' && q.t.to.name === 'dma_iova_state');
    if ((key === 'phys' || key === 'size') && stateParam) {
      // No parameter holds the buffer: it is the one the state was allocated (and linked) for.
      inputs.stateBuffer[key] = key === 'size' ? [expr, ...sizeCompanions(expr)] : [expr];
      inputs.stateDefault ??= callsAny(cf, /^(dma_iova_unlink|dma_iova_destroy|iommu_unmap|iommu_unmap_fast|__iommu_dma_unmap|dma_iova_sync)$/) ? 'linked' : 'allocated';
      continue;
    }
    if (key === 'mask') {
      const bits = maskBits(expr);
      if (bits !== undefined) {
        constraints.mask ??= bits;
        continue;
      }
    }
    return { error: `input ${key}: ${cf.fn.name} has no parameter named ${key} or playing that role` };
  }
  const stateParam = params.find((q) => q.t.kind === 'ptr' && q.t.to.kind === 'struct' && q.t.to.name === 'dma_iova_state');
  if (stateParam && !inputs.states.has(stateParam.name) && !inputs.states.has('state') && !inputs.stateDefault && !request.preconditions?.states) {
    const implied = impliedStatePrep(cf, program);
    if (implied) inputs.stateDefault = implied;
  }
  return { inputs, constraints };
}

/**
 * The state a function that is handed one expects: none to prepare when it allocates it itself;
 * allocated for one that links or frees; linked (and synced) for one that syncs or unlinks.
 */
export function impliedStatePrep(cf: ChangeFunctionLike, program: Program | undefined): StatePrep | undefined {
  const names = new Set<string>();
  const visit = (f: ChangeFunctionLike, depth: number): void => {
    for (const c of f.fn.body?.descendantsOfType('call_expression') ?? []) {
      const name = c.childForFieldName('function')?.text ?? '';
      names.add(name);
      const inner = depth < 2 ? program?.fn(name) : undefined;
      if (inner && inner !== f) visit(inner, depth + 1);
    }
  };
  visit(cf, 0);
  // a patched try_alloc writes the state's own fields (`state->addr = ...`), not a copy of them
  const stateNames = cf.fn.params.filter((p) => /\bdma_iova_state\b/.test(p.type)).map((p) => p.name);
  const body = cf.fn.body?.text ?? '';
  const writesState = stateNames.some((n) => new RegExp(`\\b${n}\\s*->\\s*(addr|__size)\\s*=[^=]`).test(body)) || /\b__size\s*=[^=]/.test(body);
  if (names.has('dma_iova_try_alloc') || names.has('iommu_dma_alloc_iova') || writesState) return undefined;
  // a function that links is handed a reservation to link into (linking over the caller's links fails)
  if (names.has('dma_iova_link')) return 'allocated';
  if (['dma_iova_sync', 'dma_iova_unlink', 'dma_iova_destroy'].some((n) => names.has(n))) return 'linked';
  if (['dma_iova_free', 'dma_iova_size', 'dma_use_iova', 'iommu_dma_free_iova'].some((n) => names.has(n))) return 'allocated';
  return undefined;
}

/** `req->len` when a field of a parameter's pointee flows into a model call's `role` argument. */
function fieldPathForRole(cf: ChangeFunctionLike, params: readonly ParamInfo[], role: string): string | undefined {
  const body = cf.fn.body;
  if (!body) return undefined;
  const names = new Set(params.map((p) => p.name));
  for (const call of body.descendantsOfType('call_expression')) {
    const callee = call.childForFieldName('function')?.text ?? '';
    const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((c) => c.type !== 'comment');
    const roles = contractRoles(callee);
    if (!roles) continue;
    for (let i = 0; i < args.length; i++) {
      if (roles[i] !== role) continue;
      const a = args[i]!;
      if (a.type !== 'field_expression') continue;
      const text = a.text.replace(/\s+/g, '').replace(/\./g, '->');
      const root = text.split('->')[0]!;
      if (names.has(root) && !/[()[\]]/.test(text)) return text;
    }
  }
  return undefined;
}

function contractRoles(fn: string): Array<string | undefined> | undefined {
  return contractFor(fn)?.params.map((p) => p.role);
}

/**
 * Sizes tried after the one a request gives, so a guard is judged on the defect's neighbourhood
 * too: a size with bit 63 set also as the largest values (which wrap when aligned), any other
 * non-zero size also at the granule boundaries (1, 2, G-1, G, G+1 bytes).
 */
function granuleCompanions(expr: string): string[] {
  const v = evalInput(expr, DEFAULT_SCENARIO);
  if (v === undefined || v === 0n) return [];
  if (BigInt.asUintN(64, v) >= 1n << 63n) return ['SIZE_MAX - G + 1', 'SIZE_MAX'].filter((e) => e !== expr);
  return ['G', '1', '2', 'G-1', 'G+1'].filter((e) => e !== expr && evalInput(e, DEFAULT_SCENARIO) !== v);
}

function callsAny(cf: ChangeFunctionLike, names: RegExp): boolean {
  return (cf.fn.body?.descendantsOfType('call_expression') ?? []).some((c) => names.test(c.childForFieldName('function')?.text ?? ''));
}

function maskBits(expr: string): number | undefined {
  const m = /^\s*DMA_BIT_MASK\(\s*(\d+)\s*\)\s*$/.exec(expr);
  if (m) return Number(m[1]);
  const n = /^\s*0x([0-9a-f]+)\s*$/i.exec(expr);
  if (n) {
    const v = BigInt(`0x${n[1]}`);
    if (((v + 1n) & v) === 0n) return v.toString(2).length;
  }
  return undefined;
}

export function budgetsFor(settings: SimSettings): Budgets {
  return {
    ...DEFAULT_BUDGETS,
    maxSteps: Math.min(settings.maxSteps, DEFAULT_BUDGETS.maxSteps * 5),
    deadline: settings.deadline,
  };
}

interface Tally {
  runs: number;
  stops: string[];
  approximations: string[];
  problems: string[];
  budget?: string;
  representativeRuns: number;
  scenarios: number;
  firstRepresentative?: ExecuteResult;
  keyApproximations: string[];
  /** Some run released a mapping or reservation (unmap, unlink, destroy, free). */
  released?: boolean;
}

/** Does the model function release something (a mapping, linked range, reservation)? */
function releases(fn: string): boolean {
  const c = contractFor(fn);
  return !!c && c.categories.some((k) => k === 'unmaps' || k === 'unlinks' || k === 'frees-iova');
}

/** Invariants only a release can break: where no run releases anything, they cannot show. */
const RELEASE_INVARIANTS: ReadonlySet<string> = new Set(['no-double-free', 'unlink-mirrors-link', 'free-mirrors-alloc']);

/** Which calls fail: none (confirm mode), or each named callee at each of its calls in turn (contract mode). */
export type FailStrategy = { kind: 'none' } | { kind: 'all'; callees: readonly string[] } | { kind: 'each'; callees: readonly string[] };

/**
 * Runs `target` over scenarios, failure plans and choices until a run shows what `request`
 * expects. Returns the outcome the table of sim-requests.md defines.
 */
export function explore(
  target: Target,
  request: SimRequest,
  settings: SimSettings,
  opts: {
    fail: FailStrategy;
    mode: 'confirm' | 'contract';
    representativesOnly?: number;
    /**
     * The function has callers in the change that may finish its job (unlink, free, sync): a
     * breach that only shows at its own return (a leak, unsynced links) is not evidence by itself;
     * it is reported in `returnBreach` for the caller to check.
     */
    callersFinish?: boolean;
  },
): SimOutcome & { returnBreach?: string } {
  const { program, cf } = target;
  if (cf.fn.hasError) return { confirmation: 'unconfirmed', note: `${cf.fn.name} does not parse (${cf.fn.notCheckedReason ?? 'parse error'})` };
  if (cf.fn.partial) return { confirmation: 'unconfirmed', note: `${cf.fn.name} is only partly known (rebuilt from hunks): give --tree to run it` };
  const params = analyzeParams(cf, program, 64);
  const placed = placeInputs(request, params, cf, program);
  if ('error' in placed) return { confirmation: 'unconfirmed', note: placed.error };
  const before: BeforeCall[] = [];
  for (const name of request.preconditions?.before ?? []) {
    const b = program.fn(name);
    if (!b) return { confirmation: 'unconfirmed', note: `preconditions: ${name}, which the caller runs first, is not defined in the change` };
    before.push({ cf: b, params: analyzeParams(b, program, 64) });
  }
  let preconditionFailures = 0;
  const budgets = budgetsFor(settings);
  const tally: Tally = { runs: 0, stops: [], approximations: [], problems: [], representativeRuns: 0, scenarios: 0, keyApproximations: [] };
  const teardown = request.expect.invariants?.includes('no-leak') ?? false;
  const keys = Object.keys(request.inputs ?? {}).map((k) => paramForKey(params, k)?.name ?? k);
  let representativesDone = true;
  let scenarioIndex = 0;
  /** Most calls of each callee in any run (how many call points to fail in turn, contract mode). */
  const callPoints = new Map<string, number>();
  const maxRuns = opts.mode === 'contract' ? Math.max(settings.maxRuns * 4, 64) : settings.maxRuns;
  /** One run of `spec` under `cursor`'s failure plan, following its choice prefix. */
  const runOne = (spec: ScenarioSpec, representative: boolean, cursor: Cursor): 'found' | 'budget' | 'ran' => {
    if (tally.runs >= maxRuns) {
      tally.budget = `run budget (${maxRuns} runs) used up`;
      return 'budget';
    }
    if (Date.now() > settings.deadline) {
      tally.budget = 'the review time budget ran out';
      return 'budget';
    }
    const failPlan = cursor.plan;
    const result = execute({ program, cf, params, spec, inputs: placed.inputs, budgets, pageSize: pageSizeOf(spec, settings.pageSize), failPlan, prefix: cursor.prefix!, before });
    tally.runs++;
    if (result.run.preconditionFailed && !result.stop && !result.internalError) {
      // the caller's setup did not succeed on this choice: the function was not called
      preconditionFailures++;
      cursor.prefix = result.nextPrefix;
      return 'ran';
    }
    if (representative) tally.representativeRuns++;
    if (representative && !tally.firstRepresentative && result.returned !== undefined) tally.firstRepresentative = result;
    finishRun(result, opts.mode, { teardownOnFailure: teardown });
    const atCall = (b: RecordedBreach): boolean => !(b.data.fn ?? '').startsWith('@');
    const check = checkExpect(result, request.expect, opts.callersFinish ? atCall : undefined);
    if (opts.callersFinish && !check.observed && !returnBreach) {
      const atReturn = checkExpect(result, { ...request.expect, warn: false }).observed;
      if (atReturn?.kind === 'invariant') returnBreach = atReturn.text;
    }
    if (check.observed) {
      const inputsText = shortInputs(result, keys);
      const failing = [...failPlan.entries()].map(([f, k]) => `${f}${k === 'all' ? '' : ` (call ${Number(k) + 1})`} failing`).join(', ');
      const summary = [inputsText, failing].filter(Boolean).join(', ') + (inputsText || failing ? ': ' : '') + check.observed.text;
      found = { confirmation: 'confirmed', witness: buildWitness(result, summary, check.observed.breach), note: request.expect.description || oneLine(summary) };
      return 'found';
    }
    if (result.run.injectedFailures > 0) cursor.reached = true;
    const counts = new Map<string, number>();
    for (const c of result.run.calls) {
      counts.set(c.fn, (counts.get(c.fn) ?? 0) + 1);
      if (c.via === 'builtin' && isAllocator(c.fn)) counts.set('allocations', (counts.get('allocations') ?? 0) + 1);
    }
    for (const [fn, n] of counts) callPoints.set(fn, Math.max(callPoints.get(fn) ?? 0, n));
    const stop = result.stop ? `${result.stop.kind === 'unsupported' ? 'unsupported construct: ' : ''}${result.stop.message}` : result.internalError ? `simulator error: ${result.internalError}` : undefined;
    if (representative) {
      if (stop && !tally.stops.includes(stop)) tally.stops.push(stop);
      for (const a of result.run.approximations) if (!tally.approximations.includes(a)) tally.approximations.push(a);
      for (const a of result.run.keyApproximations) if (!tally.keyApproximations.includes(a)) tally.keyApproximations.push(a);
      if (check.problem && !tally.problems.includes(check.problem)) tally.problems.push(check.problem);
    }
    if (result.run.calls.some((c) => c.via === 'model' && !c.injected && releases(c.fn))) tally.released = true;
    cursor.prefix = result.nextPrefix;
    return 'ran';
  };
  let found: SimOutcome | undefined;
  let returnBreach: string | undefined;

  for (const { spec, representative } of candidateScenarios(placed.constraints)) {
    if (opts.representativesOnly !== undefined && scenarioIndex >= opts.representativesOnly) break;
    scenarioIndex++;
    // Every representative run completed cleanly: the grid beyond them is not needed to refute.
    if (!representative && representativesDone && tally.stops.length === 0 && tally.approximations.length === 0 && tally.problems.length === 0) break;
    tally.scenarios++;
    const cursors: Cursor[] = [];
    const planned = new Set<string>();
    const addPlan = (plan: FailPlan): void => {
      const key = [...plan.entries()].map(([f, k]) => `${f}:${k}`).join(',');
      if (planned.has(key)) return;
      planned.add(key);
      cursors.push({ plan, prefix: [], reached: false });
    };
    if (opts.fail.kind === 'all') addPlan(new Map(opts.fail.callees.map((c) => [c, 'all' as const])));
    else addPlan(new Map());
    const failEach = opts.fail.kind === 'each' ? opts.fail.callees : [];
    // Contract mode: every failure point gets its first run early (round robin over the plans), so
    // a choice tree too large to finish under one plan does not starve the others.
    let outcome: 'found' | 'budget' | undefined;
    for (let round = 0; !outcome; round++) {
      let ranAny = false;
      for (const cursor of [...cursors]) {
        if (!cursor.prefix) continue;
        const r = runOne(spec, representative, cursor);
        ranAny = true;
        if (r !== 'ran') {
          outcome = r;
          break;
        }
        for (const callee of failEach) {
          const points = Math.min(callPoints.get(callee) ?? 0, 64);
          for (let k = 0; k < points; k++) addPlan(new Map([[callee, k]]));
        }
      }
      if (!ranAny) break;
    }
    if (outcome === 'found') return found!;
    if (outcome === 'budget') {
      if (representative) representativesDone = false;
      break;
    }
  }
  if (tally.runs > 0 && preconditionFailures === tally.runs) {
    return { confirmation: 'unconfirmed', note: `the caller's setup never succeeded (${request.preconditions?.before?.join(', ')}): ${cf.fn.name} was not run` };
  }
  const outcome = verdict(target, request, tally, representativesDone, params);
  return returnBreach ? { ...outcome, returnBreach } : outcome;
}

interface Cursor {
  plan: FailPlan;
  /** The next run's choice prefix; undefined when every choice sequence was run. */
  prefix: number[] | undefined;
  reached: boolean;
}

function verdict(target: Target, request: SimRequest, tally: Tally, representativesDone: boolean, params: readonly ParamInfo[]): SimOutcome {
  const what = request.expect.description;
  if (tally.runs === 0) return { confirmation: 'unconfirmed', note: tally.budget ?? 'no scenario to run' };
  if (tally.problems.length) return { confirmation: 'unconfirmed', note: `${tally.problems[0]}` };
  if (tally.stops.length) return { confirmation: 'unconfirmed', note: `${tally.stops[0]}${tally.stops.length > 1 ? ` (and ${tally.stops.length - 1} more)` : ''}` };
  const releaseOnly = request.mode === 'contract' && !!request.expect.invariants?.length && request.expect.invariants.every((i) => RELEASE_INVARIANTS.has(i));
  if (releaseOnly && !tally.released && tally.keyApproximations.length === 0 && (tally.budget || tally.approximations.length)) {
    return {
      confirmation: 'unconfirmed',
      note: `no run of ${target.cf.fn.name} releases anything (no dma_unmap_*(), dma_iova_unlink/destroy/free()): ${request.expect.invariants!.join(', ')} can only break where the mappings are released, which is not in the change`,
    };
  }
  const why = tally.keyApproximations[0] ?? tally.approximations[0];
  if (tally.budget && !representativesDone) return { confirmation: 'unconfirmed', note: `${tally.budget} after ${tally.runs} runs without showing it${why ? `; not exhaustive: ${why}` : ''}` };
  if (tally.approximations.length) return { confirmation: 'unconfirmed', note: `not shown in ${tally.runs} runs, but not exhaustive: ${why}` };
  const first = tally.firstRepresentative;
  const sampled = params.filter((p) => p.t.kind === 'int' && !(request.inputs && (p.name in request.inputs || (p.role && p.role in request.inputs))));
  const sampledText = sampled.length ? `; ${sampled.map((p) => p.name).join(', ')} took representative values` : '';
  if (!first) return { confirmation: 'unconfirmed', note: `no run returned` };
  const lastStep = first.run.path[first.run.path.length - 1];
  const ret = first.returned?.k === 'void' ? 'returns' : `returns ${first.returned ? formatShort(first) : ''}`;
  const where = lastStep ? ` at line ${lastStep.line} (${lastStep.text || lineText(target.cf.file, lastStep.line)})` : '';
  const inputsText = shortInputs(first, Object.keys(request.inputs ?? {}).map((k) => paramForKey(params, k)?.name ?? k));
  const summary = `guard holds: ${inputsText ? `with ${inputsText}, ` : ''}${target.cf.fn.name} ${ret}${where}; ${what} does not happen`;
  return {
    confirmation: 'refuted',
    witness: buildWitness(first, summary),
    note: `${tally.runs} runs over ${tally.scenarios} scenarios completed and none showed it (${what})${sampledText}; e.g. ${target.cf.fn.name} ${ret}${where}`,
  };
}

function formatShort(r: ExecuteResult): string {
  const v = r.returned!;
  if (v.k === 'int') return v.t.signed || v.t.bits === 1 ? (v.t.bits === 1 ? (v.v ? 'true' : 'false') : v.v.toString()) : `0x${v.v.toString(16)}`;
  if (v.k === 'ptr') return v.p === null ? 'NULL' : 'a pointer';
  return '';
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ');
  return t.length > 200 ? `${t.slice(0, 197)}...` : t;
}
