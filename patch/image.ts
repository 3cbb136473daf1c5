// A file image as a sequence of pieces, so a series can be applied without the file itself:
// lines we know (from the tree or from hunks), runs of original lines no hunk has shown yet, runs
// of lines a truncated quoted hunk left unknown, and zero-height marks where lines were deleted.
// Lines keep their identity through later patches, so "which patch wrote this line" and "where
// were lines deleted" stay true in final post-image coordinates.

import type { ParsedHunk } from './parsed.js';

/** Not written by any patch of the change. */
export const NO_PATCH = -1;

export interface LinePiece {
  kind: 'line';
  text: string;
  /** 1-based line number in the original (pre-series) file; 0 when the series wrote it. */
  pre: number;
  /** Index of the patch that last wrote this line, or NO_PATCH. */
  origin: number;
  /** The file ends here without a newline. */
  noEol: boolean;
}
/** Original lines [preStart, preStart + count) that no hunk has shown; count may be Infinity. */
export interface GapPiece {
  kind: 'gap';
  preStart: number;
  count: number;
}
/** Lines of a truncated quoted hunk that exist but were not shown. */
export interface UnknownPiece {
  kind: 'unknown';
  count: number;
}
/** Lines were deleted right here. */
export interface MarkPiece {
  kind: 'mark';
}
export type Piece = LinePiece | GapPiece | UnknownPiece | MarkPiece;

const MARK: MarkPiece = { kind: 'mark' };

export class FileImage {
  constructor(
    public pieces: Piece[],
    /** Original lines learned from hunk context and removals (for a rebuilt pre-image). */
    public readonly preKnown: Map<number, string> = new Map(),
  ) {}

  /** A file we know nothing about yet: all original lines, unseen. */
  static unseen(): FileImage {
    return new FileImage([{ kind: 'gap', preStart: 1, count: Infinity }]);
  }

  static empty(): FileImage {
    return new FileImage([]);
  }

  /** A file whose whole text is known (tree, git object). */
  static fromText(text: string): FileImage {
    const lines = text.split('\n');
    const endsWithNewline = lines[lines.length - 1] === '';
    if (endsWithNewline) lines.pop();
    const pieces: Piece[] = lines.map((line, k) => ({ kind: 'line', text: line, pre: k + 1, origin: NO_PATCH, noEol: false }));
    const last = pieces[pieces.length - 1];
    if (last && !endsWithNewline) (last as LinePiece).noEol = true;
    return new FileImage(pieces);
  }

  clone(): FileImage {
    return new FileImage(this.pieces.map((p) => (p.kind === 'mark' ? p : { ...p })), new Map(this.preKnown));
  }

  /** True when every line is known (no unseen original lines, nothing left unknown). */
  isComplete(): boolean {
    return this.pieces.every((p) => p.kind === 'line' || p.kind === 'mark');
  }
}

/** Why a hunk could not be applied; the caller turns it into an InputError with the file's name. */
export class HunkMismatch {
  constructor(
    public readonly hunkIndex: number,
    public readonly reason: string,
  ) {}
}

export interface ApplyOptions {
  /** Patch index recorded as the origin of added lines. */
  patch: number;
  /**
   * Search for a hunk this many lines away from where its header puts it, as `patch` does when
   * earlier changes moved the code. Only meaningful on a complete image (tree, git).
   */
  maxOffset: number;
}

/** Old-side lines of a hunk (context and removed), in order, without markers. */
function oldSide(hunk: ParsedHunk): string[] {
  const out: string[] = [];
  for (const line of hunk.lines) if (line[0] !== '+') out.push(line.slice(1));
  return out;
}

/** 0-based index of the first old line a hunk covers, per its header. */
function headerStart(hunk: ParsedHunk): number {
  return hunk.oldLines === 0 ? hunk.oldStart : hunk.oldStart - 1;
}

/**
 * Apply one file's hunks (from one patch) to an image. Returns the new image or the first hunk
 * that does not fit. Hunks must be in ascending order and must not overlap.
 */
