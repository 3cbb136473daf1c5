// Unified-diff parser: git diffs (extended headers, renames, copies, modes, binary) and plain
// `diff -u` output. Strict mode (diffs, mails, mboxes) checks every hunk's line counts; quoted mode
// (a patch quoted in a reply) accepts hunks the reviewer cut short and marks them truncated.

import { InputError } from './types.js';
import type { FileDiff, ParsedHunk } from './parsed.js';
import type { LineSource } from './lines.js';
import {
  readPathField,
  splitGitHeaderPaths,
  stripFirstComponent,
  stripGitPrefix,
  unsafePathReason,
} from './paths.js';

export type ParseMode = 'strict' | 'quoted';

/** Hunk line numbers beyond this are rejected: no kernel file is that long, and images stay bounded. */
export const MAX_LINE_NUMBER = 5_000_000;

/** git's default context; a quoted hunk starting past line 1 with less leading context lost lines. */
const DEFAULT_CONTEXT = 3;

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/;

export interface DiffParseResult {
  files: FileDiff[];
  notes: string[];
}

export function isHunkHeader(line: string): boolean {
  return line.startsWith('@@ -') && HUNK_HEADER.test(line);
}

/** Lines that can sit inside a hunk body. */
function isBodyLine(line: string): boolean {
  const c = line[0];
  return c === ' ' || c === '+' || c === '-' || c === '\\';
}

/** Parse every file diff in `src`. Throws InputError (naming `origin` and the line) on bad hunks. */
export function parseDiff(src: LineSource, mode: ParseMode, origin: string): DiffParseResult {
  return new DiffParser(src, mode, origin).run();
}

class DiffParser {
  private i = 0;
  private readonly files: FileDiff[] = [];
  private readonly notes: string[] = [];

  constructor(
    private readonly src: LineSource,
    private readonly mode: ParseMode,
    private readonly origin: string,
  ) {}

  run(): DiffParseResult {
    const { src } = this;
    // Each branch advances i by at least one line, so the loop is bounded by the input.
    while (this.i < src.length) {
      const line = src.text(this.i);
      if (line.startsWith('diff --git ')) {
        this.parseGitFile();
      } else if (this.isPlainFileHeader(this.i)) {
        this.parsePlainFile();
      } else if (line.startsWith('Binary files ') && line.endsWith(' differ')) {
        this.parsePlainBinary(line);
        this.i++;
      } else if (isHunkHeader(line)) {
        this.parseOrphanHunk();
      } else {
        this.i++;
      }
    }
    return { files: this.files, notes: this.notes };
  }

  private error(message: string, index: number): InputError {
    return new InputError(message, this.origin, this.src.lineNo(Math.min(index, this.src.length - 1)));
  }

  private isPlainFileHeader(i: number): boolean {
    const { src } = this;
    return (
      i + 2 < src.length &&
      src.text(i).startsWith('--- ') &&
      src.text(i + 1).startsWith('+++ ') &&
      src.breakBefore(i + 1) === undefined &&
      isHunkHeader(src.text(i + 2))
    );
  }

  private checkedPath(path: string, index: number): string {
    const reason = unsafePathReason(path);
    if (reason) throw this.error(`unusable path '${path}' in diff header (${reason})`, index);
    return path;
  }

