// Def-use of a function's parameters and locals: which definitions (parameter entry, initialiser,
// assignment, ++/--, address taken, iterator macro) reach each use, by reaching-definitions over the
// CFG; and copy propagation that rebuilds an expression through locals' definitions
// (`len` → `size + iova_off`) when the variables it reads are unchanged in between.
import type { Cfg, CfgNode } from './cfg.js';
import { cfgNodeContaining } from './cfg.js';
import { ATTRIBUTE_WORDS } from './kernel-macros.js';
import { mapExpr, toExpr, type Expr } from './expr.js';
import { declaratorName, functionDeclaratorOf, normalizeTypeText } from './function-index.js';
import type { FunctionInfo, SyntaxNode } from './types.js';

export interface Variable {
  id: number;
  name: string;
  isParam: boolean;
  /** Declared type text, annotations removed ("struct iova_domain *", "size_t"). */
  type: string;
  /** The declarator (or parameter_declaration). */
  declaration: SyntaxNode;
  /** Offsets where the name is visible. */
  scopeStart: number;
  scopeEnd: number;
  /** `&name` appears somewhere: a callee may change it. */
  addressTaken: boolean;
  /** Declared `static` inside the function: keeps its value between calls. */
  isStatic: boolean;
}

export type DefinitionKind =
  | 'param' // value on entry
  | 'init' // T x = value
  | 'uninit' // T x;
  | 'assign' // x = value
  | 'compound' // x op= value
  | 'update' // x++ / --x
  | 'address-taken' // &x passed on: may change
  | 'loop-macro' // an iterator macro's argument: may change each iteration
  | 'asm' // an asm output operand
  | 'unknown'; // inside an ERROR region

export interface Definition {
  id: number;
  variable: Variable;
  kind: DefinitionKind;
  /** The assignment, init_declarator, update expression, parameter... */
  node: SyntaxNode;
  /** The assigned expression (init/assign/compound). */
  value?: SyntaxNode;
  /** The compound operator (`+=`) for kind 'compound'. */
  operator?: string;
  /** Whether it replaces the previous value for sure (false for may-definitions). */
  kills: boolean;
  cfgNode: number;
  /** Offset after which the definition is in effect (the end of the assignment). */
  position: number;
}

const MAY_KINDS = new Set<DefinitionKind>(['address-taken', 'loop-macro', 'asm', 'unknown']);

/** Type text of one declarator in a declaration (`int a, *b` → "int" / "int *"). */
export function declaredType(declaration: SyntaxNode, declarator: SyntaxNode): string {
  const typeNode = declaration.childForFieldName('type');
  const specifiers: string[] = [];
  for (const c of declaration.namedChildren) {
    if (c.type === 'type_qualifier') specifiers.push(c.text);
    if (c.id === typeNode?.id) specifiers.push(c.text);
  }
  let d = declarator;
  if (d.type === 'init_declarator') d = d.childForFieldName('declarator') ?? d;
  const name = declaratorName(d);
  const declText = name ? d.text.slice(0, name.startIndex - d.startIndex) + d.text.slice(name.endIndex - d.startIndex) : '';
  const words = `${specifiers.join(' ')} ${declText}`.split(/(\s+|\*|\(|\)|\[|\])/).filter((w) => !ATTRIBUTE_WORDS.has(w.trim()));
  return normalizeTypeText(words.join(''));
}

function isIdentifier(n: SyntaxNode | null | undefined): n is SyntaxNode {
  return !!n && n.type === 'identifier';
}

/** Strip parentheses: `(x)` → x. */
function unparen(n: SyntaxNode | null | undefined): SyntaxNode | undefined {
  let x = n ?? undefined;
  for (let i = 0; x && x.type === 'parenthesized_expression' && i < 16; i++) x = x.namedChildren.find((c) => c.type !== 'comment');
  return x;
}

export class DefUse {
  readonly variables: Variable[] = [];
  readonly definitions: Definition[] = [];
  private readonly byName = new Map<string, Variable[]>();
  private readonly defsByNode = new Map<number, Definition[]>();
  private inSets: Uint32Array[] = [];
  private words = 0;
  /** Why the analysis stopped early, if it did (then every query answers conservatively). */
  incomplete?: string;

  constructor(
    private readonly fn: FunctionInfo,
    private readonly cfg: Cfg,
    maxIterations = 200_000,
  ) {
    this.collectVariables();
    this.collectDefinitions();
    this.solve(maxIterations);
  }

