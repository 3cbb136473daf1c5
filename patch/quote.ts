// A patch quoted in a mailing-list reply: find the quote level that holds the diff, strip exactly
// that level, and mark where reviewer prose or a snip interrupts it.
//
// What quoting does to a diff, and how it is undone:
// - each level adds ">" and usually one space ("> > +foo", ">>+foo", ">> +foo"); the separator
//   after the last ">" is voted on by the lines whose marker is unambiguous (@@, diff, +, -);
// - format=flowed clients space-stuff lines that begin with a space, so a context line " }" can
//   arrive as "  }" (the seed shows "> >   }"); when every context line carries the extra space
//   and none is a plain one, the stuffing is removed;
// - trailing spaces are stripped, so a blank context line " " arrives as "> >" (an empty line,
//   read as blank context by the parser) or disappears (see restoreLostBlankContext).

import { PickedLines, type BreakKind } from './lines.js';
import { isHunkHeader } from './diff-parse.js';

interface QuotedLine {
  level: number;
  /** The text after the last '>' of the quote prefix. */
  rest: string;
}

/** Quote depth and the text after the prefix. Spaces between '>' marks are part of the prefix. */
export function splitQuotePrefix(line: string): QuotedLine {
  if (line[0] !== '>') return { level: 0, rest: line };
  let level = 0;
  let i = 0;
  while (i < line.length) {
    if (line[i] === '>') {
      level++;
      i++;
      continue;
    }
    let j = i;
    while (j < line.length && line[j] === ' ') j++;
    if (j > i && line[j] === '>') {
      i = j;
      continue;
    }
    break;
  }
  return { level, rest: line.slice(i) };
}

function isDiffMarkerText(text: string): boolean {
  return text.startsWith('diff --git ') || isHunkHeader(text);
}

/** The quote level (≥ 1) whose lines hold the most diff headers and hunk headers, or null. */
export function findQuotedDiffLevel(lines: readonly string[]): number | null {
  const score = new Map<number, number>();
  for (const line of lines) {
    if (line[0] !== '>') continue;
    const { level, rest } = splitQuotePrefix(line);
    if (isDiffMarkerText(rest.trimStart())) score.set(level, (score.get(level) ?? 0) + 1);
  }
  let best: number | null = null;
  for (const [level, count] of [...score].sort((a, b) => a[0] - b[0])) {
    if (best === null || count > score.get(best)!) best = level;
  }
  return best;
}

const SNIP_MARK = /^(?:\[\s*(?:\.{2,}|…|snip(?:ped)?|cut|trimmed)[^\]]*\]|<\s*snip(?:ped)?\s*>|\.{3,}|…|-*\s*[8x]<\s*-*)$/i;

/** Reviewer marks for "lines removed here": "[...]", "<snip>", "...", "8<". */
export function isSnipMark(text: string): boolean {
  return SNIP_MARK.test(text.trim());
}

export interface QuotedDiff {
  level: number;
  lines: PickedLines;
  /** True when format=flowed space-stuffing was found and removed. */
  unstuffed: boolean;
}

/** Extract the lines of quote level `level`, with breaks where other text interrupts them. */
export function extractQuoteLevel(lines: readonly string[], firstLine: number, level: number): QuotedDiff {
  const split = lines.map(splitQuotePrefix);
  const separator = voteSeparator(split, level);
  const texts: string[] = [];
  const numbers: number[] = [];
  const breaks = new Map<number, BreakKind>();
  let pending: BreakKind | undefined;
  for (let k = 0; k < split.length; k++) {
    const q = split[k]!;
    if (q.level !== level) {
      // Blank lines of any level and deeper quotes interrupt too; a snip anywhere in the gap wins.
      if (q.level < level && isSnipMark(q.rest)) pending = 'snip';
      else if (pending === undefined && texts.length > 0) pending = 'prose';
      continue;
    }
    const text = separator && q.rest.startsWith(' ') ? q.rest.slice(1) : q.rest.trim() === '' ? '' : q.rest;
    if (isSnipMark(text) && text.trim() !== '') {
      pending = 'snip';
      continue;
    }
    if (pending !== undefined) breaks.set(texts.length, pending);
    pending = undefined;
    texts.push(text);
    numbers.push(firstLine + k);
  }
  const unstuffed = isSpaceStuffed(texts, breaks);
  if (unstuffed) {
    for (let k = 0; k < texts.length; k++) {
      if (texts[k]!.startsWith('  ')) texts[k] = texts[k]!.slice(1);
    }
  }
  return { level, lines: new PickedLines(texts, numbers, breaks), unstuffed };
}

/** Does the quote put one space after its last '>'? Voted by lines with unambiguous markers. */
function voteSeparator(split: readonly QuotedLine[], level: number): boolean {
  let withSpace = 0;
  let without = 0;
  for (const q of split) {
    if (q.level !== level) continue;
    const trimmed = q.rest.trimStart();
    const marker = trimmed[0];
    if (!(isDiffMarkerText(trimmed) || marker === '+' || marker === '-')) continue;
    if (q.rest[0] === ' ') withSpace++;
    else without++;
  }
  return withSpace >= without;
}

/**
 * Context lines of a space-stuffed quote all start with two spaces; in a clean diff, most start
 * with one space and then the code. A context line " * text" (block comment) fits both.
 */
function isSpaceStuffed(texts: readonly string[], breaks: ReadonlyMap<number, BreakKind>): boolean {
  let evidence = 0;
  let counter = 0;
  let inHunk = false;
  for (let k = 0; k < texts.length; k++) {
    const text = texts[k]!;
    if (isHunkHeader(text)) {
      inHunk = true;
      continue;
    }
    if (breaks.get(k) === 'snip') inHunk = false;
    const marker = text[0];
    if (!(marker === ' ' || marker === '+' || marker === '-' || marker === '\\' || text === '')) {
      inHunk = false;
      continue;
    }
    if (!inHunk || marker !== ' ' || text.length < 2) continue;
    if (text[1] !== ' ') counter++;
    else if (text[2] !== '*') evidence++;
  }
  return evidence > 0 && counter === 0;
}
