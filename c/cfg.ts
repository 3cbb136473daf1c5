// The control-flow graph of one function body. Nodes are statements and tests; every outcome of
// a test gets its own `assume` node (true/false of an `if`, each `case` of a `switch`), so "this
// condition holds here" is "that assume node dominates here". Handles if/else, switch with
// fallthrough and default, for/while/do, break/continue, goto and labels, return, calls that do not
// return (BUG(), panic()), BUG_ON(x), loops written as iterator macros (opaque tests), balanced
// preprocessor conditionals inside bodies (either arm may run) and ERROR regions (may jump anywhere).
import { evalConst, isKnownConst } from './const-eval.js';
import { BUG_ON_MACROS, NORETURN_CALLS } from './kernel-macros.js';
import type { MacroRewrite } from './macro-prepass.js';
import type { SyntaxNode } from './types.js';

export type CfgNodeKind = 'entry' | 'exit' | 'abort' | 'statement' | 'branch' | 'assume' | 'label' | 'join' | 'unknown';

export type BranchKind = 'if' | 'while' | 'for' | 'do' | 'switch' | 'bug-on' | 'loop-macro' | 'preproc';

export type Assumption =
  /** The test of `branch` was true (`value`) or false. */
  | { kind: 'truth'; branch: number; test: SyntaxNode; value: boolean }
  /** A `case` of a switch was taken (`values` are the case expressions; `range` for `case a ... b`). */
  | { kind: 'case'; branch: number; discriminant: SyntaxNode; value: SyntaxNode; range?: [SyntaxNode, SyntaxNode] }
  /** The `default` of a switch (or falling past a switch without one): no listed case matched. */
  | { kind: 'default'; branch: number; discriminant: SyntaxNode; excluded: SyntaxNode[] }
  /** An arm of something whose choice we cannot read (an iterator macro's loop test, an #ifdef). */
  | { kind: 'opaque'; branch: number; arm: string };

export interface CfgNode {
  id: number;
  kind: CfgNodeKind;
  /** statement: the statement; branch: the tested expression; label: the label name; assume: the test or case value. */
  syntax?: SyntaxNode;
  branch?: BranchKind;
  /** For a loop-macro branch: the macro name (`list_for_each_entry`). */
  macro?: string;
  assume?: Assumption;
  /** For a label: its name. */
  label?: string;
  /** How a statement leaves: `return`, a call that does not return, `goto`, `break`, `continue`. */
  jump?: 'return' | 'noreturn' | 'goto' | 'break' | 'continue';
  succ: number[];
  pred: number[];
}

export interface Cfg {
  nodes: CfgNode[];
  entry: number;
  exit: number;
  /** Where paths that end in BUG()/panic() go (connected to exit). */
  abort: number;
  /** The function body holds ERROR nodes: `unknown` nodes may jump to any label or return. */
  hasUnknown: boolean;
  /** Nodes with a syntax range (statements, branches, assumes, labels), sorted by start offset. */
  bySyntax: CfgNode[];
}

export type CfgResult = { ok: true; cfg: Cfg } | { ok: false; reason: string };

export interface CfgOptions {
  /** Pre-pass rewrites of the file (loop macros, case ranges). */
  rewrites?: readonly MacroRewrite[];
  /** Maximum number of nodes (default 50,000). */
  maxNodes?: number;
  /** Maximum statement nesting (default 1,500). */
  maxDepth?: number;
}

class BudgetExceeded extends Error {}

interface LoopContext {
  breaks: number[];
  continueTarget?: number;
  /** continue statements waiting for a target created after the body (do-while). */
  pendingContinues?: number[];
  isSwitch: boolean;
}

/** Skip comments; unwrap a parenthesized_expression to its expression. */
function inner(node: SyntaxNode | null | undefined): SyntaxNode | undefined {
  if (!node) return undefined;
  if (node.type === 'parenthesized_expression') {
    const c = node.namedChildren.find((x) => x.type !== 'comment');
    return c ?? node;
  }
  return node;
}

function calleeName(call: SyntaxNode): string | undefined {
  const fn = call.childForFieldName('function');
  return fn?.type === 'identifier' ? fn.text : undefined;
}

class Builder {
  readonly nodes: CfgNode[] = [];
  readonly entry: number;
  readonly exit: number;
  readonly abort: number;
  private readonly labels = new Map<string, number>();
  private readonly loops: LoopContext[] = [];
  private readonly unknowns: number[] = [];
  private readonly loopMacros = new Map<number, string>();
  private readonly caseRanges = new Set<number>();
  private readonly maxNodes: number;
  private readonly maxDepth: number;