  private parseGitFile(): void {
    const { src } = this;
    const start = this.i;
    const header = src.text(start);
    const split = splitGitHeaderPaths(header.slice('diff --git '.length));
    const file: FileDiff = {
      kind: 'modify',
      oldPath: split ? stripGitPrefix(split[0]) : null,
      newPath: split ? stripGitPrefix(split[1]) : null,
      binary: false,
      hunks: [],
      inputLine: src.lineNo(start),
    };
    let minusPath: string | undefined;
    let plusPath: string | undefined;
    this.i++;
    // Extended header lines, then ---/+++.
    while (this.i < src.length && src.breakBefore(this.i) === undefined) {
      const line = src.text(this.i);
      if (line.startsWith('old mode ')) file.oldMode = line.slice(9).trim();
      else if (line.startsWith('new mode ')) file.newMode = line.slice(9).trim();
      else if (line.startsWith('deleted file mode ')) {
        file.kind = 'delete';
        file.oldMode = line.slice(18).trim();
      } else if (line.startsWith('new file mode ')) {
        file.kind = 'add';
        file.newMode = line.slice(14).trim();
      } else if (line.startsWith('similarity index ')) file.similarity = parseInt(line.slice(17), 10);
      else if (line.startsWith('dissimilarity index ') || line.startsWith('index ')) {
        // nothing we need
      } else if (line.startsWith('rename from ')) {
        file.kind = 'rename';
        file.oldPath = readPathField(line.slice(12));
      } else if (line.startsWith('rename to ')) {
        file.kind = 'rename';
        file.newPath = readPathField(line.slice(10));
      } else if (line.startsWith('copy from ')) {
        file.kind = 'copy';
        file.oldPath = readPathField(line.slice(10));
      } else if (line.startsWith('copy to ')) {
        file.kind = 'copy';
        file.newPath = readPathField(line.slice(8));
      } else if (line.startsWith('Binary files ') && line.endsWith(' differ')) {
        file.binary = true;
      } else if (line === 'GIT binary patch') {
        file.binary = true;
        this.i++;
        this.skipBinaryData();
        continue;
      } else if (line.startsWith('--- ')) minusPath = readPathField(line.slice(4));
      else if (line.startsWith('+++ ')) plusPath = readPathField(line.slice(4));
      else break;
      this.i++;
    }
    if (minusPath !== undefined) {
      if (minusPath === '/dev/null') file.kind = 'add';
      else if (file.kind !== 'rename' && file.kind !== 'copy') file.oldPath = stripGitPrefix(minusPath);
    }
    if (plusPath !== undefined) {
      if (plusPath === '/dev/null') file.kind = 'delete';
      else if (file.kind !== 'rename' && file.kind !== 'copy') file.newPath = stripGitPrefix(plusPath);
    }
    this.finishFile(file, start);
  }

  private parsePlainFile(): void {
    const { src } = this;
    const start = this.i;
    const minus = readPathField(src.text(start).slice(4));
    const plus = readPathField(src.text(start + 1).slice(4));
    const file: FileDiff = {
      kind: minus === '/dev/null' ? 'add' : plus === '/dev/null' ? 'delete' : 'modify',
      oldPath: minus === '/dev/null' ? null : stripFirstComponent(minus),
      newPath: plus === '/dev/null' ? null : stripFirstComponent(plus),
      binary: false,
      hunks: [],
      inputLine: src.lineNo(start),
    };
    this.i += 2;
    this.finishFile(file, start);
  }

  /** "Binary files a/x and b/x differ" outside a git header (diff -r output). */
  private parsePlainBinary(line: string): void {
    const m = /^Binary files (.+) and (.+) differ$/.exec(line);
    if (!m) return;
    const oldRaw = m[1]!;
    const newRaw = m[2]!;
    const file: FileDiff = {
      kind: oldRaw === '/dev/null' ? 'add' : newRaw === '/dev/null' ? 'delete' : 'modify',
      oldPath: oldRaw === '/dev/null' ? null : stripFirstComponent(oldRaw),
      newPath: newRaw === '/dev/null' ? null : stripFirstComponent(newRaw),
      binary: true,
      hunks: [],
      inputLine: this.src.lineNo(this.i),
    };
    this.finishFile(file, this.i, false);
  }

  /** Settle paths, read the file's hunks, validate, record. */
  private finishFile(file: FileDiff, start: number, readHunks = true): void {
    if (file.kind === 'add') file.oldPath = null;
    if (file.kind === 'delete') file.newPath = null;
    if (file.kind === 'modify') {
      file.oldPath ??= file.newPath;
      file.newPath ??= file.oldPath;
    }
    const path = file.newPath ?? file.oldPath;
    if (path === null) throw this.error('diff header names no file', start);
    if (file.oldPath !== null) this.checkedPath(file.oldPath, start);
    if (file.newPath !== null) this.checkedPath(file.newPath, start);
    if (readHunks) {
      while (this.i < this.src.length && this.continuesFile()) {
        file.hunks.push(this.parseHunk(path));
      }
    }
    this.files.push(file);
  }

  /** Does the line at i start another hunk of the current file? */
  private continuesFile(): boolean {
    const line = this.src.text(this.i);
    if (!isHunkHeader(line)) return false;
    // In a reply, a hunk quoted after reviewer prose still belongs to the file above it.
    return this.src.breakBefore(this.i) === undefined || this.mode === 'quoted';
  }

  /** A hunk with no file header above it: quoted replies often show only the hunk. */
  private parseOrphanHunk(): void {
    const start = this.i;
    const last = this.files[this.files.length - 1];
    if (this.mode === 'strict') {
      throw this.error(`hunk ${hunkHeaderText(this.src.text(start))} has no file header (---/+++ lines) above it`, start);
    }
    const hunk = this.parseHunk(last ? (last.newPath ?? last.oldPath)! : '?');
    if (last) {
      last.hunks.push(hunk);
    } else {
      this.notes.push(`${this.origin}:${hunk.inputLine}: quoted hunk ${hunk.header} names no file; ignored`);
    }
    if (this.i === start) this.i++;
  }

