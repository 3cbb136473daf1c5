// The bundled simulator (DESIGN.md §7): a bounded interpreter of the change's C on the model.
// `createSimulator()` has the shape of review/simulator-port.ts (implemented structurally: sim/
// does not import review/). Nothing here throws: a simulator bug becomes an unconfirmed outcome.
import type { FunctionInfo, ParsedFile } from '../c/index.js';
import type { SimRequest } from '../model/index.js';
import { explore, type FailStrategy } from './confirm.js';
import { differentialCheck } from './differential.js';
import { isAllocator } from './interpreter.js';
import { Program, type ChangeFunctionLike } from './program.js';
import type { SimDivergence, SimEnvironment, SimOutcome, SimSettings } from './types.js';

export type { SimDivergence, SimEnvironment, SimOutcome, SimSettings } from './types.js';
export { runOnce, formatReturn, type RunOnceOptions, type RunOnceReport, type RunOnceResult } from './run-once.js';
export { DEFAULT_BUDGETS, type Budgets } from './run.js';
export { representativeScenarios, candidateScenarios } from './scenarios.js';
export { implementedModelFunction } from './differential.js';

export interface SimulatorOptions {
  /** PAGE_SIZE seen by interpreted code; default: the scenario's (page_size, else the granule). */
  pageSize?: bigint;
  /** Hard maxima the environment's budgets are clamped to. */
  maxRunsCap?: number;
  maxStepsCap?: number;
}

/** Callees made to fail in contract mode when a request names none: the lifecycle's failure points. */
export const DEFAULT_FAILING = ['dma_iova_try_alloc', 'dma_iova_link', 'dma_iova_sync', 'allocations'] as const;

export interface Simulator {
  confirm(request: SimRequest, env: SimEnvironment): SimOutcome;
  differential(fn: FunctionInfo, env: SimEnvironment): SimDivergence[];
  verifyFix(request: SimRequest, fixedFile: ParsedFile, env: SimEnvironment): boolean;
}

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const settingsOf = (env: SimEnvironment): SimSettings => ({
    maxSteps: Math.max(1, Math.min(env.maxSteps, options.maxStepsCap ?? 1_000_000)),
    maxRuns: Math.max(1, Math.min(env.maxRuns, options.maxRunsCap ?? 10_000)),
    deadline: env.deadline,
    ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
  });
  return {
    confirm(request, env) {
      try {
        return confirmRequest(request, env, settingsOf(env));
      } catch (e) {
        return { confirmation: 'unconfirmed', note: `simulator error: ${(e as Error).message}` };
      }
    },
    differential(fn, env) {
      try {
        return differentialCheck(fn, env, settingsOf(env)).divergences;
      } catch {
        return [];
      }
    },
    verifyFix(request, fixedFile, env) {
      try {
        const fixedFns = new Map(env.functions);
        for (const [name, cf] of env.functions) if (cf.file === env.file) fixedFns.delete(name);
        for (const fn of fixedFile.functions) if (!fixedFns.has(fn.name)) fixedFns.set(fn.name, { file: fixedFile, fn });
        const fn = fixedFile.functions.find((f) => f.name === env.fn.name);
        if (!fn) return false;
        const outcome = confirmRequest(request, { ...env, functions: fixedFns, file: fixedFile, fn }, settingsOf(env));
        return outcome.confirmation === 'refuted';
      } catch {
        return false;
      }
    },
  };
}

/**
 * A helper of the change cannot fail by itself: its failures are those of the calls it makes. A
 * failing name that is a function of the change stands for the lifecycle callees it reaches
 * (transitively, a few levels deep).
 */
function failurePoints(names: readonly string[], program: Program): string[] {
  const out = new Set<string>();
  const visit = (name: string, depth: number, seen: Set<string>): void => {
    const cf = program.fn(name);
    if (!cf) {
      out.add(name);
      return;
    }
    if (depth > 3 || seen.has(name)) return;
    seen.add(name);
    for (const call of cf.fn.body?.descendantsOfType('call_expression') ?? []) {
      const callee = call.childForFieldName('function')?.text ?? '';
      if ((DEFAULT_FAILING as readonly string[]).includes(callee)) out.add(callee);
      else if (isAllocator(callee)) out.add('allocations');
      else if (program.fn(callee)) visit(callee, depth + 1, seen);
    }
  };
  for (const n of names) visit(n, 0, new Set());
  return [...out];
}

/** Functions of the change that call `name` (by the text of their bodies). */
function callersOf(name: string, program: Program): ChangeFunctionLike[] {
  const call = new RegExp(`\\b${name.replace(/[^A-Za-z0-9_]/g, '')}\\s*\\(`);
  return [...program.functions.values()].filter((c) => c.fn.name !== name && c.fn.body && call.test(c.fn.body.text));
}

