// The engine both front doors call: review(changeSet, options) → Report.
// Parse post-images, run the selected rules on the functions the change touches, keep what the
// change introduces, fingerprint, apply suppressions, and confirm each finding with the simulator.
import picomatch from 'picomatch';
import { InputError, type ChangeSet, type ChangedFile } from '../patch/types.js';
import type { FunctionInfo, ParsedFile, SyntaxNode } from '../c/types.js';
import type { SectionHint } from '../c/rebuild.js';
import type { ChangeFunction, ReportDescriptor, Rule } from '../rules/types.js';
import { MODEL_VERSION } from '../model/version.js';
import { defaultConfig, type IovalintConfig } from './config.js';
import { FingerprintAllocator, normaliseStatementText } from './fingerprint.js';
import { parseForReview } from './parse.js';
import { defaultSimulator, registeredRules } from './defaults.js';
import { describeRules, selectRules, type ActiveRule, type RuleSelection } from './registry.js';
import type { SimulatorPort } from './simulator-port.js';
import { RelevanceGate } from './relevance.js';
import { findSuppressions, matchSuppression, type Suppression } from './suppressions.js';
import { divergenceFindings, MODEL_DIVERGENCE_RULE, simulatorGaps, verifyFixes } from './simulation.js';
import type { AnalysedFunction, FileEntry, Finding, Fix, NotChecked, Report } from './types.js';
import { TOOL_VERSION } from './version.js';

export interface ReviewOptions extends RuleSelection {
  config?: IovalintConfig;
  /** The rule set (default: the registry of rules/index.ts). */
  rules?: readonly Rule[];
  /** The simulator; false to skip confirmation (findings stay unconfirmed, said so). */
  simulator?: SimulatorPort | false;
  /** A C file that does not parse as C is bad input (the command) rather than "not checked" (the app). */
  notCIsError?: boolean;
  /**
   * Skip a rule on functions that name none of its words nor call a function that does (default
   * on; off only to prove it changes nothing).
   */
  relevanceGate?: boolean;
}

interface RawFinding {
  finding: Finding;
  active?: ActiveRule;
  /**
   * Found by a whole-function rule in a function rebuilt from hunks: kept only when the statement
   * was already in the pre-image and not reported there (the change broke it in lines it shows).
   */
  provisional?: boolean;
  /** The rule's descriptor said the report rests only on shown lines, or names what it judged. */
  local?: boolean;
  subject?: string;
  node: SyntaxNode;
  request?: ReportDescriptor<string>['sim'];
  parsed: ParsedFile;
  fn: FunctionInfo | undefined;
}

export async function review(changeSet: ChangeSet, options: ReviewOptions = {}): Promise<Report> {
  return reviewSync(changeSet, options);
}

