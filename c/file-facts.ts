// File-level facts rules and the simulator read: struct definitions (field types), object-like
// #define values, and the C type of an expression when the declarations are visible.
import type { FunctionAnalysis } from './analysis.js';
import { declaredType } from './defuse.js';
import { toExpr, type Expr } from './expr.js';
import { declaratorName, normalizeTypeText } from './function-index.js';
import { parseC } from './parser.js';
import type { ParsedFile, SyntaxNode } from './types.js';

interface FileFacts {
  structs?: Map<string, Map<string, string>>;
  structByName: Map<string, Map<string, string> | null>;
  defines?: Map<string, string>;
  defineExprs: Map<string, Expr | null>;
}

const facts = new WeakMap<ParsedFile, FileFacts>();

function factsOf(file: ParsedFile): FileFacts {
  let f = facts.get(file);
  if (!f) {
    f = { structByName: new Map(), defineExprs: new Map() };
    facts.set(file, f);
  }
  return f;
}

const isRecord = (n: SyntaxNode | null | undefined): n is SyntaxNode => n?.type === 'struct_specifier' || n?.type === 'union_specifier';

/** Field → declared type of a struct_specifier (or union) with a body. */
function fieldsOf(spec: SyntaxNode): Map<string, string> | undefined {
  const body = spec.childForFieldName('body');
  if (!body) return undefined;
  const fields = new Map<string, string>();
  for (const decl of body.namedChildren) {
    if (decl.type !== 'field_declaration') continue;
    for (const d of decl.namedChildren) {
      if (d.id === decl.childForFieldName('type')?.id) continue;
      if (!d.type.endsWith('declarator') && d.type !== 'field_identifier') continue;
      const n = declaratorName(d);
      if (n) fields.set(n.text, declaredType(decl, d));
    }
  }
  return fields;
}

/** Struct (and union) definitions of the file: name → field → declared type text. */
export function structFields(file: ParsedFile): Map<string, Map<string, string>> {
  const f = factsOf(file);
  if (f.structs) return f.structs;
  const structs = new Map<string, Map<string, string>>();
  for (const spec of file.tree.rootNode.descendantsOfType(['struct_specifier', 'union_specifier'])) {
    const name = spec.childForFieldName('name')?.text;
    const fields = name ? fieldsOf(spec) : undefined;
    if (name && fields) structs.set(name, fields);
  }
  f.structs = structs;
  return structs;
}

/**
 * The fields of `struct name` (or union) as structFields() gives them (the last definition wins),
 * found from the name's mentions in the text: a walk of the whole tree costs more than all the
 * rest of a typical lookup.
 */
export function structNamed(file: ParsedFile, name: string): Map<string, string> | undefined {
  const f = factsOf(file);
  if (f.structs) return f.structs.get(name);
  const cached = f.structByName.get(name);
  if (cached !== undefined) return cached ?? undefined;
  let found: Map<string, string> | null = null;
  if (/^\w+$/.test(name)) {
    const text = file.parsedText ?? file.text;
    const root = file.tree.rootNode;
    for (const m of text.matchAll(new RegExp(`\\b${name}\\b`, 'g'))) {
      const node = root.descendantForIndex(m.index, m.index + name.length);
      const spec = node.parent;
      if (!isRecord(spec) || spec.childForFieldName('name')?.startIndex !== node.startIndex) continue;
      found = fieldsOf(spec) ?? found;
    }
  }
  f.structByName.set(name, found);
  return found ?? undefined;
}

/** The declared type of `field` in `struct name` (or union), when the file defines it. */
export function fieldType(file: ParsedFile, structName: string, field: string): string | undefined {
  return structNamed(file, structName.replace(/^(struct|union)\s+/, ''))?.get(field);
}

const DEFINE_DIRECTIVE = /#[ \t]*define\b/g;

/**
 * Object-like `#define NAME value` lines of the file (the first definition wins). The directives
 * are found in the text and their nodes looked up, instead of walking the whole tree.
 */
export function fileDefines(file: ParsedFile): Map<string, string> {
  const f = factsOf(file);
  if (f.defines) return f.defines;
  const defines = new Map<string, string>();
  const text = file.parsedText ?? file.text;
  const root = file.tree.rootNode;
  for (const m of text.matchAll(DEFINE_DIRECTIVE)) {
    let def: SyntaxNode | null = root.descendantForIndex(m.index, m.index + 1);
    while (def && def.type !== 'preproc_def' && def.startIndex === m.index) def = def.parent;
    if (def?.type !== 'preproc_def' || def.startIndex !== m.index) continue;
    const name = def.childForFieldName('name')?.text;
    const value = def.childForFieldName('value')?.text;
    if (name && value !== undefined && !defines.has(name)) defines.set(name, value.replace(/\\\r?\n/g, ' ').trim());
  }
  f.defines = defines;
  return defines;
}

/** The value of an object-like #define of the file, parsed as an expression. */
export function defineValue(file: ParsedFile, name: string): Expr | undefined {
  const f = factsOf(file);
  const cached = f.defineExprs.get(name);
  if (cached !== undefined) return cached ?? undefined;
  const text = fileDefines(file).get(name);
  let result: Expr | null = null;
  if (text !== undefined && text.length > 0 && text.length < 2000) {
    const snippet = `void __iovalint_define(void) { (${text}); }`;
    const tree = parseC(snippet);
    const stmt = tree.rootNode.descendantsOfType('expression_statement')[0];
    const expr = stmt?.namedChildren[0];
    if (expr && !tree.rootNode.hasError) result = toExpr(expr);
  }
  f.defineExprs.set(name, result);
  return result ?? undefined;
}

/**
 * The declared C type of an expression, when visible: a local or parameter (from its
 * declaration), a field of a struct defined in the file (`p->mask` with `struct foo *p`), a cast.
 */
export function expressionType(analysis: FunctionAnalysis, node: SyntaxNode, file?: ParsedFile): string | undefined {
  switch (node.type) {
    case 'identifier':
      return analysis.variable(node.text, node.startIndex)?.type;
    case 'parenthesized_expression': {
      const inner = node.namedChildren.find((c) => c.type !== 'comment');
      return inner ? expressionType(analysis, inner, file) : undefined;
    }
    case 'cast_expression':
      return normalizeTypeText(node.childForFieldName('type')?.text ?? '');
    case 'field_expression': {
      if (!file) return undefined;
      const object = node.childForFieldName('argument');
      const field = node.childForFieldName('field')?.text;
      if (!object || !field) return undefined;
      let objectType = expressionType(analysis, object, file);
      if (!objectType) return undefined;
      const arrow = node.childForFieldName('operator')?.type === '->';
      if (arrow) objectType = objectType.replace(/\s*\*$/, '');
      const m = /^(?:const\s+)?(?:struct|union)\s+(\w+)$/.exec(objectType.trim());
      return m ? fieldType(file, m[1], field) : undefined;
    }
    case 'pointer_expression': {
      const op = node.childForFieldName('operator')?.type;
      const arg = node.childForFieldName('argument');
      const t = arg ? expressionType(analysis, arg, file) : undefined;
      if (!t) return undefined;
      return op === '&' ? normalizeTypeText(`${t} *`) : t.endsWith('*') ? normalizeTypeText(t.slice(0, -1)) : undefined;
    }
    default:
      return undefined;
  }
}
