// What the interpreter knows about the change as a whole, computed once per request and shared by
// every run: the functions defined in the change, struct layouts, object-like and function-like
// #defines, enumerators, prototypes of functions declared but not defined, labels per function.
import { fileDefines, parseFile, structNamed, type FunctionInfo, type ParsedFile, type SyntaxNode } from '../c/index.js';
import { mirrorOf, type SNode } from './tree.js';

export interface ChangeFunctionLike {
  file: ParsedFile;
  fn: FunctionInfo;
}

export interface FunctionMacro {
  params: string[];
  body: SNode;
}

export class Program {
  private readonly files: ParsedFile[] = [];
  private readonly defineNodes = new Map<string, SNode | null>();
  private readonly enums = new Map<string, bigint>();
  private readonly prototypes = new Map<string, string>();
  private readonly macros = new Map<string, FunctionMacro | null>();
  private readonly labelMaps = new WeakMap<FunctionInfo, Map<string, SNode>>();
  private readonly rewriteStarts = new WeakMap<ParsedFile, Map<number, { kind: string; name: string; end: number }>>();

  constructor(readonly functions: ReadonlyMap<string, ChangeFunctionLike>, extraFiles: readonly ParsedFile[] = []) {
    const seen = new Set<ParsedFile>();
    for (const f of [...extraFiles, ...[...functions.values()].map((c) => c.file)]) {
      if (seen.has(f)) continue;
      seen.add(f);
      this.files.push(f);
    }
    for (const f of this.files) this.scanFile(f);
  }

  /** A function defined in the change. */
  fn(name: string): ChangeFunctionLike | undefined {
    const c = this.functions.get(name);
    return c && c.fn.body ? c : undefined;
  }

  /** Field → declared type text of `struct name`, from any file of the change. */
  structFields(name: string): Map<string, string> | undefined {
    // the first file that defines it
    for (const f of this.files) {
      const fields = structNamed(f, name);
      if (fields) return fields;
    }
    return undefined;
  }

  /** The value expression of an object-like `#define name value` (parsed as C), if any. */
  define(name: string): SNode | undefined {
    if (this.defineNodes.has(name)) return this.defineNodes.get(name) ?? undefined;
    let node: SNode | null = null;
    for (const f of this.files) {
      const text = fileDefines(f).get(name);
      if (text === undefined || text.length === 0 || text.length > 2000) continue;
      node = parseExpressionText(text) ?? null;
      break;
    }
    this.defineNodes.set(name, node);
    return node ?? undefined;
  }

  /** A function-like `#define name(a, b) body` of the change, body parsed as an expression. */
  functionMacro(name: string): FunctionMacro | undefined {
    if (this.macros.has(name)) return this.macros.get(name) ?? undefined;
    let found: FunctionMacro | null = null;
    for (const f of this.files) {
      for (const def of f.tree.rootNode.descendantsOfType('preproc_function_def')) {
        if (def.childForFieldName('name')?.text !== name) continue;
        const params = (def.childForFieldName('parameters')?.namedChildren ?? []).filter((p) => p.type === 'identifier').map((p) => p.text);
        const value = def.childForFieldName('value')?.text.replace(/\\\r?\n/g, ' ').trim();
        const body = value ? parseExpressionText(value) : undefined;
        if (body) found = { params, body };
        break;
      }
      if (found) break;
    }
    this.macros.set(name, found);
    return found ?? undefined;
  }

  enumValue(name: string): bigint | undefined {
    return this.enums.get(name);
  }

  /** Return type text of a function the change declares but does not define. */
  prototypeReturn(name: string): string | undefined {
    return this.prototypes.get(name);
  }

  private readonly mirrors = new WeakMap<FunctionInfo, SNode>();

  /** The plain-JS copy of a function definition the interpreter walks. */
  mirror(cf: ChangeFunctionLike): SNode {
    let m = this.mirrors.get(cf.fn);
    if (!m) {
      m = mirrorOf(cf.fn.node, cf.file.text);
      this.mirrors.set(cf.fn, m);
    }
    return m;
  }

  /** The copy of the function's body. */
  body(cf: ChangeFunctionLike): SNode | undefined {
    return this.mirror(cf).childForFieldName('body') ?? undefined;
  }

