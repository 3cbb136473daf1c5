// The shape every lifecycle rule shares: metadata, and a check that reports the observations of
// the shared analysis that belong to it.
import { createRule, type Rule, type RuleMeta } from '../types.js';
import type { LifecycleRuleId } from './observations.js';
import { reportLifecycle } from './report.js';
import { LIFECYCLE_WORDS } from './vocabulary.js';

function fill(template: string, data: Record<string, string | number>): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, key: string) => (key in data ? String(data[key]) : `{{${key}}}`));
}

export function lifecycleRule<M extends string>(meta: RuleMeta<M> & { id: LifecycleRuleId }): Rule<M> {
  return createRule<M>({
    // the path checks skip functions rebuilt from hunks themselves; the local ones still run there
    meta: { needsWholeFunction: false, gate: LIFECYCLE_WORDS, ...meta },
    check(fn, context) {
      reportLifecycle<M>(meta.id, fn, context, (id, data) => fill(meta.messages[id], data));
    },
  });
}