  private parseHunk(path: string): ParsedHunk {
    const { src } = this;
    const headerIndex = this.i;
    const headerLine = src.text(headerIndex);
    const m = HUNK_HEADER.exec(headerLine)!;
    const oldStart = Number(m[1]);
    const oldLines = m[2] === undefined ? 1 : Number(m[2]);
    const newStart = Number(m[3]);
    const newLines = m[4] === undefined ? 1 : Number(m[4]);
    const section = m[5]!.trim();
    const header = hunkHeaderText(headerLine);
    for (const n of [oldStart + oldLines, newStart + newLines]) {
      if (n > MAX_LINE_NUMBER) {
        throw this.error(`${path}: hunk ${header} reaches line ${n}, beyond the limit of ${MAX_LINE_NUMBER}`, headerIndex);
      }
    }
    const hunk: ParsedHunk = {
      oldStart,
      oldLines,
      newStart,
      newLines,
      header,
      lines: [],
      noNewlineAt: [],
      inputLine: src.lineNo(headerIndex),
      truncated: false,
    };
    if (section) hunk.section = section;
    this.i++;
    let remainingOld = oldLines;
    let remainingNew = newLines;
    // Bounded by the header counts and by the input length.
    while ((remainingOld > 0 || remainingNew > 0) && this.i < src.length) {
      const brk = src.breakBefore(this.i);
      const line = src.text(this.i);
      if (brk !== undefined && !(brk === 'prose' && this.mode === 'quoted' && isBodyLine(line) && line !== '-- ')) break;
      // An empty line is an empty context line whose leading space was eaten (git apply agrees).
      const marker = line === '' ? ' ' : line[0];
      if (marker === '\\') {
        if (hunk.lines.length > 0) hunk.noNewlineAt.push(hunk.lines.length - 1);
      } else if (marker === ' ') {
        if (remainingOld === 0 || remainingNew === 0) break;
        remainingOld--;
        remainingNew--;
        hunk.lines.push(line === '' ? ' ' : line);
      } else if (marker === '-') {
        if (remainingOld === 0) break;
        remainingOld--;
        hunk.lines.push(line);
      } else if (marker === '+') {
        if (remainingNew === 0) break;
        remainingNew--;
        hunk.lines.push(line);
      } else {
        break;
      }
      this.i++;
    }
    if (this.i < src.length && src.breakBefore(this.i) === undefined && src.text(this.i).startsWith('\\')) {
      if (hunk.lines.length > 0) hunk.noNewlineAt.push(hunk.lines.length - 1);
      this.i++;
    }
    if (remainingOld > 0 || remainingNew > 0) {
      if (this.mode === 'strict') {
        throw this.countError(path, hunk, headerIndex);
      }
      this.restoreLostBlankContext(path, hunk, remainingOld, remainingNew);
    } else if (this.mode === 'strict') {
      this.checkNoExtraLines(path, hunk, headerIndex);
    }
    return hunk;
  }

  /**
   * The header and the body disagree. The body is counted as far as body lines go (the header
   * cannot be trusted to say where it ends), and the side that differs is named.
   */
  private countError(path: string, hunk: ParsedHunk, headerIndex: number): InputError {
    const { src } = this;
    let old = 0;
    let added = 0;
    for (let j = headerIndex + 1; j < src.length && (j === headerIndex + 1 || src.breakBefore(j) === undefined); j++) {
      const line = src.text(j);
      if (line.startsWith('--- ') || line === '-- ' || line === '---') break;
      const marker = line === '' ? ' ' : line[0];
      if (marker === '\\') continue;
      if (marker !== ' ' && marker !== '+' && marker !== '-') break;
      if (marker !== '+') old++;
      if (marker !== '-') added++;
    }
    const [side, shown, said] = added !== hunk.newLines ? ['new', added, hunk.newLines] : ['old', old, hunk.oldLines];
    return this.error(`${path}: hunk ${hunk.header} has ${shown} ${side} lines, header says ${said}`, headerIndex);
  }

