// Def-use of a function's parameters and locals: which definitions (parameter entry, initialiser,
// assignment, ++/--, address taken, iterator macro) reach each use, by reaching-definitions over the
// CFG; and copy propagation that rebuilds an expression through locals' definitions
// (`len` → `size + iova_off`) when the variables it reads are unchanged in between.
// Works on the function's mirror (mirror.ts); SyntaxNodes are produced only when asked for.
import type { Cfg, CfgNode } from './cfg.js';
import { cfgNodeContaining } from './cfg.js';
import { ATTRIBUTE_WORDS } from './kernel-macros.js';
import { mapExpr, toExprM, type Expr } from './expr.js';
import { normalizeTypeText } from './function-index.js';
import { descendants, field, isMNode, kids, Mirror, operatorOf, unparen, type MNode } from './mirror.js';
import type { FunctionInfo, SyntaxNode } from './types.js';

export interface Variable {
  id: number;
  name: string;
  isParam: boolean;
  /** Declared type text, annotations removed ("struct iova_domain *", "size_t"). */
  type: string;
  /** The declarator (or parameter_declaration). */
  readonly declaration: SyntaxNode;
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
  readonly node: SyntaxNode;
  /** The assigned expression (init/assign/compound). */
  readonly value?: SyntaxNode;
  /** The compound operator (`+=`) for kind 'compound', `++`/`--` for 'update'. */
  operator?: string;
  /** Whether it replaces the previous value for sure (false for may-definitions). */
  kills: boolean;
  cfgNode: number;
  /** Offset after which the definition is in effect (the end of the assignment). */
  position: number;
  /** Mirror nodes of `node` and `value`. */
  m: MNode;
  valueM?: MNode;
}

export interface ResolveOptions {
  /** Also replace pointer- and struct-typed locals (`iovad` → `&cookie->iovad`). Default false. */
  pointers?: boolean;
}

const MAY_KINDS = new Set<DefinitionKind>(['address-taken', 'loop-macro', 'asm', 'unknown']);

/** The identifier a declarator declares (through pointers, arrays, parentheses, functions, initialisers). */
export function declaratorNameM(d: MNode | undefined): MNode | undefined {
  let x = d;
  for (let budget = 32; x && budget > 0; budget--) {
    if (x.type === 'identifier' || x.type === 'field_identifier' || x.type === 'type_identifier') return x;
    x = field(x, 'declarator') ?? kids(x).find((c) => c.type.endsWith('declarator') || c.type === 'identifier');
  }
  return undefined;
}

/** Type text of one declarator in a declaration (`int a, *b` → "int" / "int *"), annotations dropped. */
export function declaredTypeM(declaration: MNode, declarator: MNode, mirror: Mirror): string {
  const typeNode = field(declaration, 'type');
  const specifiers: string[] = [];
  for (const c of kids(declaration)) {
    if (c.type === 'type_qualifier' || c === typeNode) specifiers.push(mirror.textOf(c));
  }
  let d = declarator;
  if (d.type === 'init_declarator') d = field(d, 'declarator') ?? d;
  const name = declaratorNameM(d);
  const declText = name ? mirror.text.slice(d.start, name.start) + mirror.text.slice(name.end, d.end) : d === typeNode ? '' : mirror.textOf(d);
  const words = `${specifiers.join(' ')} ${declText}`.split(/(\s+|\*|\(|\)|\[|\])/).filter((w) => !ATTRIBUTE_WORDS.has(w.trim()));
  return normalizeTypeText(words.join(''));
}

/** Type text of one declarator (SyntaxNode form, for callers outside the analyses). */
export function declaredType(declaration: SyntaxNode, declarator: SyntaxNode): string {
  const m = new Mirror(declaration);
  const d = m.find(declarator) ?? m.root;
  return declaredTypeM(m.root, d, m);
}

class VariableImpl implements Variable {
  addressTaken = false;
  constructor(
    readonly id: number,
    readonly name: string,
    readonly isParam: boolean,
    readonly type: string,
    readonly declarationM: MNode,
    readonly scopeStart: number,
    readonly scopeEnd: number,
    readonly isStatic: boolean,
    private readonly mirror: Mirror,
  ) {}
  get declaration(): SyntaxNode {
    return this.mirror.syntax(this.declarationM);
  }
}

class DefinitionImpl implements Definition {
  id = 0;
  operator?: string;
  constructor(
    readonly variable: Variable,
    readonly kind: DefinitionKind,
    readonly m: MNode,
    readonly valueM: MNode | undefined,
    readonly kills: boolean,
    readonly cfgNode: number,
    readonly position: number,
    private readonly mirror: Mirror,
  ) {}
  get node(): SyntaxNode {
    return this.mirror.syntax(this.m);
  }
  get value(): SyntaxNode | undefined {
    return this.valueM ? this.mirror.syntax(this.valueM) : undefined;
  }
}

