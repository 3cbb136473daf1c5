// The function index: every function_definition with its name, exact lines, parameters, return
// type, linkage and parse health; and the mapping from changed lines to functions.
import type { FunctionInfo, LineRange, MacroRewrite, SyntaxNode } from './types.js';

/** Node types that may hold function definitions at file level. */
const CONTAINERS = new Set([
  'translation_unit', 'preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef',
  'linkage_specification', 'declaration_list', 'ERROR',
]);

const DECLARATOR_WRAPPERS = new Set(['pointer_declarator', 'parenthesized_declarator', 'attributed_declarator']);

export interface IndexOptions {
  /** The text tree-sitter parsed (annotations blanked); type texts are read from it. */
  parsedText: string;
  /** Post-image lines known (from hunks); functions not wholly inside them are partial. */
  knownLines?: ReadonlyArray<readonly [number, number]>;
  /** Pre-pass rewrites, for the hidden preprocessor branches of each function. */
  rewrites?: readonly MacroRewrite[];
}

/**
 * All function definitions of a tree, in source order. Reads only the file's top-level items
 * (through a cursor); a function's parameters, return type and linkage are read when first asked.
 */
export function indexFunctions(root: SyntaxNode, options: IndexOptions): FunctionInfo[] {
  const out: FunctionInfo[] = [];
  const all = options.rewrites ?? [];
  const hidden = all.filter((r) => r.kind === 'preproc-branch');
  const cursor = root.walk();
  const visit = (inError: boolean, depth: number): void => {
    if (depth > 64 || !cursor.gotoFirstChild()) return;
    do {
      const type = cursor.nodeType;
      if (type === 'function_definition') {
        const def = cursor.currentNode;
        const inside = rewritesWithin(all, cursor.startIndex, cursor.endIndex);
        const info = new IndexedFunction(def, inError, options, hidden, inside.find((r) => r.kind === 'function-macro'));
        if (inside.length > 0) info.rewrites = inside;
        out.push(info);
      } else if (CONTAINERS.has(type)) {
        visit(inError || type === 'ERROR', depth + 1);
      }
    } while (cursor.gotoNextSibling());
    cursor.gotoParent();
  };
  visit(root.type === 'ERROR', 0);
  return out;
}

/** Rewrites (sorted by start) that lie inside [start, end). */
function rewritesWithin(rewrites: readonly MacroRewrite[], start: number, end: number): MacroRewrite[] {
  let lo = 0;
  let hi = rewrites.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rewrites[mid].start < start) lo = mid + 1;
    else hi = mid;
  }
  const out: MacroRewrite[] = [];
  for (let i = lo; i < rewrites.length && rewrites[i].start < end; i++) if (rewrites[i].end <= end) out.push(rewrites[i]);
  return out;
}

/** The innermost function_declarator whose declarator is the function's name. */
export function functionDeclaratorOf(def: SyntaxNode): SyntaxNode | undefined {
  let d = def.childForFieldName('declarator');
  for (let budget = 32; d && budget > 0; budget--) {
    if (d.type === 'function_declarator') {
      const inner = d.childForFieldName('declarator');
      if (inner?.type === 'identifier') return d;
      d = inner;
      continue;
    }
    if (DECLARATOR_WRAPPERS.has(d.type)) {
      d = d.childForFieldName('declarator') ?? d.namedChildren.find((c) => c.type.endsWith('declarator') || c.type === 'identifier') ?? null;
      continue;
    }
    return undefined;
  }
  return undefined;
}

function sliceParsed(node: SyntaxNode, parsedText: string): string {
  return parsedText.slice(node.startIndex, node.endIndex);
}

/** Collapse whitespace, and tighten around `*`, `(`, `)`, `[`, `]`, `,`. */
export function normalizeTypeText(s: string): string {
  return s
    .replace(/\s+/g, ' ')
    .replace(/\s*\*\s*/g, ' *')
    .replace(/\*\s+(?=\*)/g, '*')
    .replace(/\(\s+/g, '(')
    .replace(/\s+\)/g, ')')
    .replace(/\s*\[\s*/g, ' [')
    .replace(/\s+\]/g, ']')
    .replace(/\s*,\s*/g, ', ')
    .trim();
}

/** Name and type text of one parameter_declaration (the type with the name removed from its declarator). */
export function describeParameter(param: SyntaxNode, parsedText: string): { name: string; type: string } {
  if (param.type === 'variadic_parameter') return { name: '...', type: '...' };
  const declarator = param.childForFieldName('declarator');
  const whole = sliceParsed(param, parsedText);
  if (!declarator) return { name: '', type: normalizeTypeText(whole) };
  const nameNode = declaratorName(declarator);
  if (!nameNode) return { name: '', type: normalizeTypeText(whole) };
  const before = parsedText.slice(param.startIndex, nameNode.startIndex);
  const after = parsedText.slice(nameNode.endIndex, param.endIndex);
  return { name: nameNode.text, type: normalizeTypeText(`${before} ${after}`) };
}

