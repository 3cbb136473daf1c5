// How often does tree-sitter-c fail on kernel functions, before and after the kernel-macro pre-pass?
//
//   npx tsx bench/c-errors.ts /work/linux [--list FILE] [--diag N] [--limit N]
//
// Counts, over the files of ../shared/kernel/dma-files.txt (those present in the tree):
//  - function_definition nodes anywhere in the tree, and those holding ERROR/MISSING (or inside an
//    ERROR), for the plain parse and after the pre-pass: the issue's measure;
//  - an honest cross-check that does not trust the parser to find the functions: every function
//    body the lexical scan finds (`{` after `)` at file level) counts, and it is clean only when a
//    well-formed function_definition (a function declarator with a name) has exactly that body and
//    no error. A function swallowed by an ERROR node is a failure here, not a missing row.
// --diag N prints the N most common first-error contexts after handling (what to fix next).
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { functionDeclaratorOf } from '../c/function-index.js';
import { kernelMacroPrepass } from '../c/macro-prepass.js';
import { parseC } from '../c/parser.js';
import { indexFunctions } from '../c/function-index.js';
import type { SyntaxNode, Tree } from '../c/types.js';

interface Counts {
  definitions: number;
  definitionsWithError: number;
  lexicalClean: number;
  parseMs: number;
}

/** Bodies (offsets) of the lexical functions that a tree parses cleanly. */
type CleanSet = Set<number>;

function args(): { root: string; list: string; diag: number; limit: number } {
  const argv = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const root = argv.find((a, i) => !a.startsWith('--') && (i === 0 || !argv[i - 1].startsWith('--'))) ?? '/work/linux';
  return {
    root,
    list: opt('--list') ?? join(import.meta.dirname, '../../shared/kernel/dma-files.txt'),
    diag: Number(opt('--diag') ?? 0),
    limit: Number(opt('--limit') ?? Infinity),
  };
}

/** Every function_definition in the tree, with whether it or an ancestor is broken. */
function definitions(root: SyntaxNode): Array<{ node: SyntaxNode; broken: boolean }> {
  const out: Array<{ node: SyntaxNode; broken: boolean }> = [];
  const cursor = root.walk();
  const errorDepth: number[] = [];
  let depth = 0;
  for (;;) {
    const type = cursor.nodeType;
    if (type === 'function_definition') {
      const node = cursor.currentNode;
      out.push({ node, broken: node.hasError || errorDepth.length > 0 });
    } else if (errorDepth.length > 0 || cursor.currentNode.hasError || type === 'translation_unit' || type.startsWith('preproc') || type === 'ERROR') {
      if (type === 'ERROR') errorDepth.push(depth);
      if (cursor.gotoFirstChild()) {
        depth++;
        continue;
      }
      if (type === 'ERROR') errorDepth.pop();
    }
    for (;;) {
      if (cursor.gotoNextSibling()) break;
      if (!cursor.gotoParent()) return out;
      depth--;
      if (errorDepth.length > 0 && errorDepth[errorDepth.length - 1] === depth) errorDepth.pop();
    }
  }
}

function measure(tree: Tree, bodies: readonly number[], counts: Counts, clean: CleanSet): Array<{ node: SyntaxNode; broken: boolean }> {
  const defs = definitions(tree.rootNode);
  counts.definitions += defs.length;
  const cleanBodies = new Set<number>();
  for (const d of defs) {
    if (d.broken) counts.definitionsWithError++;
    else if (functionDeclaratorOf(d.node)) {
      const body = d.node.childForFieldName('body');
      if (body) cleanBodies.add(body.startIndex);
    }
  }
  for (const b of bodies) {
    if (cleanBodies.has(b)) {
      counts.lexicalClean++;
      clean.add(b);
    }
  }
  return defs;
}

function firstError(node: SyntaxNode): SyntaxNode | undefined {
  if (node.type === 'ERROR' || node.isMissing) return node;
  for (const c of node.children) {
    if (c.hasError || c.isMissing || c.type === 'ERROR') {
      const r = firstError(c);
      if (r) return r;
    }
  }
  return undefined;
}