  /**
   * After a complete hunk, more body lines mean the header undercounts. "--- " (next file),
   * "-- " (mail signature) and "---" are not body lines here.
   */
  private checkNoExtraLines(path: string, hunk: ParsedHunk, headerIndex: number): void {
    const { src } = this;
    let extraOld = 0;
    let extraNew = 0;
    let j = this.i;
    while (j < src.length && src.breakBefore(j) === undefined) {
      const line = src.text(j);
      if (line.startsWith('--- ') || line === '-- ' || line === '---' || !isBodyLine(line) || line[0] === '\\') break;
      if (line[0] !== '+') extraOld++;
      if (line[0] !== '-') extraNew++;
      j++;
    }
    if (extraOld === 0 && extraNew === 0) return;
    throw this.countError(path, hunk, headerIndex);
  }

  /**
   * Mail clients drop whitespace-only lines, so a quoted hunk can lose blank context lines (the
   * seed reply lost the blank line between two functions). Two cases tell how many were lost:
   * - git writes 3 lines of leading context unless the hunk starts at line 1, so a shortfall
   *   there counts lost blank lines, wherever the quote stops;
   * - a hunk whose quote runs on to the next hunk or file header was shown to its end, so when it
   *   is short by the same number of old and new lines, those are lost blank context lines.
   * Where they went is judged by kernel layout (blankSlotScore). Otherwise the hunk is truncated:
   * the rest is unknown.
   */
  private restoreLostBlankContext(path: string, hunk: ParsedHunk, missingOld: number, missingNew: number): void {
    const next = this.i < this.src.length ? this.src.text(this.i) : '';
    const seenToEnd = this.src.breakBefore(this.i) === undefined && (isHunkHeader(next) || next.startsWith('diff --git '));
    const firstChange = hunk.lines.findIndex((l) => l[0] !== ' ');
    const leadingShort = firstChange >= 0 && hunk.oldStart > 1 ? Math.max(0, DEFAULT_CONTEXT - firstChange) : 0;
    const restored: number[] = [];
    const restore = (count: number, from: number, to: () => number): void => {
      for (let m = 0; m < count; m++) {
        let best = to();
        let bestScore = -Infinity;
        // Ties go to the slot nearest the end of the range.
        for (let slot = to(); slot >= from; slot--) {
          const score = blankSlotScore(hunk.lines[slot - 1]?.slice(1), hunk.lines[slot]?.slice(1));
          if (score > bestScore) {
            best = slot;
            bestScore = score;
          }
        }
        hunk.lines.splice(best, 0, ' ');
        hunk.noNewlineAt = hunk.noNewlineAt.map((k) => (k >= best ? k + 1 : k));
        restored.push(best + 1);
      }
    };
    const leading = Math.min(leadingShort, missingOld, missingNew);
    restore(leading, 0, () => hunk.lines.findIndex((l) => l[0] !== ' '));
    missingOld -= leading;
    missingNew -= leading;
    if (seenToEnd && missingOld === missingNew && missingOld > 0) {
      restore(missingOld, 0, () => hunk.lines.length);
      missingOld = missingNew = 0;
    }
    hunk.truncated = missingOld > 0 || missingNew > 0;
    if (restored.length > 0) {
      this.notes.push(
        `${this.origin}:${hunk.inputLine}: ${path}: hunk ${hunk.header} lost ${restored.length} blank context line(s) in the quoting; ` +
          `restored as hunk line(s) ${restored.sort((a, b) => a - b).join(', ')}`,
      );
    }
  }

  /** Skip the base85 blocks after "GIT binary patch": "literal N"/"delta N", data, blank line. */
  private skipBinaryData(): void {
    const { src } = this;
    while (this.i < src.length && /^(literal|delta) \d+$/.test(src.text(this.i))) {
      this.i++;
      while (this.i < src.length && src.text(this.i) !== '') this.i++;
      if (this.i < src.length) this.i++;
    }
  }
}

/** "@@ -10,6 +10,8 @@" without the section text. */
export function hunkHeaderText(line: string): string {
  const end = line.indexOf('@@', 2);
  return end > 0 ? line.slice(0, end + 2) : line;
}

/**
 * How likely a lost blank line sat between `before` and `after` (texts without markers;
 * undefined at the hunk's edges), in kernel layout: a blank line follows a closing "}" at column
 * 0 (between functions); it never doubles another blank line, never precedes a closing brace and
 * never follows an opening one.
 */
function blankSlotScore(before: string | undefined, after: string | undefined): number {
  const isBlank = (t: string | undefined): boolean => t !== undefined && t.trim() === '';
  if (isBlank(before) || isBlank(after)) return -2;
  if (after !== undefined && /^\s*}/.test(after)) return -1;
  if (before !== undefined && /{\s*$/.test(before)) return -1;
  if (before !== undefined && /^};?\s*$/.test(before)) return 1;
  return 0;
}
