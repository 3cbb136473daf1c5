// In-code suppressions: `/* iovalint-disable-next-line <id>[, <id>] -- reason */` (or `//`),
// and `iovalint-disable-line` on the line itself. Unused ones are reported.

export interface Suppression {
  /** Line of the comment (1-based). */
  line: number;
  /** The line whose findings it silences. */
  target: number;
  rules: string[];
  reason?: string;
  used: boolean;
}

const SUPPRESSION = /iovalint-disable-(next-line|line)\s+([\w/,\s-]+?)(?:\s+--\s+(.*?))?\s*(?:\*\/|$)/;

/** Scans the text for suppression comments. Bounded by the number of lines. */
export function findSuppressions(text: string): Suppression[] {
  const found: Suppression[] = [];
  if (!text.includes('iovalint-disable')) return found;
  const lines = text.split('\n');
  lines.forEach((content, index) => {
    const match = SUPPRESSION.exec(content);
    if (!match) return;
    const rules = match[2]!
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean);
    const line = index + 1;
    let target = line;
    if (match[1] === 'next-line') {
      // The next line that is not blank and not the rest of a comment.
      target = line + 1;
      while (target <= lines.length && /^\s*(\*|\/\*|\/\/|$)/.test(lines[target - 1]!)) target++;
    }
    found.push({ line, target, rules, ...(match[3] ? { reason: match[3] } : {}), used: false });
  });
  return found;
}

/** Marks and returns the suppression covering a finding, if any. */
export function matchSuppression(suppressions: Suppression[], ruleId: string, line: number): Suppression | undefined {
  const hit = suppressions.find((s) => s.target === line && (s.rules.includes(ruleId) || s.rules.includes('all')));
  if (hit) hit.used = true;
  return hit;
}
