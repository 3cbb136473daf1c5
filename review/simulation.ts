// The simulator's own part of a review: `sim/model-divergence` findings from differential runs of
// patched API implementations, and fixes re-checked by re-running the finding's scenario on the
// fixed function (Fix.verified).
import type { FunctionInfo, ParsedFile, SyntaxNode } from '../c/types.js';
import type { ChangeFunction } from '../rules/types.js';
import type { SimRequest } from '../model/witness.js';
import type { IovalintConfig } from './config.js';
import { applyFixes } from './fixes.js';
import { parseForReview } from './parse.js';
import type { SimulatorPort, SimulationEnvironment } from './simulator-port.js';
import type { Finding, NotChecked, RuleDescriptor } from './types.js';

export const MODEL_DIVERGENCE_RULE: RuleDescriptor = {
  id: 'sim/model-divergence',
  severity: 'error',
  description: 'a patched function that implements an API function behaves differently from the model on some input',
  docs: 'rules/model-divergence.md',
  fixable: false,
  confidence: 'high',
};

interface SimItem {
  finding: Finding;
  node: SyntaxNode;
  request?: SimRequest;
  parsed: ParsedFile;
  fn: FunctionInfo | undefined;
}

function environment(file: ParsedFile, fn: FunctionInfo, functions: ReadonlyMap<string, ChangeFunction>, config: IovalintConfig, deadline: number): SimulationEnvironment {
  return { functions, file, fn, implements: config.sim.implements, maxSteps: config.sim.maxSteps, maxRuns: config.sim.maxRunsPerFunction, deadline };
}

/** Runs every touched function that implements a model API function against the model. */
export function divergenceFindings(
  touched: ReadonlyArray<{ path: string; file: ParsedFile; fn: FunctionInfo }>,
  simulator: SimulatorPort | false,
  functions: ReadonlyMap<string, ChangeFunction>,
  config: IovalintConfig,
  deadline = Date.now() + config.sim.maxMillis,
): SimItem[] {
  if (!simulator || !simulator.differential || !config.sim.enabled) return [];
  const out: SimItem[] = [];
  for (const { path, file, fn } of touched) {
    if (Date.now() > deadline) break;
    let divergences;
    try {
      divergences = simulator.differential(fn, environment(file, fn, functions, config, deadline));
    } catch {
      continue;
    }
    for (const d of divergences) {
      const name = nameNode(d.fn) ?? d.node;
      out.push({
        finding: {
          ruleId: MODEL_DIVERGENCE_RULE.id,
          messageId: 'divergence',
          severity: 'error',
          message: d.message,
          file: path,
          line: name.startPosition.row + 1,
          column: name.startPosition.column + 1,
          endLine: d.fn.lines.end,
          endColumn: 2,
          function: d.fn.name,
          fingerprint: '',
          confirmation: 'confirmed',
          confirmationNote: `run against the model's ${d.modelFunction}`,
          witness: d.witness,
        },
        node: d.node,
        parsed: d.file,
        fn: d.fn,
      });
    }
  }
  return out;
}

function nameNode(fn: FunctionInfo): SyntaxNode | undefined {
  const stack: SyntaxNode[] = [fn.node.childForFieldName('declarator')!].filter(Boolean);
  for (let budget = 64; stack.length && budget > 0; budget--) {
    const n = stack.shift()!;
    if (n.type === 'identifier' && n.text === fn.name) return n;
    stack.push(...n.namedChildren);
  }
  return undefined;
}

/**
 * Constructs the simulator does not cover, as "not checked" entries (DESIGN.md §2): one per
 * function and construct, from the findings they left unconfirmed.
 */
export function simulatorGaps(findings: readonly Finding[]): NotChecked[] {
  const seen = new Set<string>();
  const out: NotChecked[] = [];
  for (const f of findings) {
    const note = f.confirmationNote ?? '';
    if (f.confirmation !== 'unconfirmed' || !note.startsWith('unsupported construct: ')) continue;
    const key = `${f.file}\0${f.function ?? ''}\0${note}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ file: f.file, ...(f.function ? { function: f.function } : {}), line: f.line, reason: `simulator: ${note.slice('unsupported construct: '.length)}` });
  }
  return out;
}

/** Sets fix.verified on confirmed findings whose fix makes the simulator refute the defect. */
export function verifyFixes(
  items: readonly SimItem[],
  simulator: SimulatorPort | false,
  functions: ReadonlyMap<string, ChangeFunction>,
  config: IovalintConfig,
  deadline = Date.now() + config.sim.maxMillis,
): void {
  if (!simulator || !simulator.verifyFix || !config.sim.enabled) return;
  for (const { finding, request, parsed, fn } of items) {
    if (!finding.fix || !request || !fn || finding.confirmation !== 'confirmed' || Date.now() > deadline) continue;
    const fixed = parseForReview(parsed.path, applyFixes(parsed.text, [finding.fix]).text, undefined);
    if (!fixed.ok) continue;
    try {
      finding.fix.verified = simulator.verifyFix(request, fixed.file, environment(parsed, fn, functions, config, deadline));
    } catch {
      finding.fix.verified = false;
    }
  }
}

// `iovalint sim` runs one function through the simulator; cli/ reaches sim/ only through here.
export { runOnce, type RunOnceReport, type RunOnceResult } from '../sim/index.js';
