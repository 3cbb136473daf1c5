// Splitting an mbox into messages without copying it: messages are found by scanning for "From "
// separator lines, and each is returned as a slice with its first input line number.

/**
 * A separator line: "From <sender> <date>" where the date has a clock time and a year, as git
 * format-patch ("From 3f2a… Mon Sep 17 00:00:00 2001") and list archives write it. The date
 * requirement keeps a commit-message line beginning with "From " from splitting a message.
 */
const FROM_LINE = /^From \S+ +.*\b\d{1,2}:\d{2}(?::\d{2})?\b.*\b\d{4}\b/;

export function isMboxFromLine(line: string): boolean {
  return FROM_LINE.test(line);
}

export interface MboxMessage {
  /** The message text after its "From " line. */
  text: string;
  /** Input line number of the first line of `text`. */
  firstLine: number;
}

/** Messages of an mbox whose first line is a "From " line. Linear in the input size. */
export function* splitMbox(text: string): Generator<MboxMessage> {
  let start = 0; // start of the current message's From_ line
  let startLine = 1;
  let scan = 0;
  let scanLine = 1;
  // Each iteration moves `scan` forward past one "\nFrom " occurrence or ends.
  for (;;) {
    const hit = text.indexOf('\nFrom ', scan);
    const end = hit < 0 ? text.length : hit + 1;
    scanLine += countNewlines(text, scan, end);
    scan = end;
    if (hit >= 0) {
      const lineEnd = text.indexOf('\n', end);
      const candidate = text.slice(end, lineEnd < 0 ? text.length : lineEnd).replace(/\r$/, '');
      if (!isMboxFromLine(candidate)) continue;
    }
    const fromLineEnd = text.indexOf('\n', start);
    const bodyStart = fromLineEnd < 0 || fromLineEnd >= end ? end : fromLineEnd + 1;
    yield { text: text.slice(bodyStart, end), firstLine: startLine + 1 };
    if (hit < 0) return;
    start = end;
    startLine = scanLine;
  }
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** mboxrd/mboxo escaping: a body line ">From " (any number of '>') had one '>' added. */
export function unescapeFromLines(lines: string[]): void {
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!;
    if (line[0] === '>' && /^>+From /.test(line)) lines[k] = line.slice(1);
  }
}
