// The engine's one door into c/: parse a post-image, or say why it cannot be analysed.
import { parseFile } from '../c/parse-file.js';
import type { ParsedFile, SyntaxNode } from '../c/types.js';
import type { SectionHint } from '../c/rebuild.js';

export type ParseOutcome = { ok: true; file: ParsedFile } | { ok: false; reason: string };

/**
 * A file is "not C" when most of it fails to parse AND most of its lines do not look like C
 * (statements, braces, preprocessor lines, comments). Kernel files with macro-heavy tables can
 * fail to parse in bulk, but their lines still look like C; prose and data do not.
 */
const NOT_C_ERROR_SHARE = 0.5;
const MIN_C_LIKE_LINES = 0.5;

export function parseForReview(
  path: string,
  text: string,
  knownLines: ReadonlyArray<readonly [number, number]> | undefined,
  sections?: readonly SectionHint[],
): ParseOutcome {
  if (text.includes('\u0000')) return { ok: false, reason: 'not C: the file holds NUL bytes' };
  const file = parseFile(path, text, knownLines ? { knownLines, ...(sections ? { sections } : {}) } : {});
  if (file.errorCount > 0 && !knownLines) {
    const share = brokenShare(file.tree.rootNode, text);
    if (share > NOT_C_ERROR_SHARE && cLikeLineShare(text) < MIN_C_LIKE_LINES) {
      return { ok: false, reason: `not C: ${Math.round(share * 100)}% of the file does not parse as C` };
    }
  }
  return { ok: true, file };
}

/** Share of non-blank bytes in top-level constructs that hold a parse error. */
function brokenShare(root: SyntaxNode, text: string): number {
  const meaningful = text.replace(/\s+/g, '').length;
  if (meaningful === 0) return 0;
  let broken = 0;
  for (const child of root.children) {
    if (child.hasError) broken += text.slice(child.startIndex, child.endIndex).replace(/\s+/g, '').length;
  }
  return broken / meaningful;
}

const C_LIKE_LINE = /^\s*(#|\/\/|\/\*|\*|\}|\{)|[;{},()\\]\s*(\/\*.*\*\/)?\s*$|\*\/\s*$/;

function cLikeLineShare(text: string): number {
  let lines = 0;
  let cLike = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    lines++;
    if (C_LIKE_LINE.test(line)) cLike++;
  }
  return lines === 0 ? 1 : cLike / lines;
}
