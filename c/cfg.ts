// The control-flow graph of one function body. Nodes are statements and tests; every outcome of
// a test gets its own `assume` node (true/false of an `if`, each `case` of a `switch`), so "this
// condition holds here" is "that assume node dominates here". Handles if/else, switch with
// fallthrough and default, for/while/do, break/continue, goto and labels, return, calls that do not
// return (BUG(), panic()), BUG_ON(x), loops written as iterator macros (opaque tests), balanced
// preprocessor conditionals inside bodies (either arm may run) and ERROR regions (may jump anywhere).
// Built on the function's mirror (mirror.ts); SyntaxNodes are produced only when asked for.
import { evalConst, isKnownConst } from './const-eval.js';
import { toExprM } from './expr.js';
import { BUG_ON_MACROS, NORETURN_CALLS } from './kernel-macros.js';
import type { MacroRewrite } from './macro-prepass.js';
import { descendants, field, isMNode, kids, mirrorOf, type Mirror, type MNode } from './mirror.js';
import type { SyntaxNode } from './types.js';

export type CfgNodeKind = 'entry' | 'exit' | 'abort' | 'statement' | 'branch' | 'assume' | 'label' | 'join' | 'unknown';

export type BranchKind = 'if' | 'while' | 'for' | 'do' | 'switch' | 'bug-on' | 'loop-macro' | 'preproc';

export type Assumption =
  /** The test of `branch` was true (`value`) or false. */
  | { kind: 'truth'; branch: number; test: MNode; value: boolean }
  /** A `case` of a switch was taken (`range` for `case a ... b`). */
  | { kind: 'case'; branch: number; discriminant: MNode; value: MNode; range?: [MNode, MNode] }
  /** The `default` of a switch (or falling past a switch without one): no listed case matched. */
  | { kind: 'default'; branch: number; discriminant: MNode; excluded: MNode[] }
  /** An arm of something whose choice we cannot read (an iterator macro's loop test, an #ifdef). */
  | { kind: 'opaque'; branch: number; arm: string };

export interface CfgNode {
  id: number;
  kind: CfgNodeKind;
  /** statement: the statement; branch: the test as written; label: the label; assume: the test or case value. */
  readonly syntax?: SyntaxNode;
  /** The same, as a mirror node (what the analyses use). */
  m?: MNode;
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
  mirror: Mirror;
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

/** Unwrap a parenthesized_expression to its expression. */
function inner(node: MNode | undefined): MNode | undefined {
  if (!node) return undefined;
  if (node.type === 'parenthesized_expression') return kids(node)[0] ?? node;
  return node;
}

function calleeName(call: MNode, mirror: Mirror): string | undefined {
  const fn = field(call, 'function');
  return fn?.type === 'identifier' ? mirror.textOf(fn) : undefined;
}

class CfgNodeImpl implements CfgNode {
  succ: number[] = [];
  pred: number[] = [];
  branch?: BranchKind;
  macro?: string;
  assume?: Assumption;
  label?: string;
  jump?: CfgNode['jump'];
  constructor(
    readonly id: number,
    readonly kind: CfgNodeKind,
    public m: MNode | undefined,
    private readonly mirror: Mirror,
  ) {}
  get syntax(): SyntaxNode | undefined {
    return this.m ? this.mirror.syntax(this.m) : undefined;
  }
}

type NodeInit = { kind: CfgNodeKind; m?: MNode } & Partial<Pick<CfgNode, 'branch' | 'macro' | 'assume' | 'label' | 'jump'>>;

class Builder {
  readonly nodes: CfgNodeImpl[] = [];
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

