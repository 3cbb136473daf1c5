// Applying fixes to a post-image: used to re-check fixes (tests, the simulator) and to build the
// GitHub suggestion text. Positions are 1-based lines and code-point columns, end exclusive.
import type { Fix } from './types.js';

type FixRange = Pick<Fix, 'startLine' | 'startColumn' | 'endLine' | 'endColumn' | 'text'>;

/** Offset in `text` (UTF-16 index) of a 1-based line and code-point column. */
export function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', offset);
    if (next === -1) return text.length;
    offset = next + 1;
  }
  let remaining = column - 1;
  while (remaining > 0 && offset < text.length && text[offset] !== '\n') {
    const code = text.codePointAt(offset)!;
    offset += code > 0xffff ? 2 : 1;
    remaining--;
  }
  return offset;
}

/**
 * Applies non-overlapping fixes (later ones first, so earlier offsets stay valid). Overlapping
 * fixes after the first are skipped, as ESLint does; the skipped ones are returned.
 */
export function applyFixes(text: string, fixes: readonly FixRange[]): { text: string; skipped: FixRange[] } {
  const withOffsets = fixes
    .map((fix) => ({ fix, start: offsetOf(text, fix.startLine, fix.startColumn), end: offsetOf(text, fix.endLine, fix.endColumn) }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  const accepted: typeof withOffsets = [];
  const skipped: FixRange[] = [];
  let lastEnd = -1;
  for (const entry of withOffsets) {
    if (entry.start < lastEnd) {
      skipped.push(entry.fix);
      continue;
    }
    accepted.push(entry);
    lastEnd = entry.end;
  }
  let out = text;
  for (const { fix, start, end } of accepted.reverse()) out = out.slice(0, start) + fix.text + out.slice(end);
  return { text: out, skipped };
}

/** The whole lines startLine..endLine of `text` after applying `fix` (for a GitHub suggestion block). */
export function fixedLines(text: string, fix: FixRange): string {
  const lineStart = offsetOf(text, fix.startLine, 1);
  const lastLineStart = offsetOf(text, fix.endLine, 1);
  const newline = text.indexOf('\n', lastLineStart);
  const lineEnd = newline === -1 ? text.length : newline;
  const start = offsetOf(text, fix.startLine, fix.startColumn);
  const end = offsetOf(text, fix.endLine, fix.endColumn);
  return text.slice(lineStart, start) + fix.text + text.slice(end, lineEnd);
}