  constructor(options: CfgOptions) {
    this.maxNodes = options.maxNodes ?? 50_000;
    this.maxDepth = options.maxDepth ?? 1_500;
    for (const r of options.rewrites ?? []) {
      if (r.kind === 'loop-macro') this.loopMacros.set(r.start, r.name);
      else if (r.kind === 'case-range') this.caseRanges.add(r.start);
    }
    this.entry = this.add({ kind: 'entry' });
    this.exit = this.add({ kind: 'exit' });
    this.abort = this.add({ kind: 'abort' });
    this.link(this.abort, this.exit);
  }

  add(partial: Omit<CfgNode, 'id' | 'succ' | 'pred'>): number {
    if (this.nodes.length >= this.maxNodes) throw new BudgetExceeded(`more than ${this.maxNodes} CFG nodes`);
    const id = this.nodes.length;
    this.nodes.push({ id, succ: [], pred: [], ...partial });
    return id;
  }

  link(from: number, to: number): void {
    const f = this.nodes[from];
    if (f.succ.includes(to)) return;
    f.succ.push(to);
    this.nodes[to].pred.push(from);
  }

  linkAll(froms: readonly number[], to: number): void {
    for (const f of froms) this.link(f, to);
  }

  labelNode(name: string): number {
    let id = this.labels.get(name);
    if (id === undefined) {
      id = this.add({ kind: 'label', label: name });
      this.labels.set(name, id);
    }
    return id;
  }

  finish(body: SyntaxNode): Cfg {
    const ends = this.statement(body, [this.entry], 0);
    this.linkAll(ends, this.exit);
    // an ERROR region may hide a goto or a return
    for (const u of this.unknowns) {
      this.link(u, this.exit);
      for (const l of this.labels.values()) this.link(u, l);
    }
    const bySyntax = this.nodes.filter((n) => n.syntax).sort((a, b) => a.syntax!.startIndex - b.syntax!.startIndex || b.syntax!.endIndex - a.syntax!.endIndex);
    return { nodes: this.nodes, entry: this.entry, exit: this.exit, abort: this.abort, hasUnknown: this.unknowns.length > 0, bySyntax };
  }

  /** Build `stmt` entered from `from`; returns the nodes that fall through to what follows. */
  statement(stmt: SyntaxNode, from: number[], depth: number): number[] {
    if (depth > this.maxDepth) throw new BudgetExceeded(`statements nested deeper than ${this.maxDepth}`);
    const d = depth + 1;
    switch (stmt.type) {
      case 'compound_statement':
        return this.sequence(stmt.namedChildren, from, d);
      case 'comment':
        return from;
      case 'if_statement':
        return this.ifStatement(stmt, from, d);
      case 'while_statement':
        return this.whileStatement(stmt, from, d);
      case 'do_statement':
        return this.doStatement(stmt, from, d);
      case 'for_statement':
        return this.forStatement(stmt, from, d);
      case 'switch_statement':
        return this.switchStatement(stmt, from, d);
      case 'labeled_statement': {
        const name = stmt.childForFieldName('label')?.text ?? '';
        const l = this.labelNode(name);
        this.nodes[l].syntax = stmt.childForFieldName('label') ?? stmt;
        this.linkAll(from, l);
        const body = stmt.namedChildren.filter((c) => c.type !== 'statement_identifier' && c.type !== 'comment');
        return this.sequence(body, [l], d);
      }
      case 'attributed_statement':
        return this.sequence(stmt.namedChildren.filter((c) => c.type !== 'attribute_declaration'), from, d);
      case 'goto_statement': {
        const n = this.add({ kind: 'statement', syntax: stmt, jump: 'goto' });
        this.linkAll(from, n);
        this.link(n, this.labelNode(stmt.childForFieldName('label')?.text ?? ''));
        return [];
      }
      case 'return_statement': {
        const n = this.add({ kind: 'statement', syntax: stmt, jump: 'return' });
        this.linkAll(from, n);
        this.link(n, this.exit);
        return [];
      }
      case 'break_statement': {
        const n = this.add({ kind: 'statement', syntax: stmt, jump: 'break' });
        this.linkAll(from, n);
        const loop = this.loops[this.loops.length - 1];
        if (loop) loop.breaks.push(n);
        return loop ? [] : [n];
      }
      case 'continue_statement': {
        const n = this.add({ kind: 'statement', syntax: stmt, jump: 'continue' });
        this.linkAll(from, n);
        const loop = [...this.loops].reverse().find((l) => !l.isSwitch);
        if (!loop) return [n];
        if (loop.continueTarget !== undefined) this.link(n, loop.continueTarget);
        else (loop.pendingContinues ??= []).push(n);
        return [];
      }
      case 'preproc_if':
      case 'preproc_ifdef':
        return this.preprocConditional(stmt, from, d);
      case 'preproc_call':
      case 'preproc_def':
      case 'preproc_function_def':
      case 'preproc_include':
        return from;
      case 'ERROR': {
        const n = this.add({ kind: 'unknown', syntax: stmt });
        this.linkAll(from, n);
        this.unknowns.push(n);
        return [n];
      }
      case 'expression_statement':
        if (stmt.namedChildren.length === 0) return from; // `;`
        return this.simpleStatement(stmt, from);
      default:
        return this.simpleStatement(stmt, from);
    }
  }

