// The entry point the lifecycle rules share: run the path machine once per function (cached per
// function and per change), with each helper of the change summarised once (its outcomes) and
// reused at every call. Syntactic checks that need no path run here too, so every rule reads one
// list of observations.
import { analyze, argumentsOf, enclosingLoop, identifierPattern, printExpr, stripCasts, toExpr, type FunctionInfo } from '../../c/index.js';
import type { ChangeFunction } from '../types.js';
import { LifecycleMachine } from './machine.js';
import { ObservationSink, type Observation } from './observations.js';
import type { HelperSummary } from './summary-types.js';
import { swappablePairs, syntacticObservations } from './syntactic.js';
import { returnKindOf } from './values.js';
import { doubleUnmapPossible } from './unmap-reach.js';
import { apiCall, stateCallNames, wrapper } from './vocabulary.js';

type Functions = ReadonlyMap<string, ChangeFunction>;

export interface LifecycleReport {
  observations: Observation[];
  /** The path search did not finish (budget): some paths were not followed. */
  incomplete?: string;
}

/** For measurements only (bench/unmap-reach-check.ts): run the machine even where the CFG says no double unmap can happen. */
export const lifecycleSettings = { unmapPrecheck: true };

const CHECK_STATES = 40_000;
const SUMMARY_STATES = 15_000;
const UNMAP_ONLY_STATES = 6_000;
const MAX_HELPER_DEPTH = 6;