  labels(cf: ChangeFunctionLike): Map<string, SNode> {
    const fn = cf.fn;
    let m = this.labelMaps.get(fn);
    if (!m) {
      m = new Map();
      for (const l of this.body(cf)?.descendantsOfType('labeled_statement') ?? []) {
        const name = l.childForFieldName('label')?.text;
        if (name && !m.has(name)) m.set(name, l);
      }
      this.labelMaps.set(fn, m);
    }
    return m;
  }

  /** The pre-pass rewrite that starts at `offset` of `file` (loop macros, case ranges). */
  rewriteAt(file: ParsedFile, offset: number): { kind: string; name: string; end: number } | undefined {
    let m = this.rewriteStarts.get(file);
    if (!m) {
      m = new Map();
      for (const r of file.rewrites ?? []) if (!m.has(r.start)) m.set(r.start, { kind: r.kind, name: r.name, end: r.end });
      this.rewriteStarts.set(file, m);
    }
    return m.get(offset);
  }

  /** Rewrites of `kind` inside [start, end) of `file`. */
  rewritesWithin(file: ParsedFile, start: number, end: number, kind: string): boolean {
    return (file.rewrites ?? []).some((r) => r.kind === kind && r.start >= start && r.end <= end);
  }

  private scanFile(f: ParsedFile): void {
    const root = f.tree.rootNode;
    for (const list of root.descendantsOfType('enumerator_list')) {
      let next = 0n;
      for (const e of list.namedChildren) {
        if (e.type !== 'enumerator') continue;
        const name = e.childForFieldName('name')?.text;
        const value = e.childForFieldName('value');
        if (value) {
          const v = simpleConstant(value.text, this.enums);
          if (v === undefined) continue;
          next = v;
        }
        if (name && !this.enums.has(name)) this.enums.set(name, next);
        next++;
      }
    }
    for (const decl of root.namedChildren) {
      if (decl.type !== 'declaration') continue;
      const typeText = decl.childForFieldName('type')?.text;
      if (!typeText) continue;
      for (const d of decl.namedChildren) {
        let stars = 0;
        let cur: SyntaxNode | null = d;
        while (cur && cur.type === 'pointer_declarator') {
          stars++;
          cur = cur.childForFieldName('declarator');
        }
        if (!cur || cur.type !== 'function_declarator') continue;
        const name = cur.childForFieldName('declarator')?.text;
        if (name && !this.prototypes.has(name)) this.prototypes.set(name, `${typeText}${' *'.repeat(stars)}`);
      }
    }
  }
}

/** Parses a C expression on its own ("(1ULL << 63)", "a + b"): the expression node, or undefined. */
export function parseExpressionText(text: string): SNode | undefined {
  return parseExpressionSnippet(text)?.node;
}

const snippetCache = new Map<string, { node: SNode; cf: ChangeFunctionLike } | undefined>();

/** Like parseExpressionText, with the snippet function the expression sits in (cached). */
export function parseExpressionSnippet(text: string): { node: SNode; cf: ChangeFunctionLike } | undefined {
  if (snippetCache.has(text)) return snippetCache.get(text);
  const parsed = parseSnippetUncached(text);
  if (snippetCache.size > 2000) snippetCache.clear();
  snippetCache.set(text, parsed);
  return parsed;
}

function parseSnippetUncached(text: string): { node: SNode; cf: ChangeFunctionLike } | undefined {
  if (text.length > 4000) return undefined;
  const snippet = `void __iovalint_expr(void) { (${text}); }`;
  const parsed = parseFile('<expr>', snippet);
  if (parsed.errorCount > 0) return undefined;
  const fn = parsed.functions[0];
  const stmt = fn?.body?.namedChildren.find((c) => c.type === 'expression_statement');
  const paren = stmt?.namedChildren[0];
  if (!fn || !paren || paren.type !== 'parenthesized_expression') return undefined;
  const node = paren.namedChildren.find((c) => c.type !== 'comment');
  return node ? { node: mirrorOf(node, parsed.text), cf: { file: parsed, fn } } : undefined;
}

function simpleConstant(text: string, enums: ReadonlyMap<string, bigint>): bigint | undefined {
  const t = text.trim().replace(/[uUlL]+$/, '');
  if (/^-?(0x[0-9a-f]+|\d+)$/i.test(t)) return t.startsWith('-') ? -BigInt(t.slice(1)) : BigInt(t);
  const shift = /^\(?\s*1\s*[uUlL]*\s*<<\s*(\d+)\s*\)?$/.exec(t);
  if (shift) return 1n << BigInt(shift[1]!);
  return enums.get(t);
}
