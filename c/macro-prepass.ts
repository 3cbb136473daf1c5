// The kernel-macro pre-pass: rewrites the constructs that derail tree-sitter-c into same-length
// text, so every byte offset, line and column of the original survives. Each rewrite is recorded
// (kind, range, macro name) so later stages can read the construct for what it is, e.g. a
// `while` that was `list_for_each_entry` has an opaque condition, never a guard.
//
// What it does (the lists live in kernel-macros.ts):
//  - preprocessor: `#if 0` branches are blanked; a conditional whose branches are not whole
//    statements/items (it splits an `if`, a brace, an argument list, an initializer) keeps its
//    first branch and blanks its directives and other branches ('preproc-branch', reported per
//    function so nobody mistakes it for checked code);
//  - annotations (`__iomem`, `__init`, `__aligned(8)`, `__acquires(x)`, `__attribute__((...))`)
//    become spaces;
//  - a call-like macro in statement position that is followed by a block or a statement
//    (`list_for_each_entry(pos, head, member) {`) has its name rewritten to `while` + spaces: a
//    loop with an opaque condition; `scoped_guard(...)` heads are blanked (the body runs once);
//  - type arguments of macro calls (`container_of(p, struct foo, m)`, `max_t(unsigned int, a, b)`)
//    become one identifier (`struct_foo`); node.text still shows the original text;
//  - two identifiers glued to a string literal (`KERN_ERR PFX "x"`) and `__stringify(x)` become
//    string literals; token-pasting numbers (`5717_PLUS`) become identifiers;
//  - GNU case ranges `case 1 ... 6:` write `...` as `|| ` (recorded: the CFG reads a range);
//  - a file-local `#define STATIC static` is expanded in place when the expansion fits.
// The scan is linear in the number of tokens; every look-ahead is bounded.

import { TokenKind, directiveName, lex, type TokenStream } from './lexer.js';
import {
  ATTRIBUTE_CALLS,
  ATTRIBUTE_WORDS,
  C_KEYWORDS,
  DECLARATION_SPECIFIER_WORDS,
  LOOP_MACRO_NAME_PARTS,
  NATIVE_TYPE_OPERATORS,
  RUN_ONCE_BLOCK_MACROS,
  STATEMENT_KEYWORDS,
  TYPE_KEYWORDS,
} from './kernel-macros.js';

export type RewriteKind =
  | 'attribute'
  | 'loop-macro'
  | 'block-macro'
  | 'type-argument'
  | 'string-macro'
  | 'stringify'
  | 'pp-number'
  | 'case-range'
  | 'offsetof-call'
  | 'local-macro'
  | 'dead-branch'
  | 'preproc-branch'
  | 'preproc-directive'
  | 'typeof-expression'
  | 'file-scope-macro'
  | 'member-macro'
  | 'specifier-macro'
  | 'function-macro';

export interface MacroRewrite {
  kind: RewriteKind;
  /** Offsets of the rewritten original text (end exclusive). */
  start: number;
  end: number;
  /** The macro (or directive) that was rewritten. */
  name: string;
}

export interface PrepassResult {
  /** The text tree-sitter parses: same length as the input, newlines at the same offsets. */
  text: string;
  rewrites: MacroRewrite[];
  /** Offsets of the `{` of every function body found by the scan (a lexical count of functions). */
  functionBodies: number[];
}

const LOOKAHEAD_BUDGET = 4096;

const TYPEOF_WORDS = new Set(['typeof', '__typeof__', '__typeof', 'typeof_unqual', '__typeof_unqual__']);
const ALIGNOF_WORDS = new Set(['__alignof__', '__alignof', '_Alignof', 'alignof']);
const STORAGE_WORDS = new Set(['static', 'extern', 'inline', '__inline__', '__inline']);
/** `struct foo`, `const unsigned long *`, `u32`: a type name as written in a typeof/alignof operand. */
const PLAIN_TYPE_NAME = /^\s*(?:(?:const|volatile|struct|union|enum|unsigned|signed)\s+)*[A-Za-z_]\w*(?:\s+(?:int|long|char|short))*(?:\s*\*)*\s*$/;
/** Upper-case macro names (`DEFINE_PER_CPU`, `VISIBLE_IF_KUNIT`), at least two characters. */
const UPPER_MACRO = /^[A-Z_][A-Z0-9_]*[A-Z][A-Z0-9_]*$/;

const FLAG_ATTRIBUTE = 1;
const FLAG_SPECIAL = 2;
const FLAG_LOCAL = 4;

const CONDITIONAL_DIRECTIVES = new Set(['if', 'ifdef', 'ifndef', 'elif', 'elifdef', 'elifndef', 'else', 'endif']);

