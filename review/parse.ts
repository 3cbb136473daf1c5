// The engine's one door into c/: parse a post-image, or say why it cannot be analysed.
import { parseFile } from '../c/parse-file.js';
import type { ParsedFile, SyntaxNode } from '../c/types.js';

export type ParseOutcome = { ok: true; file: ParsedFile } | { ok: false; reason: string };

/** Share of the file's non-blank bytes inside top-level ERROR nodes above which it is "not C". */
const NOT_C_ERROR_SHARE = 0.5;

export function parseForReview(
  path: string,
  text: string,
  knownLines: ReadonlyArray<readonly [number, number]> | undefined,
): ParseOutcome {
  if (text.includes('\u0000')) return { ok: false, reason: 'not C: the file holds NUL bytes' };
  const file = parseFile(path, text, knownLines ? { knownLines } : {});
  if (file.errorCount > 0 && !knownLines) {
    const share = topLevelErrorShare(file.tree.rootNode, text);
    if (share > NOT_C_ERROR_SHARE) {
      return { ok: false, reason: `not C: ${Math.round(share * 100)}% of the file does not parse as C` };
    }
  }
  return { ok: true, file };
}

function topLevelErrorShare(root: SyntaxNode, text: string): number {
  const meaningful = text.replace(/\s+/g, '').length;
  if (meaningful === 0) return 0;
  let inError = 0;
  for (const child of root.children) {
    if (child.type === 'ERROR') inError += text.slice(child.startIndex, child.endIndex).replace(/\s+/g, '').length;
  }
  return inError / meaningful;
}
