// The public face of patch/: every way an input becomes a ChangeSet.
//
//   const { text, origin } = await readPatchSource(path);      // or "-" for stdin
//   const parsed = parsePatchInput(text, origin);             // diff, mail, mbox, quoted reply
//   const changeSet = tree ? applyToTree(parsed, tree) : buildChangeSet(parsed);
//   await changeSetFromGit('v6.12..HEAD', repo);               // --git
//   await changeSetFromFiles(['drivers/iommu']);               // --file
//
// Every bad input is an InputError (one line: err.oneLine()); anything else thrown is a bug.

export * from './types.js';
export type { InputForm, FileDiffKind, ParsedHunk, FileDiff, ParsedPatch, OmittedFile, ParsedInput } from './parsed.js';
export { parsePatchInput, DEFAULT_MAX_INPUT_BYTES, type ParseOptions } from './input.js';
export { buildChangeSet, buildChangeSetFrom, DEFAULT_MAX_OFFSET, type BuildOptions, type PreImageSource } from './changeset.js';
export { applyToTree, treeSource } from './tree.js';
export { changeSetFromGit, type GitOptions } from './git.js';
export { changeSetFromFiles, walkSourceFiles, wholeFileChange, displayPath, type FilesOptions, type WalkOptions } from './files.js';
export { readPatchSource, type ReadOptions, type PatchSource } from './read.js';
export { MAX_LINE_NUMBER } from './diff-parse.js';