export function applyHunks(image: FileImage, hunks: readonly ParsedHunk[], opts: ApplyOptions): FileImage | HunkMismatch {
  const starts = opts.maxOffset > 0 && image.isComplete() ? locateHunks(image, hunks, opts.maxOffset) : hunks.map(headerStart);
  if (starts instanceof HunkMismatch) return starts;
  const out: Piece[] = [];
  const reader = new PieceReader(image.pieces);
  const preKnown = new Map(image.preKnown);
  for (let k = 0; k < hunks.length; k++) {
    const hunk = hunks[k]!;
    const start = starts[k]!;
    if (start < reader.pos) return new HunkMismatch(k, 'overlaps the hunk before it');
    if (!reader.copyTo(start, out)) return new HunkMismatch(k, 'starts past the end of the file');
    const noNewline = new Set(hunk.noNewlineAt);
    let inDeletion = false;
    let shownOld = 0;
    let shownNew = 0;
    for (let j = 0; j < hunk.lines.length; j++) {
      const raw = hunk.lines[j]!;
      const marker = raw[0];
      const text = raw.slice(1);
      if (marker === '+') {
        out.push({ kind: 'line', text, pre: 0, origin: opts.patch, noEol: noNewline.has(j) });
        shownNew++;
        inDeletion = false;
        continue;
      }
      const old = reader.takeLine(out);
      if (old === null) return new HunkMismatch(k, `runs past the end of the file at its line ${j + 1}`);
      if (old.text !== null && old.text !== text) {
        return new HunkMismatch(k, `line ${reader.pos} is '${clip(old.text)}', the hunk expects '${clip(text)}'`);
      }
      if (old.text === null && old.pre > 0) preKnown.set(old.pre, text);
      shownOld++;
      if (marker === ' ') {
        out.push({ kind: 'line', text, pre: old.pre, origin: old.origin, noEol: noNewline.has(j) });
        shownNew++;
        inDeletion = false;
      } else {
        if (!inDeletion) out.push(MARK);
        inDeletion = true;
      }
    }
    if (hunk.truncated) {
      reader.skip(Math.max(0, hunk.oldLines - shownOld), out);
      const unknownNew = Math.max(0, hunk.newLines - shownNew);
      if (unknownNew > 0) out.push({ kind: 'unknown', count: unknownNew });
    }
  }
  reader.copyRest(out);
  return new FileImage(out, preKnown);
}

/** Where each hunk really starts in a complete image: at its header line, or the nearest offset. */
function locateHunks(image: FileImage, hunks: readonly ParsedHunk[], maxOffset: number): number[] | HunkMismatch {
  const lines: (string | null)[] = [];
  for (const p of image.pieces) {
    if (p.kind === 'line') lines.push(p.text);
    else if (p.kind === 'unknown') for (let c = 0; c < p.count; c++) lines.push(null);
  }
  const starts: number[] = [];
  let offset = 0;
  let minStart = 0;
  for (let k = 0; k < hunks.length; k++) {
    const hunk = hunks[k]!;
    const expected = headerStart(hunk) + offset;
    const want = oldSide(hunk);
    const found = want.length === 0 ? (expected <= lines.length ? expected : -1) : search(lines, want, expected, minStart, maxOffset);
    if (found < 0) return new HunkMismatch(k, `its lines are not found within ${maxOffset} lines of line ${expected + 1}`);
    starts.push(found);
    offset = found - headerStart(hunk);
    minStart = found + want.length;
  }
  return starts;
}

