// One tree-sitter parser per process (or worker), fed through the callback input so files of any
// size parse (kernel files reach ~1 MB; the string input's default buffer is 32 KiB of UTF-16).
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import type { Tree } from './types.js';

let shared: Parser | undefined;

/** The process-wide parser for C. */
export function sharedParser(): Parser {
  if (!shared) {
    shared = new Parser();
    shared.setLanguage(C as unknown as Parser.Language);
  }
  return shared;
}

interface TextBackedTree {
  input: unknown;
  getText: (this: TextBackedTree, node: { startIndex: number; endIndex: number }) => string;
}

function textOfNode(this: TextBackedTree, node: { startIndex: number; endIndex: number }): string {
  return (this.input as string).substring(node.startIndex, node.endIndex);
}

/**
 * Parse `parsedText` and make `node.text` read from `shownText` (same length, e.g. the original
 * before the macro pre-pass). Node offsets are UTF-16 indices into both strings.
 */
export function parseC(parsedText: string, shownText: string = parsedText): Tree {
  if (shownText.length !== parsedText.length) throw new Error('parseC: shown text must have the parsed text length');
  // the string itself, as bench/parse-floor.ts does: no slices made on our side
  const tree = sharedParser().parse(parsedText);
  const backed = tree as unknown as TextBackedTree;
  backed.input = shownText;
  backed.getText = textOfNode;
  return tree;
}
