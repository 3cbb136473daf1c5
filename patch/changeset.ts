// Applying a parsed series, patch after patch, to file images, and describing the result as a
// ChangeSet. The same code serves every mode: without a tree the images start unseen and are
// rebuilt from hunks (partial); with a tree or git objects they start complete.

import { InputError, type ChangeSet, type ChangedFile, type HunkInfo } from './types.js';
import type { FileDiff, ParsedInput, ParsedPatch } from './parsed.js';
import { FileImage, HunkMismatch, applyHunks, renderPreKnown, summarizeImage } from './image.js';
import { isCPath } from './paths.js';

/** Where complete pre-images come from (a kernel tree, git objects, PR contents). */
export interface PreImageSource {
  /** The file's text before the change, or null if it does not exist there. */
  read(path: string): string | null;
  /** How to name the file in messages ("/tree/drivers/x.c", "A:drivers/x.c"). */
  describe(path: string): string;
}

export interface BuildOptions {
  /** Lines a hunk may have moved, searched on complete images. Default 1000. */
  maxOffset?: number;
  /** ChangeSet.source; defaults to the input's origin. */
  source?: string;
}

export const DEFAULT_MAX_OFFSET = 1000;

interface FileState {
  path: string;
  /** The file's path before the change; null when the change creates it. */
  basePath: string | null;
  copiedFrom?: string;
  image: FileImage;
  /** Full pre-image when it came from a source. */
  baseText?: string;
  exists: boolean;
  binary: boolean;
  hunks: HunkInfo[];
  /** A file diff named it (a copy's source is only read). */
  touched?: boolean;
}

/** The ChangeSet of a parsed input without a tree: post-images rebuilt from hunks. */
export function buildChangeSet(parsed: ParsedInput, opts: BuildOptions = {}): ChangeSet {
  return new SeriesApplier(parsed, null, opts).run();
}

/** The ChangeSet of a parsed input applied to complete pre-images. */
export function buildChangeSetFrom(parsed: ParsedInput, source: PreImageSource, opts: BuildOptions = {}): ChangeSet {
  return new SeriesApplier(parsed, source, opts).run();
}

class SeriesApplier {
  private readonly live = new Map<string, FileState>();
  private readonly all: FileState[] = [];
  private readonly maxOffset: number;

  constructor(
    private readonly parsed: ParsedInput,
    private readonly source: PreImageSource | null,
    private readonly opts: BuildOptions,
  ) {
    this.maxOffset = source ? (opts.maxOffset ?? DEFAULT_MAX_OFFSET) : 0;
  }

  run(): ChangeSet {
    for (const patch of this.parsed.patches) {
      for (const file of patch.files) this.applyFile(patch, file);
    }
    const files: ChangedFile[] = [];
    for (const state of this.all) {
      if (state.basePath === null && !state.exists) continue; // created and deleted again
      if (!state.touched) continue; // only read, as the source of a copy
      files.push(this.describe(state));
    }
    const changeSet: ChangeSet = {
      files,
      patches: this.parsed.patches.map((p) => p.info),
      source: this.opts.source ?? this.parsed.origin,
      wholeFiles: false,
    };
    if (this.parsed.omittedFiles.length > 0) changeSet.omittedFiles = this.parsed.omittedFiles;
    return changeSet;
  }

  private fail(patch: ParsedPatch, file: FileDiff, message: string, line = file.inputLine): never {
    const which = this.parsed.patches.length > 1 ? ` (patch ${patch.info.index + 1}/${this.parsed.patches.length})` : '';
    throw new InputError(`${message}${which}`, this.parsed.origin, line);
  }

  /** The state of a file the change has not touched yet, from the source or unseen. */
  private fromBase(patch: ParsedPatch, file: FileDiff, path: string): FileState {
    const dead = this.all.find((s) => s.path === path && !s.exists);
    if (dead) this.fail(patch, file, `${path}: modified after an earlier patch deleted it`);
    const state: FileState = { path, basePath: path, image: FileImage.unseen(), exists: true, binary: false, hunks: [] };
    if (this.source && !file.binary) {
      const text = this.source.read(path);
      if (text === null) this.fail(patch, file, `${path}: not found in ${this.source.describe(path)}, but the patch changes it`);
      state.image = FileImage.fromText(text);
      state.baseText = text;
    }
    this.all.push(state);
    return state;
  }

