// Parse one C file: kernel-macro pre-pass, tree-sitter, function index, error count.
import { indexFunctions } from './function-index.js';
import { kernelMacroPrepass } from './macro-prepass.js';
import { parseC } from './parser.js';
import { rebuildFunctionFrames, type SectionHint } from './rebuild.js';
import type { ParsedFile, SyntaxNode } from './types.js';

export interface ParseFileOptions {
  /** Post-image lines known when the file was rebuilt from hunks (ChangedFile.knownLines). */
  knownLines?: ReadonlyArray<readonly [number, number]>;
  /** Skip the kernel-macro pre-pass (for measurements only). */
  raw?: boolean;
  /**
   * With knownLines: the hunks' first lines and sections, so blocks shown inside a function get a
   * synthetic frame and come out as partial functions (c/rebuild.ts).
   */
  sections?: readonly SectionHint[];
}

/** Parse `text` (the post-image of `path`) into a ParsedFile. Never throws on bad C: errors are counted. */
export function parseFile(path: string, shownText: string, options: ParseFileOptions = {}): ParsedFile {
  const text =
    options.knownLines && options.sections ? rebuildFunctionFrames(shownText, options.knownLines, options.sections).text : shownText;
  const prepass = options.raw ? { text, rewrites: [], functionBodies: [] } : kernelMacroPrepass(text);
  const tree = parseC(prepass.text, text);
  const functions = indexFunctions(tree.rootNode, {
    parsedText: prepass.text,
    knownLines: options.knownLines,
    rewrites: prepass.rewrites,
  });
  return {
    path,
    text,
    tree,
    functions,
    errorCount: countErrors(tree.rootNode),
    parsedText: prepass.text,
    rewrites: prepass.rewrites,
  };
}

/** ERROR and MISSING nodes under `root` (visits only subtrees that hold an error). */
export function countErrors(root: SyntaxNode, budget = 1_000_000): number {
  if (!root.hasError) return 0;
  const cursor = root.walk();
  let count = 0;
  for (; budget > 0; budget--) {
    const node = cursor.currentNode;
    if (node.type === 'ERROR' || node.isMissing) count++;
    if (node.hasError && node.type !== 'ERROR' && cursor.gotoFirstChild()) continue;
    let moved = false;
    while (!moved) {
      if (cursor.gotoNextSibling()) moved = true;
      else if (!cursor.gotoParent()) return count;
    }
  }
  return count;
}
