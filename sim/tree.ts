// A plain-JS copy of a function's tree-sitter tree, built with one cursor walk. Every property
// read on a tree-sitter node crosses into native code; the interpreter visits the same nodes in
// every run, so it reads this copy instead. The copy has the SyntaxNode members it uses.
import type { SyntaxNode } from '../c/index.js';

let nextId = 1;

export class SNode {
  readonly id = nextId++;
  parent: SNode | null = null;
  readonly children: SNode[] = [];
  readonly namedChildren: SNode[] = [];
  private fieldMap: Map<string, SNode> | undefined;

  constructor(
    readonly type: string,
    readonly isNamed: boolean,
    readonly startIndex: number,
    readonly endIndex: number,
    readonly startPosition: { row: number; column: number },
    readonly endPosition: { row: number; column: number },
    private readonly source: string,
  ) {}

  get text(): string {
    return this.source.slice(this.startIndex, this.endIndex);
  }

  childForFieldName(name: string): SNode | null {
    return this.fieldMap?.get(name) ?? null;
  }

  child(i: number): SNode | null {
    return this.children[i] ?? null;
  }

  setField(name: string, node: SNode): void {
    this.fieldMap ??= new Map();
    if (!this.fieldMap.has(name)) this.fieldMap.set(name, node);
  }

  descendantsOfType(types: string | readonly string[]): SNode[] {
    const wanted = typeof types === 'string' ? [types] : types;
    const out: SNode[] = [];
    const stack: SNode[] = [...this.children].reverse();
    while (stack.length) {
      const n = stack.pop()!;
      if (wanted.includes(n.type)) out.push(n);
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
    }
    return out;
  }
}

const cache = new WeakMap<object, Map<number, SNode>>();

/** The copy of `node`'s subtree (cached per tree and start offset). `text` is the file's text. */
export function mirrorOf(node: SyntaxNode, text: string, maxNodes = 500_000): SNode {
  let perTree = cache.get(node.tree);
  if (!perTree) {
    perTree = new Map();
    cache.set(node.tree, perTree);
  }
  const key = node.startIndex * 4096 + (node.endIndex - node.startIndex);
  const hit = perTree.get(key);
  if (hit && hit.type === node.type) return hit;
  const root = build(node, text, maxNodes);
  perTree.set(key, root);
  return root;
}

function build(node: SyntaxNode, text: string, maxNodes: number): SNode {
  const cursor = node.walk();
  const make = (): SNode =>
    new SNode(cursor.nodeType, cursor.nodeIsNamed, cursor.startIndex, cursor.endIndex, cursor.startPosition, cursor.endPosition, text);
  const root = make();
  const stack: SNode[] = [root];
  let count = 1;
  if (!cursor.gotoFirstChild()) return root;
  for (;;) {
    const parent = stack[stack.length - 1]!;
    const n = make();
    n.parent = parent;
    parent.children.push(n);
    if (n.isNamed) parent.namedChildren.push(n);
    const field = cursor.currentFieldName;
    if (field) parent.setField(field, n);
    if (++count > maxNodes) return root;
    if (cursor.gotoFirstChild()) {
      stack.push(n);
      continue;
    }
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent() || stack.length <= 1) return root;
      stack.pop();
    }
  }
}
