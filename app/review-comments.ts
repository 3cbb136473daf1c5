// Inline review comments: which findings can be commented on (only lines inside the PR's diff
// hunks, right side), the comment text with its hidden fingerprint marker, and `suggestion`
// blocks for simulator-verified fixes.
import { witnessMarkdown } from '../report/index.js';
import type { ChangedFile } from '../patch/types.js';
import type { Finding, Fix } from '../review/types.js';
import { commentableRanges } from './pr-changeset.js';

export const FINGERPRINT_MARKER = /<!-- iovalint:fingerprint=([^\s<>]+) -->/g;

export function fingerprintMarker(fingerprint: string): string {
  return `<!-- iovalint:fingerprint=${fingerprint} -->`;
}

/** Fingerprints named by markers in comment bodies (ours or quoted by people). */
export function fingerprintsIn(body: string): string[] {
  return [...body.matchAll(FINGERPRINT_MARKER)].map((m) => m[1]!);
}

/** A comment as pulls.createReview takes it. */
export interface ReviewComment {
  path: string;
  line: number;
  side: 'RIGHT';
  start_line?: number;
  start_side?: 'RIGHT';
  body: string;
}

export interface Placement {
  /** First and last post-image line the comment covers (equal for a one-line comment). */
  startLine: number;
  endLine: number;
  /** Replacement lines for startLine..endLine, when the fix is verified and fits in one hunk. */
  suggestion?: string[];
}

function hunkHolding(ranges: Array<[number, number]>, first: number, last: number): boolean {
  return ranges.some(([start, end]) => start <= first && last <= end);
}

/**
 * The lines that replace fix.startLine..fix.endLine: the post-image text before the fix's start
 * column and after its end column, around the fix text. Columns are 1-based code points, the end
 * exclusive (review/types.ts).
 */
export function suggestionLines(postLines: readonly string[], fix: Fix): string[] | undefined {
  const first = postLines[fix.startLine - 1];
  const last = postLines[fix.endLine - 1];
  if (first === undefined || last === undefined || fix.endLine < fix.startLine) return undefined;
  const firstChars = [...first.replace(/\r$/, '')];
  const lastChars = [...last.replace(/\r$/, '')];
  if (fix.startColumn < 1 || fix.startColumn - 1 > firstChars.length || fix.endColumn - 1 > lastChars.length) return undefined;
  const prefix = firstChars.slice(0, fix.startColumn - 1).join('');
  const suffix = lastChars.slice(fix.endColumn - 1).join('');
  return (prefix + fix.text + suffix).split('\n');
}

/** Where a finding's comment goes, or undefined when no line of it is inside the diff. */
export function placeFinding(finding: Finding, file: ChangedFile, postLines: readonly string[]): Placement | undefined {
  const ranges = commentableRanges(file);
  const fix = finding.fix;
  if (fix?.verified && hunkHolding(ranges, fix.startLine, fix.endLine)) {
    const suggestion = suggestionLines(postLines, fix);
    if (suggestion) return { startLine: fix.startLine, endLine: fix.endLine, suggestion };
  }
  if (finding.endLine > finding.line && hunkHolding(ranges, finding.line, finding.endLine)) {
    return { startLine: finding.line, endLine: finding.endLine };
  }
  if (hunkHolding(ranges, finding.line, finding.line)) return { startLine: finding.line, endLine: finding.line };
  return undefined;
}

const SEVERITY_ICON: Record<Finding['severity'], string> = { error: '🛑', warning: '⚠️', note: 'ℹ️' };

/** A fence longer than any backtick run in the text, so suggested code cannot close it early. */
function fenceFor(lines: readonly string[]): string {
  const longest = Math.max(2, ...lines.map((l) => Math.max(0, ...[...l.matchAll(/`+/g)].map((m) => m[0].length))));
  return '`'.repeat(longest + 1);
}

export function commentBody(finding: Finding, placement: Placement): string {
  const confirmation =
    finding.confirmation === 'confirmed' ? 'confirmed by simulation' : finding.confirmation === 'unconfirmed' ? 'not confirmed by simulation' : '';
  const out: string[] = [];
  out.push(`${SEVERITY_ICON[finding.severity]} **iovalint** \`${finding.ruleId}\` (${finding.severity}${confirmation ? `, ${confirmation}` : ''})`);
  out.push('', finding.message);
  const witness = witnessMarkdown(finding);
  if (witness) out.push('', '<details><summary>Witness</summary>', '', witness, '', '</details>');
  if (placement.suggestion) {
    const fence = fenceFor(placement.suggestion);
    out.push('', 'Suggested fix (the simulator re-ran the function with it and the defect is gone):', '', `${fence}suggestion`, ...placement.suggestion, fence);
  }
  out.push('', fingerprintMarker(finding.fingerprint));
  return out.join('\n');
}

export function reviewComment(finding: Finding, placement: Placement): ReviewComment {
  return {
    path: finding.file,
    line: placement.endLine,
    side: 'RIGHT',
    ...(placement.startLine < placement.endLine ? { start_line: placement.startLine, start_side: 'RIGHT' as const } : {}),
    body: commentBody(finding, placement),
  };
}

export interface CommentPlan {
  comments: ReviewComment[];
  /** Findings inside the diff already commented on by an earlier review. */
  alreadyCommented: number;
  /** Findings with no line inside the diff (annotations only). */
  offDiff: number;
  /** Findings left out because the review reached its comment cap (annotations only). */
  overCap: number;
}

/**
 * The comments of one review: findings inside the diff whose fingerprint no earlier comment
 * carries, at most `maxComments` of them. Everything else stays in the check run's annotations.
 */
export function planComments(
  findings: readonly Finding[],
  files: ReadonlyMap<string, ChangedFile>,
  existingFingerprints: ReadonlySet<string>,
  maxComments: number,
): CommentPlan {
  const plan: CommentPlan = { comments: [], alreadyCommented: 0, offDiff: 0, overCap: 0 };
  const linesCache = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const finding of findings) {
    const file = files.get(finding.file);
    if (!file?.postImage) {
      plan.offDiff++;
      continue;
    }
    let lines = linesCache.get(file.path);
    if (!lines) {
      lines = file.postImage.split('\n');
      linesCache.set(file.path, lines);
    }
    const placement = placeFinding(finding, file, lines);
    if (!placement) {
      plan.offDiff++;
      continue;
    }
    if (existingFingerprints.has(finding.fingerprint) || seen.has(finding.fingerprint)) {
      plan.alreadyCommented++;
      continue;
    }
    if (plan.comments.length >= maxComments) {
      plan.overCap++;
      continue;
    }
    seen.add(finding.fingerprint);
    plan.comments.push(reviewComment(finding, placement));
  }
  return plan;
}