  sequence(children: readonly SyntaxNode[], from: number[], depth: number): number[] {
    let ends = from;
    for (const c of children) {
      if (c.type === 'comment' || c.type === '{' || c.type === '}') continue;
      ends = this.statement(c, ends, depth);
    }
    return ends;
  }

  simpleStatement(stmt: SyntaxNode, from: number[]): number[] {
    const expr = stmt.type === 'expression_statement' ? stmt.namedChildren.find((c) => c.type !== 'comment') : undefined;
    if (expr?.type === 'call_expression') {
      const name = calleeName(expr);
      if (name && BUG_ON_MACROS.has(name)) {
        const arg = expr.childForFieldName('arguments')?.namedChildren.find((c) => c.type !== 'comment');
        if (arg) {
          const b = this.add({ kind: 'branch', syntax: stmt, branch: 'bug-on' });
          this.linkAll(from, b);
          const t = this.add({ kind: 'assume', syntax: arg, assume: { kind: 'truth', branch: b, test: arg, value: true } });
          this.link(b, t);
          this.link(t, this.abort);
          const f = this.add({ kind: 'assume', syntax: arg, assume: { kind: 'truth', branch: b, test: arg, value: false } });
          this.link(b, f);
          return [f];
        }
      }
      if (name && NORETURN_CALLS.has(name)) {
        const n = this.add({ kind: 'statement', syntax: stmt, jump: 'noreturn' });
        this.linkAll(from, n);
        this.link(n, this.abort);
        return [];
      }
    }
    const n = this.add({ kind: stmt.type === 'ERROR' || stmt.hasError ? 'unknown' : 'statement', syntax: stmt });
    this.linkAll(from, n);
    if (this.nodes[n].kind === 'unknown') this.unknowns.push(n);
    // asm goto: may jump to its labels
    for (const list of stmt.descendantsOfType('gnu_asm_goto_list')) {
      for (const id of list.namedChildren) this.link(n, this.labelNode(id.text));
    }
    return [n];
  }

  /** A test node with its two assume nodes; a constant test keeps only the outcome it can have. */
  /** `written` is the test as written (with its parentheses): the branch node's range. */
  branchOn(test: SyntaxNode, kind: BranchKind, from: number[], macro?: string, written: SyntaxNode = test): { branch: number; whenTrue?: number; whenFalse?: number } {
    const b = this.add({ kind: 'branch', syntax: written, branch: kind, ...(macro ? { macro } : {}) });
    this.linkAll(from, b);
    const constant = macro ? undefined : evalConst(test);
    const known = isKnownConst(constant) ? constant.value !== 0n : undefined;
    const out: { branch: number; whenTrue?: number; whenFalse?: number } = { branch: b };
    const assumption = (value: boolean): Assumption => (macro
      ? { kind: 'opaque', branch: b, arm: value ? 'iterate' : 'done' }
      : { kind: 'truth', branch: b, test, value });
    if (known !== false) {
      out.whenTrue = this.add({ kind: 'assume', syntax: test, assume: assumption(true) });
      this.link(b, out.whenTrue);
    }
    if (known !== true) {
      out.whenFalse = this.add({ kind: 'assume', syntax: test, assume: assumption(false) });
      this.link(b, out.whenFalse);
    }
    return out;
  }