const INTERESTING = new Set(['init_declarator', 'declaration', 'assignment_expression', 'update_expression', 'pointer_expression', 'gnu_asm_output_operand']);

export class DefUse {
  readonly variables: Variable[] = [];
  readonly definitions: Definition[] = [];
  private readonly byName = new Map<string, VariableImpl[]>();
  private readonly defsByNode = new Map<number, Definition[]>();
  private readonly defsByVar = new Map<number, Definition[]>();
  private inSets = new Uint32Array(0);
  private words = 0;
  private readonly mirror: Mirror;
  /** Why the analysis stopped early, if it did (then every query answers conservatively). */
  incomplete?: string;

  constructor(
    private readonly fn: FunctionInfo,
    private readonly cfg: Cfg,
    maxIterations = 200_000,
  ) {
    this.mirror = cfg.mirror;
    this.collectVariables();
    this.collectDefinitions();
    this.solve(maxIterations);
  }

  // ---- variables ------------------------------------------------------------------------

  private addVariable(name: string, isParam: boolean, type: string, decl: MNode, scopeStart: number, scopeEnd: number, isStatic: boolean): void {
    const v = new VariableImpl(this.variables.length, name, isParam, type, decl, scopeStart, scopeEnd, isStatic, this.mirror);
    this.variables.push(v);
    const list = this.byName.get(name) ?? [];
    list.push(v);
    this.byName.set(name, list);
  }

  /** Mirror of the whole function (the CFG was built on the body; the mirror covers the definition). */
  private functionRoot(): MNode {
    return this.mirror.find(this.fn.node) ?? this.mirror.root;
  }

  private collectVariables(): void {
    const def = this.functionRoot();
    const fnDecl = functionDeclaratorM(def);
    const params = kids(field(fnDecl, 'parameters') ?? def).filter((p) => p.type === 'parameter_declaration');
    params.forEach((p, i) => {
      const declarator = field(p, 'declarator');
      const nameNode = declarator ? declaratorNameM(declarator) : undefined;
      if (!nameNode || !declarator) return;
      const type = this.fn.params[i]?.name === this.mirror.textOf(nameNode) ? this.fn.params[i].type : declaredTypeM(p, declarator, this.mirror);
      this.addVariable(this.mirror.textOf(nameNode), true, type, p, def.start, def.end, false);
    });
    const body = field(def, 'body');
    if (!body) return;
    for (const decl of descendants(body, 'declaration')) {
      const scope = this.scopeOf(decl, body);
      const isStatic = kids(decl).some((c) => c.type === 'storage_class_specifier' && this.mirror.textOf(c) === 'static');
      const typeNode = field(decl, 'type');
      for (const d of kids(decl)) {
        if (d === typeNode || (!d.type.endsWith('declarator') && d.type !== 'identifier')) continue;
        if (d.type === 'function_declarator') continue;
        const nameNode = declaratorNameM(d.type === 'init_declarator' ? field(d, 'declarator') ?? d : d);
        if (!nameNode) continue;
        this.addVariable(this.mirror.textOf(nameNode), false, declaredTypeM(decl, d, this.mirror), d, decl.start, scope.end, isStatic);
      }
    }
  }

  /** The block (or for statement) a declaration is scoped to. */
  private scopeOf(decl: MNode, body: MNode): MNode {
    for (let p = decl.parent; p; p = p.parent) {
      if (p.type === 'compound_statement' || p.type === 'for_statement') return p;
    }
    return body;
  }

  private variableAt(name: string, at: number): VariableImpl | undefined {
    const candidates = this.byName.get(name);
    if (!candidates) return undefined;
    let best: VariableImpl | undefined;
    for (const v of candidates) {
      const visible = v.isParam || (at >= v.scopeStart && at < v.scopeEnd);
      if (!visible) continue;
      if (!best || v.scopeStart >= best.scopeStart) best = v;
    }
    return best;
  }

  private variableOfM(identifier: MNode): VariableImpl | undefined {
    return this.variableAt(this.mirror.textOf(identifier), identifier.start);
  }

  /** The variable an identifier refers to at its position (innermost visible declaration). */
  variableOf(identifier: SyntaxNode | MNode): Variable | undefined {
    if (isMNode(identifier)) return this.variableOfM(identifier);
    return this.variableAt(identifier.text, identifier.startIndex);
  }