export function reviewSync(changeSet: ChangeSet, options: ReviewOptions = {}): Report {
  const started = performance.now();
  const config = options.config ?? defaultConfig();
  const active = selectRules(options.rules ?? registeredRules(), config, options);
  const files: FileEntry[] = [];
  const functions: AnalysedFunction[] = [];
  const notChecked: NotChecked[] = [];
  const included = pathFilter(config);

  // 1. Parse every reviewable post-image.
  const parsed: Array<{ change: ChangedFile; post: ParsedFile }> = [];
  let parseMs = 0;
  for (const change of changeSet.files) {
    const entry: FileEntry = {
      path: change.path,
      ...(change.oldPath ? { oldPath: change.oldPath } : {}),
      status: change.status,
      analysed: false,
    };
    files.push(entry);
    const skip = skipReason(change, included);
    if (skip) {
      entry.reason = skip;
      continue;
    }
    const t0 = performance.now();
    const result = parseForReview(
      change.path,
      change.postImage!,
      change.partial ? change.knownLines : undefined,
      change.partial ? sectionHints(change, 'new') : undefined,
    );
    parseMs += performance.now() - t0;
    if (!result.ok) {
      if (options.notCIsError) throw new InputError(result.reason, change.path);
      entry.reason = result.reason;
      notChecked.push({ file: change.path, reason: result.reason });
      continue;
    }
    entry.analysed = true;
    parsed.push({ change, post: result.file });
  }

  for (const omitted of changeSet.omittedFiles ?? []) {
    files.push({ path: omitted.path, status: 'modified', analysed: false, reason: omitted.reason });
    notChecked.push({ file: omitted.path, reason: omitted.reason });
  }

  const allFunctions = functionMap(parsed.map((p) => p.post));
  const gateOn = options.relevanceGate !== false;
  const gate = gateOn ? new RelevanceGate(parsed.map((p) => p.post)) : undefined;

  // 2. Run the rules on the touched functions.
  const rulesStart = performance.now();
  const raw: RawFinding[] = [];
  const simTargets: Array<{ path: string; file: ParsedFile; fn: FunctionInfo }> = [];
  for (const { change, post } of parsed) {
    const touched = changeSet.wholeFiles ? post.functions : touchedFunctions(post.functions, change);
    for (const fn of touched) {
      const unsound = fn.hasError ? fn.notCheckedReason ?? 'parse error' : undefined;
      const wholeRules = active.filter((a) => a.rule.meta.needsWholeFunction !== false);
      const partialNote =
        'partial: rebuilt from hunks; rules that need the whole function report only what the change does to lines it shows (use --tree for full coverage)';
      functions.push({
        file: change.path,
        name: fn.name,
        startLine: fn.lines.start,
        endLine: fn.lines.end,
        partial: fn.partial,
        checked: !unsound,
        ...(unsound
          ? { reason: `${unsound}; rules not run: ${wholeRules.map((a) => a.rule.meta.id).join(', ') || 'none'}` }
          : fn.partial
            ? { reason: partialNote }
            : {}),
      });
      if (unsound && wholeRules.length > 0) {
        notChecked.push({ file: change.path, function: fn.name, line: fn.lines.start, reason: unsound });
      } else if (fn.partial && wholeRules.length > 0) {
        notChecked.push({ file: change.path, function: fn.name, line: fn.lines.start, reason: partialNote });
      }
      if (!unsound && !fn.partial) simTargets.push({ path: change.path, file: post, fn });
      const runnable = unsound ? active.filter((a) => a.rule.meta.needsWholeFunction === false) : active;
      const found = runFunctionRules(runnable, post, fn, change.path, allFunctions, gate);
      // on a partial function a report is judged against the pre-image unless it rests only on shown
      // lines: a rule that needs the whole function, or any report that names what it judged
      if (fn.partial) for (const r of found) if ((r.active?.rule.meta.needsWholeFunction !== false || r.subject) && !r.local) r.provisional = true;
      raw.push(...found);
    }
    raw.push(...runFileRules(active, post, change.path, allFunctions));
  }

  // 2b. The simulator's own findings: patched API implementations run against the model.
  const simulator = options.simulator === undefined ? defaultSimulator() : options.simulator;
  const differentialStart = performance.now();
  const simDeadline = Date.now() + config.sim.maxMillis; // shared by the differential runs and fix checks
  raw.push(...divergenceFindings(simTargets, simulator, allFunctions, config, simDeadline));
  const differentialMs = performance.now() - differentialStart;

  // 3. Keep what the change introduces.
  let kept = changeSet.wholeFiles ? raw : keepIntroduced(raw, parsed, active, allFunctions, gateOn);
  assignFingerprints(kept);

  // 4. Suppressions (in code, then config ignores).
  const suppressionsByFile = new Map<string, Suppression[]>();
  for (const { change, post } of parsed) suppressionsByFile.set(change.path, findSuppressions(post.text));
  kept = kept.filter(({ finding }) => {
    if (matchSuppression(suppressionsByFile.get(finding.file) ?? [], finding.ruleId, finding.line)) return false;
    return !config.ignore.some(
      (ig) =>
        ig.rule === finding.ruleId &&
        picomatch.isMatch(finding.file, ig.path, { dot: true }) &&
        (!ig.fingerprint || ig.fingerprint === finding.fingerprint),
    );
  });
  const rulesMs = performance.now() - rulesStart - differentialMs;

  // 5. Confirm with the simulator.
  const simStart = performance.now();
  const confirmed = confirmFindings(kept, simulator, allFunctions, config);
  verifyFixes(kept, simulator, allFunctions, config, simDeadline);
  notChecked.push(...simulatorGaps(confirmed));
  const simMs = performance.now() - simStart + differentialMs;

  const unusedSuppressions: NotChecked[] = [];
  for (const [file, list] of suppressionsByFile) {
    for (const s of list.filter((x) => !x.used)) {
      unusedSuppressions.push({ file, line: s.line, reason: `unused suppression for ${s.rules.join(', ')}` });
    }
  }

  const order = (a: Finding, b: Finding): number =>
    a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId);
  return {
    tool: { name: 'iovalint', version: TOOL_VERSION, modelVersion: MODEL_VERSION },
    rules: [...describeRules(active), ...(confirmed.some((f) => f.ruleId === MODEL_DIVERGENCE_RULE.id) ? [MODEL_DIVERGENCE_RULE] : [])],
    source: changeSet.source,
    findings: confirmed.filter((f) => f.confirmation !== 'refuted').sort(order),
    refuted: confirmed.filter((f) => f.confirmation === 'refuted').sort(order),
    unusedSuppressions,
    files,
    functions,
    notChecked,
    timings: {
      parseMs: round(parseMs),
      rulesMs: round(rulesMs),
      simMs: round(simMs),
      totalMs: round(performance.now() - started),
    },
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

// ---- helpers ----

function pathFilter(config: IovalintConfig): (path: string) => boolean {
  const include = config.include.length ? picomatch(config.include, { dot: true }) : () => true;
  const exclude = config.exclude.length ? picomatch(config.exclude, { dot: true }) : () => false;
  return (path) => include(path) && !exclude(path);
}

function skipReason(change: ChangedFile, included: (path: string) => boolean): string | undefined {
  if (change.binary) return 'binary';
  if (!change.isC) return 'not C';
  if (change.status === 'deleted') return 'deleted';
  if (!included(change.path)) return 'excluded by config';
  if (change.postImage === undefined) return 'no post-image';
  return undefined;
}

function functionMap(files: ParsedFile[]): Map<string, ChangeFunction> {
  const map = new Map<string, ChangeFunction>();
  for (const file of files) {
    for (const fn of file.functions) if (!map.has(fn.name)) map.set(fn.name, { file, fn });
  }
  return map;
}

/** Functions holding a changed line, or a line next to a deletion. */
export function touchedFunctions(fns: readonly FunctionInfo[], change: ChangedFile): FunctionInfo[] {
  return fns.filter((fn) => {
    for (let line = fn.lines.start; line <= fn.lines.end; line++) {
      if (change.changedLines.has(line)) return true;
      if (change.deletionPoints.has(line) && line < fn.lines.end) return true;
    }
    return false;
  });
}

function fill(template: string, data: Record<string, string | number> | undefined): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, key: string) => (data && key in data ? String(data[key]) : `{{${key}}}`));
}

