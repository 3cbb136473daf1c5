// The parsed form of a patch input, before it is applied: what parsePatchInput returns and what
// buildChangeSet / applyToTree consume. Hunk bodies are kept as raw lines so nothing is copied twice.

import type { PatchInfo } from './types.js';

/** How the input was recognised. */
export type InputForm = 'diff' | 'mail' | 'mbox' | 'quoted';

/** What a file diff does to its file. */
export type FileDiffKind = 'modify' | 'add' | 'delete' | 'rename' | 'copy';

export interface ParsedHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Function context after the second @@, if any. */
  section?: string;
  /** "@@ -10,6 +10,8 @@" as written (without the section), for messages. */
  header: string;
  /** Body lines, each starting with its marker: ' ' context, '-' removed, '+' added. */
  lines: string[];
  /** Indexes into `lines` of lines followed by "\ No newline at end of file". */
  noNewlineAt: number[];
  /** Input line number (1-based) of the @@ header. */
  inputLine: number;
  /**
   * Only in quoted replies: the quote stopped before the hunk did. Lines after `lines` exist
   * (the header counts say how many) but their text is unknown.
   */
  truncated: boolean;
}

export interface FileDiff {
  kind: FileDiffKind;
  /** Repository-relative pre-image path; null for an added file. */
  oldPath: string | null;
  /** Repository-relative post-image path; null for a deleted file. */
  newPath: string | null;
  binary: boolean;
  oldMode?: string;
  newMode?: string;
  /** "similarity index" of a rename or copy, in percent. */
  similarity?: number;
  hunks: ParsedHunk[];
  /** Input line number of the file header. */
  inputLine: number;
}

export interface ParsedPatch {
  info: PatchInfo;
  files: FileDiff[];
}

/** A file the input names (in a diffstat) but whose diff it does not show. */
export interface OmittedFile {
  path: string;
  reason: string;
}

export interface ParsedInput {
  form: InputForm;
  /** Human name of the input ("series.mbox", "<stdin>"). */
  origin: string;
  /** Patches in application order (index 0 first). */
  patches: ParsedPatch[];
  omittedFiles: OmittedFile[];
  /** What was recognised and skipped: cover letters, replies, orphan hunks. One line each. */
  notes: string[];
}