  /** The variable declared with `name` that is visible at offset `at` (or the innermost, if omitted). */
  variableNamed(name: string, at?: number): Variable | undefined {
    if (at !== undefined) return this.variableAt(name, at);
    const candidates = this.byName.get(name) ?? [];
    let best: VariableImpl | undefined;
    for (const v of candidates) if (!best || v.scopeStart >= best.scopeStart) best = v;
    return best;
  }

  // ---- definitions ------------------------------------------------------------------------

  private addDef(variable: VariableImpl, kind: DefinitionKind, m: MNode, valueM: MNode | undefined, kills: boolean, cfgNode: number, position: number, operator?: string): void {
    const def = new DefinitionImpl(variable, kind, m, valueM, kills, cfgNode, position, this.mirror);
    if (operator) def.operator = operator;
    this.definitions.push(def);
  }

  private collectDefinitions(): void {
    for (const v of this.variables) {
      if (v.isParam) this.addDef(v as VariableImpl, 'param', (v as VariableImpl).declarationM, undefined, true, this.cfg.entry, this.fn.node.startIndex);
    }
    for (const node of this.cfg.nodes) {
      const m = node.m;
      if (!m || node.kind === 'assume' || node.kind === 'label') continue;
      if ((node.kind === 'branch' && node.branch === 'loop-macro') || node.kind === 'unknown') {
        const kind: DefinitionKind = node.kind === 'unknown' ? 'unknown' : 'loop-macro';
        for (const id of descendants(m, 'identifier')) {
          const v = this.variableOfM(id);
          if (v) this.addDef(v, kind, id, undefined, false, node.id, m.end);
        }
        continue;
      }
      const found = INTERESTING.has(m.type) ? [m, ...descendants(m, INTERESTING)] : descendants(m, INTERESTING);
      for (const x of found) this.definitionAt(node, x);
    }
    this.definitions.sort((a, b) => a.cfgNode - b.cfgNode || a.position - b.position);
    this.definitions.forEach((d, i) => (d.id = i));
    for (const d of this.definitions) {
      let l = this.defsByNode.get(d.cfgNode);
      if (!l) this.defsByNode.set(d.cfgNode, (l = []));
      l.push(d);
      let v = this.defsByVar.get(d.variable.id);
      if (!v) this.defsByVar.set(d.variable.id, (v = []));
      v.push(d);
    }
  }

  private definitionAt(node: CfgNode, x: MNode): void {
    switch (x.type) {
      case 'init_declarator': {
        const nameNode = declaratorNameM(field(x, 'declarator') ?? x);
        const v = nameNode ? this.variableOfM(nameNode) : undefined;
        if (v) this.addDef(v, 'init', x, field(x, 'value'), true, node.id, x.end);
        return;
      }
      case 'declaration': {
        for (const c of kids(x)) {
          if (c.type !== 'identifier' && c.type !== 'pointer_declarator' && c.type !== 'array_declarator') continue;
          if (c === field(x, 'type')) continue;
          const nameNode = declaratorNameM(c);
          const v = nameNode ? this.variableOfM(nameNode) : undefined;
          if (v && !v.isStatic) this.addDef(v, 'uninit', c, undefined, true, node.id, c.end);
        }
        return;
      }
      case 'assignment_expression': {
        const left = unparen(field(x, 'left'));
        const v = left?.type === 'identifier' ? this.variableOfM(left) : undefined;
        if (!v) return;
        const op = operatorOf(x) ?? '=';
        this.addDef(v, op === '=' ? 'assign' : 'compound', x, field(x, 'right'), true, node.id, x.end, op === '=' ? undefined : op);
        return;
      }
      case 'update_expression': {
        const arg = unparen(field(x, 'argument'));
        const v = arg?.type === 'identifier' ? this.variableOfM(arg) : undefined;
        if (v) this.addDef(v, 'update', x, undefined, true, node.id, x.end, operatorOf(x) ?? '++');
        return;
      }
      case 'pointer_expression': {
        if (operatorOf(x) !== '&') return;
        // &x, and &x.field / &x[i] (the callee may change any part of x); not &p->f or &p[i]
        // through a pointer p, which take the address of what p points to
        let base = unparen(field(x, 'argument'));
        let indexed = false;
        for (let i = 0; base && (base.type === 'field_expression' || base.type === 'subscript_expression') && i < 32; i++) {
          if (base.type === 'field_expression' && operatorOf(base) === '->') return;
          if (base.type === 'subscript_expression') indexed = true;
          base = unparen(field(base, 'argument'));
        }
        if (base?.type !== 'identifier') return;
        const v = this.variableOfM(base);
        if (!v || (indexed && /\*\s*$/.test(v.type))) return;
        v.addressTaken = true;
        this.addDef(v, 'address-taken', x, undefined, false, node.id, x.end);
        return;
      }
      case 'gnu_asm_output_operand':
        for (const id of descendants(x, 'identifier')) {
          const v = this.variableOfM(id);
          if (v) this.addDef(v, 'asm', id, undefined, false, node.id, x.end);
        }
        return;
    }
  }

