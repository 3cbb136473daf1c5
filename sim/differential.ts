// Differential mode: a patched function that implements a model API function (same name, or
// `sim.implements`) runs against the model's own over the representative scenarios and the input
// grid (sizes 0, 1, G-1, G, G+1, large, bit 63, SIZE_MAX; phys offsets 0, 1, G-1). Any
// difference in return value, state, reservation, mappings, bounce slots or WARNs is a
// divergence, with the candidate's run as witness.
import { pageSizeOf } from './types.js';
import type { FunctionInfo } from '../c/index.js';
import {
  compareOutcomes,
  contractFor,
  createWorld,
  formatScenario,
  hasModelFunction,
  hex,
  PHYS_BASE,
  physOffsetCases,
  REFERENCE_EXTRAS,
  runReference,
  sizeCases,
  type ModelArg,
  type ObservedOutcome,
  type ParamRole,
  type ScenarioSpec,
} from '../model/index.js';
import { budgetsFor } from './confirm.js';
import { emptyInputs, execute, prepareState, type StatePrep } from './execute.js';
import { analyzeParams } from './params.js';
import { Program, type ChangeFunctionLike } from './program.js';
import { representativeScenarios } from './scenarios.js';
import type { SimDivergence, SimEnvironment, SimSettings } from './types.js';
import { intValue } from './values.js';
import { buildWitness } from './witness.js';
import { U64 } from './ctype.js';

const SUPPORTED_ROLES: ReadonlySet<ParamRole> = new Set(['device', 'state', 'phys', 'size', 'offset', 'dir', 'attrs', 'mask', 'iovad', 'domain']);

/** The model function a patched function implements, if any. */
export function implementedModelFunction(name: string, implementsMap: Readonly<Record<string, string>>): string | undefined {
  const mapped = implementsMap[name];
  if (mapped) return mapped;
  if (name in REFERENCE_EXTRAS || hasModelFunction(name)) return name;
  return undefined;
}

function modelRoles(modelFn: string): ParamRole[] | undefined {
  const extra = REFERENCE_EXTRAS[modelFn];
  if (extra) {
    const byName: Record<string, ParamRole> = { dev: 'device', state: 'state', phys: 'phys', size: 'size' };
    const roles = extra.params.map((p) => byName[p]);
    return roles.every((r): r is ParamRole => r !== undefined) ? roles : undefined;
  }
  return contractFor(modelFn)?.params.map((p) => p.role);
}

/** What the state must be before the call: a link needs an allocated state, an unlink a linked one. */
function statePrepFor(modelFn: string): StatePrep {
  const cats = contractFor(modelFn)?.categories ?? [];
  if (cats.includes('allocates-iova') || modelFn in REFERENCE_EXTRAS) return 'zero';
  if (cats.includes('unlinks') || cats.includes('syncs')) return 'linked';
  return 'allocated';
}

export interface DifferentialSummary {
  divergences: SimDivergence[];
  compared: number;
  skipped: number;
  /** Why the function was not compared at all. */
  reason?: string;
}