/**
 * Contract mode. A breach at the function's own return (a leak, unsynced or unlinked bytes) is
 * evidence only when no caller in the change finishes the job: for a function with callers there,
 * such a breach is checked again by running the callers (a few levels up) under the same failures.
 */
function contractThroughCallers(program: Program, cf: ChangeFunctionLike, request: SimRequest, settings: SimSettings, fail: FailStrategy, depth: number): SimOutcome {
  const callers = depth < 3 ? callersOf(cf.fn.name, program).slice(0, 3) : [];
  const out = explore({ program, cf }, request, settings, { fail, mode: 'contract', representativesOnly: 2, callersFinish: callers.length > 0 });
  const { returnBreach, ...outcome } = out;
  if (outcome.confirmation === 'confirmed' || !returnBreach) return outcome;
  const notes: string[] = [];
  for (const caller of callers) {
    // the caller does its own setup; only the map side it runs first stays
    const before = request.preconditions?.before?.filter((b) => b !== caller.fn.name);
    const { preconditions: _, ...rest } = request;
    const viaCaller: SimRequest = { ...rest, function: caller.fn.name, ...(before?.length ? { preconditions: { before } } : {}) };
    const r = contractThroughCallers(program, caller, viaCaller, settings, fail, depth + 1);
    if (r.confirmation === 'confirmed') return { ...r, note: `${r.note} (shown through ${caller.fn.name}(), which calls ${cf.fn.name}())` };
    notes.push(`${caller.fn.name}(): ${r.confirmation === 'refuted' ? 'every run clean' : r.note}`);
  }
  return {
    confirmation: 'unconfirmed',
    note: `${returnBreach.replace(/ at line \d+/, '')} when ${cf.fn.name}() returns, but its callers in the change may finish the job and do not show it (${notes.join('; ')})`,
  };
}

function findTarget(request: SimRequest, env: SimEnvironment): ChangeFunctionLike | undefined {
  const named = env.functions.get(request.function);
  if (named) return named;
  if (env.fn.name === request.function) return { file: env.file, fn: env.fn };
  return env.file.functions.filter((f) => f.name === request.function).map((fn) => ({ file: env.file, fn }))[0];
}

/** One Program per review (the functions map is the same object for every finding of a review). */
const programs = new WeakMap<object, WeakMap<ParsedFile, Program>>();

function programFor(env: SimEnvironment): Program {
  let byFile = programs.get(env.functions);
  if (!byFile) {
    byFile = new WeakMap();
    programs.set(env.functions, byFile);
  }
  let p = byFile.get(env.file);
  if (!p) {
    p = new Program(env.functions, [env.file]);
    byFile.set(env.file, p);
  }
  return p;
}

function confirmRequest(request: SimRequest, env: SimEnvironment, settings: SimSettings): SimOutcome {
  const cf = findTarget(request, env);
  if (!cf) return { confirmation: 'unconfirmed', note: `${request.function} is not defined in the change` };
  if (!cf.fn.body) return { confirmation: 'unconfirmed', note: `${request.function} has no body in the change` };
  const program = programFor(env);
  const target = { program, cf };
  switch (request.mode) {
    case 'contract': {
      const callees = failurePoints(request.failing?.length ? request.failing : [...DEFAULT_FAILING], program);
      const fail: FailStrategy = { kind: 'each', callees };
      const req: SimRequest = request.expect.invariants?.length
        ? request
        : { ...request, expect: { ...request.expect, invariants: ['no-leak', 'sync-before-publish', 'link-in-reservation', 'unlink-mirrors-link', 'state-live', 'no-double-free', 'free-mirrors-alloc', 'mapping-covers-buffer'] } };
      return contractThroughCallers(program, cf, req, settings, fail, 0);
    }
    case 'differential': {
      const summary = differentialCheck(cf.fn, { ...env, functions: env.functions }, settings);
      const d = summary.divergences[0];
      if (d) return { confirmation: 'confirmed', witness: d.witness, note: d.message };
      if (summary.reason) return { confirmation: 'unconfirmed', note: `not compared: ${summary.reason}` };
      if (summary.skipped > 0) return { confirmation: 'unconfirmed', note: `${summary.compared} cases agree with the model; ${summary.skipped} could not be run` };
      return { confirmation: 'refuted', note: `${summary.compared} cases agree with the model` };
    }
    default: {
      const fail: FailStrategy = request.failing?.length ? { kind: 'all', callees: request.failing } : { kind: 'none' };
      return explore(target, request, settings, { fail, mode: 'confirm' });
    }
  }
}
