// GitHub Actions workflow commands (::error file=…::message), one per finding.
import type { Finding, Report } from '../review/types.js';

const LEVEL: Record<Finding['severity'], string> = { error: 'error', warning: 'warning', note: 'notice' };

/** Escaping of workflow-command data and properties (as the Actions toolkit does). */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function formatGithub(report: Report, showRefuted: boolean): string {
  const findings = showRefuted ? [...report.findings, ...report.refuted] : report.findings;
  return findings
    .map((f) => {
      const props = [
        `file=${escapeProperty(f.file)}`,
        `line=${f.line}`,
        `endLine=${f.endLine}`,
        ...(f.line === f.endLine ? [`col=${f.column}`, `endColumn=${f.endColumn}`] : []),
        `title=${escapeProperty(f.ruleId)}`,
      ];
      const witness = f.witness ? `\n${f.confirmation ?? 'witness'}: ${f.witness.summary}` : '';
      return `::${LEVEL[f.severity]} ${props.join(',')}::${escapeData(f.message + witness)}\n`;
    })
    .join('');
}
