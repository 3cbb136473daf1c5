// gcc-style text: "file:line:col: severity: message [rule]", the witness indented below.
import type { Finding, Report } from '../review/types.js';
import { witnessLines } from './witness.js';
import { summaryCounts } from './summary.js';

export interface TextOptions {
  showRefuted: boolean;
  /** Print witnesses under findings (default true). */
  witnesses?: boolean;
  /** Print the summary and not-checked list at the end (default true). */
  summary?: boolean;
}

export function formatFindingHeader(finding: Finding): string {
  return `${finding.file}:${finding.line}:${finding.column}: ${finding.severity}: ${finding.message} [${finding.ruleId}]`;
}

function confirmationLine(finding: Finding): string | undefined {
  if (!finding.confirmation) return undefined;
  const note = finding.confirmationNote ? `: ${finding.confirmationNote}` : '';
  return `    ${finding.confirmation}${note}`;
}

export function formatText(report: Report, options: TextOptions): string {
  const out: string[] = [];
  const emit = (finding: Finding): void => {
    out.push(formatFindingHeader(finding));
    const confirmation = confirmationLine(finding);
    if (confirmation) out.push(confirmation);
    if (finding.witness && options.witnesses !== false) out.push(...witnessLines(finding.witness));
    if (finding.fix) out.push(`    fix${finding.fix.verified ? ' (verified by simulation)' : ''}: ${finding.fix.text}`);
  };
  report.findings.forEach(emit);
  if (options.showRefuted) report.refuted.forEach(emit);
  for (const unused of report.unusedSuppressions) {
    out.push(`${unused.file}:${unused.line ?? 1}:1: note: ${unused.reason} [iovalint/unused-suppression]`);
  }
  if (options.summary === false) return out.length ? out.join('\n') + '\n' : '';
  return (out.length ? out.join('\n') + '\n' : '') + formatTextSummary(report);
}

/** The summary line, scan counts and the not-checked list (the end of the text format). */
export function formatTextSummary(report: Report): string {
  const out: string[] = [summaryCounts(report).sentence];
  if (report.scan) {
    const s = report.scan;
    out.push(`scanned ${s.files} files with ${s.jobs} worker${s.jobs === 1 ? '' : 's'}: ${s.prefiltered} skipped by the prefilter (they name nothing the rules look at), ${s.cached} from the cache`);
  }
  if (report.notChecked.length > 0) {
    out.push(`not checked (${report.notChecked.length}):`);
    for (const item of report.notChecked) {
      const where = `${item.file}${item.line ? `:${item.line}` : ''}${item.function ? ` ${item.function}()` : ''}`;
      out.push(`  ${where}: ${item.reason}`);
    }
  }
  return out.join('\n') + '\n';
}
