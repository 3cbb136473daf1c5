// Which rules run, with which severity: the registry filtered by config and --rule/--disable.
import type { Rule, Severity } from '../rules/types.js';
import type { IovalintConfig } from './config.js';
import type { RuleDescriptor } from './types.js';

export interface ActiveRule {
  rule: Rule;
  severity: Severity;
  options: Record<string, unknown>;
}

export interface RuleSelection {
  /** Only these rule ids (--rule). Empty means every enabled rule. */
  only?: readonly string[];
  /** Never these (--disable). */
  disable?: readonly string[];
}

export function selectRules(all: readonly Rule[], config: IovalintConfig, selection: RuleSelection = {}): ActiveRule[] {
  const only = new Set(selection.only ?? []);
  const disabled = new Set(selection.disable ?? []);
  const active: ActiveRule[] = [];
  for (const rule of all) {
    const id = rule.meta.id;
    const configured = config.rules[id];
    if (disabled.has(id)) continue;
    if (only.size > 0) {
      if (!only.has(id)) continue;
    } else if (configured && !configured.enabled) {
      continue;
    }
    active.push({
      rule,
      severity: configured?.severity ?? rule.meta.severity,
      options: configured?.options ?? {},
    });
  }
  return active;
}

export function describeRules(active: readonly ActiveRule[]): RuleDescriptor[] {
  return active.map(({ rule, severity }) => ({
    id: rule.meta.id,
    severity,
    description: rule.meta.description,
    docs: rule.meta.docs,
    fixable: rule.meta.fixable,
    confidence: rule.meta.confidence,
  }));
}