  // ---- variables ------------------------------------------------------------------------

  private addVariable(v: Omit<Variable, 'id' | 'addressTaken'>): Variable {
    const variable: Variable = { ...v, id: this.variables.length, addressTaken: false };
    this.variables.push(variable);
    const list = this.byName.get(v.name) ?? [];
    list.push(variable);
    this.byName.set(v.name, list);
    return variable;
  }

  private collectVariables(): void {
    const def = this.fn.node;
    const fnDecl = functionDeclaratorOf(def);
    const params = fnDecl?.childForFieldName('parameters')?.namedChildren.filter((p) => p.type === 'parameter_declaration') ?? [];
    params.forEach((p, i) => {
      const declarator = p.childForFieldName('declarator');
      const name = declarator ? declaratorName(declarator)?.text : undefined;
      if (!name) return;
      this.addVariable({
        name,
        isParam: true,
        type: this.fn.params[i]?.type ?? declaredType(p, declarator!),
        declaration: p,
        scopeStart: def.startIndex,
        scopeEnd: def.endIndex,
        isStatic: false,
      });
    });
    const body = this.fn.body;
    if (!body) return;
    for (const decl of body.descendantsOfType('declaration')) {
      const scope = this.scopeOf(decl);
      const isStatic = decl.namedChildren.some((c) => c.type === 'storage_class_specifier' && c.text === 'static');
      for (const d of decl.namedChildren) {
        if (!d.type.endsWith('declarator') && d.type !== 'identifier') continue;
        if (d.id === decl.childForFieldName('type')?.id) continue;
        const nameNode = declaratorName(d.type === 'init_declarator' ? d.childForFieldName('declarator') ?? d : d);
        if (!nameNode || d.type === 'function_declarator') continue;
        this.addVariable({
          name: nameNode.text,
          isParam: false,
          type: declaredType(decl, d),
          declaration: d,
          scopeStart: decl.startIndex,
          scopeEnd: scope.endIndex,
          isStatic,
        });
      }
    }
  }

  /** The block (or for statement) a declaration is scoped to. */
  private scopeOf(decl: SyntaxNode): SyntaxNode {
    let p = decl.parent;
    for (let i = 0; p && i < 512; i++) {
      if (p.type === 'compound_statement' || p.type === 'for_statement') return p;
      p = p.parent;
    }
    return this.fn.body ?? this.fn.node;
  }

  /** The variable an identifier refers to at its position (innermost visible declaration). */
  variableOf(identifier: SyntaxNode): Variable | undefined {
    const candidates = this.byName.get(identifier.text);
    if (!candidates) return undefined;
    let best: Variable | undefined;
    for (const v of candidates) {
      const visible = v.isParam || (identifier.startIndex >= v.scopeStart && identifier.startIndex < v.scopeEnd);
      if (!visible) continue;
      if (!best || v.scopeStart >= best.scopeStart) best = v;
    }
    return best;
  }

  /** The variable declared with `name` that is visible at offset `at` (or anywhere, if omitted). */
  variableNamed(name: string, at?: number): Variable | undefined {
    const candidates = this.byName.get(name) ?? [];
    let best: Variable | undefined;
    for (const v of candidates) {
      if (at !== undefined && !v.isParam && !(at >= v.scopeStart && at < v.scopeEnd)) continue;
      if (!best || v.scopeStart >= best.scopeStart) best = v;
    }
    return best;
  }

  // ---- definitions ------------------------------------------------------------------------

  private addDef(d: Omit<Definition, 'id'>): void {
    const def: Definition = { ...d, id: this.definitions.length };
    this.definitions.push(def);
    const list = this.defsByNode.get(d.cfgNode) ?? [];
    list.push(def);
    this.defsByNode.set(d.cfgNode, list);
  }

