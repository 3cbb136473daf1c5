// Stable fingerprints (DESIGN.md §2): rule + file + function + normalised statement text, plus an
// occurrence number among identical tuples. Never a line number, so a push that only moves code
// keeps every fingerprint.
import { createHash } from 'node:crypto';

/** Collapses whitespace and comments so re-indentation or re-wrapping keeps the fingerprint. */
export function normaliseStatementText(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/[^\n]*/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/\s*([()[\]{},;*&|+\-<>=!?:])\s*/g, '$1')
    .trim();
}

export function fingerprintOf(ruleId: string, file: string, fn: string | undefined, statement: string, occurrence: number): string {
  const hash = createHash('sha256');
  hash.update([ruleId, file, fn ?? '', normaliseStatementText(statement), String(occurrence)].join('\u0000'));
  return hash.digest('hex').slice(0, 24);
}

/** Assigns fingerprints in order, numbering repeats of the same (rule, file, function, text). */
export class FingerprintAllocator {
  private readonly seen = new Map<string, number>();

  next(ruleId: string, file: string, fn: string | undefined, statement: string): string {
    const key = [ruleId, file, fn ?? '', normaliseStatementText(statement)].join('\u0000');
    const occurrence = this.seen.get(key) ?? 0;
    this.seen.set(key, occurrence + 1);
    return fingerprintOf(ruleId, file, fn, statement, occurrence);
  }
}