  constructor(
    private readonly mirror: Mirror,
    options: CfgOptions,
  ) {
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

  add(init: NodeInit): number {
    if (this.nodes.length >= this.maxNodes) throw new BudgetExceeded(`more than ${this.maxNodes} CFG nodes`);
    const id = this.nodes.length;
    const node = new CfgNodeImpl(id, init.kind, init.m, this.mirror);
    if (init.branch) node.branch = init.branch;
    if (init.macro) node.macro = init.macro;
    if (init.assume) node.assume = init.assume;
    if (init.label !== undefined) node.label = init.label;
    if (init.jump) node.jump = init.jump;
    this.nodes.push(node);
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

  finish(body: MNode): Cfg {
    const ends = this.statement(body, [this.entry], 0);
    this.linkAll(ends, this.exit);
    // an ERROR region may hide a goto or a return
    for (const u of this.unknowns) {
      this.link(u, this.exit);
      for (const l of this.labels.values()) this.link(u, l);
    }
    const bySyntax = this.nodes.filter((n) => n.m).sort((a, b) => a.m!.start - b.m!.start || b.m!.end - a.m!.end);
    return { nodes: this.nodes, entry: this.entry, exit: this.exit, abort: this.abort, hasUnknown: this.unknowns.length > 0, bySyntax, mirror: this.mirror };
  }

  /** Build `stmt` entered from `from`; returns the nodes that fall through to what follows. */
  statement(stmt: MNode, from: number[], depth: number): number[] {
    if (depth > this.maxDepth) throw new BudgetExceeded(`statements nested deeper than ${this.maxDepth}`);
    const d = depth + 1;
    switch (stmt.type) {
      case 'compound_statement':
        return this.sequence(kids(stmt), from, d);
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
        const labelNode = field(stmt, 'label');
        const name = labelNode ? this.mirror.textOf(labelNode) : '';
        const l = this.labelNode(name);
        this.nodes[l].m = labelNode ?? stmt;
        this.linkAll(from, l);
        const body = kids(stmt).filter((c) => c.type !== 'statement_identifier');
        return this.sequence(body, [l], d);
      }
      case 'attributed_statement':
        return this.sequence(kids(stmt).filter((c) => c.type !== 'attribute_declaration'), from, d);
      case 'goto_statement': {
        const n = this.add({ kind: 'statement', m: stmt, jump: 'goto' });
        this.linkAll(from, n);
        const label = field(stmt, 'label');
        this.link(n, this.labelNode(label ? this.mirror.textOf(label) : ''));
        return [];
      }
      case 'return_statement': {
        const n = this.add({ kind: 'statement', m: stmt, jump: 'return' });
        this.linkAll(from, n);
        this.link(n, this.exit);
        return [];
      }
      case 'break_statement': {
        const n = this.add({ kind: 'statement', m: stmt, jump: 'break' });
        this.linkAll(from, n);
        const loop = this.loops[this.loops.length - 1];
        if (loop) loop.breaks.push(n);
        return loop ? [] : [n];
      }
      case 'continue_statement': {
        const n = this.add({ kind: 'statement', m: stmt, jump: 'continue' });
        this.linkAll(from, n);
        let loop: LoopContext | undefined;
        for (let i = this.loops.length - 1; i >= 0 && !loop; i--) if (!this.loops[i].isSwitch) loop = this.loops[i];
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
        const n = this.add({ kind: 'unknown', m: stmt });
        this.linkAll(from, n);
        this.unknowns.push(n);
        return [n];
      }
      case 'expression_statement':
        if (kids(stmt).length === 0) return from; // `;`
        return this.simpleStatement(stmt, from);
      default:
        return this.simpleStatement(stmt, from);
    }
  }

  sequence(children: readonly MNode[], from: number[], depth: number): number[] {
    let ends = from;
    for (const c of children) {
      if (c.type === 'comment' || !c.named) continue;
      ends = this.statement(c, ends, depth);
    }
    return ends;
  }

  simpleStatement(stmt: MNode, from: number[]): number[] {
    const expr = stmt.type === 'expression_statement' ? kids(stmt)[0] : undefined;
    if (expr?.type === 'call_expression') {
      const name = calleeName(expr, this.mirror);
      if (name && BUG_ON_MACROS.has(name)) {
        const arg = kids(field(expr, 'arguments') ?? expr)[0];
        if (arg) {
          const b = this.add({ kind: 'branch', m: stmt, branch: 'bug-on' });
          this.linkAll(from, b);
          const t = this.add({ kind: 'assume', m: arg, assume: { kind: 'truth', branch: b, test: arg, value: true } });
          this.link(b, t);
          this.link(t, this.abort);
          const f = this.add({ kind: 'assume', m: arg, assume: { kind: 'truth', branch: b, test: arg, value: false } });
          this.link(b, f);
          return [f];
        }
      }
      if (name && NORETURN_CALLS.has(name)) {
        const n = this.add({ kind: 'statement', m: stmt, jump: 'noreturn' });
        this.linkAll(from, n);
        this.link(n, this.abort);
        return [];
      }
    }
    const unknown = stmt.type === 'ERROR' || stmt.hasError;
    const n = this.add({ kind: unknown ? 'unknown' : 'statement', m: stmt });
    this.linkAll(from, n);
    if (unknown) this.unknowns.push(n);
    // asm goto: may jump to its labels
    if (this.mirror.text.slice(stmt.start, stmt.end).includes('asm')) {
      for (const list of descendants(stmt, 'gnu_asm_goto_list')) {
        for (const id of kids(list)) this.link(n, this.labelNode(this.mirror.textOf(id)));
      }
    }
    return [n];
  }

  /** A test node with its two assume nodes; a constant test keeps only the outcome it can have. */
  branchOn(test: MNode, kind: BranchKind, from: number[], macro?: string, written: MNode = test): { branch: number; whenTrue?: number; whenFalse?: number } {
    const b = this.add({ kind: 'branch', m: written, branch: kind, ...(macro ? { macro } : {}) });
    this.linkAll(from, b);
    const constant = macro ? undefined : evalConst(toExprM(test, this.mirror));
    const known = isKnownConst(constant) ? constant.value !== 0n : undefined;
    const out: { branch: number; whenTrue?: number; whenFalse?: number } = { branch: b };
    const assumption = (value: boolean): Assumption => (macro
      ? { kind: 'opaque', branch: b, arm: value ? 'iterate' : 'done' }
      : { kind: 'truth', branch: b, test, value });
    if (known !== false) {
      out.whenTrue = this.add({ kind: 'assume', m: test, assume: assumption(true) });
      this.link(b, out.whenTrue);
    }
    if (known !== true) {
      out.whenFalse = this.add({ kind: 'assume', m: test, assume: assumption(false) });
      this.link(b, out.whenFalse);
    }
    return out;
  }

  ifStatement(stmt: MNode, from: number[], depth: number): number[] {
    const written = field(stmt, 'condition') ?? stmt;
    const test = inner(written) ?? stmt;
    const { whenTrue, whenFalse } = this.branchOn(test, 'if', from, undefined, written);
    const consequence = field(stmt, 'consequence');
    const thenEnds = whenTrue !== undefined && consequence ? this.statement(consequence, [whenTrue], depth) : whenTrue !== undefined ? [whenTrue] : [];
    const alternative = field(stmt, 'alternative');
    let elseEnds: number[] = whenFalse !== undefined ? [whenFalse] : [];
    if (alternative && whenFalse !== undefined) {
      elseEnds = this.sequence(kids(alternative), [whenFalse], depth);
    }
    return [...thenEnds, ...elseEnds];
  }

  whileStatement(stmt: MNode, from: number[], depth: number): number[] {
    const written = field(stmt, 'condition') ?? stmt;
    const test = inner(written) ?? stmt;
    const macro = this.loopMacros.get(stmt.start);
    const loop: LoopContext = { breaks: [], isSwitch: false };
    const { branch, whenTrue, whenFalse } = this.branchOn(test, macro ? 'loop-macro' : 'while', from, macro, written);
    loop.continueTarget = branch;
    this.loops.push(loop);
    const body = field(stmt, 'body');
    const bodyEnds = whenTrue !== undefined && body ? this.statement(body, [whenTrue], depth) : whenTrue !== undefined ? [whenTrue] : [];
    this.loops.pop();
    this.linkAll(bodyEnds, branch);
    return [...(whenFalse !== undefined ? [whenFalse] : []), ...loop.breaks];
  }

  doStatement(stmt: MNode, from: number[], depth: number): number[] {
    const head = this.add({ kind: 'join' });
    this.linkAll(from, head);
    const loop: LoopContext = { breaks: [], isSwitch: false };
    this.loops.push(loop);
    const body = field(stmt, 'body');
    const bodyEnds = body ? this.statement(body, [head], depth) : [head];
    this.loops.pop();
    const written = field(stmt, 'condition') ?? stmt;
    const test = inner(written) ?? stmt;
    const { whenTrue, whenFalse } = this.branchOn(test, 'do', [...bodyEnds, ...(loop.pendingContinues ?? [])], undefined, written);
    if (whenTrue !== undefined) this.link(whenTrue, head);
    return [...(whenFalse !== undefined ? [whenFalse] : []), ...loop.breaks];
  }

  forStatement(stmt: MNode, from: number[], depth: number): number[] {
    let ends = from;
    const init = field(stmt, 'initializer');
    if (init) {
      const n = this.add({ kind: 'statement', m: init });
      this.linkAll(ends, n);
      ends = [n];
    }
    const cond = field(stmt, 'condition');
    const head = this.add({ kind: 'join' });
    this.linkAll(ends, head);
    let bodyStart: number[] = [head];
    let exitEnds: number[] = [];
    if (cond) {
      const { whenTrue, whenFalse } = this.branchOn(cond, 'for', [head]);
      bodyStart = whenTrue !== undefined ? [whenTrue] : [];
      exitEnds = whenFalse !== undefined ? [whenFalse] : [];
    }
    const update = field(stmt, 'update');
    const updateNode = update ? this.add({ kind: 'statement', m: update }) : undefined;
    const loop: LoopContext = { breaks: [], isSwitch: false, continueTarget: updateNode ?? head };
    this.loops.push(loop);
    const body = field(stmt, 'body');
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

  switchStatement(stmt: MNode, from: number[], depth: number): number[] {
    const written = field(stmt, 'condition') ?? stmt;
    const discriminant = inner(written) ?? stmt;
    const b = this.add({ kind: 'branch', m: written, branch: 'switch' });
    this.linkAll(from, b);
    const loop: LoopContext = { breaks: [], isSwitch: true };
    this.loops.push(loop);
    const body = field(stmt, 'body');
    const values: MNode[] = [];
    let hasDefault = false;
    let ends: number[] = [];
    for (const c of body ? kids(body) : []) {
      if (c.type !== 'case_statement') {
        ends = this.statement(c, ends, depth); // before any case: unreachable unless labelled
        continue;
      }
      const value = field(c, 'value');
      let a: number;
      if (value) {
        values.push(value);
        const range = this.caseRange(value);
        a = this.add({ kind: 'assume', m: value, assume: { kind: 'case', branch: b, discriminant, value, ...(range ? { range } : {}) } });
      } else {
        hasDefault = true;
        a = this.add({ kind: 'assume', m: c.children[0] ?? c, assume: { kind: 'default', branch: b, discriminant, excluded: values } });
      }
      this.link(b, a);
      const statements = kids(c).filter((x) => x !== value);
      ends = this.sequence(statements, [...ends, a], depth);
    }
    this.loops.pop();
    const out = [...ends, ...loop.breaks];
    if (!hasDefault) {
      const a = this.add({ kind: 'assume', m: discriminant, assume: { kind: 'default', branch: b, discriminant, excluded: values } });
      this.link(b, a);
      out.push(a);
    }
    return out;
  }

  /** `case 1 ... 6:` (written `1 || 6` by the pre-pass): the two bounds. */
  caseRange(value: MNode): [MNode, MNode] | undefined {
    if (value.type !== 'binary_expression') return undefined;
    const op = field(value, 'operator');
    if (!op || !this.caseRanges.has(op.start)) return undefined;
    const l = field(value, 'left');
    const r = field(value, 'right');
    return l && r ? [l, r] : undefined;
  }

  preprocConditional(stmt: MNode, from: number[], depth: number): number[] {
    const b = this.add({ kind: 'branch', m: field(stmt, 'condition') ?? field(stmt, 'name') ?? stmt, branch: 'preproc' });
    this.linkAll(from, b);
    const out: number[] = [];
    let arm: MNode | undefined = stmt;
    let armIndex = 0;
    let sawElse = false;
    for (let guard = 0; arm && guard < 64; guard++) {
      const a = this.add({ kind: 'assume', assume: { kind: 'opaque', branch: b, arm: `#arm${armIndex++}` } });
      this.link(b, a);
      const alternative = field(arm, 'alternative');
      const skip = new Set([alternative, field(arm, 'condition'), field(arm, 'name')]);
      const statements = kids(arm).filter((c) => !skip.has(c));
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

/**
 * Build the CFG of a function body (a compound_statement), from its mirror when given.
 * Budgets give `{ ok: false }`, never a hang.
 */
export function buildCfg(body: SyntaxNode | MNode, options: CfgOptions & { mirror?: Mirror } = {}): CfgResult {
  try {
    let mirror = options.mirror;
    let root: MNode;
    if (isMNode(body)) {
      if (!mirror) throw new Error('buildCfg: a mirror node needs its mirror');
      root = body;
    } else {
      mirror ??= mirrorOf(body);
      root = mirror.find(body) ?? mirror.root;
    }
    return { ok: true, cfg: new Builder(mirror, options).finish(root) };
  } catch (e) {
    if (e instanceof BudgetExceeded) return { ok: false, reason: e.message };
    if (e instanceof RangeError) return { ok: false, reason: 'function too deeply nested' };
    throw e;
  }
}

/** The CFG node whose syntax holds the range (the statement or test it belongs to), if any. */
export function cfgNodeContaining(cfg: Cfg, node: { startIndex: number; endIndex: number } | MNode): CfgNode | undefined {
  const start = isMNode(node) ? node.start : node.startIndex;
  const end = isMNode(node) ? node.end : node.endIndex;
  const list = cfg.bySyntax;
  // binary search: last node starting at or before `start`
  let lo = 0;
  let hi = list.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].m!.start <= start) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // ranges are disjoint except assume nodes sharing their test's range: prefer statements/branches
  let best: CfgNode | undefined;
  for (let i = found; i >= 0 && i >= found - 8; i--) {
    const c = list[i];
    const s = c.m!;
    if (s.start <= start && s.end >= end) {
      if (c.kind === 'assume' || c.kind === 'label') {
        best ??= c;
        continue;
      }
      if (!best || best.kind === 'assume' || best.kind === 'label' || s.end - s.start < best.m!.end - best.m!.start) best = c;
    }
  }
  return best;
}
