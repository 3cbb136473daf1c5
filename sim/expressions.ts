// C expressions a request carries (inputs "G-1", "mask - 0x10"; `holds` predicates; `reaches`
// values), evaluated with the interpreter on a throwaway world so nothing shows in a run's trace.
import { parseIntegerLiteral } from '../c/index.js';
import { createWorld, PHYS_BASE, type ScenarioSpec, type World } from '../model/index.js';
import { ChoiceTracker } from './choices.js';
import { INT, U64, promote, ulong, wrapTo, type IntT } from './ctype.js';
import { StopRun } from './errors.js';
import { Interpreter, literalType } from './interpreter.js';
import { parseExpressionSnippet, type Program } from './program.js';
import { DEFAULT_BUDGETS, Run } from './run.js';
import { intValue, type Value } from './values.js';

export type EvalResult = { ok: true; value: Value } | { ok: false; error: string };

const PHYS_T: IntT = { kind: 'int', name: 'phys_addr_t', bits: 64, signed: false };

/** Names every request expression may use: G, PAGE_SIZE (C constant), PHYS_BASE, the scenario's mask. */
export function standardNames(spec: ScenarioSpec): Map<string, Value> {
  const bits = spec.mask === 0 ? 32 : spec.mask;
  const mask = bits >= 64 ? (1n << 64n) - 1n : (1n << BigInt(bits)) - 1n;
  return new Map<string, Value>([
    ['G', intValue(BigInt(spec.granule), ulong(spec.arch))],
    ['PHYS_BASE', intValue(PHYS_BASE, PHYS_T)],
    ['SCENARIO_MASK', intValue(mask, U64)],
    ['SCENARIO_MASK_BITS', intValue(BigInt(bits), INT)],
  ]);
}

/** Throwaway worlds by scenario: request expressions may call model functions (DMA_BIT_MASK). */
const scratchWorlds = new Map<string, World>();

function scratchWorld(spec: ScenarioSpec): World {
  const key = JSON.stringify(spec);
  let w = scratchWorlds.get(key);
  if (!w) {
    if (scratchWorlds.size > 64) scratchWorlds.clear();
    w = createWorld(spec);
    scratchWorlds.set(key, w);
  }
  w.trace.length = 0;
  w.breaches.length = 0;
  return w;
}

const PLAIN_NUMBER = /^\s*(-)?\s*((?:0x[0-9a-f]+|\d+)(?:[uU](?:ll|LL|l|L)?|(?:ll|LL|l|L)[uU]?)?)\s*$/i;

/** Evaluates `text` with `bindings` (and the standard names) in scope; unknown names are errors. */
export function evaluateText(text: string, spec: ScenarioSpec, program: Program, bindings: ReadonlyMap<string, Value>, pageSize: bigint): EvalResult {
  const plain = PLAIN_NUMBER.exec(text);
  if (plain) {
    const lit = parseIntegerLiteral(plain[2]!);
    if (lit) {
      const t = literalType(lit, spec.arch);
      return { ok: true, value: intValue(plain[1] ? wrapTo(-lit.value, promote(t)) : lit.value, plain[1] ? promote(t) : t) };
    }
  }
  const parsed = parseExpressionSnippet(text);
  if (!parsed) return { ok: false, error: `'${text}' is not a C expression` };
  const world = scratchWorld(spec);
  const run = new Run(world, spec, new ChoiceTracker(), { ...DEFAULT_BUDGETS, maxSteps: 20_000, deadline: Date.now() + 2000 }, new Map(), new Map(), pageSize);
  const ip = new Interpreter(run, program);
  const scope = new Map<string, Value>([...standardNames(spec), ...bindings]);
  try {
    const value = ip.evaluateWith(parsed.cf, scope, parsed.node);
    if (run.choices.made.length > 0 || run.approximations.length > 0) {
      const unknown = run.choices.made[0]?.label.split(' = ')[0] ?? run.approximations[0];
      return { ok: false, error: `'${text}' names something the simulator does not know (${unknown})` };
    }
    return { ok: true, value };
  } catch (e) {
    return { ok: false, error: e instanceof StopRun ? `'${text}': ${e.message}` : `'${text}': ${(e as Error).message}` };
  }
}
