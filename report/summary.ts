// Counts shared by every format's summary.
import type { Report, Severity } from '../review/types.js';

export interface SummaryCounts {
  bySeverity: Record<Severity, number>;
  byRule: Map<string, number>;
  confirmed: number;
  refuted: number;
  sentence: string;
}

export function summaryCounts(report: Report): SummaryCounts {
  const bySeverity: Record<Severity, number> = { error: 0, warning: 0, note: 0 };
  const byRule = new Map<string, number>();
  let confirmed = 0;
  for (const finding of report.findings) {
    bySeverity[finding.severity]++;
    byRule.set(finding.ruleId, (byRule.get(finding.ruleId) ?? 0) + 1);
    if (finding.confirmation === 'confirmed') confirmed++;
  }
  const analysed = report.files.filter((f) => f.analysed).length;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts = [
    plural(bySeverity.error, 'error'),
    plural(bySeverity.warning, 'warning'),
    plural(bySeverity.note, 'note'),
  ];
  const sentence =
    `iovalint: ${parts.join(', ')} in ${plural(analysed, 'file')} ` +
    `(${plural(report.functions.filter((f) => f.checked).length, 'function')} checked; ` +
    `${confirmed} confirmed by simulation, ${report.refuted.length} refuted)`;
  return { bySeverity, byRule, confirmed, refuted: report.refuted.length, sentence };
}
