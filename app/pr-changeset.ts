// Adapter (belongs in patch/): a ChangedFile from GitHub's per-file `patch` text (hunks without
// file headers) and the exact post-image at the PR head. The PR's own diff decides what changed;
// the pre-image is rebuilt by reverse-applying the hunks, so the engine can tell a defect the PR
// introduces from one that was already there, without fetching the base.
import { parseDiff } from '../patch/diff-parse.js';
import { PlainLines, splitLines } from '../patch/lines.js';
import type { ParsedHunk } from '../patch/parsed.js';
import type { ChangedFile, FileStatus, HunkInfo } from '../patch/types.js';
import { InputError } from '../patch/types.js';

/** GitHub's file statuses (pulls.listFiles). */
export type GithubFileStatus = 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';

export function isCPath(path: string): boolean {
  return /\.[ch]$/.test(path);
}

export function changeStatus(status: string): FileStatus {
  switch (status) {
    case 'added':
    case 'copied':
      return 'added';
    case 'removed':
      return 'deleted';
    case 'renamed':
      return 'renamed';
    default:
      return 'modified';
  }
}

/** A file the app lists but does not hand to the engine with a post-image. */
export function unanalysedFile(path: string, status: string, oldPath?: string): ChangedFile {
  return {
    path,
    ...(oldPath ? { oldPath } : {}),
    status: changeStatus(status),
    isC: isCPath(path),
    binary: false,
    partial: false,
    changedLines: new Set(),
    deletionPoints: new Set(),
    lineOrigin: new Map(),
    hunks: [],
  };
}

/** Hunks of GitHub's per-file patch text. Throws InputError on a malformed hunk. */
export function parseFilePatch(path: string, patch: string): ParsedHunk[] {
  // GitHub's `patch` holds only the hunks; give the parser a neutral header so the path (which
  // may hold any character) never has to survive diff-header quoting.
  const text = `--- a/file\n+++ b/file\n${patch}`;
  const lines = splitLines(text, false);
  const parsed = parseDiff(new PlainLines(lines, -1), 'strict', path);
  return parsed.files[0]?.hunks ?? [];
}

export type BuildResult = { ok: true; file: ChangedFile } | { ok: false; reason: string };

/** Builds the ChangedFile of one PR file from its per-file patch text (see changedFileFromHunks). */
export function changedFileFromPatch(
  entry: { path: string; status: string; oldPath?: string },
  patch: string,
  postImage: string,
): BuildResult {
  let hunks: ParsedHunk[];
  try {
    hunks = parseFilePatch(entry.path, patch);
  } catch (err) {
    if (err instanceof InputError) return { ok: false, reason: `unreadable diff: ${err.message}` };
    throw err;
  }
  return changedFileFromHunks(entry, hunks, postImage);
}

/**
 * Builds the ChangedFile of one PR file. `postImage` is the file at the head SHA. Fails (as a
 * value) when the hunks do not match the post-image: then the diff and the contents disagree and
 * nothing sound can be said about the file.
 */
export function changedFileFromHunks(
  entry: { path: string; status: string; oldPath?: string },
  hunks: readonly ParsedHunk[],
  postImage: string,
): BuildResult {
  const post = splitLines(postImage, false);
  const changedLines = new Set<number>();
  const deletionPoints = new Set<number>();
  const lineOrigin = new Map<number, number>();
  const pre: string[] = [];
  let nextPost = 1; // next post-image line not yet copied into the pre-image
  for (const hunk of hunks) {
    // A pure deletion "+N,0" sits after post-image line N.
    const hunkFirst = hunk.newLines === 0 ? hunk.newStart + 1 : hunk.newStart;
    if (hunkFirst < nextPost) return { ok: false, reason: 'diff hunks overlap or are out of order' };
    while (nextPost < hunkFirst) pre.push(post[nextPost++ - 1] ?? '');
    let newLine = hunkFirst;
    for (const line of hunk.lines) {
      const marker = line[0];
      const body = line.slice(1);
      if (marker === '-') {
        pre.push(body);
        deletionPoints.add(newLine - 1);
        continue;
      }
      if (post[newLine - 1] !== body) {
        return { ok: false, reason: `the diff does not match the file at the head commit (line ${newLine})` };
      }
      if (marker === '+') {
        changedLines.add(newLine);
        lineOrigin.set(newLine, 0);
      } else {
        pre.push(body);
      }
      newLine++;
    }
    nextPost = newLine;
  }
  while (nextPost <= post.length) pre.push(post[nextPost++ - 1]!);
  const info: HunkInfo[] = hunks.map((h) => ({
    oldStart: h.oldStart,
    oldLines: h.oldLines,
    newStart: h.newStart,
    newLines: h.newLines,
    ...(h.section ? { section: h.section } : {}),
    patch: 0,
  }));
  const status = changeStatus(entry.status);
  return {
    ok: true,
    file: {
      path: entry.path,
      ...(entry.oldPath ? { oldPath: entry.oldPath } : {}),
      status,
      isC: isCPath(entry.path),
      binary: false,
      postImage,
      ...(status === 'added' ? {} : { preImage: pre.join('\n') + (pre.length ? '\n' : '') }),
      partial: false,
      knownLines: post.length ? [[1, post.length]] : [],
      changedLines,
      deletionPoints,
      lineOrigin,
      hunks: info,
    },
  };
}

/** Post-image line ranges (inclusive) that GitHub accepts review comments on: each hunk's new side. */
export function commentableRanges(file: ChangedFile): Array<[number, number]> {
  return file.hunks.filter((h) => h.newLines > 0).map((h) => [h.newStart, h.newStart + h.newLines - 1]);
}