  ifStatement(stmt: SyntaxNode, from: number[], depth: number): number[] {
    const written = stmt.childForFieldName('condition') ?? stmt;
    const test = inner(written) ?? stmt;
    const { whenTrue, whenFalse } = this.branchOn(test, 'if', from, undefined, written);
    const consequence = stmt.childForFieldName('consequence');
    const thenEnds = whenTrue !== undefined && consequence ? this.statement(consequence, [whenTrue], depth) : whenTrue !== undefined ? [whenTrue] : [];
    const alternative = stmt.childForFieldName('alternative');
    let elseEnds: number[] = whenFalse !== undefined ? [whenFalse] : [];
    if (alternative && whenFalse !== undefined) {
      elseEnds = this.sequence(alternative.namedChildren, [whenFalse], depth);
    }
    return [...thenEnds, ...elseEnds];
  }

  whileStatement(stmt: SyntaxNode, from: number[], depth: number): number[] {
    const written = stmt.childForFieldName('condition') ?? stmt;
    const test = inner(written) ?? stmt;
    const macro = this.loopMacros.get(stmt.startIndex);
    const loop: LoopContext = { breaks: [], isSwitch: false };
    const { branch, whenTrue, whenFalse } = this.branchOn(test, macro ? 'loop-macro' : 'while', from, macro, written);
    loop.continueTarget = branch;
    this.loops.push(loop);
    const body = stmt.childForFieldName('body');
    const bodyEnds = whenTrue !== undefined && body ? this.statement(body, [whenTrue], depth) : whenTrue !== undefined ? [whenTrue] : [];
    this.loops.pop();
    this.linkAll(bodyEnds, branch);
    return [...(whenFalse !== undefined ? [whenFalse] : []), ...loop.breaks];
  }

  doStatement(stmt: SyntaxNode, from: number[], depth: number): number[] {
    const head = this.add({ kind: 'join', syntax: undefined });
    this.linkAll(from, head);
    const loop: LoopContext = { breaks: [], isSwitch: false };
    this.loops.push(loop);
    const body = stmt.childForFieldName('body');
    const bodyEnds = body ? this.statement(body, [head], depth) : [head];
    this.loops.pop();
    const written = stmt.childForFieldName('condition') ?? stmt;
    const test = inner(written) ?? stmt;
    const { branch, whenTrue, whenFalse } = this.branchOn(test, 'do', [...bodyEnds, ...(loop.pendingContinues ?? [])], undefined, written);
    void branch;
    if (whenTrue !== undefined) this.link(whenTrue, head);
    return [...(whenFalse !== undefined ? [whenFalse] : []), ...loop.breaks];
  }

  forStatement(stmt: SyntaxNode, from: number[], depth: number): number[] {
    let ends = from;
    const init = stmt.childForFieldName('initializer');
    if (init) {
      const n = this.add({ kind: 'statement', syntax: init });
      this.linkAll(ends, n);
      ends = [n];
    }
    const cond = stmt.childForFieldName('condition');
    const head = this.add({ kind: 'join' });
    this.linkAll(ends, head);
    let bodyStart: number[] = [head];
    let exitEnds: number[] = [];
    if (cond) {
      const { whenTrue, whenFalse } = this.branchOn(cond, 'for', [head]);
      bodyStart = whenTrue !== undefined ? [whenTrue] : [];
      exitEnds = whenFalse !== undefined ? [whenFalse] : [];
    }
    const update = stmt.childForFieldName('update');
    const updateNode = update ? this.add({ kind: 'statement', syntax: update }) : undefined;
    const loop: LoopContext = { breaks: [], isSwitch: false, continueTarget: updateNode ?? head };
    this.loops.push(loop);
    const body = stmt.childForFieldName('body');
    const bodyEnds = body && bodyStart.length > 0 ? this.statement(body, bodyStart, depth) : bodyStart;
    this.loops.pop();
    if (updateNode !== undefined) {
      this.linkAll(bodyEnds, updateNode);
      this.link(updateNode, head);
    } else {
      this.linkAll(bodyEnds, head);
    }
    return [...exitEnds, ...loop.breaks];
  }

