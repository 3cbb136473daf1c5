// A Markdown summary: counts per rule, each finding with its witness, the not-checked list.
// Used by the command (--format markdown) and by the GitHub App's check-run summary.
import type { Finding, Report } from '../review/types.js';
import { describeScenario, renderPicture } from './witness.js';
import { summaryCounts } from './summary.js';

export interface MarkdownOptions {
  showRefuted: boolean;
  /** Cap on findings detailed (the rest are counted); GitHub summaries are limited to 65,535 chars. */
  maxDetailed?: number;
  /** Link a finding's location: returns a URL or undefined. */
  linkTo?: (finding: Finding) => string | undefined;
}

const ICON: Record<Finding['severity'], string> = { error: '🛑', warning: '⚠️', note: 'ℹ️' };

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function witnessMarkdown(finding: Finding): string {
  const witness = finding.witness;
  if (!witness) return '';
  const out: string[] = [];
  out.push(`**${finding.confirmation ?? 'witness'}**: ${witness.summary}`);
  out.push('');
  out.push(`- scenario: ${describeScenario(witness.scenario)}`);
  const inputs = Object.entries(witness.inputs).map(([k, v]) => `\`${k}=${v}\``);
  if (inputs.length) out.push(`- inputs: ${inputs.join(', ')}`);
  if (witness.breach) out.push(`- broken invariant: \`${witness.breach.invariant}\`: ${witness.breach.message}`);
  if (witness.returned !== undefined) out.push(`- returned: \`${witness.returned}\``);
  if (witness.trace.length) {
    out.push('', '```');
    for (const entry of witness.trace) {
      const args = Object.entries(entry.args).map(([k, v]) => `${k}=${v}`).join(', ');
      out.push(`${entry.line ? `${entry.line}: ` : ''}${entry.fn}(${args})${entry.result !== undefined ? ` = ${entry.result}` : ''}`);
      for (const event of entry.events) out.push(`    ${event.kind}: ${event.message}`);
    }
    out.push('```');
  }
  const picture = witness.picture ? renderPicture(witness.picture) : undefined;
  if (picture) out.push('', '`' + picture.line + '`', '', `<sub>${picture.legend}</sub>`);
  return out.join('\n');
}

export function formatMarkdown(report: Report, options: MarkdownOptions): string {
  const counts = summaryCounts(report);
  const out: string[] = [];
  out.push(`### iovalint: ${counts.bySeverity.error} errors, ${counts.bySeverity.warning} warnings, ${counts.bySeverity.note} notes`);
  out.push('');
  out.push(`${counts.confirmed} of ${report.findings.length} findings confirmed by simulation; ${report.refuted.length} refuted and hidden.`);
  if (counts.byRule.size > 0) {
    out.push('', '| rule | findings | description |', '|---|---:|---|');
    const describe = new Map(report.rules.map((r) => [r.id, r.description]));
    for (const [rule, n] of [...counts.byRule.entries()].sort()) {
      out.push(`| \`${rule}\` | ${n} | ${escapeCell(describe.get(rule) ?? '')} |`);
    }
  }
  const findings = options.showRefuted ? [...report.findings, ...report.refuted] : report.findings;
  const limit = options.maxDetailed ?? Infinity;
  findings.slice(0, limit).forEach((f) => {
    const link = options.linkTo?.(f);
    const where = `${f.file}:${f.line}`;
    out.push('', `#### ${ICON[f.severity]} \`${f.ruleId}\` at ${link ? `[${where}](${link})` : `\`${where}\``}${f.function ? ` in \`${f.function}()\`` : ''}`);
    out.push('', f.message);
    if (f.confirmationNote && f.confirmation !== 'confirmed') out.push('', `_${f.confirmation}: ${f.confirmationNote}_`);
    const witness = witnessMarkdown(f);
    if (witness) out.push('', '<details><summary>witness</summary>', '', witness, '', '</details>');
  });
  if (findings.length > limit) out.push('', `… and ${findings.length - limit} more findings (see annotations).`);
  if (report.notChecked.length > 0) {
    out.push('', `<details><summary>Not checked (${report.notChecked.length})</summary>`, '');
    for (const item of report.notChecked) {
      out.push(`- \`${item.file}${item.line ? `:${item.line}` : ''}\`${item.function ? ` \`${item.function}()\`` : ''}: ${item.reason}`);
    }
    out.push('', '</details>');
  }
  out.push('', `<sub>iovalint ${report.tool.version}, model ${report.tool.modelVersion}</sub>`);
  return out.join('\n') + '\n';
}