/** Words that make a function part of an IOVA lifecycle: the API and its wrappers. */
const INTERESTING = /\b(dma_iova_\w+|dma_use_iova|blk_rq_dma_map_iter_start|blk_rq_integrity_dma_map_iter_start|blk_rq_dma_unmap|blk_rq_integrity_dma_unmap|hmm_dma_map_alloc|hmm_dma_map_free)\s*\(/;
/** A call that gives the machine a state to follow (beyond the unmapped addresses). */
const NAMES_STATE_CALL = identifierPattern(stateCallNames());
const UNMAP_CALL = /\bdma_unmap_\w+\s*\(/g;

/**
 * Could an address be unmapped twice here? The machine reports an address whose text, as written,
 * is unmapped again on one path (machine.ts unmap()); in a function without IOVA state that is
 * the only report its paths can give. So: two unmap calls of the API with the same address text,
 * or one that can run twice (inside a loop, or with a backward goto in the function). A syntactic
 * first sieve: the functions it lets through are asked again on their CFG (unmap-reach.ts).
 */
function unmapsTwice(fn: FunctionInfo, text: string): boolean {
  const n = text.match(UNMAP_CALL)?.length ?? 0;
  if (n === 0 || !fn.body) return false;
  const seen = new Set<string>();
  for (const call of fn.body.descendantsOfType('call_expression')) {
    const name = call.childForFieldName('function')?.text ?? '';
    const api = apiCall(name);
    if (api?.role !== 'unmap' || api.addr < 0) continue;
    const arg = argumentsOf(call)[api.addr];
    if (!arg) continue;
    const key = printExpr(stripCasts(toExpr(arg)));
    if (seen.has(key) || enclosingLoop(call)) return true;
    seen.add(key);
  }
  return seen.size > 0 && hasBackwardGoto(text);
}

/** A `goto L` after the label `L:` (a loop made of gotos). */
function hasBackwardGoto(text: string): boolean {
  // one pass for the labels, one for the gotos: linear in the text
  const labels = new Map<string, number>();
  for (const m of text.matchAll(/^[ \t]*([A-Za-z_]\w*)[ \t]*:(?!:)/gm)) if (!labels.has(m[1]!)) labels.set(m[1]!, m.index);
  for (const m of text.matchAll(/\bgoto\s+([A-Za-z_]\w*)\s*;/g)) {
    const at = labels.get(m[1]!);
    if (at !== undefined && at < m.index) return true;
  }
  return false;
}

interface ChangeIndex {
  summaries: Map<string, HelperSummary | null>;
  inProgress: Set<string>;
  callers?: Map<string, Set<string>>;
  reports: WeakMap<FunctionInfo, LifecycleReport>;
  /** Names of functions of the change whose bodies reach the API (directly or through helpers). */
  relevant?: Set<string>;
  /** Functions of the change that call dma_unmap_*() and have parameters a caller could swap. */
  unmappers?: string[];
  reserved?: Map<string, string>;
  callsRelevant?: Set<string>;
}

const indexes = new WeakMap<Functions, ChangeIndex>();
const EMPTY: Functions = new Map();

function indexFor(functions: Functions): ChangeIndex {
  let idx = indexes.get(functions);
  if (!idx) {
    idx = { summaries: new Map(), inProgress: new Set(), reports: new WeakMap() };
    indexes.set(functions, idx);
  }
  return idx;
}

function bodyText(fn: FunctionInfo): string {
  return fn.node.text;
}

const CALL_OF_NAME = /\b([A-Za-z_]\w*)\s*\(/g;

/** Who calls whom among the change's functions (by name, from the text). */
function callersOf(functions: Functions, idx: ChangeIndex): Map<string, Set<string>> {
  if (idx.callers) return idx.callers;
  const callers = new Map<string, Set<string>>();
  const names = [...functions.keys()];
  if (names.length > 1 && names.length < 5_000) {
    // every `identifier (` of a body, kept when it names a function of the change (one simple
    // pattern is faster than an alternation of every name)
    const known = new Set(names.map((n) => n.replace(/[^A-Za-z0-9_]/g, '')));
    for (const [caller, { fn }] of functions) {
      const text = fn.body ? fn.body.text : bodyText(fn);
      for (const m of text.matchAll(CALL_OF_NAME)) {
        if (m[1] === caller || !known.has(m[1]!)) continue;
        let set = callers.get(m[1]);
        if (!set) callers.set(m[1], (set = new Set()));
        set.add(caller);
      }
    }
  }
  idx.callers = callers;
  return callers;
}

/** Functions of the change that reach the API, directly or through other functions of the change. */
function relevantFunctions(functions: Functions, idx: ChangeIndex): Set<string> {
  if (idx.relevant) return idx.relevant;
  const relevant = new Set<string>();
  for (const [name, { fn }] of functions) if (INTERESTING.test(bodyText(fn))) relevant.add(name);
  const callers = callersOf(functions, idx);
  const work = [...relevant];
  while (work.length > 0) {
    const name = work.pop()!;
    for (const c of callers.get(name) ?? []) {
      if (!relevant.has(c)) {
        relevant.add(c);
        work.push(c);
      }
    }
  }
  idx.relevant = relevant;
  return relevant;
}

/** Functions of the change that call a relevant function other than themselves. */
function callsRelevant(functions: Functions, idx: ChangeIndex): Set<string> {
  if (idx.callsRelevant) return idx.callsRelevant;
  const out = new Set<string>();
  const callers = callersOf(functions, idx);
  for (const name of relevantFunctions(functions, idx)) for (const c of callers.get(name) ?? []) out.add(c);
  idx.callsRelevant = out;
  return out;
}

function summaryOf(name: string, functions: Functions, idx: ChangeIndex, depth: number): HelperSummary | undefined {
  if (apiCall(name) || wrapper(name)) return undefined;
  const cached = idx.summaries.get(name);
  if (cached !== undefined) return cached ?? undefined;
  const entry = functions.get(name);
  if (!entry || entry.fn.hasError || entry.fn.partial || depth > MAX_HELPER_DEPTH || idx.inProgress.has(name)) return undefined;
  if (!relevantFunctions(functions, idx).has(name)) {
    idx.summaries.set(name, null);
    return undefined;
  }
  idx.inProgress.add(name);
  try {
    const fn = entry.fn;
    const machine = new LifecycleMachine(
      fn,
      analyze(fn),
      { summaryOf: (n) => summaryOf(n, functions, idx, depth + 1), hasCallers: true, maxStates: SUMMARY_STATES },
      undefined,
    );
    const result = machine.run();
    const summary: HelperSummary | null = result.complete
      ? { name, params: fn.params.map((p) => p.name), retKind: returnKindOf(fn.returnType), outcomes: result.outcomes }
      : null;
    idx.summaries.set(name, summary);
    return summary ?? undefined;
  } finally {
    idx.inProgress.delete(name);
  }
}

/** State fields (`->dma_state`) passed to dma_iova_try_alloc() in the change, with the function. */
function reservedFields(functions: Functions, idx: ChangeIndex): Map<string, string> {
  if (!idx.reserved) {
    idx.reserved = new Map();
    for (const [name, { fn }] of functions) {
      for (const m of fn.node.text.matchAll(/\bdma_iova_try_alloc\s*\(\s*[^,]+,\s*&?\s*([^,]+?)\s*,/g)) {
        const field = /(?:->|\.)([A-Za-z_]\w*)$/.exec(m[1])?.[1];
        if (field && !idx.reserved.has(field)) idx.reserved.set(field, name);
      }
    }
  }
  return idx.reserved;
}

/**
 * Does `fn` call a function of the change that unmaps (dma_unmap_*) and has parameters a caller
 * could swap (syntactic.ts swappedArguments(), the only check such a call feeds)?
 */
function callsUnmappingHelper(fn: FunctionInfo, functions: Functions, idx: ChangeIndex): boolean {
  if (!idx.unmappers) {
    idx.unmappers = [...functions].filter(([, { fn: f }]) => swappablePairs(f).length > 0).map(([n]) => n);
  }
  const text = bodyText(fn);
  return idx.unmappers.some((n) => n !== fn.name && text.includes(`${n}(`));
}

/** The lifecycle observations of one function (cached per function and change). */
export function lifecycleOf(fn: FunctionInfo, functions: Functions = EMPTY): LifecycleReport {
  const idx = indexFor(functions);
  const cached = idx.reports.get(fn);
  if (cached) return cached;
  let report: LifecycleReport = { observations: [] };
  const text = bodyText(fn);
  const interesting = INTERESTING.test(text);
  const callsHelper = callsRelevant(functions, idx).has(fn.name);
  // a function rebuilt from hunks has gaps: its paths are not followed, the local checks still run
  const followPaths = !fn.partial && (interesting || callsHelper || unmapsTwice(fn, text));
  const syntactic = followPaths || /\b(dma_iova_\w+|dma_use_iova|blk_dma_iter)\b/.test(text) || callsUnmappingHelper(fn, functions, idx);
  if (!fn.hasError && (followPaths || syntactic)) {
    const sink = new ObservationSink();
    const a = analyze(fn);
    const callers = callersOf(functions, idx).get(fn.name);
    const machine = new LifecycleMachine(
      fn,
      a,
      {
        summaryOf: (n) => summaryOf(n, functions, idx, 1),
        hasCallers: !!callers && callers.size > 0,
        // a function with no IOVA state is followed only for its unmaps: fewer paths suffice
        maxStates: interesting || callsHelper ? CHECK_STATES : UNMAP_ONLY_STATES,
        reservedElsewhere: (field) => reservedFields(functions, idx).get(field),
      },
      sink,
    );
    // followed only for double unmaps: first ask the CFG whether one unmap can reach another of the same address
    const unmapOnly = followPaths && !interesting && !callsHelper && !NAMES_STATE_CALL.test(text);
    const cfg = unmapOnly ? a.cfg : undefined;
    // a callee the machine may summarise forgets nothing in the pre-check (the others are unknown calls)
    const summarised = (callee: string): boolean => callee !== fn.name && relevantFunctions(functions, idx).has(callee);
    const hopeless = !!cfg && lifecycleSettings.unmapPrecheck && !doubleUnmapPossible(cfg, a.mirror, summarised);
    const result = followPaths && !hopeless ? machine.run() : { complete: true, reason: undefined };
    for (const o of syntacticObservations(fn, a, functions)) sink.add(o);
    report = { observations: sink.all(), ...(result.complete ? {} : { incomplete: result.reason ?? 'budget' }) };
  }
  idx.reports.set(fn, report);
  return report;
}


/** The summary of a helper of the change (for tests and debugging). */
export function helperSummary(name: string, functions: Functions): HelperSummary | undefined {
  return summaryOf(name, functions, indexFor(functions), 1);
}