  private current(patch: ParsedPatch, file: FileDiff, path: string): FileState {
    return this.live.get(path) ?? this.fromBase(patch, file, path);
  }

  private applyFile(patch: ParsedPatch, file: FileDiff): void {
    let state: FileState;
    switch (file.kind) {
      case 'add': {
        const path = file.newPath!;
        if (this.live.has(path)) this.fail(patch, file, `${path}: created, but an earlier patch already has it`);
        const dead = this.all.find((s) => s.path === path && !s.exists);
        if (!dead && this.source && this.source.read(path) !== null) {
          this.fail(patch, file, `${path}: created by the patch, but it already exists: ${this.source.describe(path)}`);
        }
        if (dead) {
          state = dead;
          state.exists = true;
          state.image = FileImage.empty();
        } else {
          state = { path, basePath: null, image: FileImage.empty(), exists: true, binary: false, hunks: [] };
          this.all.push(state);
        }
        this.live.set(path, state);
        break;
      }
      case 'copy': {
        const from = this.current(patch, file, file.oldPath!);
        const path = file.newPath!;
        if (this.live.has(path)) this.fail(patch, file, `${path}: copy target already exists`);
        state = { path, basePath: null, copiedFrom: file.oldPath!, image: from.image.clone(), exists: true, binary: from.binary, hunks: [] };
        this.all.push(state);
        this.live.set(path, state);
        break;
      }
      case 'rename': {
        state = this.current(patch, file, file.oldPath!);
        const path = file.newPath!;
        if (path !== state.path && this.live.has(path)) this.fail(patch, file, `${path}: rename target already exists`);
        this.live.delete(state.path);
        state.path = path;
        this.live.set(path, state);
        break;
      }
      case 'delete':
      case 'modify':
        state = this.current(patch, file, file.oldPath!);
        this.live.set(state.path, state);
        break;
    }
    state.touched = true;
    if (file.binary) state.binary = true;
    this.applyHunksTo(patch, file, state);
    if (file.kind === 'delete') {
      state.exists = false;
      this.live.delete(state.path);
    }
  }

  private applyHunksTo(patch: ParsedPatch, file: FileDiff, state: FileState): void {
    for (const h of file.hunks) {
      const info: HunkInfo = { oldStart: h.oldStart, oldLines: h.oldLines, newStart: h.newStart, newLines: h.newLines, patch: patch.info.index };
      if (h.section !== undefined) info.section = h.section;
      state.hunks.push(info);
    }
    if (file.hunks.length === 0) return;
    const result = applyHunks(state.image, file.hunks, { patch: patch.info.index, maxOffset: this.maxOffset });
    if (result instanceof HunkMismatch) {
      const hunk = file.hunks[result.hunkIndex]!;
      const where = this.source
        ? `does not apply to ${this.source.describe(state.basePath ?? state.path)}`
        : 'does not fit the file as the earlier patches left it';
      this.fail(patch, file, `${state.path}: hunk #${result.hunkIndex + 1} (${hunk.header}) ${where}: ${result.reason}`, hunk.inputLine);
    }
    state.image = result;
  }

  private describe(state: FileState): ChangedFile {
    const status = !state.exists ? 'deleted' : state.basePath === null ? 'added' : state.basePath !== state.path ? 'renamed' : 'modified';
    const path = status === 'deleted' ? (state.basePath ?? state.path) : state.path;
    const file: ChangedFile = {
      path,
      status,
      isC: isCPath(path),
      binary: state.binary,
      partial: true,
      changedLines: new Set(),
      deletionPoints: new Set(),
      lineOrigin: new Map(),
      hunks: state.hunks,
    };
    if (status === 'renamed') file.oldPath = state.basePath!;
    if (state.copiedFrom !== undefined) file.oldPath = state.copiedFrom;
    if (state.basePath !== null && !state.binary) {
      file.preImage = state.baseText ?? renderPreKnown(state.image.preKnown);
    }
    if (state.binary) return file;
    if (status === 'deleted') {
      file.partial = state.baseText === undefined;
      return file;
    }
    const summary = summarizeImage(state.image);
    file.postImage = summary.text;
    file.partial = summary.partial;
    file.knownLines = summary.knownLines;
    file.changedLines = summary.changedLines;
    file.lineOrigin = summary.lineOrigin;
    file.deletionPoints = summary.deletionPoints;
    return file;
  }
}