/** Column (1-based, in code points) of a tree-sitter byte column on a line. */
function codePointColumn(text: string, row: number, byteColumn: number, lineStarts: number[]): number {
  const start = lineStarts[row] ?? 0;
  const line = text.slice(start, text.indexOf('\n', start) === -1 ? undefined : text.indexOf('\n', start));
  if (/^[\x00-\x7f]*$/.test(line)) return byteColumn + 1;
  const prefix = Buffer.from(line, 'utf8').subarray(0, byteColumn).toString('utf8');
  return [...prefix].length + 1;
}

const lineStartCache = new WeakMap<ParsedFile, number[]>();
function lineStarts(file: ParsedFile): number[] {
  let starts = lineStartCache.get(file);
  if (!starts) {
    starts = [0];
    for (let i = 0; i < file.text.length; i++) if (file.text.charCodeAt(i) === 10) starts.push(i + 1);
    lineStartCache.set(file, starts);
  }
  return starts;
}

function makeContext(
  active: ActiveRule,
  file: ParsedFile,
  path: string,
  functions: ReadonlyMap<string, ChangeFunction>,
  fn: FunctionInfo | undefined,
  out: RawFinding[],
) {
  return {
    file,
    path,
    functions,
    options: active.options,
    report: (d: ReportDescriptor<string>) => {
      const template = (active.rule.meta.messages as Record<string, string>)[d.messageId] ?? d.messageId;
      const starts = lineStarts(file);
      const sp = d.node.startPosition;
      const ep = d.node.endPosition;
      const finding: Finding = {
        ruleId: active.rule.meta.id,
        messageId: d.messageId,
        severity: d.severity && active.severity === active.rule.meta.severity ? d.severity : active.severity,
        message: fill(template, d.data),
        file: path,
        line: sp.row + 1,
        column: codePointColumn(file.text, sp.row, sp.column, starts),
        endLine: ep.row + 1,
        endColumn: codePointColumn(file.text, ep.row, ep.column, starts),
        ...(fn ? { function: fn.name } : {}),
        fingerprint: '',
      };
      if (d.fix) {
        const fix = toFix(d.fix, file, starts);
        if (fix) finding.fix = fix;
      }
      if (d.sim) finding.sim = d.sim;
      out.push({
        finding,
        active,
        node: d.node,
        request: d.sim,
        parsed: file,
        fn,
        ...(d.local ? { local: true } : {}),
        ...(d.subject ? { subject: d.subject } : {}),
      });
    },
  };
}