function main(): void {
  const { root, list, diag, limit } = args();
  if (!existsSync(root)) {
    console.error(`c-errors: no kernel tree at ${root}`);
    process.exit(2);
  }
  const names = readFileSync(list, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const present = names.filter((n) => existsSync(join(root, n))).slice(0, limit);
  const before: Counts = { definitions: 0, definitionsWithError: 0, lexicalClean: 0, parseMs: 0 };
  const after: Counts = { definitions: 0, definitionsWithError: 0, lexicalClean: 0, parseMs: 0 };
  let bytes = 0;
  let lexical = 0;
  let prepassMs = 0;
  let indexMs = 0;
  let hiddenBranchFunctions = 0;
  let regressions = 0;
  const regressionExamples: string[] = [];
  const contexts = new Map<string, { n: number; example: string }>();

  for (const name of present) {
    const text = readFileSync(join(root, name), 'utf8');
    bytes += text.length;

    let t0 = performance.now();
    const plain = parseC(text);
    before.parseMs += performance.now() - t0;

    t0 = performance.now();
    const pre = kernelMacroPrepass(text);
    prepassMs += performance.now() - t0;
    t0 = performance.now();
    const tree = parseC(pre.text, text);
    after.parseMs += performance.now() - t0;
    t0 = performance.now();
    const fns = indexFunctions(tree.rootNode, { parsedText: pre.text, rewrites: pre.rewrites });
    indexMs += performance.now() - t0;
    hiddenBranchFunctions += fns.filter((f) => f.hiddenBranches).length;

    lexical += pre.functionBodies.length;
    const cleanBefore: CleanSet = new Set();
    const cleanAfter: CleanSet = new Set();
    measure(plain, pre.functionBodies, before, cleanBefore);
    const defs = measure(tree, pre.functionBodies, after, cleanAfter);
    for (const b of cleanBefore) {
      if (!cleanAfter.has(b)) {
        regressions++;
        if (regressionExamples.length < 10) regressionExamples.push(`${name}:${text.slice(0, b).split('\n').length}`);
      }
    }

    if (diag > 0) {
      const lines = text.split('\n');
      for (const d of defs) {
        if (!d.broken) continue;
        const e = firstError(d.node) ?? d.node;
        const line = (lines[e.startPosition.row] ?? '').trim();
        const words = line.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? ['?'];
        const word = words.find((w) => /^[A-Z_][A-Z0-9_]+$/.test(w) || /for_each|^__/.test(w)) ?? words[0];
        const key = `${e.isMissing ? `MISSING ${e.type}` : 'ERROR'} ${word}`;
        const entry = contexts.get(key) ?? { n: 0, example: `${name}:${e.startPosition.row + 1}: ${line.slice(0, 110)}` };
        entry.n++;
        contexts.set(key, entry);
      }
    }
  }

  const pct = (a: number, b: number): string => `${((100 * a) / Math.max(b, 1)).toFixed(2)}%`;
  const mb = bytes / 1e6;
  console.log(`files:                ${present.length} of ${names.length} listed (${names.length - present.length} absent from this tree), ${mb.toFixed(1)} MB`);
  console.log(`lexical functions:    ${lexical} (function bodies found by the pre-pass scan)`);
  console.log('');
  console.log('                      plain tree-sitter-c     after kernel-macro pre-pass');
  console.log(`function_definitions  ${String(before.definitions).padEnd(24)}${after.definitions}`);
  console.log(`  with ERROR/MISSING  ${`${before.definitionsWithError} (${pct(before.definitionsWithError, before.definitions)})`.padEnd(24)}${after.definitionsWithError} (${pct(after.definitionsWithError, after.definitions)})`);
  const badBefore = lexical - before.lexicalClean;
  const badAfter = lexical - after.lexicalClean;
  console.log(`lexical functions not parsed cleanly`);
  console.log(`                      ${`${badBefore} (${pct(badBefore, lexical)})`.padEnd(24)}${badAfter} (${pct(badAfter, lexical)})`);
  console.log(`clean before but not after (pre-pass regressions): ${regressions} ${regressionExamples.join(' ')}`);
  console.log(`functions analysed with an #else branch hidden: ${hiddenBranchFunctions}`);
  console.log('');
  console.log(`throughput: parse ${(mb / (before.parseMs / 1000)).toFixed(2)} MB/s plain, ` +
    `pre-pass ${(mb / (prepassMs / 1000)).toFixed(1)} MB/s, ` +
    `pre-pass+parse+index ${(mb / ((prepassMs + after.parseMs + indexMs) / 1000)).toFixed(2)} MB/s ` +
    `(${((prepassMs + after.parseMs + indexMs) / before.parseMs).toFixed(2)}x plain parse)`);
  if (diag > 0) {
    console.log('');
    console.log(`most common first errors in functions after handling:`);
    for (const [key, { n, example }] of [...contexts].sort((a, b) => b[1].n - a[1].n).slice(0, diag)) {
      console.log(`${String(n).padStart(5)}  ${key.padEnd(40)} ${example}`);
    }
  }
}

main();
