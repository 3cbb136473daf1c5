// A plain-JS copy of one subtree (a function), built with a single TreeCursor walk. The node
// bindings cross into native code on every property read (about a microsecond per node visited),
// so the analyses read this mirror instead, and turn a mirror node back into a SyntaxNode only
// when they hand one to a caller.
import type { SyntaxNode, Tree } from './types.js';

export interface MNode {
  type: string;
  named: boolean;
  /** UTF-16 offsets into the file text (end exclusive). */
  start: number;
  end: number;
  /** Field name in the parent (`condition`, `left`...), or null. */
  field: string | null;
  children: MNode[];
  parent: MNode | null;
  /** This node or a descendant is ERROR or MISSING. */
  hasError: boolean;
  missing: boolean;
  /** Position in the mirror's pre-order (for lookups). */
  index: number;
}

const typeNames = new Map<number, string>();
const typeNamed = new Map<number, boolean>();
const fieldNames = new Map<number, string>();

interface TextBackedTree {
  input: unknown;
}

/** The text node offsets refer to (the original file text set by parseC). */
export function treeText(tree: Tree): string {
  const input = (tree as unknown as TextBackedTree).input;
  return typeof input === 'string' ? input : '';
}

const lineIndexes = new WeakMap<object, Int32Array>();

/** 1-based line of `offset` in the text of `tree`. */
export function lineAt(tree: Tree, offset: number): number {
  let index = lineIndexes.get(tree);
  if (!index) {
    const text = treeText(tree);
    const starts: number[] = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    index = Int32Array.from(starts);
    lineIndexes.set(tree, index);
  }
  let lo = 0;
  let hi = index.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (index[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

export class Mirror {
  /** Every node, in pre-order (parents before children, siblings by start). */
  readonly nodes: MNode[] = [];
  readonly root: MNode;
  readonly text: string;
  private readonly syntaxCache = new Map<MNode, SyntaxNode>();

  constructor(
    readonly source: SyntaxNode,
    maxNodes = 400_000,
  ) {
    this.text = treeText(source.tree);
    this.root = this.build(source, maxNodes);
  }

  private build(source: SyntaxNode, maxNodes: number): MNode {
    const cursor = source.walk();
    const checkMissing = source.hasError;
    // Only leaves are asked for their offsets: an inner node spans exactly its children
    // (tree-sitter keeps whitespace as the padding of the next token), so its start and end are
    // its first child's start and last child's end, filled in when it is left.
    const make = (parent: MNode | null): MNode => {
      const typeId = cursor.nodeTypeId;
      let type = typeNames.get(typeId);
      let named = typeNamed.get(typeId);
      if (type === undefined || named === undefined) {
        type = cursor.nodeType;
        named = cursor.nodeIsNamed;
        typeNames.set(typeId, type);
        typeNamed.set(typeId, named);
      }
      let field: string | null = null;
      if (parent) {
        const fieldId = cursor.currentFieldId;
        if (fieldId) {
          field = fieldNames.get(fieldId) ?? null;
          if (field === null) {
            field = cursor.currentFieldName;
            fieldNames.set(fieldId, field);
          }
        }
      }
      const missing = checkMissing ? cursor.nodeIsMissing : false;
      const node: MNode = { type, named, start: -1, end: -1, field, children: [], parent, hasError: type === 'ERROR' || missing, missing, index: this.nodes.length };
      this.nodes.push(node);
      return node;
    };
    const leaf = (node: MNode): void => {
      node.start = cursor.startIndex;
      node.end = cursor.endIndex;
    };
    const close = (node: MNode): void => {
      // the cursor is back on the node: preprocessor nodes end with a hidden newline token, so
      // an inner node's end is asked, not taken from its last visible child
      node.start = node.children[0].start;
      node.end = cursor.endIndex;
      for (const k of node.children) if (k.hasError) node.hasError = true;
    };
    const root = make(null);
    const stack: MNode[] = [root];
    if (!cursor.gotoFirstChild()) {
      leaf(root);
      return root;
    }
    for (;;) {
      const parent = stack[stack.length - 1];
      const node = make(parent);
      parent.children.push(node);
      if (this.nodes.length < maxNodes && cursor.gotoFirstChild()) {
        stack.push(node);
        continue;
      }
      leaf(node);
      for (;;) {
        if (cursor.gotoNextSibling()) break;
        cursor.gotoParent();
        const done = stack.pop()!;
        close(done);
        if (stack.length === 0) {
          // the root (translation_unit) also spans leading and trailing whitespace: ask
          leaf(done);
          return root;
        }
      }
    }
  }

  /** Original text of a node. */
  textOf(n: MNode): string {
    return this.text.slice(n.start, n.end);
  }

  /** The SyntaxNode for a mirror node (one native lookup, cached). */
  syntax(n: MNode): SyntaxNode {
    const cached = this.syntaxCache.get(n);
    if (cached) return cached;
    let s: SyntaxNode | null = this.source.descendantForIndex(n.start, n.end);
    // descendantForIndex gives the smallest node spanning the range: climb to the one of this type
    for (let i = 0; s && i < 64; i++) {
      if (s.type === n.type && s.startIndex === n.start && s.endIndex === n.end) break;
      if (s.startIndex < n.start || s.endIndex > n.end) break;
      s = s.parent;
    }
    const result = s && s.type === n.type && s.startIndex === n.start && s.endIndex === n.end ? s : this.source.descendantForIndex(n.start, n.end);
    this.syntaxCache.set(n, result);
    return result;
  }

  /** The mirror node for a SyntaxNode of this subtree (matched by range and type). */
  find(node: { startIndex: number; endIndex: number; type: string }): MNode | undefined {
    const start = node.startIndex;
    const end = node.endIndex;
    const type = node.type;
    // nodes are in pre-order: binary search the first node starting at `start`
    let lo = 0;
    let hi = this.nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.nodes[mid].start < start) lo = mid + 1;
      else hi = mid;
    }
    let fallback: MNode | undefined;
    for (let i = lo; i < this.nodes.length && this.nodes[i].start === start; i++) {
      const n = this.nodes[i];
      if (n.end === end) {
        if (n.type === type) return n;
        fallback ??= n;
      }
    }
    return fallback;
  }
}

// ---- navigation helpers ---------------------------------------------------------------------

/** Named children, comments left out. */
export function kids(n: MNode): MNode[] {
  return n.children.filter((c) => c.named && c.type !== 'comment');
}

/** The child in field `name`. */
export function field(n: MNode | null | undefined, name: string): MNode | undefined {
  if (!n) return undefined;
  for (const c of n.children) if (c.field === name) return c;
  return undefined;
}

/** Every descendant of type `type` (or in the set), pre-order. */
export function descendants(n: MNode, type: string | ReadonlySet<string>): MNode[] {
  const out: MNode[] = [];
  const match = typeof type === 'string' ? (t: string) => t === type : (t: string) => type.has(t);
  const stack = [...n.children].reverse();
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (match(x.type)) out.push(x);
    for (let i = x.children.length - 1; i >= 0; i--) stack.push(x.children[i]);
  }
  return out;
}

/** Operator token of a unary/binary/assignment/update/field expression (the `operator` field). */
export function operatorOf(n: MNode): string | undefined {
  return field(n, 'operator')?.type;
}

/** `(x)` → x, repeatedly. */
export function unparen(n: MNode | undefined): MNode | undefined {
  let x = n;
  for (let i = 0; x && x.type === 'parenthesized_expression' && i < 32; i++) x = kids(x)[0];
  return x;
}

const mirrors = new WeakMap<SyntaxNode, Mirror>();

/** A mirror of `node`'s subtree (cached per node object). */
export function mirrorOf(node: SyntaxNode): Mirror {
  let m = mirrors.get(node);
  if (!m) {
    m = new Mirror(node);
    mirrors.set(node, m);
  }
  return m;
}

/** A mirror node (not a SyntaxNode). */
export function isMNode(x: object): x is MNode {
  return 'start' in x && 'index' in x && !('tree' in x);
}
