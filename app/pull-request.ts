// Fetching a pull request's change from GitHub: the file list (paginated), each changed C file's
// diff hunks (GitHub's per-file patch, or the PR's full diff when GitHub leaves the patch out) and
// its post-image at the head SHA (contents API; raw media type for files over 1 MB). Limits are
// enforced here, before anything large is downloaded; every file left out is named with a reason.
import { parseDiff } from '../patch/diff-parse.js';
import { PlainLines, splitLines } from '../patch/lines.js';
import type { ParsedHunk } from '../patch/parsed.js';
import type { ChangeSet, ChangedFile } from '../patch/types.js';
import { InputError } from '../patch/types.js';
import type { AppConfig } from '../review/config.js';
import type { GitHub, RepoRef } from './check-run.js';
import { changedFileFromHunks, isCPath, parseFilePatch, unanalysedFile } from './pr-changeset.js';

/** GitHub lists at most 3,000 files of a pull request; this bounds the pagination. */
export const MAX_LISTED_FILES = 3000;
/** Post-images fetched at once. */
const FETCH_CONCURRENCY = 4;
export const RAW_MEDIA_TYPE = 'application/vnd.github.raw+json';

export interface PullRequestRef extends RepoRef {
  number: number;
  headSha: string;
  title: string;
}

export interface LoadedChange {
  changeSet: ChangeSet;
  /** Files the app could not hand to the engine, with the reason (limits, missing diff, …); also in changeSet.omittedFiles. */
  unavailable: Map<string, string>;
  /** One line each, for the summary. */
  notes: string[];
}

interface ListedFile {
  filename: string;
  status: string;
  previous_filename?: string;
  patch?: string;
  changes?: number;
}

async function listFiles(gh: GitHub, pr: PullRequestRef): Promise<{ files: ListedFile[]; truncated: boolean }> {
  const files: ListedFile[] = [];
  const pages = gh.paginate.iterator(gh.rest.pulls.listFiles, { owner: pr.owner, repo: pr.repo, pull_number: pr.number, per_page: 100 });
  for await (const page of pages) {
    for (const f of page.data) {
      files.push({
        filename: f.filename,
        status: f.status,
        ...(f.previous_filename ? { previous_filename: f.previous_filename } : {}),
        ...(typeof f.patch === 'string' ? { patch: f.patch } : {}),
        changes: f.changes,
      });
    }
    if (files.length >= MAX_LISTED_FILES) return { files: files.slice(0, MAX_LISTED_FILES), truncated: true };
  }
  return { files, truncated: false };
}

function decodeBody(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  return undefined;
}

type Fetched = { ok: true; text: string; bytes: number } | { ok: false; reason: string };

/**
 * The file at `ref`. The JSON form first: it tells the size before anything large is downloaded,
 * and holds the content (base64) up to 1 MB; above that GitHub leaves `content` empty, and the
 * raw media type fetches the bytes.
 */
export async function fetchPostImage(gh: GitHub, repo: RepoRef, path: string, ref: string, bytesPerFile: number): Promise<Fetched> {
  let meta: unknown;
  try {
    ({ data: meta } = await gh.rest.repos.getContent({ ...repo, path, ref }));
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === 404) return { ok: false, reason: 'not found at the head commit' };
    throw err;
  }
  const served = decodeBody(meta);
  if (served !== undefined) {
    // Some servers answer with the bytes whatever was asked: take them as the file.
    const bytes = Buffer.byteLength(served, 'utf8');
    if (bytes > bytesPerFile) return { ok: false, reason: `${bytes} bytes, over limits.bytes-per-file (${bytesPerFile})` };
    return { ok: true, text: served, bytes };
  }
  if (Array.isArray(meta) || typeof meta !== 'object' || meta === null) return { ok: false, reason: 'not a regular file at the head commit' };
  const file = meta as { type?: string; size?: number; content?: string; encoding?: string };
  if (file.type !== undefined && file.type !== 'file') return { ok: false, reason: `a ${file.type} at the head commit, not a file` };
  const size = typeof file.size === 'number' ? file.size : undefined;
  if (size !== undefined && size > bytesPerFile) {
    return { ok: false, reason: `${size} bytes, over limits.bytes-per-file (${bytesPerFile})` };
  }
  if ((file.encoding === 'base64' || file.encoding === undefined) && typeof file.content === 'string' && (file.content.length > 0 || size === 0)) {
    const bytes = Buffer.from(file.content, 'base64');
    return { ok: true, text: bytes.toString('utf8'), bytes: bytes.length };
  }
  const { data } = await gh.rest.repos.getContent({ ...repo, path, ref, headers: { accept: RAW_MEDIA_TYPE } });
  const text = decodeBody(data);
  if (text === undefined) return { ok: false, reason: 'GitHub returned no raw content' };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > bytesPerFile) return { ok: false, reason: `${bytes} bytes, over limits.bytes-per-file (${bytesPerFile})` };
  return { ok: true, text, bytes };
}

/**
 * The PR's whole diff, split per post-image path, for files whose patch GitHub left out of the
 * file list (large diffs). GitHub refuses the diff of very large PRs; then the files stay out.
 */
