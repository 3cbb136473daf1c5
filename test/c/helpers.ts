// Shared helpers for the c/ tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parseFile } from '../../c/index.js';
import type { FunctionInfo, ParsedFile, SyntaxNode } from '../../c/index.js';

export const FIXTURES = join(import.meta.dirname, '../../fixtures/c');

export function fixture(name: string): ParsedFile {
  return parseFile(name, readFileSync(join(FIXTURES, name), 'utf8'));
}

/** Offsets of every line break. */
export function lineBreaks(text: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.push(i);
  return out;
}

/** Parse `src` and assert: no ERROR/MISSING, and the parsed text keeps every offset and line break. */
export function parseClean(src: string, path = 'test.c'): ParsedFile {
  const file = parseFile(path, src);
  expect(file.parsedText?.length).toBe(src.length);
  expect(lineBreaks(file.parsedText ?? '')).toEqual(lineBreaks(src));
  if (file.errorCount !== 0) {
    throw new Error(`parse errors in:\n${src}\n--- parsed as ---\n${file.parsedText}\n${file.tree.rootNode.toString()}`);
  }
  return file;
}

export function fn(file: ParsedFile, name: string): FunctionInfo {
  const f = file.functions.find((x) => x.name === name);
  if (!f) throw new Error(`no function ${name} in ${file.path}: ${file.functions.map((x) => x.name).join(', ')}`);
  return f;
}

/** The first node of `type` under `root` whose text (original) satisfies `match`. */
export function find(root: SyntaxNode, type: string, match: string | RegExp = /.*/): SyntaxNode {
  const hit = root.descendantsOfType(type).find((n) => (typeof match === 'string' ? n.text === match : match.test(n.text)));
  if (!hit) throw new Error(`no ${type} matching ${String(match)} in:\n${root.text}`);
  return hit;
}

/** The first call of `callee` in `root`. */
export function call(root: SyntaxNode, callee: string, nth = 0): SyntaxNode {
  const calls = root.descendantsOfType('call_expression').filter((c) => c.childForFieldName('function')?.text === callee);
  const hit = calls[nth];
  if (!hit) throw new Error(`no call #${nth} of ${callee} in:\n${root.text}`);
  return hit;
}