function toFix(
  descriptor: NonNullable<ReportDescriptor<string>['fix']>,
  file: ParsedFile,
  starts: number[],
): Fix | undefined {
  if (descriptor.range) return { ...descriptor.range, text: descriptor.text, verified: false };
  const node = descriptor.node;
  if (!node) return undefined;
  return {
    startLine: node.startPosition.row + 1,
    startColumn: codePointColumn(file.text, node.startPosition.row, node.startPosition.column, starts),
    endLine: node.endPosition.row + 1,
    endColumn: codePointColumn(file.text, node.endPosition.row, node.endPosition.column, starts),
    text: descriptor.text,
    verified: false,
  };
}

function runFunctionRules(
  active: readonly ActiveRule[],
  file: ParsedFile,
  fn: FunctionInfo,
  path: string,
  functions: ReadonlyMap<string, ChangeFunction>,
  gate: RelevanceGate | undefined,
): RawFinding[] {
  const out: RawFinding[] = [];
  for (const a of active) {
    if (!a.rule.check) continue;
    if (gate && !gate.allows(a.rule, fn)) continue;
    a.rule.check(fn, makeContext(a, file, path, functions, fn, out));
  }
  return out;
}

function runFileRules(
  active: readonly ActiveRule[],
  file: ParsedFile,
  path: string,
  functions: ReadonlyMap<string, ChangeFunction>,
): RawFinding[] {
  const out: RawFinding[] = [];
  for (const a of active) {
    if (!a.rule.checkFile) continue;
    a.rule.checkFile(makeContext(a, file, path, functions, undefined, out));
  }
  return out;
}

function enclosingFunctionName(file: ParsedFile, line: number): string | undefined {
  return file.functions.find((f) => f.lines.start <= line && line <= f.lines.end)?.name;
}

function assignFingerprints(raw: RawFinding[]): void {
  const allocator = new FingerprintAllocator();
  const ordered = [...raw].sort((a, b) => a.finding.line - b.finding.line || a.finding.column - b.finding.column);
  for (const r of ordered) {
    r.finding.function ??= enclosingFunctionName(r.parsed, r.finding.line);
    r.finding.fingerprint = allocator.next(r.finding.ruleId, r.finding.file, r.finding.function, r.node.text.slice(0, 400));
  }
}

/**
 * A finding on a changed line is the change's. A finding on an unchanged line is the change's
 * only when the pre-image (full or rebuilt from hunks) does not already have it: a deleted guard
 * makes the unchanged allocation below it a finding, a pre-existing defect stays out.
 */