async function fetchFullDiff(gh: GitHub, pr: PullRequestRef, maxBytes: number): Promise<Map<string, ParsedHunk[] | 'binary'> | string> {
  let text: string | undefined;
  try {
    const { data } = await gh.rest.pulls.get({ owner: pr.owner, repo: pr.repo, pull_number: pr.number, mediaType: { format: 'diff' } });
    text = decodeBody(data);
  } catch (err) {
    return `GitHub did not provide the pull request's diff (HTTP ${(err as { status?: number }).status ?? 'error'})`;
  }
  if (text === undefined) return 'GitHub returned no diff text';
  if (Buffer.byteLength(text, 'utf8') > maxBytes) return `the pull request's diff is over limits.total-bytes (${maxBytes})`;
  try {
    const parsed = parseDiff(new PlainLines(splitLines(text, false), 1), 'strict', `PR #${pr.number} diff`);
    const byPath = new Map<string, ParsedHunk[] | 'binary'>();
    for (const f of parsed.files) {
      const path = f.newPath ?? f.oldPath;
      if (path !== null) byPath.set(path, f.binary ? 'binary' : f.hunks);
    }
    return byPath;
  } catch (err) {
    if (err instanceof InputError) return `the pull request's diff is unreadable: ${err.oneLine()}`;
    throw err;
  }
}

async function inPool<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

export async function loadPullRequestChange(gh: GitHub, pr: PullRequestRef, limits: AppConfig['limits']): Promise<LoadedChange> {
  const repo = { owner: pr.owner, repo: pr.repo };
  const unavailable = new Map<string, string>();
  const notes: string[] = [];
  const { files: listed, truncated } = await listFiles(gh, pr);
  if (truncated) notes.push(`GitHub lists at most ${MAX_LISTED_FILES} files of a pull request; files past that were not seen.`);

  const slots: ChangedFile[] = [];
  const wanted: Array<{ index: number; file: ListedFile }> = [];
  let cFiles = 0;
  for (const file of listed) {
    const oldPath = file.previous_filename;
    const index = slots.push(unanalysedFile(file.filename, file.status, oldPath)) - 1;
    if (!isCPath(file.filename) || file.status === 'removed') continue;
    cFiles++;
    if (cFiles > limits.files) {
      unavailable.set(file.filename, `over limits.files (${limits.files} C files per pull request)`);
      continue;
    }
    wanted.push({ index, file });
  }
  if (cFiles > limits.files) notes.push(`Only the first ${limits.files} of ${cFiles} changed C files were reviewed (limits.files).`);

  // Hunks: GitHub's per-file patch, else the PR's full diff (fetched once, only when needed).
  const hunksOf = new Map<string, ParsedHunk[]>();
  const needDiff: string[] = [];
  for (const { file } of wanted) {
    if (file.patch === undefined) {
      needDiff.push(file.filename);
      continue;
    }
    try {
      hunksOf.set(file.filename, parseFilePatch(file.filename, file.patch));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      unavailable.set(file.filename, `unreadable diff: ${err.message}`);
    }
  }
  if (needDiff.length > 0) {
    const diff = await fetchFullDiff(gh, pr, limits.totalBytes);
    for (const path of needDiff) {
      const found = typeof diff === 'string' ? undefined : diff.get(path);
      if (found === 'binary') unavailable.set(path, 'binary');
      else if (found) hunksOf.set(path, found);
      else {
        unavailable.set(path, `GitHub left this file's diff out of the file list (too large) and ${typeof diff === 'string' ? diff : 'the full diff does not show it'}`);
      }
    }
  }

  // Fetched a few at a time; counted against limits.total-bytes in listing order, so which files
  // fit does not depend on which download finished first. Fetching stops once the total is spent.
  const fetchable = wanted.filter(({ file }) => hunksOf.has(file.filename) && !unavailable.has(file.filename));
  const results = new Map<number, Fetched>();
  let fetchedBytes = 0;
  await inPool(fetchable, FETCH_CONCURRENCY, async ({ index, file }) => {
    if (fetchedBytes > limits.totalBytes) return;
    const fetched = await fetchPostImage(gh, repo, file.filename, pr.headSha, limits.bytesPerFile);
    if (fetched.ok) fetchedBytes += fetched.bytes;
    results.set(index, fetched);
  });
  let totalBytes = 0;
  let overTotal = false;
  for (const { index, file } of fetchable) {
    const fetched = results.get(index);
    if (fetched && !fetched.ok) {
      unavailable.set(file.filename, fetched.reason);
      continue;
    }
    if (!fetched || overTotal || totalBytes + fetched.bytes > limits.totalBytes) {
      overTotal = true;
      unavailable.set(file.filename, `over limits.total-bytes (${limits.totalBytes} bytes per pull request)`);
      continue;
    }
    totalBytes += fetched.bytes;
    const built = changedFileFromHunks(
      { path: file.filename, status: file.status, ...(file.previous_filename ? { oldPath: file.previous_filename } : {}) },
      hunksOf.get(file.filename)!,
      fetched.text,
    );
    if (built.ok) slots[index] = built.file;
    else unavailable.set(file.filename, built.reason);
  }
  if (overTotal) notes.push(`Post-images stopped at limits.total-bytes (${limits.totalBytes} bytes); the remaining files were not reviewed.`);

  // Files the app could not read go to omittedFiles: review() lists them as not checked, with why.
  return {
    changeSet: {
      files: slots.filter((f) => !unavailable.has(f.path)),
      ...(unavailable.size ? { omittedFiles: [...unavailable].map(([path, reason]) => ({ path, reason })) } : {}),
      patches: [{ index: 0, subject: pr.title, origin: `PR #${pr.number}` }],
      source: `PR #${pr.number} (${pr.owner}/${pr.repo} @ ${pr.headSha.slice(0, 7)})`,
      wholeFiles: false,
    },
    unavailable,
    notes,
  };
}