  // ---- reaching definitions ---------------------------------------------------------------

  private solve(maxIterations: number): void {
    const n = this.cfg.nodes.length;
    const words = Math.max(1, (this.definitions.length + 31) >>> 5);
    this.words = words;
    // flat bit sets: node i occupies [i * words, (i + 1) * words)
    const gen = new Uint32Array(n * words);
    const kill = new Uint32Array(n * words);
    for (const [nodeId, defs] of this.defsByNode) {
      const base = nodeId * words;
      for (const def of defs) {
        if (def.kills) {
          // a killing definition replaces every other definition of the variable
          for (const other of this.defsByVar.get(def.variable.id) ?? []) {
            gen[base + (other.id >>> 5)] &= ~(1 << (other.id & 31));
            kill[base + (other.id >>> 5)] |= 1 << (other.id & 31);
          }
        }
        gen[base + (def.id >>> 5)] |= 1 << (def.id & 31);
      }
    }
    const ins = new Uint32Array(n * words);
    const outs = Uint32Array.from(gen);
    const queue = new Int32Array(n + 1);
    const queued = new Uint8Array(n);
    let head = 0;
    let size = 0;
    for (let i = 0; i < n; i++) {
      queue[(head + size++) % (n + 1)] = i;
      queued[i] = 1;
    }
    let steps = 0;
    while (size > 0) {
      if (++steps > maxIterations) {
        this.incomplete = `reaching definitions stopped after ${maxIterations} steps`;
        break;
      }
      const v = queue[head];
      head = (head + 1) % (n + 1);
      size--;
      queued[v] = 0;
      const base = v * words;
      for (let w = 0; w < words; w++) ins[base + w] = 0;
      for (const p of this.cfg.nodes[v].pred) {
        const pb = p * words;
        for (let w = 0; w < words; w++) ins[base + w] |= outs[pb + w];
      }
      let changed = false;
      for (let w = 0; w < words; w++) {
        // >>> 0: bit 31 would make the int negative and never equal the stored unsigned word
        const next = (gen[base + w] | (ins[base + w] & ~kill[base + w])) >>> 0;
        if (next !== outs[base + w]) {
          outs[base + w] = next;
          changed = true;
        }
      }
      if (changed) {
        for (const s of this.cfg.nodes[v].succ) {
          if (!queued[s]) {
            queued[s] = 1;
            queue[(head + size++) % (n + 1)] = s;
          }
        }
      }
    }
    this.inSets = ins;
  }

  /** Definitions of `variable` that reach offset `position` inside CFG node `node`. */
  definitionsAt(variable: Variable, node: CfgNode, position: number): Definition[] {
    const all = this.defsByVar.get(variable.id) ?? [];
    if (this.incomplete) return all;
    const base = node.id * this.words;
    let current: Definition[] = [];
    for (const def of all) {
      if (this.inSets[base + (def.id >>> 5)] & (1 << (def.id & 31))) current.push(def);
    }
    // definitions inside the same node, before the position
    for (const def of this.defsByNode.get(node.id) ?? []) {
      if (def.variable.id !== variable.id || def.position > position) continue;
      current = def.kills ? [def] : [...current, def];
    }
    return current;
  }

  /** Definitions reaching the use `identifier` (empty when it is not a local or parameter). */
  reaching(identifier: SyntaxNode | MNode): Definition[] {
    const m = isMNode(identifier) ? identifier : this.mirror.find(identifier);
    if (!m) return [];
    const v = this.variableOfM(m);
    if (!v) return [];
    const node = cfgNodeContaining(this.cfg, m);
    if (!node) return [];
    return this.definitionsAt(v, node, m.start);
  }

  /** The single definition reaching `identifier`, if exactly one does. */
  uniqueDefinition(identifier: SyntaxNode | MNode): Definition | undefined {
    const defs = this.reaching(identifier);
    return defs.length === 1 ? defs[0] : undefined;
  }

  /** The expression a local was initialised from (`T x = value;`), if it was. */
  initializerOf(name: string, at?: number): SyntaxNode | undefined {
    const v = this.variableNamed(name, at);
    if (!v) return undefined;
    return (this.defsByVar.get(v.id) ?? []).find((d) => d.kind === 'init')?.value;
  }