  switchStatement(stmt: SyntaxNode, from: number[], depth: number): number[] {
    const written = stmt.childForFieldName('condition') ?? stmt;
    const discriminant = inner(written) ?? stmt;
    const b = this.add({ kind: 'branch', syntax: written, branch: 'switch' });
    this.linkAll(from, b);
    const loop: LoopContext = { breaks: [], isSwitch: true };
    this.loops.push(loop);
    const body = stmt.childForFieldName('body');
    const values: SyntaxNode[] = [];
    let hasDefault = false;
    let ends: number[] = [];
    for (const c of body?.namedChildren ?? []) {
      if (c.type !== 'case_statement') {
        ends = this.statement(c, ends, depth); // before any case: unreachable unless labelled
        continue;
      }
      const value = c.childForFieldName('value');
      let a: number;
      if (value) {
        values.push(value);
        const range = this.caseRange(value);
        a = this.add({ kind: 'assume', syntax: value, assume: { kind: 'case', branch: b, discriminant, value, ...(range ? { range } : {}) } });
      } else {
        hasDefault = true;
        a = this.add({ kind: 'assume', syntax: c.child(0) ?? c, assume: { kind: 'default', branch: b, discriminant, excluded: values } });
      }
      this.link(b, a);
      const statements = c.namedChildren.filter((x) => x.id !== value?.id);
      ends = this.sequence(statements, [...ends, a], depth);
    }
    this.loops.pop();
    const out = [...ends, ...loop.breaks];
    if (!hasDefault) {
      const a = this.add({ kind: 'assume', syntax: discriminant, assume: { kind: 'default', branch: b, discriminant, excluded: values } });
      this.link(b, a);
      out.push(a);
    }
    return out;
  }

  /** `case 1 ... 6:` (written `1 || 6` by the pre-pass): the two bounds. */
  caseRange(value: SyntaxNode): [SyntaxNode, SyntaxNode] | undefined {
    if (value.type !== 'binary_expression') return undefined;
    const op = value.childForFieldName('operator');
    if (!op || !this.caseRanges.has(op.startIndex)) return undefined;
    const l = value.childForFieldName('left');
    const r = value.childForFieldName('right');
    return l && r ? [l, r] : undefined;
  }

  preprocConditional(stmt: SyntaxNode, from: number[], depth: number): number[] {
    const b = this.add({ kind: 'branch', syntax: stmt.childForFieldName('condition') ?? stmt.childForFieldName('name') ?? stmt, branch: 'preproc' });
    this.linkAll(from, b);
    const out: number[] = [];
    let arm: SyntaxNode | null = stmt;
    let armIndex = 0;
    let sawElse = false;
    for (let guard = 0; arm && guard < 64; guard++) {
      const a = this.add({ kind: 'assume', assume: { kind: 'opaque', branch: b, arm: `#arm${armIndex++}` } });
      this.link(b, a);
      const alternative = arm.childForFieldName('alternative');
      const skip = new Set([alternative?.id, arm.childForFieldName('condition')?.id, arm.childForFieldName('name')?.id]);
      const statements = arm.namedChildren.filter((c) => !skip.has(c.id));
      out.push(...this.sequence(statements, [a], depth));
      if (arm.type === 'preproc_else') sawElse = true;
      arm = alternative;
    }
    if (!sawElse) {
      const a = this.add({ kind: 'assume', assume: { kind: 'opaque', branch: b, arm: '#none' } });
      this.link(b, a);
      out.push(a);
    }
    return out;
  }
}

/** Build the CFG of a function body (a compound_statement). Budgets give `{ ok: false }`, never a hang. */
export function buildCfg(body: SyntaxNode, options: CfgOptions = {}): CfgResult {
  try {
    return { ok: true, cfg: new Builder(options).finish(body) };
  } catch (e) {
    if (e instanceof BudgetExceeded) return { ok: false, reason: e.message };
    if (e instanceof RangeError) return { ok: false, reason: 'function too deeply nested' };
    throw e;
  }
}

/** The CFG node whose syntax holds `node` (the statement or test it belongs to), if any. */
export function cfgNodeContaining(cfg: Cfg, node: { startIndex: number; endIndex: number }): CfgNode | undefined {
  const list = cfg.bySyntax;
  // binary search: last node starting at or before node.startIndex
  let lo = 0;
  let hi = list.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].syntax!.startIndex <= node.startIndex) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // ranges are disjoint except assume nodes sharing their test's range: prefer statements/branches
  let best: CfgNode | undefined;
  for (let i = found; i >= 0 && i >= found - 8; i--) {
    const c = list[i];
    const s = c.syntax!;
    if (s.startIndex <= node.startIndex && s.endIndex >= node.endIndex) {
      if (c.kind === 'assume' || c.kind === 'label') {
        best ??= c;
        continue;
      }
      if (!best || best.kind === 'assume' || best.kind === 'label' || s.endIndex - s.startIndex < best.syntax!.endIndex - best.syntax!.startIndex) best = c;
    }
  }
  return best;
}
