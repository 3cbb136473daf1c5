// The `iovalint` check run: conclusion, title, summary (within GitHub's size limit) and
// annotations, published in batches of at most 50 per request as the Checks API requires.
import type { ProbotOctokit } from 'probot';
import { formatMarkdown, summaryCounts, witnessLines } from '../report/index.js';
import type { AppConfig, Conclusion } from '../review/config.js';
import type { Finding, Report } from '../review/types.js';

export type GitHub = ProbotOctokit;
export interface RepoRef {
  owner: string;
  repo: string;
}

export const CHECK_NAME = 'iovalint';
/** The Checks API takes at most 50 annotations per create/update request. */
export const ANNOTATION_BATCH = 50;
/** GitHub rejects check-run summaries longer than 65,535 characters. */
export const SUMMARY_LIMIT = 65_535;
const ANNOTATION_TEXT_LIMIT = 64 * 1024 - 1;

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
  raw_details?: string;
}

const LEVEL: Record<Finding['severity'], Annotation['annotation_level']> = { error: 'failure', warning: 'warning', note: 'notice' };

/** The configured conclusion for the worst severity found (none → conclusion.none). */
export function conclusionFor(report: Report, mapping: AppConfig['conclusion']): Conclusion {
  const counts = summaryCounts(report).bySeverity;
  if (counts.error > 0) return mapping.error;
  if (counts.warning > 0) return mapping.warning;
  if (counts.note > 0) return mapping.note;
  return mapping.none;
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

export function annotationFor(finding: Finding): Annotation {
  const oneLine = finding.line === finding.endLine;
  const details = finding.witness ? witnessLines(finding.witness, '').join('\n') : finding.confirmationNote;
  return {
    path: finding.file,
    start_line: finding.line,
    end_line: Math.max(finding.line, finding.endLine),
    // Columns only on one-line annotations (the API ignores or rejects them otherwise).
    ...(oneLine ? { start_column: finding.column, end_column: Math.max(finding.column, finding.endColumn - 1) } : {}),
    annotation_level: LEVEL[finding.severity],
    message: clip(finding.message, ANNOTATION_TEXT_LIMIT),
    title: clip(`${finding.ruleId}${finding.confirmation ? ` (${finding.confirmation})` : ''}`, 255),
    ...(details ? { raw_details: clip(details, ANNOTATION_TEXT_LIMIT) } : {}),
  };
}

export function annotationBatches(report: Report): Annotation[][] {
  const all = report.findings.map(annotationFor);
  const batches: Annotation[][] = [];
  for (let i = 0; i < all.length; i += ANNOTATION_BATCH) batches.push(all.slice(i, i + ANNOTATION_BATCH));
  return batches;
}

export function checkTitle(report: Report): string {
  const { bySeverity } = summaryCounts(report);
  const total = report.findings.length;
  if (total === 0) return report.files.some((f) => f.analysed) ? 'No findings' : 'No C files reviewed';
  const parts: string[] = [];
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (bySeverity.error) parts.push(plural(bySeverity.error, 'error'));
  if (bySeverity.warning) parts.push(plural(bySeverity.warning, 'warning'));
  if (bySeverity.note) parts.push(plural(bySeverity.note, 'note'));
  return parts.join(', ');
}

/**
 * The Markdown summary (counts per rule, findings with witnesses, the not-checked list) followed
 * by the app's own notes, shortened until it fits GitHub's limit: fewer detailed findings first
 * (annotations carry all of them), then a hard cut.
 */
export function summaryMarkdown(report: Report, notes: readonly string[], linkTo?: (f: Finding) => string | undefined): string {
  const tail = notes.length ? `\n${notes.join('\n\n')}\n` : '';
  for (const maxDetailed of [50, 20, 5, 0]) {
    const text = formatMarkdown(report, { showRefuted: false, maxDetailed, ...(linkTo ? { linkTo } : {}) }) + tail;
    if (text.length <= SUMMARY_LIMIT) return text;
  }
  const cut = '\n\n… summary cut to fit GitHub’s 65,535-character limit; every finding is in the annotations.\n';
  const text = formatMarkdown(report, { showRefuted: false, maxDetailed: 0 }) + tail;
  return text.slice(0, SUMMARY_LIMIT - cut.length) + cut;
}

export async function createCheckRun(gh: GitHub, repo: RepoRef, headSha: string, externalId: string): Promise<number> {
  const { data } = await gh.rest.checks.create({
    ...repo,
    name: CHECK_NAME,
    head_sha: headSha,
    status: 'in_progress',
    started_at: new Date().toISOString(),
    external_id: externalId,
    output: { title: 'Reviewing', summary: 'iovalint is reviewing the C files this pull request changes.' },
  });
  return data.id;
}

export interface CheckResult {
  conclusion: Conclusion | 'cancelled';
  title: string;
  summary: string;
  batches?: Annotation[][];
}

/**
 * Sends every annotation batch but the last while the run is in progress (each update appends),
 * then completes the run with the last batch. The run is never completed before all annotations
 * are in, so a failure in between leaves it to the caller's neutral completion.
 */
export async function completeCheckRun(gh: GitHub, repo: RepoRef, checkRunId: number, result: CheckResult): Promise<void> {
  const batches = result.batches ?? [];
  const output = { title: clip(result.title, 255), summary: clip(result.summary, SUMMARY_LIMIT) };
  for (let i = 0; i + 1 < batches.length; i++) {
    await gh.rest.checks.update({ ...repo, check_run_id: checkRunId, output: { ...output, annotations: batches[i] } });
  }
  const last = batches[batches.length - 1];
  await gh.rest.checks.update({
    ...repo,
    check_run_id: checkRunId,
    status: 'completed',
    conclusion: result.conclusion,
    completed_at: new Date().toISOString(),
    output: { ...output, ...(last ? { annotations: last } : {}) },
  });
}
