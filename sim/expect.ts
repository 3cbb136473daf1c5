// Did a run show what a SimRequest's `expect` names? An invariant breach in the model, a WARN of
// the model (not the function's own WARN_ON_ONCE: that is its guard holding), a call reached with
// an argument value, or a C predicate over the parameters and the return value.
import type { InvariantName, RecordedBreach, SimRequest } from '../model/index.js';
import type { ExecuteResult } from './execute.js';
import { evaluateText } from './expressions.js';
import type { Value } from './values.js';

export interface Observation {
  kind: 'invariant' | 'warn' | 'reaches' | 'holds';
  /** One clause for the witness summary. */
  text: string;
  line?: number;
  breach?: RecordedBreach;
}

export interface ExpectCheck {
  observed?: Observation;
  /** Why the expectation could not be judged on this run (an unknown name in `holds`...). */
  problem?: string;
}

/** Every breach of the run that `expect.invariants` names, the primary ones first. */
export function matchingBreaches(result: ExecuteResult, names: readonly InvariantName[]): RecordedBreach[] {
  const set = new Set<string>(names);
  // breaches of the caller's setup (preconditions) are not the function's
  const from = result.run.setupEnd;
  const setup = result.run.setupBreaches;
  const found = result.world.breaches.filter((b) => set.has(b.invariant) && !(Number(b.data.call) < from) && !setup?.has(b));
  return [...found.filter((b) => b.data.primary === 'true'), ...found.filter((b) => b.data.primary !== 'true')];
}

export function breachLine(result: ExecuteResult, b: RecordedBreach): number | undefined {
  if (b.data.line) return Number(b.data.line);
  return result.world.trace[Number(b.data.call)]?.line;
}

export function checkExpect(result: ExecuteResult, expect: SimRequest['expect'], accept: (b: RecordedBreach) => boolean = () => true): ExpectCheck {
  const w = result.world;
  if (expect.invariants?.length) {
    const b = matchingBreaches(result, expect.invariants).filter(accept)[0];
    if (b) {
      const line = breachLine(result, b);
      return { observed: { kind: 'invariant', text: `${b.invariant} breaks${line ? ` at line ${line}` : ''}: ${b.message}`, ...(line ? { line } : {}), breach: b } };
    }
  }
  if (expect.warn) {
    for (const entry of w.trace.slice(result.run.setupEnd)) {
      if (entry.fn.startsWith('@') || result.run.syntheticEntries.has(entry)) continue;
      const warn = entry.events.find((e) => e.kind === 'warn' && e.what !== 'oops');
      if (warn) {
        return {
          observed: {
            kind: 'warn',
            text: `the kernel's WARN in ${entry.fn} fires (${warn.what})${entry.line ? ` at line ${entry.line}` : ''}`,
            ...(entry.line ? { line: entry.line } : {}),
            breach: { invariant: `model/warn` as InvariantName, message: warn.message, data: { fn: entry.fn, call: String(w.trace.indexOf(entry)) } },
          },
        };
      }
    }
  }
  let problem: string | undefined;
  if (expect.reaches) {
    const r = reached(result, expect.reaches);
    if (r.observed) return r;
    problem ??= r.problem;
  }
  if (expect.holds && result.returned !== undefined) {
    const bindings = holdsBindings(result);
    const ev = evaluateText(expect.holds, result.plan.spec, result.plan.program, bindings, result.plan.pageSize);
    if (!ev.ok) problem ??= `holds: ${ev.error}`;
    else if (truthy(ev.value)) {
      return {
        observed: {
          kind: 'holds',
          text: `${expect.holds} holds when ${result.plan.cf.fn.name} returns${result.returned.k === 'void' ? '' : ` ${showValue(result.returned)}`}`,
          line: result.plan.cf.fn.lines.end,
          breach: { invariant: 'model/holds' as InvariantName, message: `${expect.holds} holds at return`, data: { call: String(w.trace.length - 1), fn: result.plan.cf.fn.name } },
        },
      };
    }
  }
  return problem ? { problem } : {};
}

function reached(result: ExecuteResult, r: NonNullable<SimRequest['expect']['reaches']>): ExpectCheck {
  const matches = (fn: string): boolean => (r.callee.endsWith('*') ? fn.startsWith(r.callee.slice(0, -1)) : fn === r.callee);
  const bindings = holdsBindings(result);
  for (const call of result.run.calls) {
    if (!matches(call.fn) || call.injected) continue;
    if (r.arg === undefined || (r.equals === undefined && r.notEquals === undefined)) {
      return { observed: { kind: 'reaches', text: `${call.fn} is reached at line ${call.line}`, line: call.line, breach: reachedBreach(call.fn, `${call.fn} reached`) } };
    }
    const actual = call.args[r.arg];
    if (actual === undefined) continue;
    const expr = r.equals ?? r.notEquals!;
    const ev = evaluateText(expr, result.plan.spec, result.plan.program, bindings, result.plan.pageSize);
    if (!ev.ok || ev.value.k !== 'int') return { problem: `reaches: ${ev.ok ? `'${expr}' is not an integer` : ev.error}` };
    const same = BigInt.asUintN(64, actual) === BigInt.asUintN(64, ev.value.v);
    if ((r.equals !== undefined && same) || (r.notEquals !== undefined && !same)) {
      const text = `${call.fn} receives 0x${BigInt.asUintN(64, actual).toString(16)} as argument ${r.arg + 1} at line ${call.line}${r.notEquals !== undefined ? `, not ${expr} = 0x${BigInt.asUintN(64, ev.value.v).toString(16)}` : ''}`;
      return { observed: { kind: 'reaches', text, line: call.line, breach: reachedBreach(call.fn, text) } };
    }
  }
  return {};
}

function reachedBreach(fn: string, message: string): RecordedBreach {
  return { invariant: 'model/reaches' as InvariantName, message, data: { fn, call: '0' } };
}

/** Parameters at entry, locals at return, and __return. */
function holdsBindings(result: ExecuteResult): Map<string, Value> {
  const b = new Map<string, Value>();
  for (const [k, v] of result.ip.finalLocals) b.set(k, v);
  for (const [k, v] of result.ip.entryValues) b.set(k, v);
  if (result.returned && result.returned.k !== 'void') b.set('__return', result.returned);
  if (!b.has('mask')) {
    const m = evaluateText('SCENARIO_MASK', result.plan.spec, result.plan.program, new Map(), result.plan.pageSize);
    if (m.ok) b.set('mask', m.value);
  }
  return b;
}

function truthy(v: Value): boolean {
  if (v.k === 'int') return v.v !== 0n;
  if (v.k === 'ptr') return v.p !== null;
  return false;
}

function showValue(v: Value): string {
  if (v.k === 'int') return v.t.signed || v.t.bits === 1 ? v.v.toString() : `0x${v.v.toString(16)}`;
  if (v.k === 'ptr') return v.p === null ? 'NULL' : 'a pointer';
  return '';
}
