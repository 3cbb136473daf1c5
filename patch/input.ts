// parsePatchInput: recognise what the user handed us (a diff, a format-patch mail, an mbox series,
// a reply quoting a patch) and parse it into patches in application order.

import { InputError, type PatchInfo } from './types.js';
import type { FileDiff, InputForm, OmittedFile, ParsedInput, ParsedPatch } from './parsed.js';
import { PlainLines, splitLines, usesCrlf, type LineSource } from './lines.js';
import { isHunkHeader, parseDiff, type ParseMode } from './diff-parse.js';
import { diffstatNames, readDiffstatPaths } from './diffstat.js';
import { extractQuoteLevel, findQuotedDiffLevel, splitQuotePrefix } from './quote.js';
import { headerValue, parseMail, startsWithMailHeaders } from './mail.js';
import { isMboxFromLine, splitMbox, unescapeFromLines } from './mbox.js';

/** Accepts any real kernel series (the largest are a few tens of MB of generated headers). */
export const DEFAULT_MAX_INPUT_BYTES = 128 * 1024 * 1024;

export interface ParseOptions {
  /** Inputs longer than this (in characters ≈ bytes) are rejected. */
  maxBytes?: number;
}

/** One message (or the whole text) with what it says about the patch it carries. */
interface PatchCandidate {
  subject: string;
  author?: string;
  date?: string;
  messageId?: string;
  firstLine: number;
  files: FileDiff[];
  mode: ParseMode | null;
  diffstat: string[];
  notes: string[];
  /** [PATCH n/m] numbering, when present. */
  number?: { n: number; of: number };
}

