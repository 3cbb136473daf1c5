// --file PATH…: whole files, every line counted as changed. Directories are walked for .c/.h
// files by walkSourceFiles, a streaming, deterministic walk that scans (issue 8) reuse.

import { lstat, readFile, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { InputError, type ChangeSet, type ChangedFile } from './types.js';
import { isCPath } from './paths.js';

export interface WalkOptions {
  /** Most files yielded; the walk stops with an InputError beyond it. Default 1,000,000. */
  maxFiles?: number;
  /** Deepest directory level entered. Default 64. */
  maxDepth?: number;
  /** Which files to yield. Default: .c and .h files. */
  accept?: (name: string) => boolean;
}

/**
 * The files under `dir` in a fixed order (names sorted by UTF-16 code unit, depth first), as paths
 * joined onto `dir`. Symbolic links to files are followed; a directory (linked or not) is entered
 * once, by its real path, so link loops end.
 */
export async function* walkSourceFiles(dir: string, opts: WalkOptions = {}): AsyncGenerator<string> {
  const maxFiles = opts.maxFiles ?? 1_000_000;
  const maxDepth = opts.maxDepth ?? 64;
  const accept = opts.accept ?? isCPath;
  const visited = new Set<string>();
  let yielded = 0;
  async function* walk(path: string, depth: number): AsyncGenerator<string> {
    const real = await realpath(path);
    if (visited.has(real) || depth > maxDepth) return;
    visited.add(real);
    const names = (await readdir(path)).sort();
    for (const name of names) {
      const child = join(path, name);
      let info = await lstat(child);
      if (info.isSymbolicLink()) {
        try {
          info = await stat(child);
        } catch {
          continue; // dangling link
        }
      }
      if (info.isDirectory()) {
        yield* walk(child, depth + 1);
      } else if (info.isFile() && accept(name)) {
        if (++yielded > maxFiles) throw new InputError(`${dir}: more than ${maxFiles} source files`);
        yield child;
      }
    }
  }
  try {
    yield* walk(dir, 0);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read directory: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, dir);
  }
}

export interface FilesOptions extends WalkOptions {
  /** Paths in the ChangeSet are made relative to this directory when inside it (a tree root). */
  root?: string;
  /** Files larger than this are refused. Default 64 MiB. */
  maxFileBytes?: number;
}

/** Every line of these files (directories: their .c/.h files) counts as changed. */
export async function changeSetFromFiles(paths: readonly string[], opts: FilesOptions = {}): Promise<ChangeSet> {
  if (paths.length === 0) throw new InputError('no files given');
  const files: ChangedFile[] = [];
  const seen = new Set<string>();
  for (const given of paths) {
    let info;
    try {
      info = await stat(given);
    } catch (err) {
      throw new InputError(`cannot read: ${describeError(err)}`, given);
    }
    if (info.isDirectory()) {
      for await (const path of walkSourceFiles(given, opts)) await addFile(path, files, seen, opts);
    } else {
      await addFile(given, files, seen, opts);
    }
  }
  return { files, patches: [], source: paths.join(' '), wholeFiles: true };
}

async function addFile(path: string, files: ChangedFile[], seen: Set<string>, opts: FilesOptions): Promise<void> {
  const full = resolve(path);
  if (seen.has(full)) return;
  seen.add(full);
  const maxFileBytes = opts.maxFileBytes ?? 64 * 1024 * 1024;
  let bytes: Buffer;
  try {
    const info = await stat(full);
    if (info.size > maxFileBytes) throw new InputError(`file is ${info.size} bytes, over the size limit of ${maxFileBytes} bytes`, path);
    bytes = await readFile(full);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read: ${describeError(err)}`, path);
  }
  files.push(wholeFileChange(displayPath(path, opts.root), bytes));
}

/** A whole file as a ChangedFile: every line counts as changed (--file, tree scans). */
export function wholeFileChange(name: string, bytes: Buffer): ChangedFile {
  const binary = bytes.includes(0);
  const file: ChangedFile = {
    path: name,
    status: 'modified',
    isC: isCPath(name),
    binary,
    partial: false,
    changedLines: new Set(),
    deletionPoints: new Set(),
    lineOrigin: new Map(),
    hunks: [],
  };
  if (!binary) {
    const text = bytes.toString('utf8');
    const lineCount = countLines(text);
    file.postImage = text;
    file.knownLines = lineCount > 0 ? [[1, lineCount]] : [];
    for (let n = 1; n <= lineCount; n++) file.changedLines.add(n);
  }
  return file;
}

function countLines(text: string): number {
  if (text === '') return 0;
  let count = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
  return text.endsWith('\n') ? count : count + 1;
}

/** Forward slashes; relative to `root` when the file is inside it. */
export function displayPath(path: string, root: string | undefined): string {
  let shown = path;
  if (root !== undefined) {
    const rel = relative(resolve(root), resolve(path));
    if (rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep)) shown = rel;
  }
  return shown.split(sep).join('/').replace(/^\.\//, '');
}

function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file or directory';
  if (e.code === 'EACCES') return 'permission denied';
  return e.code ?? String(err);
}