/** The identifier a declarator declares (through pointers, arrays, parentheses, functions, initialisers). */
export function declaratorName(declarator: SyntaxNode): SyntaxNode | undefined {
  let d: SyntaxNode | null = declarator;
  for (let budget = 32; d && budget > 0; budget--) {
    if (d.type === 'identifier' || d.type === 'field_identifier' || d.type === 'type_identifier') return d;
    d = d.childForFieldName('declarator') ?? d.namedChildren.find((c) => c.type.endsWith('declarator') || c.type === 'identifier') ?? null;
  }
  return undefined;
}

function firstErrorLine(node: SyntaxNode): number | undefined {
  const cursor = node.walk();
  for (let budget = 200_000; budget > 0; budget--) {
    const n = cursor.currentNode;
    if (n.type === 'ERROR' || n.isMissing) return n.startPosition.row + 1;
    if (n.hasError && cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent() || cursor.currentNode.id === node.id) return undefined;
    }
  }
  return undefined;
}

/** A function of the index: identity, lines and health read at once, the rest on first use. */
class IndexedFunction implements FunctionInfo {
  readonly name: string;
  /** The macro that wrote the header (`SYSCALL_DEFINE3`), when one did. */
  definedBy?: string;
  readonly lines: LineRange;
  readonly hasError: boolean;
  partial: boolean;
  notCheckedReason?: string;
  hiddenBranches?: LineRange[];
  rewrites?: MacroRewrite[];
  private readonly declarator: SyntaxNode | undefined;
  private details?: { params: Array<{ name: string; type: string }>; returnType: string; isStatic: boolean; isInline: boolean };
  private bodyNode?: SyntaxNode | null;

  constructor(
    readonly node: SyntaxNode,
    inError: boolean,
    private readonly options: IndexOptions,
    hidden: readonly MacroRewrite[],
    headerMacro?: MacroRewrite,
  ) {
    const start = node.startIndex;
    const end = node.endIndex;
    this.lines = { start: node.startPosition.row + 1, end: node.endPosition.row + 1 };
    this.declarator = functionDeclaratorOf(node);
    const nameNode = this.declarator?.childForFieldName('declarator');
    let name = nameNode?.text ?? declaratorName(node.childForFieldName('declarator') ?? node)?.text ?? '<unnamed>';
    if (headerMacro && this.declarator) {
      // SYSCALL_DEFINE3(name, ...): named after the macro's first argument
      this.definedBy = headerMacro.name;
      const first = this.declarator.childForFieldName('parameters')?.namedChildren[0];
      name = first && /^\w+$/.test(first.text) ? first.text : headerMacro.name;
    }
    this.name = name;
    let hasError = inError || node.hasError;
    if (hasError) {
      this.notCheckedReason = `parse error at line ${firstErrorLine(node) ?? this.lines.start}`;
    } else if (!this.declarator) {
      hasError = true;
      this.notCheckedReason = `function header not understood at line ${this.lines.start}`;
    }
    this.hasError = hasError;
    // rebuilt from hunks: some line unknown, or the body's closing brace was never seen
    this.partial = options.knownLines ? !linesKnown(this.lines, options.knownLines) || !closedBody(this.bodyOf()) : false;
    const branches: LineRange[] = [];
    for (const r of hidden) if (r.start >= start && r.end <= end) branches.push(offsetLines(node, r));
    if (branches.length > 0) this.hiddenBranches = branches;
  }

  // Read on first use (prototype getters: copy fields explicitly rather than spreading the object).
  get params(): Array<{ name: string; type: string }> {
    return this.describe().params;
  }

  get returnType(): string {
    return this.describe().returnType;
  }

  get isStatic(): boolean {
    return this.describe().isStatic;
  }

  get isInline(): boolean {
    return this.describe().isInline;
  }

  get body(): SyntaxNode | undefined {
    return this.bodyOf();
  }