  private collectDefinitions(): void {
    for (const v of this.variables) {
      if (v.isParam) {
        this.addDef({ variable: v, kind: 'param', node: v.declaration, kills: true, cfgNode: this.cfg.entry, position: this.fn.node.startIndex });
      }
    }
    for (const node of this.cfg.nodes) {
      if (!node.syntax || node.kind === 'assume' || node.kind === 'label') continue;
      if (node.kind === 'branch' && node.branch === 'loop-macro') {
        for (const id of node.syntax.descendantsOfType('identifier')) {
          const v = this.variableOf(id);
          if (v) this.addDef({ variable: v, kind: 'loop-macro', node: id, kills: false, cfgNode: node.id, position: node.syntax.endIndex });
        }
        continue;
      }
      if (node.kind === 'unknown') {
        for (const id of node.syntax.descendantsOfType('identifier')) {
          const v = this.variableOf(id);
          if (v) this.addDef({ variable: v, kind: 'unknown', node: id, kills: false, cfgNode: node.id, position: node.syntax.endIndex });
        }
        continue;
      }
      this.definitionsIn(node, node.syntax, 0);
    }
    this.definitions.sort((a, b) => a.cfgNode - b.cfgNode || a.position - b.position);
    this.definitions.forEach((d, i) => (d.id = i));
    for (const list of this.defsByNode.values()) list.sort((a, b) => a.position - b.position);
  }

  private definitionsIn(node: CfgNode, syntax: SyntaxNode, depth: number): void {
    if (depth > 400) return;
    switch (syntax.type) {
      case 'init_declarator': {
        const nameNode = declaratorName(syntax.childForFieldName('declarator') ?? syntax);
        const v = nameNode ? this.variableOf(nameNode) : undefined;
        const value = syntax.childForFieldName('value') ?? undefined;
        if (value) this.definitionsIn(node, value, depth + 1);
        if (v) this.addDef({ variable: v, kind: 'init', node: syntax, value, kills: true, cfgNode: node.id, position: syntax.endIndex });
        return;
      }
      case 'declaration': {
        for (const c of syntax.namedChildren) {
          if (c.type === 'identifier' || c.type === 'pointer_declarator' || c.type === 'array_declarator') {
            const nameNode = declaratorName(c);
            const v = nameNode ? this.variableOf(nameNode) : undefined;
            if (v && !v.isStatic) this.addDef({ variable: v, kind: 'uninit', node: c, kills: true, cfgNode: node.id, position: c.endIndex });
            if (c.type === 'array_declarator') this.definitionsIn(node, c, depth + 1);
          } else this.definitionsIn(node, c, depth + 1);
        }
        return;
      }
      case 'assignment_expression': {
        const right = syntax.childForFieldName('right');
        if (right) this.definitionsIn(node, right, depth + 1);
        const left = unparen(syntax.childForFieldName('left'));
        if (left && !isIdentifier(left)) this.definitionsIn(node, left, depth + 1);
        const v = isIdentifier(left) ? this.variableOf(left) : undefined;
        if (v) {
          const op = syntax.childForFieldName('operator')?.type ?? '=';
          this.addDef({
            variable: v,
            kind: op === '=' ? 'assign' : 'compound',
            node: syntax,
            value: right ?? undefined,
            ...(op === '=' ? {} : { operator: op }),
            kills: true,
            cfgNode: node.id,
            position: syntax.endIndex,
          });
        }
        return;
      }
      case 'update_expression': {
        const arg = unparen(syntax.childForFieldName('argument'));
        const v = isIdentifier(arg) ? this.variableOf(arg) : undefined;
        if (v) {
          this.addDef({ variable: v, kind: 'update', node: syntax, operator: syntax.childForFieldName('operator')?.type ?? '++', kills: true, cfgNode: node.id, position: syntax.endIndex });
        } else if (arg) this.definitionsIn(node, arg, depth + 1);
        return;
      }
      case 'pointer_expression': {
        const op = syntax.childForFieldName('operator')?.type;
        const arg = unparen(syntax.childForFieldName('argument'));
        // &x, and &x.field / &x[i] (the callee may change any part of x); not &p->f or &p[i]
        // through a pointer p, which take the address of what p points to
        let base = arg;
        let indexed = false;
        for (let i = 0; base && (base.type === 'field_expression' || base.type === 'subscript_expression') && i < 32; i++) {
          if (base.type === 'field_expression' && base.childForFieldName('operator')?.type === '->') {
            base = undefined;
            break;
          }
          if (base.type === 'subscript_expression') indexed = true;
          base = unparen(base.childForFieldName('argument'));
        }
        if (op === '&' && isIdentifier(base)) {
          const v = this.variableOf(base);
          const throughPointer = indexed && !!v && /\*\s*$/.test(v.type);
          if (v && !throughPointer) {
            v.addressTaken = true;
            this.addDef({ variable: v, kind: 'address-taken', node: syntax, kills: false, cfgNode: node.id, position: syntax.endIndex });
          }
        }
        if (arg) this.definitionsIn(node, arg, depth + 1);
        return;
      }
      case 'gnu_asm_output_operand': {
        for (const id of syntax.descendantsOfType('identifier')) {
          const v = this.variableOf(id);
          if (v) this.addDef({ variable: v, kind: 'asm', node: id, kills: false, cfgNode: node.id, position: syntax.endIndex });
        }
        return;
      }
      default:
        for (const c of syntax.namedChildren) this.definitionsIn(node, c, depth + 1);
    }
  }

