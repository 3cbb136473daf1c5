// Line access for the diff parser. A plain text is lines at consecutive input line numbers; a
// quoted reply is the lines of one quote level, each with its own input line number, and the
// places where the quote was interrupted by prose or cut by the reviewer.

/** Why the quoted text stopped right before a line: reviewer prose, or an explicit snip mark. */
export type BreakKind = 'prose' | 'snip';

export interface LineSource {
  readonly length: number;
  text(i: number): string;
  /** 1-based line number in the original input. */
  lineNo(i: number): number;
  breakBefore(i: number): BreakKind | undefined;
}

/** Consecutive lines starting at input line `firstLine`. */
export class PlainLines implements LineSource {
  constructor(
    private readonly texts: readonly string[],
    private readonly firstLine: number,
  ) {}
  get length(): number {
    return this.texts.length;
  }
  text(i: number): string {
    return this.texts[i]!;
  }
  lineNo(i: number): number {
    return this.firstLine + i;
  }
  breakBefore(): BreakKind | undefined {
    return undefined;
  }
}

/** Lines picked out of a larger text (a quote level), with their own numbers and breaks. */
export class PickedLines implements LineSource {
  constructor(
    private readonly texts: readonly string[],
    private readonly numbers: readonly number[],
    private readonly breaks: ReadonlyMap<number, BreakKind>,
  ) {}
  get length(): number {
    return this.texts.length;
  }
  text(i: number): string {
    return this.texts[i]!;
  }
  lineNo(i: number): number {
    return this.numbers[i]!;
  }
  breakBefore(i: number): BreakKind | undefined {
    return this.breaks.get(i);
  }
}

/**
 * Split text into lines without the terminators. A final terminator does not make an extra
 * empty line. With `crlf`, one trailing '\r' is removed from every line (mail converted to CRLF).
 */
export function splitLines(text: string, crlf: boolean): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (crlf) {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
    }
  }
  return lines;
}

/** True when the text uses CRLF line ends (judged by its first line end). */
export function usesCrlf(text: string): boolean {
  const firstNewline = text.indexOf('\n');
  return firstNewline > 0 && text.charCodeAt(firstNewline - 1) === 13;
}