export function parsePatchInput(text: string, origin: string, opts: ParseOptions = {}): ParsedInput {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_INPUT_BYTES;
  if (text.length > maxBytes) {
    throw new InputError(`input is ${text.length} bytes, over the size limit of ${maxBytes} bytes`, origin);
  }
  if (!/\S/.test(text)) throw new InputError('empty input', origin);
  // `git diff --color` piped in: colour codes would hide every marker.
  if (text.includes('\x1b[')) text = text.replace(/\x1b\[[0-9;]*m/g, '');
  const firstLineEnd = text.indexOf('\n');
  const firstLine = (firstLineEnd < 0 ? text : text.slice(0, firstLineEnd)).replace(/\r$/, '');
  if (isMboxFromLine(firstLine)) return parseMbox(text, origin);
  const lines = splitLines(text, usesCrlf(text));
  const candidate = startsWithMailHeaders(lines) ? readMessage(lines, 1, origin) : readPlainText(lines, origin);
  if (candidate.files.length === 0) throw notAPatch(origin, candidate);
  const form: InputForm = candidate.mode === 'quoted' ? 'quoted' : startsWithMailHeaders(lines) ? 'mail' : 'diff';
  return finish(form, origin, [candidate], candidate.notes);
}

function notAPatch(origin: string, candidate?: PatchCandidate): InputError {
  if (candidate && candidate.diffstat.length > 0) {
    return new InputError(`not a patch: a diffstat names ${candidate.diffstat.length} file(s) but no diff follows`, origin, candidate.firstLine);
  }
  return new InputError("not a patch: no 'diff --git', '---'/'+++' header or '@@' hunk at any quote level", origin);
}

function parseMbox(text: string, origin: string): ParsedInput {
  const candidates: PatchCandidate[] = [];
  const notes: string[] = [];
  let messages = 0;
  for (const message of splitMbox(text)) {
    messages++;
    const lines = splitLines(message.text, usesCrlf(message.text));
    unescapeFromLines(lines);
    const candidate = readMessage(lines, message.firstLine, origin);
    notes.push(...candidate.notes);
    if (candidate.files.length === 0) {
      const what = candidate.number?.n === 0 ? 'cover letter' : 'message without a patch';
      notes.push(`${origin}:${message.firstLine}: ${what} skipped: ${candidate.subject}`);
      continue;
    }
    candidates.push(candidate);
  }
  // A thread mbox holds the patches and the replies quoting them: the patches win.
  const posted = candidates.filter((c) => c.mode === 'strict' && !/^re:/i.test(c.subject));
  let chosen = candidates;
  if (posted.length > 0 && posted.length < candidates.length) {
    for (const c of candidates) {
      if (!posted.includes(c)) notes.push(`${origin}:${c.firstLine}: reply skipped (the series itself is in the mbox): ${c.subject}`);
    }
    chosen = posted;
  }
  if (chosen.length === 0) {
    throw new InputError(`not a patch: none of the ${messages} message(s) holds a diff`, origin);
  }
  // A lone format-patch file is an mbox of one message: call it a mail.
  const form: InputForm = messages > 1 ? 'mbox' : chosen[0]!.mode === 'quoted' ? 'quoted' : 'mail';
  return finish(form, origin, orderSeries(chosen, origin, notes), notes);
}

/** [PATCH n/m] order when every patch is numbered; otherwise the order of the file. */
function orderSeries(candidates: PatchCandidate[], origin: string, notes: string[]): PatchCandidate[] {
  if (!candidates.every((c) => c.number !== undefined)) return candidates;
  const sorted = [...candidates].sort((a, b) => a.number!.n - b.number!.n);
  for (let k = 1; k < sorted.length; k++) {
    if (sorted[k]!.number!.n === sorted[k - 1]!.number!.n) {
      notes.push(`${origin}: two messages are patch ${sorted[k]!.number!.n}/${sorted[k]!.number!.of}; both applied, in file order`);
    }
  }
  return sorted;
}

function finish(form: InputForm, origin: string, candidates: PatchCandidate[], notes: string[]): ParsedInput {
  const patches: ParsedPatch[] = candidates.map((c, index) => {
    const info: PatchInfo = { index, subject: c.subject, origin: `${origin}:${c.firstLine}` };
    if (c.author) info.author = c.author;
    if (c.date) info.date = c.date;
    if (c.messageId) info.messageId = c.messageId;
    return { info, files: c.files };
  });
  const allFiles = patches.flatMap((p) => p.files);
  if (allFiles.every((f) => f.binary)) {
    const first = allFiles[0]!;
    throw new InputError(
      `${first.newPath ?? first.oldPath}: binary diff, and the input holds nothing but binary diffs to review`,
      origin,
      first.inputLine,
    );
  }
  const omittedFiles: OmittedFile[] = [];
  for (const c of candidates) {
    for (const entry of c.diffstat) {
      const shown = c.files.some((f) => [f.newPath, f.oldPath].some((p) => p !== null && diffstatNames(entry, p)));
      if (!shown && !omittedFiles.some((o) => o.path === entry)) {
        omittedFiles.push({
          path: entry,
          reason: c.mode === 'quoted' ? 'named in the diffstat; the reply does not quote its diff' : 'named in the diffstat; no diff for it',
        });
      }
    }
  }
  return { form, origin, patches, omittedFiles, notes };
}

/** A mail message (single mail or one of an mbox). */
function readMessage(lines: string[], firstLine: number, origin: string): PatchCandidate {
  const mail = parseMail(lines, firstLine);
  const candidate = readBody(mail.bodyLines, mail.bodyFirstLine, origin);
  candidate.firstLine = firstLine;
  const subject = headerValue(mail, 'subject');
  if (subject !== undefined) candidate.subject = subject;
  const messageId = headerValue(mail, 'message-id');
  if (messageId !== undefined) candidate.messageId = messageId.replace(/^<|>$/g, '');
  if (candidate.mode === 'quoted') {
    // The headers are the reviewer's; the patch's author comes from the quote itself.
    candidate.subject = candidate.subject.replace(/^((re|fwd?|aw):\s*)+/i, '');
    return numbered(candidate);
  }
  const from = headerValue(mail, 'from');
  // git am takes an in-body "From:" (author ≠ sender) over the header.
  if (from !== undefined && !candidate.author) candidate.author = from;
  const date = headerValue(mail, 'date');
  if (date !== undefined) candidate.date = date;
  return numbered(candidate);
}

/** Text with no mail headers: a diff, `git show` output, or a saved reply / archive page. */
function readPlainText(lines: string[], origin: string): PatchCandidate {
  const candidate = readBody(lines, 1, origin);
  const commit = readGitShowHeader(lines);
  if (commit) {
    candidate.subject = commit.subject;
    if (commit.author) candidate.author = commit.author;
    if (commit.date) candidate.date = commit.date;
  } else if (candidate.subject === '') {
    // An archive page starts with the subject ("[PATCH 05/18] dma: …").
    const first = lines.find((l) => l.trim() !== '')?.trim() ?? '';
    if (/^(re:\s*)*\[(PATCH|RFC)/i.test(first)) candidate.subject = first.replace(/^(re:\s*)+/i, '');
  }
  return numbered(candidate);
}

/** Read the [PATCH n/m] numbering from the subject. */
function numbered(candidate: PatchCandidate): PatchCandidate {
  const number = /\[[^\]]*?\b(\d+)\/(\d+)\s*\]/.exec(candidate.subject);
  if (number) candidate.number = { n: Number(number[1]), of: Number(number[2]) };
  return candidate;
}

/** The body: the diff at quote level 0 if there is one, else the quote level holding it. */
function readBody(lines: string[], firstLine: number, origin: string): PatchCandidate {
  const base: PatchCandidate = { subject: '', firstLine, files: [], mode: null, diffstat: [], notes: [] };
  const plain = new PlainLines(lines, firstLine);
  if (holdsDiff(plain)) {
    const parsed = parseDiff(plain, 'strict', origin);
    const candidate: PatchCandidate = { ...base, files: parsed.files, mode: 'strict', diffstat: readDiffstatPaths(plain), notes: parsed.notes };
    const author = readInBodyFrom(plain, true);
    if (author) candidate.author = author;
    return candidate;
  }
  const level = findQuotedDiffLevel(lines);
  if (level === null) return { ...base, diffstat: readDiffstatPaths(plain) };
  const quoted = extractQuoteLevel(lines, firstLine, level);
  const parsed = parseDiff(quoted.lines, 'quoted', origin);
  const notes = [`${origin}: patch quoted at level ${level}${quoted.unstuffed ? ' (format=flowed space-stuffing removed)' : ''}`];
  const candidate: PatchCandidate = {
    ...base,
    files: parsed.files,
    mode: 'quoted',
    diffstat: readDiffstatPaths(quoted.lines),
    notes: [...notes, ...parsed.notes],
  };
  const author = readInBodyFrom(quoted.lines, false) ?? readAttribution(lines, level);
  if (author) candidate.author = author;
  return candidate;
}

function holdsDiff(src: LineSource): boolean {
  for (let i = 0; i < src.length; i++) {
    const line = src.text(i);
    if (line.startsWith('diff --git ') || isHunkHeader(line)) return true;
    if (line.startsWith('Binary files ') && line.endsWith(' differ')) return true;
  }
  return false;
}

/**
 * The patch author from an in-body "From:" line: the first body line of a mail (as git am reads
 * it), or any line before the diff in a quoted patch. Archives write "at" for "@".
 */
function readInBodyFrom(src: LineSource, firstLineOnly: boolean): string | undefined {
  for (let i = 0; i < src.length; i++) {
    const line = src.text(i);
    if (firstLineOnly && i > 0) return undefined;
    if (line.startsWith('diff --git ') || isHunkHeader(line)) return undefined;
    const m = /^From:\s*(.+)$/.exec(line);
    if (m) return m[1]!.replace(/(\S) at (\S+\.\S+)/g, '$1@$2').replace(/([^\s<])</, '$1 <').trim();
  }
  return undefined;
}

/**
 * "On <date>, Ada Fixture wrote:" one level above the quoted patch, right before it: the name
 * of whoever wrote the quoted text.
 */
function readAttribution(lines: readonly string[], level: number): string | undefined {
  const first = lines.findIndex((l) => splitQuotePrefix(l).level === level);
  for (let k = first - 1; k >= 0 && k >= first - 3; k--) {
    const { level: lineLevel, rest } = splitQuotePrefix(lines[k]!);
    if (lineLevel !== level - 1) continue;
    const m = /^\s*(?:.*,\s*)?([^,]+?)\s+(?:<[^>]*>\s*)?wrote:\s*$/.exec(rest);
    if (m) return m[1]!.trim();
  }
  return undefined;
}

/** `git show` / `git log -p` header: "commit <sha>", "Author:", "Date:", indented message. */
function readGitShowHeader(lines: readonly string[]): { subject: string; author?: string; date?: string } | null {
  if (!/^commit [0-9a-f]{7,64}\b/.test(lines[0] ?? '')) return null;
  const result: { subject: string; author?: string; date?: string } = { subject: '' };
  for (let k = 1; k < lines.length && k < 50; k++) {
    const line = lines[k]!;
    if (line.startsWith('Author: ')) result.author = line.slice(8).trim();
    else if (line.startsWith('Date: ')) result.date = line.slice(6).trim();
    else if (line.startsWith('    ') && line.trim() !== '') {
      result.subject = line.trim();
      break;
    }
  }
  return result;
}
