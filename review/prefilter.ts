// The token prefilter of tree scans: a file that names none of the identifiers the enabled rules
// (or, for rules that declare none, the model's contracts) care about cannot yield a finding,
// so it is skipped without parsing. Matching is on whole identifiers.
import { PREFILTER_IDENTIFIERS } from '../model/contracts.js';
import type { Rule } from '../rules/types.js';

/** Contract identifiers too common to say anything on their own (every driver has PAGE_SIZE). */
const TOO_COMMON = new Set(['PAGE_SIZE', 'PAGE_MASK', 'PAGE_SHIFT', 'PAGE_ALIGN', 'offset_in_page', 'granule']);

export const MODEL_ANCHORS: readonly string[] = PREFILTER_IDENTIFIERS.filter((id) => !TOO_COMMON.has(id));

export interface Prefilter {
  /** The identifiers looked for. */
  readonly tokens: readonly string[];
  /** True when the text names at least one of them. */
  relevant(text: string): boolean;
}

export function prefilterFor(rules: readonly Rule[]): Prefilter {
  const tokens = new Set<string>();
  for (const rule of rules) for (const token of rule.meta.prefilter ?? MODEL_ANCHORS) tokens.add(token);
  const patterns = rules.flatMap((r) => (r.meta.prefilterPattern ? [new RegExp(r.meta.prefilterPattern.source, r.meta.prefilterPattern.flags.replace(/[gy]/g, ''))] : []));
  const sorted = [...tokens].sort((a, b) => b.length - a.length || a.localeCompare(b));
  const byPattern = (text: string): boolean => patterns.some((p) => p.test(text));
  if (sorted.length === 0) return { tokens: [], relevant: byPattern };
  // One alternation (longest first), then a whole-identifier check around each hit.
  const pattern = new RegExp(sorted.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  const isIdentChar = (code: number): boolean =>
    (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
  return {
    tokens: sorted,
    relevant(text: string): boolean {
      pattern.lastIndex = 0;
      for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
        const before = m.index > 0 ? text.charCodeAt(m.index - 1) : 32;
        const after = m.index + m[0].length < text.length ? text.charCodeAt(m.index + m[0].length) : 32;
        if (!isIdentChar(before) && !isIdentChar(after)) return true;
        pattern.lastIndex = m.index + 1;
      }
      return byPattern(text);
    },
  };
}