  /**
   * Does the expression at `node` read identifier `name`, directly or through the definitions of
   * the locals it reads (transitively, within `budget` definitions)?
   */
  mentions(node: SyntaxNode | MNode, name: string, budget = 64): boolean {
    const root = isMNode(node) ? node : this.mirror.find(node);
    if (!root) return false;
    const seen = new Set<number>();
    const visit = (n: MNode): boolean => {
      const ids = n.type === 'identifier' ? [n] : descendants(n, 'identifier');
      for (const id of ids) {
        if (this.mirror.textOf(id) === name) return true;
        for (const def of this.reaching(id)) {
          if (seen.has(def.id) || seen.size >= budget) continue;
          seen.add(def.id);
          if (def.valueM && visit(def.valueM)) return true;
          if (def.kind === 'update' || def.kind === 'compound') {
            // x++ / x += e: x still derives from its earlier definitions
            const target = descendants(def.m, 'identifier').find((i) => this.mirror.textOf(i) === this.mirror.textOf(id));
            if (target && target !== id && visit(target)) return true;
          }
        }
      }
      return false;
    };
    return visit(root);
  }

  /**
   * The expression at `node` with locals replaced by the value of their single reaching
   * definition (`len` → `size + iova_off`), when every variable that value reads has the same
   * definitions at the use as at the definition. Parameters, address-taken locals and (unless
   * `pointers`) pointer- or struct-typed locals stay as names.
   */
  resolve(node: SyntaxNode | MNode, options: ResolveOptions = {}, depth = 8): Expr {
    const root = isMNode(node) ? node : this.mirror.find(node);
    if (!root) return toExprM(undefined, this.mirror);
    const identifiers = root.type === 'identifier' ? [root] : descendants(root, 'identifier');
    const replacement = new Map<number, Expr>();
    for (const id of identifiers) {
      const sub = this.substitute(id, options, depth);
      if (sub) replacement.set(id.start, sub);
    }
    const base = toExprM(root, this.mirror);
    if (replacement.size === 0) return base;
    return mapExpr(base, (x) => (x.kind === 'ident' && x.at !== undefined ? replacement.get(x.at) : undefined));
  }

  private substitute(id: MNode, options: ResolveOptions, depth: number): Expr | undefined {
    if (depth <= 0) return undefined;
    const v = this.variableOfM(id);
    if (!v || v.isParam || v.addressTaken || v.isStatic) return undefined;
    // pointers to objects (iovad, domain) read better by name: values only, unless asked
    if (!options.pointers && (v.type.includes('*') || /^(const\s+)?(struct|union)\b/.test(v.type))) return undefined;
    const def = this.uniqueDefinition(id);
    if (!def || (def.kind !== 'init' && def.kind !== 'assign') || !def.valueM) return undefined;
    if (def.valueM.type === 'initializer_list') return undefined;
    const useNode = cfgNodeContaining(this.cfg, id);
    const defNode = this.cfg.nodes[def.cfgNode];
    if (!useNode) return undefined;
    // the value must mean the same at the use: same definitions of everything it reads
    for (const inner of def.valueM.type === 'identifier' ? [def.valueM] : descendants(def.valueM, 'identifier')) {
      const iv = this.variableOfM(inner);
      if (!iv) continue;
      const atDef = this.definitionsAt(iv, defNode, inner.start).map((d) => d.id).join(',');
      const atUse = this.definitionsAt(iv, useNode, id.start).map((d) => d.id).join(',');
      if (atDef !== atUse) return undefined;
    }
    return this.resolve(def.valueM, options, depth - 1);
  }
}

/** The innermost function_declarator whose declarator is the function's name (mirror form). */
export function functionDeclaratorM(def: MNode): MNode | undefined {
  let d = field(def, 'declarator');
  for (let budget = 32; d && budget > 0; budget--) {
    if (d.type === 'function_declarator') {
      const inner = field(d, 'declarator');
      if (inner?.type === 'identifier') return d;
      d = inner;
      continue;
    }
    if (d.type === 'pointer_declarator' || d.type === 'parenthesized_declarator' || d.type === 'attributed_declarator') {
      d = field(d, 'declarator') ?? kids(d).find((c) => c.type.endsWith('declarator') || c.type === 'identifier');
      continue;
    }
    return undefined;
  }
  return undefined;
}

/** Definitions are may-definitions (a call may change the variable) rather than certain ones. */
export function isMayDefinition(d: Definition): boolean {
  return MAY_KINDS.has(d.kind);
}