/** The position nearest to `expected` (trying +d before -d) where `want` matches, or -1. */
function search(lines: readonly (string | null)[], want: readonly string[], expected: number, minStart: number, maxOffset: number): number {
  const fits = (at: number): boolean => {
    if (at < minStart || at + want.length > lines.length) return false;
    for (let j = 0; j < want.length; j++) if (lines[at + j] !== want[j]) return false;
    return true;
  };
  for (let d = 0; d <= maxOffset; d++) {
    if (fits(expected + d)) return expected + d;
    if (d > 0 && fits(expected - d)) return expected - d;
  }
  return -1;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

interface OldLine {
  /** null when the line is unseen (gap) or unknown. */
  text: string | null;
  pre: number;
  origin: number;
}

/** Walks an image's pieces line by line, copying what it passes into the new piece list. */
class PieceReader {
  private idx = 0;
  private within = 0;
  /** Old lines consumed or copied so far. */
  pos = 0;

  constructor(private readonly pieces: readonly Piece[]) {}

  /** Copy pieces until `target` old lines are behind us; false if the image ends first. */
  copyTo(target: number, out: Piece[]): boolean {
    while (this.pos < target) {
      const piece = this.pieces[this.idx];
      if (piece === undefined) return false;
      if (piece.kind === 'mark') {
        out.push(piece);
        this.idx++;
      } else if (piece.kind === 'line') {
        out.push(piece);
        this.idx++;
        this.pos++;
      } else {
        const available = piece.count - this.within;
        const need = target - this.pos;
        const take = Math.min(available, need);
        out.push(piece.kind === 'gap' ? { kind: 'gap', preStart: piece.preStart + this.within, count: take } : { kind: 'unknown', count: take });
        this.pos += take;
        if (take === available) {
          this.idx++;
          this.within = 0;
        } else {
          this.within += take;
        }
      }
    }
    return true;
  }

  /** Consume one old line (marks passed on the way are kept). null at the end of the image. */
  takeLine(out: Piece[]): OldLine | null {
    for (;;) {
      const piece = this.pieces[this.idx];
      if (piece === undefined) return null;
      if (piece.kind === 'mark') {
        out.push(piece);
        this.idx++;
        continue;
      }
      this.pos++;
      if (piece.kind === 'line') {
        this.idx++;
        return { text: piece.text, pre: piece.pre, origin: piece.origin };
      }
      const pre = piece.kind === 'gap' ? piece.preStart + this.within : 0;
      this.within++;
      if (this.within >= piece.count) {
        this.idx++;
        this.within = 0;
      }
      return { text: null, pre, origin: NO_PATCH };
    }
  }

  /** Drop `count` old lines (their fate is unknown), keeping deletion marks. */
  skip(count: number, out: Piece[]): void {
    for (let c = 0; c < count; c++) if (this.takeLine(out) === null) return;
  }

  copyRest(out: Piece[]): void {
    const piece = this.pieces[this.idx];
    if (piece === undefined) return;
    if (this.within > 0 && (piece.kind === 'gap' || piece.kind === 'unknown')) {
      out.push(
        piece.kind === 'gap'
          ? { kind: 'gap', preStart: piece.preStart + this.within, count: piece.count - this.within }
          : { kind: 'unknown', count: piece.count - this.within },
      );
      this.idx++;
    }
    for (; this.idx < this.pieces.length; this.idx++) out.push(this.pieces[this.idx]!);
    this.within = 0;
  }
}

/** The post-image an image describes, in the ChangeSet's terms. */
export interface ImageSummary {
  text: string;
  partial: boolean;
  knownLines: Array<[number, number]>;
  changedLines: Set<number>;
  lineOrigin: Map<number, number>;
  deletionPoints: Set<number>;
}

/**
 * Render an image. Unknown lines become empty strings so known lines keep their numbers; the
 * text stops after the last known line (nothing is known about the rest of the file).
 */
export function summarizeImage(image: FileImage): ImageSummary {
  const lines: string[] = [];
  const knownLines: Array<[number, number]> = [];
  const changedLines = new Set<number>();
  const lineOrigin = new Map<number, number>();
  const deletionPoints = new Set<number>();
  let partial = false;
  let lastKnown = 0;
  let lastNoEol = false;
  for (const p of image.pieces) {
    if (p.kind === 'mark') {
      deletionPoints.add(lines.length);
      continue;
    }
    if (p.kind === 'line') {
      lines.push(p.text);
      const n = lines.length;
      const range = knownLines[knownLines.length - 1];
      if (range && range[1] === n - 1) range[1] = n;
      else knownLines.push([n, n]);
      if (p.origin !== NO_PATCH) {
        changedLines.add(n);
        lineOrigin.set(n, p.origin);
      }
      lastKnown = n;
      lastNoEol = p.noEol;
      continue;
    }
    partial = true;
    if (p.count === Infinity) break;
    for (let c = 0; c < p.count; c++) lines.push('');
  }
  lines.length = lastKnown;
  for (const point of deletionPoints) if (point > lastKnown) deletionPoints.delete(point);
  const text = lines.length === 0 ? '' : lines.join('\n') + (lastNoEol ? '' : '\n');
  return { text, partial, knownLines, changedLines, lineOrigin, deletionPoints };
}

/** A pre-image rebuilt from the original lines hunks showed; unknown lines are empty. */
export function renderPreKnown(preKnown: ReadonlyMap<number, string>): string {
  let max = 0;
  for (const n of preKnown.keys()) if (n > max) max = n;
  if (max === 0) return '';
  const lines = new Array<string>(max).fill('');
  for (const [n, text] of preKnown) lines[n - 1] = text;
  return lines.join('\n') + '\n';
}