function keepIntroduced(
  raw: RawFinding[],
  parsed: Array<{ change: ChangedFile; post: ParsedFile }>,
  active: readonly ActiveRule[],
  allFunctions: ReadonlyMap<string, ChangeFunction>,
  gateOn: boolean,
): RawFinding[] {
  const byFile = new Map(parsed.map((p) => [p.change.path, p]));
  interface Baseline {
    available: boolean;
    fingerprints: Set<string>;
    /** Normalised text of each pre-image function, by name. */
    texts: Map<string, string>;
    /** Rule, function and normalised subject of each pre-image report that names one. */
    subjects: Set<string>;
  }
  const baselineCache = new Map<string, Baseline>();
  const baseline = (path: string): Baseline => {
    let base = baselineCache.get(path);
    if (base) return base;
    base = { available: false, fingerprints: new Set(), texts: new Map(), subjects: new Set() };
    baselineCache.set(path, base);
    const entry = byFile.get(path);
    const pre = entry?.change.preImage;
    if (!entry || pre === undefined) return base;
    const preKnown = entry.change.partial ? preKnownLines(entry.change) : undefined;
    if (entry.change.partial && !preKnown) return base;
    const result = parseForReview(path, pre, preKnown, preKnown ? sectionHints(entry.change, 'old') : undefined);
    if (!result.ok) return base;
    base.available = true;
    const names = new Set(touchedFunctions(entry.post.functions, entry.change).map((f) => f.name));
    const preRaw: RawFinding[] = [];
    const preGate = gateOn ? new RelevanceGate([result.file, ...parsed.filter((p) => p !== entry).map((p) => p.post)]) : undefined;
    for (const fn of result.file.functions) {
      if (!names.has(fn.name) || fn.hasError) continue;
      base.texts.set(fn.name, (base.texts.get(fn.name) ?? '') + '\n' + normaliseStatementText(fn.node.text));
      preRaw.push(...runFunctionRules(active, result.file, fn, path, allFunctions, preGate));
    }
    preRaw.push(...runFileRules(active, result.file, path, allFunctions));
    assignFingerprints(preRaw);
    for (const r of preRaw) {
      base.fingerprints.add(r.finding.fingerprint);
      if (r.subject && r.fn) base.subjects.add(subjectKey(r.finding.ruleId, r.fn.name, r.subject));
    }
    return base;
  };
  const changedLine = (f: Finding): boolean => {
    const change = byFile.get(f.file)?.change;
    if (!change) return false;
    for (let line = f.line; line <= f.endLine; line++) if (change.changedLines.has(line)) return true;
    return false;
  };
  assignFingerprints(raw);
  return raw.filter((r) => {
    if (r.provisional) {
      // Only what the change did to a statement it shows but did not write: the statement was in
      // the pre-image function, the rule did not report it there, and reports it now.
      const base = baseline(r.finding.file);
      const preText = r.fn ? base.texts.get(r.fn.name) : undefined;
      if (changedLine(r.finding)) {
        // or to a construct it rewrote: the pre-image shows the subject, judged right there
        return (
          !!r.subject &&
          !!r.fn &&
          base.available &&
          preText !== undefined &&
          preText.includes(normaliseStatementText(r.subject)) &&
          !base.subjects.has(subjectKey(r.finding.ruleId, r.fn.name, r.subject))
        );
      }
      return base.available && preText !== undefined && preText.includes(normaliseStatementText(r.node.text)) && !base.fingerprints.has(r.finding.fingerprint);
    }
    return changedLine(r.finding) || !baseline(r.finding.file).fingerprints.has(r.finding.fingerprint);
  });
}

function subjectKey(ruleId: string, fn: string, subject: string): string {
  return `${ruleId}\0${fn}\0${normaliseStatementText(subject)}`;
}

/** Hunk starts and sections, in post-image ('new') or pre-image ('old') lines, for rebuilding frames. */
function sectionHints(change: ChangedFile, side: 'new' | 'old'): SectionHint[] {
  if (side === 'old') {
    const starts = preSeriesStarts(change) ?? [];
    return change.hunks.flatMap((h, i) => (starts[i] === undefined ? [] : [{ line: starts[i]!, ...(h.section ? { section: h.section } : {}) }]));
  }
  return change.hunks.map((h) => ({ line: h.newStart, ...(h.section ? { section: h.section } : {}) }));
}

