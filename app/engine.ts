// The app's handle on the engine: the same review() as the command line, plus the rule ids the
// config may name. Tests build an engine with their own rules; production uses the registry.
import type { ChangeSet } from '../patch/types.js';
import type { IovalintConfig } from '../review/config.js';
import type { ReviewOptions } from '../review/index.js';
import type { Report } from '../review/types.js';

export interface ReviewEngine {
  /** Rule ids `.github/iovalint.yml` may name (rules:, ignore:). */
  knownRuleIds(): Promise<ReadonlySet<string>>;
  review(changeSet: ChangeSet, config: IovalintConfig): Promise<Report>;
}

type EngineOptions = Omit<ReviewOptions, 'config'>;

/** The ids of the rule set: the given rules, else review/'s registry. */
async function ruleIdsOf(options: EngineOptions): Promise<Set<string>> {
  const rules = options.rules ?? (await import('../review/defaults.js')).registeredRules();
  return new Set(rules.map((r) => r.meta.id));
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