export function differentialCheck(fn: FunctionInfo, env: SimEnvironment, settings: SimSettings): DifferentialSummary {
  const none = (reason: string): DifferentialSummary => ({ divergences: [], compared: 0, skipped: 0, reason });
  const modelFn = implementedModelFunction(fn.name, env.implements);
  if (!modelFn) return none('implements no model function');
  if (fn.hasError || fn.partial || !fn.body) return none(`${fn.name} is not whole`);
  const roles = modelRoles(modelFn);
  if (!roles) return none(`${modelFn} has no contract`);
  const fromMap = env.functions.get(fn.name);
  const cf: ChangeFunctionLike = fromMap && fromMap.fn.node.id === fn.node.id ? fromMap : { file: env.file, fn };
  const functions = new Map(env.functions);
  functions.set(fn.name, cf);
  const program = new Program(functions, [env.file]);
  const params = analyzeParams(cf, program, 64);
  if (params.length !== roles.length) return none(`${fn.name} takes ${params.length} parameters, ${modelFn} ${roles.length}`);
  if (!roles.every((r) => SUPPORTED_ROLES.has(r))) return none(`${modelFn} takes parameters the differential mode does not drive`);
  const prep = statePrepFor(modelFn);
  const budgets = budgetsFor(settings);
  const out: DifferentialSummary = { divergences: [], compared: 0, skipped: 0 };
  const maxPairs = Math.max(settings.maxRuns * 4, 64);
  for (const spec of representativeScenarios()) {
    for (const input of inputGrid(spec, roles)) {
      if (out.compared + out.skipped >= maxPairs || Date.now() > settings.deadline) return out;
      // the reference
      const w1 = createWorld(spec);
      const state1 = roles.includes('state') ? w1.newState() : undefined;
      if (state1) prepareState(w1, state1, prep, intValue(input.phys ?? PHYS_BASE, U64), intValue(input.size ?? BigInt(spec.granule), U64));
      const args1: ModelArg[] = roles.map((r, i) =>
        r === 'device' ? w1.dev : r === 'state' ? state1! : r === 'iovad' ? (w1.dev.domain?.iovad ?? null) : r === 'domain' ? w1.dev.domain : input.values[i]!,
      );
      let ref: ObservedOutcome;
      try {
        ref = runReference(w1, modelFn, args1, state1 ? { state: state1 } : {});
      } catch {
        return none(`the model cannot run ${modelFn} on these arguments`);
      }
      // the candidate
      const inputs = emptyInputs();
      params.forEach((p, i) => {
        const v = input.values[i];
        if (typeof v === 'bigint') inputs.params.set(p.name, [`${hex(v)}ULL`]);
        if (roles[i] === 'state') inputs.states.set(p.name, prep);
      });
      const cand = execute({ program, cf, params, spec, inputs, budgets, pageSize: pageSizeOf(spec, settings.pageSize), prefix: [], observeState: true });
      if (!cand.outcome || cand.run.choices.made.some((c) => c.of > 1) || cand.run.approximations.length > 0) {
        out.skipped++;
        continue;
      }
      out.compared++;
      // The number and place of WARNs matter, not how the condition is spelt.
      if (ref.warnings.length === cand.outcome.warnings.length) cand.outcome.warnings = [...ref.warnings];
      const diffs = compareOutcomes(ref, cand.outcome);
      if (diffs.length === 0) continue;
      const shown = input.labels.join(', ');
      const message = `${fn.name} differs from the model's ${modelFn} with ${shown} (${formatScenario(spec)}): it ${diffs[0]}`;
      out.divergences.push({
        file: cf.file,
        fn: cf.fn,
        node: cf.fn.node,
        modelFunction: modelFn,
        message,
        witness: buildWitness(cand, `${shown}: ${fn.name} ${diffs[0]}`, { invariant: 'model/divergence', message: diffs.join('; ') }),
      });
      return out;
    }
  }
  return out;
}

interface GridInput {
  values: Array<bigint | undefined>;
  labels: string[];
  phys?: bigint;
  size?: bigint;
}

/** Inputs for each parameter role: sizes × phys offsets, the rest fixed. */
function* inputGrid(spec: ScenarioSpec, roles: readonly ParamRole[]): Generator<GridInput> {
  const sizes = roles.includes('size') ? sizeCases(spec) : [{ expr: 'G', value: BigInt(spec.granule) }];
  const offsets = roles.includes('phys') ? physOffsetCases(spec) : [{ expr: '0', value: 0n }];
  for (const s of sizes) {
    for (const o of offsets) {
      const phys = PHYS_BASE + o.value;
      const values = roles.map((r): bigint | undefined => {
        switch (r) {
          case 'size':
            return s.value;
          case 'phys':
            return phys;
          case 'offset':
            return 0n;
          case 'dir':
            return 1n;
          case 'attrs':
            return 0n;
          case 'mask':
            return spec.mask >= 64 ? (1n << 64n) - 1n : (1n << BigInt(spec.mask || 32)) - 1n;
          default:
            return undefined;
        }
      });
      const labels: string[] = [];
      if (roles.includes('phys')) labels.push(`phys=${hex(phys)}`);
      if (roles.includes('size')) labels.push(`size=${hex(s.value)} (${s.expr})`);
      yield { values, labels, phys, size: s.value };
    }
  }
}