/** Pre-image lines the hunks show (in a series: mapped back to the image before its first patch). */
function preKnownLines(change: ChangedFile): Array<[number, number]> | undefined {
  const starts = preSeriesStarts(change);
  if (!starts || change.hunks.length === 0) return undefined;
  const ranges = change.hunks.flatMap((h, i): Array<[number, number]> => (h.oldLines > 0 ? [[starts[i]!, starts[i]! + h.oldLines - 1]] : []));
  return ranges.sort((a, b) => a[0] - b[0]);
}

/**
 * Where each hunk's pre-image lines sit in the file before the first patch of a series. A hunk of
 * a later patch counts in the image the earlier patches left: its lines move back by what the
 * earlier hunks above it added. Undefined when a hunk reads lines an earlier patch wrote (they are
 * not in the pre-image of the series).
 */
function preSeriesStarts(change: ChangedFile): number[] | undefined {
  const patches = [...new Set(change.hunks.map((h) => h.patch))].sort((a, b) => a - b);
  const out: number[] = [];
  for (const h of change.hunks) {
    let first = h.oldStart;
    let last = h.oldStart + Math.max(h.oldLines, 1) - 1;
    for (const p of patches.filter((x) => x < h.patch).reverse()) {
      let shiftFirst = 0;
      let shiftLast = 0;
      for (const e of change.hunks) {
        if (e.patch !== p) continue;
        const end = e.newStart + e.newLines - 1;
        if (first <= end && last >= e.newStart) return undefined;
        if (end < first) shiftFirst += e.newLines - e.oldLines;
        if (end < last) shiftLast += e.newLines - e.oldLines;
      }
      if (shiftFirst !== shiftLast) return undefined;
      first -= shiftFirst;
      last -= shiftLast;
    }
    out.push(first);
  }
  return out;
}

/** Why a finding in a function rebuilt from hunks is not simulated. */
export const PARTIAL_NOTE = 'function only partly shown: rebuilt from hunks (give --tree to simulate it)';

function confirmFindings(
  kept: RawFinding[],
  simulator: SimulatorPort | false,
  functions: ReadonlyMap<string, ChangeFunction>,
  config: IovalintConfig,
): Finding[] {
  const deadline = Date.now() + config.sim.maxMillis;
  return kept.map(({ finding, request, parsed, fn }) => {
    if (finding.confirmation) return finding; // the simulator's own findings come confirmed
    if (fn?.partial) {
      // a run of a function without its unseen lines proves nothing either way: never refuted
      finding.confirmation = 'unconfirmed';
      finding.confirmationNote = PARTIAL_NOTE;
      return finding;
    }
    if (!request) {
      finding.confirmation = 'unconfirmed';
      finding.confirmationNote = 'the rule asks for no simulation';
      return finding;
    }
    if (!simulator || !config.sim.enabled || !fn) {
      finding.confirmation = 'unconfirmed';
      finding.confirmationNote = !fn ? 'not inside a function' : 'simulation disabled';
      return finding;
    }
    if (Date.now() > deadline) {
      finding.confirmation = 'unconfirmed';
      finding.confirmationNote = `review time budget (${config.sim.maxMillis} ms) used up`;
      return finding;
    }
    try {
      const outcome = simulator.confirm(request, {
        functions,
        file: parsed,
        fn,
        implements: config.sim.implements,
        maxSteps: config.sim.maxSteps,
        maxRuns: config.sim.maxRunsPerFunction,
        deadline,
      });
      finding.confirmation = outcome.confirmation;
      finding.confirmationNote = outcome.note;
      if (outcome.witness) finding.witness = outcome.witness;
    } catch (err) {
      // A simulator bug must not lose the finding: it stays, unconfirmed, with the reason.
      finding.confirmation = 'unconfirmed';
      finding.confirmationNote = `simulator error: ${(err as Error).message}`;
    }
    return finding;
  });
}