  // ---- reaching definitions ---------------------------------------------------------------

  private solve(maxIterations: number): void {
    const n = this.cfg.nodes.length;
    const d = this.definitions.length;
    this.words = Math.max(1, (d + 31) >>> 5);
    const words = this.words;
    const gen: Uint32Array[] = [];
    const killVars: Array<Set<number>> = [];
    const defsOfVar = new Map<number, number[]>();
    for (const def of this.definitions) {
      const l = defsOfVar.get(def.variable.id) ?? [];
      l.push(def.id);
      defsOfVar.set(def.variable.id, l);
    }
    const killMask: Uint32Array[] = [];
    for (let i = 0; i < n; i++) {
      const g = new Uint32Array(words);
      const k = new Uint32Array(words);
      const killed = new Set<number>();
      for (const def of this.defsByNode.get(i) ?? []) {
        if (def.kills) {
          // a killing definition replaces every earlier definition of the variable in this node
          for (const other of defsOfVar.get(def.variable.id) ?? []) {
            g[other >>> 5] &= ~(1 << (other & 31));
            k[other >>> 5] |= 1 << (other & 31);
          }
          killed.add(def.variable.id);
        }
        g[def.id >>> 5] |= 1 << (def.id & 31);
      }
      gen.push(g);
      killMask.push(k);
      killVars.push(killed);
    }
    const inSets = Array.from({ length: n }, () => new Uint32Array(words));
    const outSets = Array.from({ length: n }, (_, i) => Uint32Array.from(gen[i]));
    const work: number[] = [];
    const queued = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      work.push(i);
      queued[i] = 1;
    }
    let steps = 0;
    while (work.length > 0) {
      if (++steps > maxIterations) {
        this.incomplete = `reaching definitions stopped after ${maxIterations} steps`;
        break;
      }
      const v = work.shift()!;
      queued[v] = 0;
      const inV = inSets[v];
      inV.fill(0);
      for (const p of this.cfg.nodes[v].pred) {
        const o = outSets[p];
        for (let w = 0; w < words; w++) inV[w] |= o[w];
      }
      const out = outSets[v];
      let changed = false;
      for (let w = 0; w < words; w++) {
        const next = gen[v][w] | (inV[w] & ~killMask[v][w]);
        if (next !== out[w]) {
          out[w] = next;
          changed = true;
        }
      }
      if (changed) {
        for (const s of this.cfg.nodes[v].succ) {
          if (!queued[s]) {
            queued[s] = 1;
            work.push(s);
          }
        }
      }
    }
    this.inSets = inSets;
  }

  /** Definitions of `variable` that reach offset `position` inside CFG node `node`. */
  definitionsAt(variable: Variable, node: CfgNode, position: number): Definition[] {
    const inV = this.inSets[node.id];
    const result: Definition[] = [];
    if (inV) {
      for (const def of this.definitions) {
        if (def.variable.id !== variable.id) continue;
        if (inV[def.id >>> 5] & (1 << (def.id & 31))) result.push(def);
      }
    }
    // definitions inside the same node, before the position
    let current = result;
    for (const def of this.defsByNode.get(node.id) ?? []) {
      if (def.variable.id !== variable.id || def.position > position) continue;
      if (def.kills) current = [def];
      else current = [...current, def];
    }
    if (this.incomplete) {
      // unfinished fixpoint: every definition of the variable may reach
      return this.definitions.filter((d) => d.variable.id === variable.id);
    }
    return current;
  }

  /** Definitions reaching the use `identifier` (empty when it is not a local or parameter). */
  reaching(identifier: SyntaxNode): Definition[] {
    const v = this.variableOf(identifier);
    if (!v) return [];
    const node = cfgNodeContaining(this.cfg, identifier);
    if (!node) return [];
    return this.definitionsAt(v, node, identifier.startIndex);
  }

  /** The single definition reaching `identifier`, if exactly one does. */
  uniqueDefinition(identifier: SyntaxNode): Definition | undefined {
    const defs = this.reaching(identifier);
    return defs.length === 1 ? defs[0] : undefined;
  }

  /** The expression a local was initialised from (`T x = value;`), if it was. */
  initializerOf(name: string, at?: number): SyntaxNode | undefined {
    const v = this.variableNamed(name, at);
    if (!v) return undefined;
    return this.definitions.find((d) => d.variable.id === v.id && d.kind === 'init')?.value;
  }

  /**
   * Does the expression at `node` read identifier `name`, directly or through the definitions of
   * the locals it reads (transitively, within `budget` definitions)?
   */
  mentions(node: SyntaxNode, name: string, budget = 64): boolean {
    const seen = new Set<number>();
    const visit = (n: SyntaxNode): boolean => {
      const ids = n.type === 'identifier' ? [n] : n.descendantsOfType('identifier');
      for (const id of ids) {
        if (id.text === name) return true;
        for (const def of this.reaching(id)) {
          if (seen.has(def.id) || seen.size >= budget) continue;
          seen.add(def.id);
          if (def.value && visit(def.value)) return true;
          if (def.kind === 'update' || def.kind === 'compound') {
            // x++ / x += e: x still derives from its earlier definitions
            const target = def.node.descendantsOfType('identifier').find((i) => i.text === id.text);
            if (def.kind === 'compound' && def.value && visit(def.value)) return true;
            if (target && target.id !== id.id && visit(target)) return true;
          }
        }
      }
      return false;
    };
    return visit(node);
  }

  /**
   * The expression at `node` with locals replaced by the value of their single reaching
   * definition (`len` → `size + iova_off`), when every variable that value reads has the same
   * definitions at the use as at the definition. Parameters, address-taken locals and (unless
   * `pointers`) pointer- or struct-typed locals stay as names.
   */
  resolve(node: SyntaxNode, options: ResolveOptions = {}, depth = 8): Expr {
    const identifiers = node.type === 'identifier' ? [node] : node.descendantsOfType('identifier');
    const replacement = new Map<number, Expr>();
    for (const id of identifiers) {
      const sub = this.substitute(id, options, depth);
      if (sub) replacement.set(id.startIndex, sub);
    }
    const base = toExpr(node);
    if (replacement.size === 0) return base;
    return mapExpr(base, (x) => (x.kind === 'ident' && x.at !== undefined ? replacement.get(x.at) : undefined));
  }

  private substitute(id: SyntaxNode, options: ResolveOptions, depth: number): Expr | undefined {
    if (depth <= 0) return undefined;
    const v = this.variableOf(id);
    if (!v || v.isParam || v.addressTaken || v.isStatic) return undefined;
    // pointers to objects (iovad, domain) read better by name: values only, unless asked
    if (!options.pointers && (v.type.includes('*') || /^(const\s+)?(struct|union)\b/.test(v.type))) return undefined;
    const def = this.uniqueDefinition(id);
    if (!def || (def.kind !== 'init' && def.kind !== 'assign') || !def.value) return undefined;
    if (def.value.type === 'initializer_list') return undefined;
    const useNode = cfgNodeContaining(this.cfg, id);
    const defNode = this.cfg.nodes[def.cfgNode];
    if (!useNode) return undefined;
    // the value must mean the same at the use: same definitions of everything it reads
    for (const inner of def.value.type === 'identifier' ? [def.value] : def.value.descendantsOfType('identifier')) {
      const iv = this.variableOf(inner);
      if (!iv) continue;
      const atDef = this.definitionsAt(iv, defNode, inner.startIndex).map((d) => d.id).sort().join(',');
      const atUse = this.definitionsAt(iv, useNode, id.startIndex).map((d) => d.id).sort().join(',');
      if (atDef !== atUse) return undefined;
    }
    return this.resolve(def.value, options, depth - 1);
  }
}

export interface ResolveOptions {
  /** Also replace pointer- and struct-typed locals (`iovad` → `&cookie->iovad`). Default false. */
  pointers?: boolean;
}

/** Definitions are may-definitions (a call may change the variable) rather than certain ones. */
export function isMayDefinition(d: Definition): boolean {
  return MAY_KINDS.has(d.kind);
}