const VALID_INTEGER = /^(?:0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)(?:[uU](?:ll|LL|l|L)?|(?:ll|LL|l|L)[uU]?)?$/;
const VALID_FLOAT = /^(?:(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+)[fFlL]?$/;
const VALID_HEX_FLOAT = /^0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*[pP][+-]?[0-9]+[fFlL]?$/;

interface Edit {
  start: number;
  end: number;
  /** Replacement of the same length, or null to blank (spaces, newlines kept). */
  text: string | null;
}

type BraceKind = 'fn-body' | 'block' | 'init' | 'aggregate';
type ParenKind = 'call' | 'control' | 'native' | 'group';

interface Frame {
  open: number; // char code of the opener
  brace?: BraceKind;
  paren?: ParenKind;
  /** For a call paren: index of the name token. */
  nameTok?: number;
  /** For a call paren: its name is in statement position inside a function body. */
  statementHead?: boolean;
  /** For a call paren: arguments starting with a type keyword are rewritten. */
  typeArgs?: boolean;
}

class Prepass {
  private readonly toks: TokenStream;
  private readonly hidden: Uint8Array;
  private readonly edits: Edit[] = [];
  readonly rewrites: MacroRewrite[] = [];
  /** For every visible bracket token, the index of its partner (or -1). */
  private match: Int32Array = new Int32Array(0);
  private vis: Int32Array = new Int32Array(0);
  private visCount = 0;
  private readonly localMacros = new Map<string, string>();
  /** Per interned identifier: which of the pre-pass's word lists it is on (0: none, the fast path). */
  private nameFlags = new Uint8Array(0);
  private readonly stringified = new Set<number>();
  private readonly functionBodies: number[] = [];
  /** Visible indices of alignof-style names rewritten to be read as calls. */
  private readonly renamedCalls = new Set<number>();

  constructor(private readonly text: string) {
    this.toks = lex(text);
    this.hidden = new Uint8Array(this.toks.count);
  }

  run(): PrepassResult {
    this.preprocessorConditionals();
    this.strayDirectives();
    this.collectLocalMacros();
    this.computeNameFlags();
    this.buildVisible();
    this.scan();
    return {
      text: this.apply(),
      rewrites: this.rewrites.sort((a, b) => a.start - b.start),
      functionBodies: this.functionBodies,
    };
  }

  // ---- helpers ---------------------------------------------------------------------------

  /** The token's text (identifiers come interned from the lexer, not sliced again). */
  private tokText(i: number): string {
    const id = this.toks.name[i];
    return id >= 0 ? this.toks.names[id] : this.text.slice(this.toks.start[i], this.toks.end[i]);
  }

  private isPunct(i: number, ch: string): boolean {
    return i >= 0 && this.toks.kind[i] === TokenKind.Punct && this.toks.end[i] - this.toks.start[i] === 1 && this.text.charCodeAt(this.toks.start[i]) === ch.charCodeAt(0);
  }

  private blankRange(start: number, end: number, kind: RewriteKind, name: string, record = true): void {
    if (end <= start) return;
    this.edits.push({ start, end, text: null });
    if (record) this.rewrites.push({ kind, start, end, name });
  }

  private replace(start: number, text: string, kind: RewriteKind, name: string): void {
    this.edits.push({ start, end: start + text.length, text });
    this.rewrites.push({ kind, start, end: start + text.length, name });
  }

  /** Hide tokens [from, to) and blank their characters. */
  private hideTokens(from: number, to: number): void {
    for (let i = from; i < to; i++) this.hidden[i] = 1;
  }

  // ---- preprocessor conditionals ---------------------------------------------------------

  private preprocessorConditionals(): void {
    const { kind, start, end, count } = this.toks;
    interface Group {
      dirs: number[]; // token indices of #if/#elif/#else
      endif: number;
    }
    const stack: Group[] = [];
    const done: Group[] = [];
    for (let i = 0; i < count; i++) {
      if (kind[i] !== TokenKind.Directive) continue;
      const name = directiveName(this.text, start[i], end[i]);
      if (name === 'if' || name === 'ifdef' || name === 'ifndef') {
        stack.push({ dirs: [i], endif: -1 });
      } else if (name === 'elif' || name === 'else' || name === 'elifdef' || name === 'elifndef') {
        stack[stack.length - 1]?.dirs.push(i);
      } else if (name === 'endif') {
        const g = stack.pop();
        if (g) {
          g.endif = i;
          done.push(g); // inner groups close first: post-order
        }
      }
    }
    if (done.length === 0) return;
    // `#if 0` / `#if 1` first, outermost first, so nothing inside a dead branch is looked at
    for (const g of [...done].sort((a, b) => a.dirs[0] - b.dirs[0])) {
      if (this.hidden[g.dirs[0]]) continue;
      const constant = this.constantCondition(g.dirs[0]);
      if (constant !== undefined) this.resolveConstantGroup(g.dirs, g.endif, constant);
    }
    const depthAt = this.bracketDepthAtDirectives(done);
    const groupRecords: MacroRewrite[] = [];
    const blankedBranches: Array<[number, number]> = [];
    for (const g of done) {
      if (this.hidden[g.dirs[0]]) continue; // resolved, or inside a branch already blanked
      const bounds = [...g.dirs, g.endif];
      let whole = (depthAt.get(g.dirs[0]) ?? 0) === 0 && this.precededByItemBoundary(g.dirs[0]);
      for (let b = 0; whole && b < bounds.length - 1; b++) whole = this.branchIsWhole(bounds[b], bounds[b + 1]);
      if (whole) continue;
      // keep the first branch; blank the directives and the other branches
      for (const d of bounds) this.blankDirective(d);
      for (let b = 1; b < bounds.length - 1; b++) {
        this.blankBranch(bounds[b], bounds[b + 1], 'preproc-branch', false);
        blankedBranches.push([start[bounds[b]], start[bounds[b + 1]]]);
      }
      // the record covers what was hidden: from the first dropped arm's directive to #endif
      const hiddenFrom = bounds.length > 2 ? bounds[1] : g.dirs[0];
      groupRecords.push({
        kind: bounds.length > 2 ? 'preproc-branch' : 'preproc-directive',
        start: start[hiddenFrom],
        end: end[g.endif],
        name: this.text.slice(start[g.dirs[0]], end[g.dirs[0]]).trim(),
      });
    }
    // an inner group flattened before its outer group blanked it is no longer there
    for (const r of groupRecords) {
      if (!blankedBranches.some(([s, e]) => r.start >= s && r.end <= e)) this.rewrites.push(r);
    }
  }

  private blankDirective(d: number): void {
    this.hidden[d] = 1;
    this.blankRange(this.toks.start[d], this.toks.end[d], 'preproc-directive', '', false);
  }

  /**
   * `#if 0` / `#if 1`: the dead branches go; so do the directives, unless a later `#elif` still
   * needs them (`#if 0 ... #elif X ... #endif` keeps `#elif X` as a conditional).
   */
  private resolveConstantGroup(dirs: number[], endif: number, constant: boolean): void {
    const bounds = [...dirs, endif];
    const name = this.text.slice(this.toks.start[dirs[0]], this.toks.end[dirs[0]]).trim();
    if (constant) {
      for (let b = 1; b < bounds.length - 1; b++) this.blankBranch(bounds[b], bounds[b + 1], 'dead-branch', false);
      for (const d of bounds) this.blankDirective(d);
    } else {
      this.blankBranch(bounds[0], bounds[1], 'dead-branch', false);
      const secondIsElif = dirs.length > 1 && directiveName(this.text, this.toks.start[dirs[1]], this.toks.end[dirs[1]]).startsWith('elif');
      if (secondIsElif) this.blankDirective(dirs[0]);
      else for (const d of bounds) this.blankDirective(d);
    }
    this.rewrites.push({ kind: 'dead-branch', start: this.toks.start[dirs[0]], end: this.toks.end[endif], name });
  }

  /**
   * A `#define`, `#undef`, `#include`, `#pragma`... where a statement or item must continue
   * (`if (x)\n#define N 2\n\tfoo(N);`) splits the construct for tree-sitter: blanked.
   */
  private strayDirectives(): void {
    const { kind, start, end, count } = this.toks;
    for (let i = 0; i < count; i++) {
      if (kind[i] !== TokenKind.Directive || this.hidden[i]) continue;
      const name = directiveName(this.text, start[i], end[i]);
      if (CONDITIONAL_DIRECTIVES.has(name)) continue;
      if (this.precededByItemBoundary(i)) continue;
      this.blankDirective(i);
      this.rewrites.push({ kind: 'preproc-directive', start: start[i], end: end[i], name: `#${name}` });
    }
  }

  /** Blank everything strictly between two directive tokens. */
  private blankBranch(fromDir: number, toDir: number, kind: RewriteKind, record = true): void {
    const s = this.toks.end[fromDir];
    const e = this.toks.start[toDir];
    this.hideTokens(fromDir + 1, toDir);
    this.blankRange(s, e, kind, this.text.slice(this.toks.start[fromDir], this.toks.end[fromDir]).trim(), record);
  }

  /** `#if 0` → false, `#if 1` → true, otherwise undefined. */
  private constantCondition(dir: number): boolean | undefined {
    const raw = this.text.slice(this.toks.start[dir], this.toks.end[dir]);
    const m = /^#\s*if\s+(.*)$/s.exec(raw);
    if (!m) return undefined;
    const cond = m[1].replace(/\/\*.*?\*\//gs, ' ').replace(/\/\/.*$/, '').trim();
    if (/^\(?\s*0\s*\)?$/.test(cond)) return false;
    if (/^\(?\s*1\s*\)?$/.test(cond)) return true;
    return undefined;
  }

  /**
   * Bracket depth (parens and square brackets) at each conditional's #if, counting only the
   * branches that survive (the first live branch of every group), so a flattened group does not
   * shift the depth of everything after it.
   */
  private bracketDepthAtDirectives(groups: Array<{ dirs: number[]; endif: number }>): Map<number, number> {
    const { kind, count } = this.toks;
    const role = new Map<number, 'if' | 'branch' | 'endif'>();
    for (const g of groups) {
      role.set(g.dirs[0], 'if');
      for (let b = 1; b < g.dirs.length; b++) role.set(g.dirs[b], 'branch');
      role.set(g.endif, 'endif');
    }
    const result = new Map<number, number>();
    // per open group: are we in its counted branch?
    const counting: boolean[] = [];
    const countedSeen: boolean[] = [];
    let skipDepth = 0; // number of enclosing groups whose current branch is not counted
    let depth = 0;
    for (let i = 0; i < count; i++) {
      if (kind[i] === TokenKind.Directive) {
        const r = role.get(i);
        if (r === 'if') {
          result.set(i, depth);
          const dead = this.constantCondition(i) === false;
          counting.push(!dead);
          countedSeen.push(!dead);
          if (dead) skipDepth++;
        } else if (r === 'branch') {
          const top = counting.length - 1;
          if (top < 0) continue;
          if (counting[top]) {
            counting[top] = false;
            skipDepth++;
          } else if (!countedSeen[top]) {
            counting[top] = true;
            countedSeen[top] = true;
            skipDepth--;
          }
        } else if (r === 'endif') {
          const c = counting.pop();
          countedSeen.pop();
          if (c === false) skipDepth--;
        }
        continue;
      }
      if (skipDepth > 0 || kind[i] !== TokenKind.Punct) continue;
      const ch = this.text.charCodeAt(this.toks.start[i]);
      if (ch === 40 || ch === 91) depth++;
      else if ((ch === 41 || ch === 93) && depth > 0) depth--;
    }
    return result;
  }

  /** The visible token before directive `dir` ends an item or statement (or there is none); a label's `:` does not. */
  private precededByItemBoundary(dir: number): boolean {
    const { kind } = this.toks;
    for (let i = dir - 1, budget = LOOKAHEAD_BUDGET; i >= 0 && budget > 0; i--, budget--) {
      if (kind[i] === TokenKind.Directive || this.hidden[i]) continue;
      if (kind[i] !== TokenKind.Punct) return false;
      return this.isPunct(i, ';') || this.isPunct(i, '{') || this.isPunct(i, '}');
    }
    return true;
  }

  /** A branch holds whole statements/items: balanced brackets, not starting with `else`, ending in `;` or `}`. */
  private branchIsWhole(fromDir: number, toDir: number): boolean {
    const { kind } = this.toks;
    let depth = 0;
    let first = -1;
    let last = -1;
    for (let i = fromDir + 1; i < toDir; i++) {
      if (kind[i] === TokenKind.Directive || this.hidden[i]) continue;
      if (first < 0) first = i;
      last = i;
      if (kind[i] !== TokenKind.Punct) continue;
      const ch = this.text.charCodeAt(this.toks.start[i]);
      if (ch === 40 || ch === 91 || ch === 123) depth++;
      else if (ch === 41 || ch === 93 || ch === 125) {
        depth--;
        if (depth < 0) return false;
      }
    }
    if (first < 0) return true;
    if (depth !== 0) return false;
    if (kind[first] === TokenKind.Identifier && this.tokText(first) === 'else') return false;
    return this.isPunct(last, ';') || this.isPunct(last, '}');
  }

  // ---- file-local object-like macros -----------------------------------------------------

  private collectLocalMacros(): void {
    const { kind, start, end, count } = this.toks;
    for (let i = 0; i < count; i++) {
      if (kind[i] !== TokenKind.Directive || this.hidden[i]) continue;
      const raw = this.text.slice(start[i], end[i]);
      const m = /^#\s*define\s+([A-Za-z_]\w*)([ \t]+(.*))?$/s.exec(raw);
      if (!m) continue;
      const name = m[1];
      if (this.localMacros.has(name) || C_KEYWORDS.has(name) || ATTRIBUTE_WORDS.has(name)) continue;
      const body = (m[3] ?? '').replace(/\/\*.*?\*\//gs, ' ').replace(/\/\/.*$/, '').replace(/\\\r?\n/g, ' ').trim();
      const words = body === '' ? [] : body.split(/\s+/);
      if (!words.every((w) => DECLARATION_SPECIFIER_WORDS.has(w) || ATTRIBUTE_WORDS.has(w))) continue;
      const expansion = words.filter((w) => DECLARATION_SPECIFIER_WORDS.has(w)).join(' ');
      if (expansion.length <= name.length) this.localMacros.set(name, expansion);
    }
  }

  // ---- main scan --------------------------------------------------------------------------

  private computeNameFlags(): void {
    const names = this.toks.names;
    const flags = new Uint8Array(names.length);
    for (let id = 0; id < names.length; id++) {
      const w = names[id];
      let f = 0;
      if (ATTRIBUTE_WORDS.has(w) || ATTRIBUTE_CALLS.has(w)) f |= FLAG_ATTRIBUTE;
      if (w === '__stringify' || TYPEOF_WORDS.has(w) || ALIGNOF_WORDS.has(w) || w === 'case' || w === 'static' || w === 'extern') f |= FLAG_SPECIAL;
      if (this.localMacros.has(w)) f |= FLAG_LOCAL;
      flags[id] = f;
    }
    this.nameFlags = flags;
  }

  private buildVisible(): void {
    const { kind, count } = this.toks;
    const vis = new Int32Array(count);
    let n = 0;
    for (let i = 0; i < count; i++) {
      if (kind[i] === TokenKind.Directive || this.hidden[i]) continue;
      vis[n++] = i;
    }
    this.vis = vis;
    this.visCount = n;
    this.computeMatches();
  }

  private computeMatches(): void {
    const match = new Int32Array(this.visCount).fill(-1);
    const stack: number[] = [];
    for (let v = 0; v < this.visCount; v++) {
      const i = this.vis[v];
      if (this.toks.kind[i] !== TokenKind.Punct) continue;
      const ch = this.text.charCodeAt(this.toks.start[i]);
      if (ch === 40 || ch === 91 || ch === 123) stack.push(v);
      else if (ch === 41 || ch === 93 || ch === 125) {
        const want = ch === 41 ? 40 : ch === 93 ? 91 : 123;
        // tolerate stray closers: pop to the matching opener if it is near
        let k = stack.length - 1;
        while (k >= 0 && stack.length - k <= 4 && this.text.charCodeAt(this.toks.start[this.vis[stack[k]]]) !== want) k--;
        if (k >= 0 && this.text.charCodeAt(this.toks.start[this.vis[stack[k]]]) === want) {
          const o = stack[k];
          stack.length = k;
          match[o] = v;
          match[v] = o;
        }
      }
    }
    this.match = match;
  }

  /** Visible index → token index, or -1 past either end. */
  private tokAt(v: number): number {
    return v >= 0 && v < this.visCount ? this.vis[v] : -1;
  }

  private visIsPunct(v: number, ch: string): boolean {
    const i = this.tokAt(v);
    return i >= 0 && this.isPunct(i, ch);
  }

  private visIdent(v: number): string | undefined {
    const i = this.tokAt(v);
    return i >= 0 && this.toks.kind[i] === TokenKind.Identifier ? this.tokText(i) : undefined;
  }

  private scan(): void {
    const stack: Frame[] = [];
    let fnDepth = 0; // number of fn-body frames on the stack (0 or 1)
    let prev = -1; // visible index of the previous kept token
    let prev2 = -1; // and the one before it
    let lastClosedParen: ParenKind | undefined;
    let caseOpen = false;
    const skip = new Uint8Array(this.visCount); // visible tokens consumed by a rewrite

    // innermost brace frame, kept current on every push and pop of a brace
    const braces: Frame[] = [];

    for (let v = 0; v < this.visCount; v++) {
      if (skip[v]) continue;
      const i = this.vis[v];
      const k = this.toks.kind[i];

      if (k === TokenKind.Identifier) {
        const flags = this.nameFlags[this.toks.name[i]];
        const topBrace = braces[braces.length - 1];
        if (flags === 0 && (stack.length > 0 || fnDepth > 0) && topBrace?.brace !== 'aggregate') {
          // the common case: an ordinary name inside a body or an initializer
          if (fnDepth > 0 || topBrace?.brace === 'init') this.stringMacroRun(v, skip);
          prev2 = prev;
          prev = v;
          continue;
        }
        const word = this.tokText(i);
        if (ATTRIBUTE_WORDS.has(word)) {
          this.blankRange(this.toks.start[i], this.toks.end[i], 'attribute', word);
          continue;
        }
        if (ATTRIBUTE_CALLS.has(word) && this.visIsPunct(v + 1, '(') && this.match[v + 1] > v) {
          const close = this.match[v + 1];
          this.blankRange(this.toks.start[i], this.toks.end[this.vis[close]], 'attribute', word);
          for (let s = v; s <= close; s++) skip[s] = 1;
          continue;
        }
        if (word === '__stringify' && this.visIsPunct(v + 1, '(') && this.match[v + 1] > v) {
          const close = this.match[v + 1];
          const s = this.toks.start[i];
          const e = this.toks.end[this.vis[close]];
          if (e - s >= 2 && this.text.indexOf('\n', s) >= e) {
            this.replace(s, '"' + ' '.repeat(e - s - 2) + '"', 'stringify', word);
            for (let t = v; t <= close; t++) skip[t] = 1;
            prev2 = prev;
            prev = close;
            continue;
          }
        }
        if (TYPEOF_WORDS.has(word) || ALIGNOF_WORDS.has(word)) {
          const close = this.expressionOperand(v);
          if (close > 0) {
            const s = this.toks.start[i];
            if (TYPEOF_WORDS.has(word)) {
              // typeof(*p), typeof(&x->y): an opaque type name, one identifier
              const e = this.toks.end[this.vis[close]];
              this.replace(s, this.text.slice(s, e).replace(/[^A-Za-z0-9_]/g, '_'), 'typeof-expression', word);
              for (let t = v; t <= close; t++) skip[t] = 1;
              prev2 = prev;
              prev = close;
              lastClosedParen = 'group';
              continue;
            }
            // __alignof__(*queue): read as a call of that name
            this.replace(s, 'X', 'typeof-expression', word);
            this.renamedCalls.add(v);
          }
        }
        if (braces[braces.length - 1]?.brace === 'aggregate' && stack[stack.length - 1] === braces[braces.length - 1] && this.memberMacro(v, word, prev, skip)) {
          continue;
        }
        if ((stack.length === 0 && fnDepth === 0) || word === 'static' || word === 'extern') {
          const handled = this.declarationMacro(v, word, stack.length === 0, prev, prev2, skip);
          if (handled) continue;
        }
        const local = this.localMacros.get(word);
        if (local !== undefined) {
          if (local === '') {
            this.blankRange(this.toks.start[i], this.toks.end[i], 'local-macro', word);
            continue;
          }
          this.replace(this.toks.start[i], local.padEnd(word.length, ' '), 'local-macro', word);
        }
        if (word === 'case' && fnDepth > 0) caseOpen = true;
        if (fnDepth > 0 || braces[braces.length - 1]?.brace === 'init') this.stringMacroRun(v, skip);
        prev2 = prev;
        prev = v;
        continue;
      }

      if (k === TokenKind.Number) {
        if (this.pastedNumber(i)) {
          const t = this.tokText(i);
          this.replace(this.toks.start[i], '_' + t.slice(1), 'pp-number', t);
        }
        prev2 = prev;
        prev = v;
        continue;
      }

      if (k === TokenKind.String) {
        if (fnDepth > 0 || braces[braces.length - 1]?.brace === 'init') this.stringMacroRunBefore(v, skip);
        prev2 = prev;
        prev = v;
        continue;
      }

      if (k !== TokenKind.Punct) {
        prev2 = prev;
        prev = v;
        continue;
      }

      const ch = this.text.charCodeAt(this.toks.start[i]);
      const len = this.toks.end[i] - this.toks.start[i];
      if (len === 3) {
        // `...`
        if (caseOpen) this.replace(this.toks.start[i], '|| ', 'case-range', '...');
        prev2 = prev;
        prev = v;
        continue;
      }
      if (ch === 58 /* : */) {
        caseOpen = false;
      } else if (ch === 123 /* { */) {
        const kind = this.braceKind(prev, fnDepth > 0, braces[braces.length - 1], lastClosedParen);
        if (kind === 'fn-body') {
          fnDepth++;
          this.functionBodies.push(this.toks.start[i]);
        }
        const frame: Frame = { open: ch, brace: kind };
        stack.push(frame);
        braces.push(frame);
      } else if (ch === 125 /* } */) {
        this.popTo(stack, braces, 123);
        fnDepth = braces[0]?.brace === 'fn-body' ? 1 : 0;
      } else if (ch === 40 /* ( */) {
        stack.push(this.parenFrame(v, prev, fnDepth > 0, stack, lastClosedParen));
        const top = stack[stack.length - 1];
        if (top.typeArgs) this.typeArgument(v + 1);
      } else if (ch === 41 /* ) */) {
        const top = this.popTo(stack, braces, 40);
        fnDepth = braces[0]?.brace === 'fn-body' ? 1 : 0;
        lastClosedParen = top?.paren;
        if (top?.paren === 'call' && top.statementHead && top.nameTok !== undefined) {
          const rewritten = this.statementMacro(top.nameTok, v);
          if (rewritten === 'loop') lastClosedParen = 'control';
          else if (rewritten === 'block') {
            // the head is blank: what precedes the block is what preceded the name
            prev = top.nameTok - 1;
            while (prev >= 0 && skip[prev]) prev--;
            prev2 = -1;
            continue;
          }
        }
      } else if (ch === 91 /* [ */) {
        stack.push({ open: ch });
      } else if (ch === 93 /* ] */) {
        this.popTo(stack, braces, 91);
        fnDepth = braces[0]?.brace === 'fn-body' ? 1 : 0;
      } else if (ch === 44 /* , */) {
        const top = stack[stack.length - 1];
        if (top?.typeArgs) this.typeArgument(v + 1);
      } else if (ch === 59 /* ; */) {
        caseOpen = false;
      }
      prev2 = prev;
      prev = v;
    }
  }

  /** A preprocessing number that is no C number (`5717_PLUS`, `190A`, `10000baseT_Full`): token pasting. */
  private pastedNumber(i: number): boolean {
    const s = this.toks.start[i];
    const e = this.toks.end[i];
    let letters = false;
    for (let j = s; j < e && !letters; j++) {
      const c = this.text.charCodeAt(j) | 32;
      letters = c === 127 || (c >= 97 && c <= 122); // `_` (95 | 32) or a letter
    }
    if (!letters) return false;
    const t = this.text.slice(s, e);
    return !VALID_INTEGER.test(t) && !VALID_FLOAT.test(t) && !VALID_HEX_FLOAT.test(t);
  }

  /** Pop to the nearest opener `open` (at most 4 frames deep: stray closers are ignored). */
  private popTo(stack: Frame[], braces: Frame[], open: number): Frame | undefined {
    for (let k = stack.length - 1; k >= 0 && stack.length - k <= 4; k--) {
      if (stack[k].open === open) {
        for (let j = stack.length - 1; j >= k; j--) if (stack[j].brace) braces.pop();
        const f = stack[k];
        stack.length = k;
        return f;
      }
    }
    return undefined;
  }

  private braceKind(prev: number, inFunction: boolean, enclosing: Frame | undefined, lastClosedParen: ParenKind | undefined): BraceKind {
    const p = this.tokAt(prev);
    const prevIs = (c: string): boolean => this.isPunct(p, c);
    const prevWord = this.visIdent(prev);
    const taggedAggregate =
      prevWord === 'struct' || prevWord === 'union' || prevWord === 'enum' ||
      (prevWord !== undefined && ['struct', 'union', 'enum'].includes(this.visIdent(prev - 1) ?? ''));
    if (!inFunction) {
      if (enclosing?.brace === 'init' || prevIs('=')) return 'init';
      if (enclosing === undefined && prevIs(')')) return 'fn-body';
      return 'aggregate';
    }
    if (taggedAggregate) return 'aggregate';
    if (enclosing?.brace === 'init' || enclosing?.brace === 'aggregate') return enclosing.brace === 'init' ? 'init' : 'aggregate';
    if (prevIs('=') || prevIs(',')) return 'init';
    if (prevIs(')')) return lastClosedParen === 'group' || lastClosedParen === 'native' ? 'init' : 'block';
    if (prevIs('[') || prevIs('?')) return 'init';
    return 'block';
  }

  private parenFrame(v: number, prev: number, inFunction: boolean, stack: Frame[], lastClosedParen: ParenKind | undefined): Frame {
    const name = this.visIdent(prev);
    const frame: Frame = { open: 40 };
    if (name === undefined) {
      frame.paren = 'group';
      return frame;
    }
    if (name === 'if' || name === 'while' || name === 'for' || name === 'switch') {
      frame.paren = 'control';
      return frame;
    }
    if (NATIVE_TYPE_OPERATORS.has(name) && !this.renamedCalls.has(prev) && !(name === 'offsetof' && this.offsetofNeedsCall(v))) {
      frame.paren = 'native';
      return frame;
    }
    if (C_KEYWORDS.has(name) && !this.renamedCalls.has(prev)) {
      frame.paren = 'group';
      return frame;
    }
    if (name === 'offsetof') {
      this.replace(this.toks.start[this.vis[prev]], 'O', 'offsetof-call', name);
    }
    frame.paren = 'call';
    frame.nameTok = prev;
    let enclosing: Frame | undefined;
    for (let s = stack.length - 1; s >= 0 && !enclosing; s--) if (stack[s].brace) enclosing = stack[s];
    const inBlock = enclosing?.brace === 'block' || enclosing?.brace === 'fn-body';
    const innermost = stack[stack.length - 1];
    if (inFunction && inBlock && innermost === enclosing) {
      const before = this.tokAt(prev - 1);
      const beforeWord = this.visIdent(prev - 1);
      frame.statementHead =
        before < 0 ||
        this.isPunct(before, ';') || this.isPunct(before, '{') || this.isPunct(before, '}') || this.isPunct(before, ':') ||
        beforeWord === 'else' || beforeWord === 'do' ||
        (this.isPunct(before, ')') && lastClosedParen === 'control');
    }
    if (inFunction || enclosing?.brace === 'init') {
      frame.typeArgs = true;
    } else if (/^[A-Z][A-Z0-9_]*$/.test(name) && stack.length === 0) {
      // file-scope DEFINE_PER_CPU(struct foo, bar); — not a prototype (no type before the name)
      const before = this.tokAt(prev - 1);
      const beforeWord = this.visIdent(prev - 1);
      const close = this.match[v];
      const after = close > 0 ? this.tokAt(close + 1) : -1;
      frame.typeArgs =
        (before < 0 || this.isPunct(before, ';') || this.isPunct(before, '}') || beforeWord === 'static' || beforeWord === 'extern') &&
        after >= 0 && (this.isPunct(after, ';') || this.isPunct(after, '=') || this.isPunct(after, ','));
    }
    return frame;
  }

  /** `offsetof(struct foo, a.b)`: tree-sitter's offsetof takes a single field name only. */
  private offsetofNeedsCall(open: number): boolean {
    const close = this.match[open];
    if (close < 0) return false;
    let comma = -1;
    for (let v = open + 1; v < close; v++) if (this.visIsPunct(v, ',')) comma = v;
    return comma > 0 && close - comma !== 2;
  }

  /** If the argument starting at visible index `v` is a type name, rewrite it to one identifier. */
  private typeArgument(v: number): void {
    const first = this.tokAt(v);
    if (first < 0 || this.toks.kind[first] !== TokenKind.Identifier) return;
    if (!TYPE_KEYWORDS.has(this.tokText(first))) return;
    let last = v;
    for (let w = v; w < v + 12; w++) {
      const t = this.tokAt(w);
      if (t < 0) return;
      if (this.toks.kind[t] === TokenKind.Identifier || this.isPunct(t, '*')) {
        last = w;
        continue;
      }
      if (!this.isPunct(t, ',') && !this.isPunct(t, ')')) return;
      break;
    }
    if (last === v + 11) return;
    const s = this.toks.start[first];
    const e = this.toks.end[this.vis[last]];
    const original = this.text.slice(s, e);
    if (original.includes('\n')) {
      // `struct\n\t\tfoo` across lines: drop the tag keyword, the name stays an identifier
      const tag = this.tokText(first);
      if (last === v + 1 && (tag === 'struct' || tag === 'union' || tag === 'enum')) {
        this.blankRange(s, this.toks.end[first], 'type-argument', original.replace(/\s+/g, ' '));
      }
      return;
    }
    let ident = original.replace(/[^A-Za-z0-9_]/g, '_');
    if (C_KEYWORDS.has(ident)) ident = '_' + ident.slice(1);
    this.replace(s, ident, 'type-argument', original);
  }

  /**
   * `typeof(...)`/`__alignof__(...)` at visible `v` whose operand is an expression rather than a
   * type name, on one line: the visible index of its `)`, else -1.
   */
  private expressionOperand(v: number): number {
    if (!this.visIsPunct(v + 1, '(')) return -1;
    const close = this.match[v + 1];
    if (close <= v + 1) return -1;
    const s = this.toks.end[this.vis[v + 1]];
    const e = this.toks.start[this.vis[close]];
    const operand = this.text.slice(s, e);
    if (operand.includes('\n') || PLAIN_TYPE_NAME.test(operand)) return -1;
    return close;
  }

  /** The kept token `prev` ends a file-level item or a statement (or there is none). */
  private isItemBoundary(prev: number): boolean {
    const t = this.tokAt(prev);
    if (t < 0) return true;
    return this.isPunct(t, ';') || this.isPunct(t, '}') || this.isPunct(t, '{');
  }

  /**
   * `DECLARE_BITMAP(used, 64);` as a struct member: a macro that declares a field, with several
   * arguments tree-sitter cannot read as a type. Blanked (the field's type is then unknown).
   */
  private memberMacro(v: number, word: string, prev: number, skip: Uint8Array): boolean {
    if (!UPPER_MACRO.test(word) || !this.visIsPunct(v + 1, '(') || !this.isItemBoundary(prev)) return false;
    const close = this.match[v + 1];
    if (close <= v + 1 || !this.visIsPunct(close + 1, ';')) return false;
    let commas = 0;
    for (let w = v + 2, depth = 0; w < close; w++) {
      if (this.visIsPunct(w, '(')) depth++;
      else if (this.visIsPunct(w, ')')) depth--;
      else if (depth === 0 && this.visIsPunct(w, ',')) commas++;
    }
    if (commas === 0) return false;
    this.blankRange(this.toks.start[this.vis[v]], this.toks.end[this.vis[close + 1]], 'member-macro', word);
    for (let t = v; t <= close + 1; t++) skip[t] = 1;
    return true;
  }

  /**
   * Declaration-shaped macros:
   *  - `VISIBLE_IF_KUNIT void f(...)`, `INDIRECT_CALLABLE_SCOPE int g(...)`: an upper-case word
   *    standing before a type keyword or storage class at the start of a file-level item expands
   *    to a storage class or nothing: blanked;
   *  - `static DEF_SCSI_QCMD(name)` with no `;`, followed by the next item: a file-level macro
   *    that defines something we do not analyse: blanked;
   *  - `static DEFINE_RATELIMIT_STATE(rs, a, b);`: the storage class before an upper-case
   *    definition macro with several arguments is blanked so the invocation parses as a call.
   * Returns true when the token was consumed.
   */
  private declarationMacro(v: number, word: string, fileScope: boolean, prev: number, prev2: number, skip: Uint8Array): boolean {
    const i = this.vis[v];
    const storage = word === 'static' || word === 'extern';
    const afterStorage = STORAGE_WORDS.has(this.visIdent(prev) ?? '');
    const itemStart = this.isItemBoundary(prev) || (afterStorage && this.isItemBoundary(prev2));
    if (storage) {
      const macro = this.visIdent(v + 1);
      if (macro && UPPER_MACRO.test(macro) && this.visIsPunct(v + 2, '(')) {
        const close = this.match[v + 2];
        if (close > v + 2 && this.visIsPunct(close + 1, ';')) {
          let commas = 0;
          for (let w = v + 3, depth = 0; w < close; w++) {
            if (this.visIsPunct(w, '(') || this.visIsPunct(w, '[') || this.visIsPunct(w, '{')) depth++;
            else if (this.visIsPunct(w, ')') || this.visIsPunct(w, ']') || this.visIsPunct(w, '}')) depth--;
            else if (depth === 0 && this.visIsPunct(w, ',')) commas++;
          }
          if (commas > 0) {
            this.blankRange(this.toks.start[i], this.toks.end[i], 'specifier-macro', word);
            return true;
          }
        }
      }
      return false;
    }
    if (!fileScope || !itemStart || C_KEYWORDS.has(word) || ATTRIBUTE_WORDS.has(word)) return false;
    const next = this.tokAt(v + 1);
    if (next < 0) return false;
    if (UPPER_MACRO.test(word) && this.toks.kind[next] === TokenKind.Identifier) {
      const w = this.tokText(next);
      // `MACRO int f(`, `MACRO static ...`, `MACRO bool\nf(`, `MACRO struct foo *g(`
      const third = this.tokAt(v + 2);
      const declaratorFollows = third >= 0 && (this.toks.kind[third] === TokenKind.Identifier || this.isPunct(third, '*'));
      if (TYPE_KEYWORDS.has(w) || STORAGE_WORDS.has(w) || (!C_KEYWORDS.has(w) && declaratorFollows && !this.visIsPunct(v + 1, '('))) {
        this.blankRange(this.toks.start[i], this.toks.end[i], 'specifier-macro', word);
        return true;
      }
    }
    if (this.visIsPunct(v + 1, '(')) {
      const close = this.match[v + 1];
      const after = this.tokAt(close + 1);
      if (close > v + 1 && after >= 0 && this.isPunct(after, '{') && UPPER_MACRO.test(word) && !afterStorage) {
        return this.functionMacro(v, word, close);
      }
      if (close <= v + 1 || after < 0 || this.toks.kind[after] !== TokenKind.Identifier) return false;
      const w = this.tokText(after);
      if (w === 'asm' || w === '__asm__' || w === '__asm' || ATTRIBUTE_WORDS.has(w) || ATTRIBUTE_CALLS.has(w)) return false;
      const from = afterStorage ? prev : v;
      this.blankRange(this.toks.start[this.vis[from]], this.toks.end[this.vis[close]], 'file-scope-macro', word);
      for (let t = v; t <= close; t++) skip[t] = 1;
      return true;
    }
    return false;
  }

  /**
   * `SYSCALL_DEFINE3(name, int, fd, size_t, len) { ... }`: a macro that writes a function header.
   * The macro name's first four characters become `int ` (a return type; the rest stays as the
   * declarator's name) and, in the `(name, type, arg, type, arg...)` shape, the comma inside each
   * type/argument pair becomes a space, so the header parses as `int ..._DEFINE3(name, int fd,
   * size_t len)`. The index names the function after the macro's first argument.
   */
  private functionMacro(v: number, word: string, close: number): boolean {
    if (word.length < 6) return false;
    const nameTok = this.vis[v];
    this.replace(this.toks.start[nameTok], 'int ', 'function-macro', word);
    // top-level commas of the argument list
    const commas: number[] = [];
    for (let w = v + 2, depth = 0; w < close; w++) {
      if (this.visIsPunct(w, '(') || this.visIsPunct(w, '[')) depth++;
      else if (this.visIsPunct(w, ')') || this.visIsPunct(w, ']')) depth--;
      else if (depth === 0 && this.visIsPunct(w, ',')) commas.push(w);
    }
    const first = this.tokAt(v + 2);
    if (commas.length >= 2 && commas.length % 2 === 0 && first >= 0 && this.toks.kind[first] === TokenKind.Identifier && commas[0] === v + 3) {
      // (name, T1, a1, T2, a2...): join each type with its argument
      for (let c = 1; c < commas.length; c += 2) this.replace(this.toks.start[this.vis[commas[c]]], ' ', 'function-macro', word);
    }
    return true;
  }

  /**
   * The call head `name(...)` ending at visible index `close` is in statement position; if a block or
   * a statement follows, it is a statement macro: rewrite it. Returns what it did.
   */
  private statementMacro(nameV: number, close: number): 'loop' | 'block' | undefined {
    const name = this.visIdent(nameV);
    if (name === undefined) return undefined;
    const next = this.tokAt(close + 1);
    if (next < 0) return undefined;
    const known = RUN_ONCE_BLOCK_MACROS.has(name) || LOOP_MACRO_NAME_PARTS.some((p) => name.includes(p));
    let isHead = false;
    if (this.isPunct(next, '{')) isHead = true;
    else if (this.toks.kind[next] === TokenKind.Identifier) {
      const w = this.tokText(next);
      if (STATEMENT_KEYWORDS.has(w)) isHead = true;
      else if (w === 'else' || TYPE_KEYWORDS.has(w) || C_KEYWORDS.has(w)) isHead = false;
      else if (known) isHead = true;
      else {
        // an unknown macro followed by `name(`, `name.`, `name->`, `name++`: a statement body
        const after = this.tokAt(close + 2);
        isHead = after >= 0 && (this.isPunct(after, '(') || this.isPunct(after, '.') ||
          (this.isPunct(after, '-') && this.visIsPunct(close + 3, '>')) ||
          (this.isPunct(after, '+') && this.visIsPunct(close + 3, '+')));
      }
    } else if (known && this.toks.kind[next] === TokenKind.Punct) {
      // `for_each_x(...)\n\t*p++ = v;`, `++count;`, `(void)f();`
      isHead = this.isPunct(next, '*') || this.isPunct(next, '(') ||
        ((this.isPunct(next, '+') || this.isPunct(next, '-')) && this.isPunct(this.tokAt(close + 2), this.text[this.toks.start[next]]));
    }
    if (!isHead) return undefined;
    const nameTok = this.vis[nameV];
    if (RUN_ONCE_BLOCK_MACROS.has(name)) {
      this.blankRange(this.toks.start[nameTok], this.toks.end[this.vis[close]], 'block-macro', name);
      return 'block';
    }
    if (name.length < 5) return undefined;
    this.replace(this.toks.start[nameTok], 'while'.padEnd(name.length, ' '), 'loop-macro', name);
    return 'loop';
  }

  /** Two or more identifiers glued before the string at `v`: string macros (`KERN_ERR PFX "x"`). */
  private stringMacroRunBefore(v: number, skip: Uint8Array): void {
    let w = v - 1;
    const run: number[] = [];
    while (w >= 0 && run.length < 8) {
      const name = this.visIdent(w);
      if (name === undefined || C_KEYWORDS.has(name) || skip[w]) break;
      run.push(w);
      w--;
    }
    if (run.length >= 2) this.stringify(run);
  }

  /** Two or more identifiers glued after a string literal and before `v`'s successors. */
  private stringMacroRun(v: number, skip: Uint8Array): void {
    // called on an identifier: if it follows a string directly and the next token is also an
    // identifier, the run after the string is two or more string macros
    const before = this.tokAt(v - 1);
    if (before < 0 || this.toks.kind[before] !== TokenKind.String) return;
    const run: number[] = [];
    let w = v;
    while (run.length < 8) {
      const name = this.visIdent(w);
      if (name === undefined || C_KEYWORDS.has(name)) break;
      run.push(w);
      w++;
    }
    if (run.length >= 2) {
      this.stringify(run);
      for (const r of run) skip[r] = 1;
    }
  }

  private stringify(run: number[]): void {
    for (const w of run) {
      const t = this.vis[w];
      const s = this.toks.start[t];
      const e = this.toks.end[t];
      if (e - s < 2 || this.stringified.has(s)) continue;
      this.stringified.add(s);
      this.replace(s, '"' + ' '.repeat(e - s - 2) + '"', 'string-macro', this.text.slice(s, e));
    }
  }

  // ---- output ----------------------------------------------------------------------------

  private apply(): string {
    if (this.edits.length === 0) return this.text;
    this.edits.sort((a, b) => a.start - b.start || b.end - a.end);
    const parts: string[] = [];
    let pos = 0;
    for (const e of this.edits) {
      if (e.start < pos) continue; // inside an earlier blanked range
      parts.push(this.text.slice(pos, e.start));
      parts.push(e.text ?? blank(this.text.slice(e.start, e.end)));
      pos = e.end;
    }
    parts.push(this.text.slice(pos));
    return parts.join('');
  }
}

/** Same-length blank: every character but line breaks becomes a space. */
export function blank(s: string): string {
  return s.replace(/[^\r\n]/g, ' ');
}

/** Rewrite kernel macros that derail tree-sitter-c into same-length text (see the file comment). */
export function kernelMacroPrepass(text: string): PrepassResult {
  return new Prepass(text).run();
}