  /** Plain fields for serialisation (JSON.stringify uses it). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      lines: this.lines,
      params: this.params,
      returnType: this.returnType,
      isStatic: this.isStatic,
      isInline: this.isInline,
      partial: this.partial,
      hasError: this.hasError,
      ...(this.notCheckedReason ? { notCheckedReason: this.notCheckedReason } : {}),
      ...(this.hiddenBranches ? { hiddenBranches: this.hiddenBranches } : {}),
      ...(this.definedBy ? { definedBy: this.definedBy } : {}),
    };
  }

  private bodyOf(): SyntaxNode | undefined {
    if (this.bodyNode === undefined) this.bodyNode = this.node.childForFieldName('body');
    return this.bodyNode ?? undefined;
  }

  private describe(): { params: Array<{ name: string; type: string }>; returnType: string; isStatic: boolean; isInline: boolean } {
    if (this.details) return this.details;
    const def = this.node;
    const parsedText = this.options.parsedText;
    const fd = this.declarator;
    const params: Array<{ name: string; type: string }> = [];
    const list = fd?.childForFieldName('parameters');
    if (list) {
      const items = list.namedChildren.filter((p) => p.type === 'parameter_declaration' || p.type === 'variadic_parameter');
      if (this.definedBy) items.shift(); // the macro's first argument is the name
      for (const p of items) {
        const described = describeParameter(p, parsedText);
        if (described.name === '' && described.type === 'void' && items.length === 1) break;
        params.push(described);
      }
    }
    let isStatic = false;
    let isInline = false;
    const qualifiers: string[] = [];
    for (const c of def.namedChildren) {
      if (c.type === 'storage_class_specifier') {
        const w = sliceParsed(c, parsedText).trim();
        if (w === 'static') isStatic = true;
        if (w.includes('inline')) isInline = true;
      } else if (c.type === 'type_qualifier') {
        qualifiers.push(sliceParsed(c, parsedText).trim());
      }
    }
    // `__always_inline` is blanked in the parsed text: read the original header
    const header = (fd ?? def).startIndex - def.startIndex;
    if (/\b(inline|__inline__|__inline|__always_inline)\b/.test(def.text.slice(0, Math.max(0, header)))) isInline = true;
    const typeNode = def.childForFieldName('type');
    let stars = '';
    for (let d = def.childForFieldName('declarator'); d && d.type !== 'function_declarator'; d = d.childForFieldName('declarator')) {
      if (d.type === 'pointer_declarator') stars += '*';
    }
    const returnType = normalizeTypeText(
      [...qualifiers, typeNode ? sliceParsed(typeNode, parsedText) : 'int'].join(' ') + (stars ? ` ${stars}` : ''),
    );
    this.details = { params, returnType, isStatic, isInline };
    return this.details;
  }
}

function closedBody(body: SyntaxNode | undefined): boolean {
  const last = body?.lastChild;
  return !!last && last.type === '}' && !last.isMissing;
}

/** Lines of an offset range inside `within` (counted from the node's own text). */
function offsetLines(within: SyntaxNode, r: { start: number; end: number }): LineRange {
  const text = within.text;
  const base = within.startPosition.row + 1;
  const count = (upTo: number): number => {
    let n = 0;
    for (let i = text.indexOf('\n'); i >= 0 && i < upTo; i = text.indexOf('\n', i + 1)) n++;
    return n;
  };
  return { start: base + count(r.start - within.startIndex), end: base + count(r.end - 1 - within.startIndex) };
}

/** Every line of `range` lies inside one of the known ranges (merged, sorted or not). */
export function linesKnown(range: LineRange, known: ReadonlyArray<readonly [number, number]>): boolean {
  const sorted = [...known].sort((a, b) => a[0] - b[0]);
  let next = range.start;
  for (const [s, e] of sorted) {
    if (s > next) break;
    if (e >= next) next = e + 1;
    if (next > range.end) return true;
  }
  return next > range.end;
}

/**
 * Functions that a change touches: a changed line inside the definition, or a deletion right after
 * a line of it that is not its last (lines deleted after the closing brace are outside).
 */
export function functionsTouching(
  fileOrFunctions: { functions: readonly FunctionInfo[] } | readonly FunctionInfo[],
  changedLines: Iterable<number>,
  deletionPoints: Iterable<number> = [],
): FunctionInfo[] {
  const functions = 'functions' in fileOrFunctions ? fileOrFunctions.functions : fileOrFunctions;
  const changed = [...changedLines];
  const deleted = [...deletionPoints];
  return functions.filter(
    (f) =>
      changed.some((l) => l >= f.lines.start && l <= f.lines.end) ||
      deleted.some((d) => d >= f.lines.start && d < f.lines.end),
  );
}

/**
 * The pre-pass rewrite that starts at `offset` (e.g. `rewriteAt(fn.rewrites, whileNode.startIndex)`
 * tells that a `while` was `list_for_each_entry`; a `case` value's operator offset tells a GNU
 * case range), if any.
 */
export function rewriteAt(rewrites: readonly MacroRewrite[] | undefined, offset: number): MacroRewrite | undefined {
  return rewrites?.find((r) => r.start === offset);
}

/** The function whose definition holds `line`, if any. */
export function functionAtLine(functions: readonly FunctionInfo[], line: number): FunctionInfo | undefined {
  return functions.find((f) => line >= f.lines.start && line <= f.lines.end);
}
