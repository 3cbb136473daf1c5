// The ChangeSet contract (DESIGN.md §2): what a change touches, in post-image terms.
// Everything downstream (c/, rules/, review/, app/) reads only this, never raw patch text.

export type FileStatus = 'added' | 'modified' | 'deleted' | 'renamed';

/** One patch of a series (or the single patch of a plain diff). */
export interface PatchInfo {
  /** 0-based position in the series, in application order. */
  index: number;
  subject: string;
  author?: string;
  messageId?: string;
  date?: string;
  /** Where the patch text came from, for error messages: "series.mbox:120". */
  origin: string;
}

/** A hunk as it lands in the post-image (1-based, inclusive ranges; count 0 means pure deletion). */
export interface HunkInfo {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** The function context git printed after the second @@, if any. */
  section?: string;
  /**
   * Index of the patch (PatchInfo.index) the hunk belongs to. In a series, the numbers above are
   * the ones in that patch's header (its own pre- and post-image); lines of the final post-image
   * are in ChangedFile.changedLines / lineOrigin.
   */
  patch: number;
}

export interface ChangedFile {
  /** Repository-relative post-image path (pre-image path for deletions), forward slashes. */
  path: string;
  /** Pre-image path when renamed or copied. */
  oldPath?: string;
  status: FileStatus;
  /** True for .c and .h files; other files are listed in the report as skipped. */
  isC: boolean;
  /** True for "Binary files … differ" / GIT binary patch entries. */
  binary: boolean;
  /**
   * Post-image text. When the full file is known (--tree, --git, --file, PR head) it is exact.
   * Otherwise it is rebuilt from hunks: lines the hunks do not show are empty strings, so every
   * shown line keeps its true post-image line number, and `partial` is true.
   */
  postImage?: string;
  /** Pre-image text when known (from --tree or git), used to judge deleted guards. */
  preImage?: string;
  partial: boolean;
  /** Post-image lines (1-based) known from the hunks or the full text; all lines when !partial. */
  knownLines?: Array<[number, number]>;
  /** Post-image lines (1-based) that the change added or modified. */
  changedLines: Set<number>;
  /**
   * Post-image line numbers right after which the change deleted lines (a deleted guard makes
   * the unchanged code below it part of the change).
   */
  deletionPoints: Set<number>;
  /** For each changed line, the patch (PatchInfo.index) that last touched it. */
  lineOrigin: Map<number, number>;
  hunks: HunkInfo[];
}

export interface ChangeSet {
  files: ChangedFile[];
  patches: PatchInfo[];
  /** Human name of the input: a path, "<stdin>", "git A..B", "PR #12". */
  source: string;
  /** True when every line of every file counts as changed (--file, scans). */
  wholeFiles: boolean;
  /**
   * Files the input names but does not show (a reply quoting only part of a patch lists every
   * file in its diffstat). They were not reviewed; the report lists them as not checked.
   */
  omittedFiles?: Array<{ path: string; reason: string }>;
}

/** Bad input, as a value: one line naming what and where (DESIGN.md §3). */
export class InputError extends Error {
  constructor(
    message: string,
    public readonly file?: string,
    public readonly line?: number,
  ) {
    super(message);
    this.name = 'InputError';
  }
  /** "file:line: message" or just the message. */
  oneLine(): string {
    const where = this.file ? `${this.file}${this.line ? `:${this.line}` : ''}: ` : '';
    return `${where}${this.message}`;
  }
}
