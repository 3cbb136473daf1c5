// The app's handle on the engine: the same review() as the command line, plus the rule ids the
// config may name. Tests build an engine with their own rules; production uses the registry.
import type { ChangeSet } from '../patch/types.js';
import type { IovalintConfig } from '../review/config.js';
import type { ReviewOptions } from '../review/index.js';
import type { NotChecked, Report } from '../review/types.js';

export interface ReviewEngine {
  /** Rule ids `.github/iovalint.yml` may name (rules:, ignore:). */
  knownRuleIds(): Promise<ReadonlySet<string>>;
  review(changeSet: ChangeSet, config: IovalintConfig): Promise<Report>;
}

type EngineOptions = Omit<ReviewOptions, 'config'>;

/**
 * Adapter (belongs in review/: an exported `knownRuleIds(rules?)`): the ids of the rule set, read
 * from the report of an empty change, where every rule of the set is listed as run.
 */
async function ruleIdsOf(options: EngineOptions): Promise<Set<string>> {
  const { reviewSync } = await import('../review/index.js');
  const empty: ChangeSet = { files: [], patches: [], source: 'rule listing', wholeFiles: false };
  return new Set(reviewSync(empty, { ...options, simulator: false }).rules.map((r) => r.id));
}

/**
 * An engine over explicit options (rules, simulator); without them, the installed defaults.
 * The engine (tree-sitter, rules, simulator) loads on first use, not when the server starts.
 */
export function createEngine(options: EngineOptions = {}): ReviewEngine {
  let ids: Promise<Set<string>> | undefined;
  return {
    knownRuleIds: () => (ids ??= ruleIdsOf(options)),
    review: async (changeSet, config) => {
      const { review } = await import('../review/index.js');
      return review(changeSet, { ...options, config });
    },
  };
}

/**
 * The production engine: the registry of rules and the simulator, installed by review/'s defaults
 * module when it exists (loaded by name so the app builds before that module lands).
 */
export async function defaultEngine(): Promise<ReviewEngine> {
  const defaultsModule = '../review/defaults.js';
  try {
    await import(defaultsModule);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && /review[\\/]defaults/.test(String((err as Error).message));
    if (!missing) throw err;
  }
  return createEngine();
}

/**
 * Adapter (belongs in review/: ChangeSet.omittedFiles or a reason on ChangedFile): files the app
 * could not hand to the engine keep their reason in the report's file list and not-checked list.
 */
export function recordUnavailable(report: Report, unavailable: ReadonlyMap<string, string>): void {
  for (const [path, reason] of unavailable) {
    const entry = report.files.find((f) => f.path === path);
    if (entry) {
      entry.analysed = false;
      entry.reason = reason;
    }
    const listed: NotChecked | undefined = report.notChecked.find((n) => n.file === path && n.function === undefined);
    if (listed) listed.reason = reason;
    else report.notChecked.push({ file: path, reason });
  }
}
