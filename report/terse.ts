// One line a finding, like checkpatch --terse: "file:line: SEVERITY: message [rule]".
import type { Report } from '../review/types.js';

export function formatTerse(report: Report, showRefuted: boolean): string {
  const findings = showRefuted ? [...report.findings, ...report.refuted] : report.findings;
  return findings
    .map((f) => `${f.file}:${f.line}: ${f.severity.toUpperCase()}: ${f.message} [${f.ruleId}]${f.confirmation === 'confirmed' ? ' (confirmed)' : ''}\n`)
    .join('');
}
