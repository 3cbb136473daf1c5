// One function's analyses, built lazily and cached per FunctionInfo: a mirror of its tree (read
// once from tree-sitter), CFG, dominators, post-dominators, def-use, and the queries rules ask
// (guards, order, reaching definitions). Queries take SyntaxNodes from the function and answer
// from the mirror.
import { buildCfg, cfgNodeContaining, type Cfg, type CfgNode } from './cfg.js';
import { conditionsHolding, type HeldCondition } from './condition.js';
import { evalConst, isKnownConst } from './const-eval.js';
import { DefUse, type Definition, type ResolveOptions, type Variable } from './defuse.js';
import { dominates, dominatorTree, reachableFrom, type DominatorTree } from './dominators.js';
import { exprMentions, mapExpr, printExpr, subExpressions, toExprM, ZERO, type Expr } from './expr.js';
import { descendants, field, isMNode, kids, lineAt, Mirror, operatorOf, type MNode } from './mirror.js';
import type { FunctionInfo, SyntaxNode } from './types.js';

/** Where helper functions come from: a map by name (RuleContext.functions works) or a lookup. */
export type HelperSource =
  | ReadonlyMap<string, FunctionInfo | { fn: FunctionInfo }>
  | ((name: string) => FunctionInfo | undefined);

export type GuardVia = 'if' | 'loop' | 'switch' | 'bug-on' | 'short-circuit' | 'ternary';

export interface Guard {
  /** The condition that holds, normalised (outcome applied, negation pushed into comparisons). */
  condition: Expr;
  /** The tested expression as written (the if condition, the BUG_ON argument, the case value...). */
  readonly test: SyntaxNode;
  /** The outcome of the test on the way here (true: the test was non-zero / the case matched). */
  outcome: boolean;
  via: GuardVia;
  /** 1-based line of the test. */
  line: number;
  /** Wrappers seen through: "WARN_ON_ONCE", "unlikely", "!!". */
  seenThrough: string[];
  /** The helper whose return value supplied the condition (`iova_size_ok`). */
  helper?: string;
  /** A local or parameter the condition reads may have been reassigned between the test and here. */
  stale: boolean;
}

export interface GuardOptions {
  /** Helpers whose bodies may be substituted for calls in tests (functions of the same change). */
  helpers?: HelperSource;
  /** Keep guards whose variables may have changed since the test (default false: dropped). */
  includeStale?: boolean;
}

interface HelperSummary {
  truthy: Expr;
  falsy: Expr;
  /** The helper's parameter names, in order (for substituting a call's arguments). */
  params: string[];
}

const HELPER_MAX_NODES = 400;
const HELPER_MAX_RETURNS = 24;
const HELPER_MAX_DEPTH = 3;

/** Anything with a range: a SyntaxNode or a mirror node. */
type Ranged = SyntaxNode | MNode;

function startOf(n: Ranged): number {
  return isMNode(n) ? n.start : n.startIndex;
}

function endOf(n: Ranged): number {
  return isMNode(n) ? n.end : n.endIndex;
}

function lookupHelper(source: HelperSource | undefined, name: string): FunctionInfo | undefined {
  if (!source) return undefined;
  if (typeof source === 'function') return source(name);
  const entry = source.get(name);
  if (!entry) return undefined;
  return 'fn' in entry && !('node' in entry) ? entry.fn : (entry as FunctionInfo);
}

function or(parts: Expr[]): Expr {
  if (parts.length === 0) return ZERO;
  return parts.reduce((a, b) => ({ kind: 'binary', op: '||', left: a, right: b }));
}

function and(parts: Expr[]): Expr {
  if (parts.length === 0) return { kind: 'number', value: 1n, text: '1', unsigned: false, longs: 0 };
  return parts.reduce((a, b) => ({ kind: 'binary', op: '&&', left: a, right: b }));
}

class GuardImpl implements Guard {
  helper?: string;
  constructor(
    readonly condition: Expr,
    readonly testM: MNode,
    readonly outcome: boolean,
    readonly via: GuardVia,
    readonly line: number,
    readonly seenThrough: string[],
    public stale: boolean,
    private readonly mirror: Mirror,
  ) {}
  get test(): SyntaxNode {
    return this.mirror.syntax(this.testM);
  }
}

const PLAIN_NAME = /^\w+$/;

export class FunctionAnalysis {
  private mirrorCache?: Mirror;
  private cfgResult?: { ok: true; cfg: Cfg } | { ok: false; reason: string };
  private domTree?: DominatorTree;
  private postDomTree?: DominatorTree;
  private defUseCache?: DefUse;
  private textCache?: string;
  /** Helper summaries per helper source (a different map may define different helpers). */
  private readonly helperSummaries = new WeakMap<object, Map<string, HelperSummary | null>>();

  constructor(readonly fn: FunctionInfo) {}

  /** The function read once from tree-sitter (all queries use it). */
  get mirror(): Mirror {
    this.mirrorCache ??= new Mirror(this.fn.node);
    return this.mirrorCache;
  }

  /** The CFG, or undefined when the function has no body or a budget was hit (see `cfgProblem`). */
  get cfg(): Cfg | undefined {
    if (!this.cfgResult) {
      const body = field(this.mirror.root, 'body');
      this.cfgResult = body
        ? buildCfg(body, { rewrites: this.fn.rewrites, mirror: this.mirror })
        : { ok: false, reason: 'no function body' };
    }
    return this.cfgResult.ok ? this.cfgResult.cfg : undefined;
  }

  /** Why there is no CFG, if there is none. */
  get cfgProblem(): string | undefined {
    void this.cfg;
    return this.cfgResult && !this.cfgResult.ok ? this.cfgResult.reason : undefined;
  }

  get dominators(): DominatorTree | undefined {
    const cfg = this.cfg;
    if (cfg && !this.domTree) this.domTree = dominatorTree(cfg, 'forward');
    return this.domTree;
  }

  get postDominators(): DominatorTree | undefined {
    const cfg = this.cfg;
    if (cfg && !this.postDomTree) this.postDomTree = dominatorTree(cfg, 'backward');
    return this.postDomTree;
  }

  get defUse(): DefUse | undefined {
    const cfg = this.cfg;
    if (cfg && !this.defUseCache) this.defUseCache = new DefUse(this.fn, cfg);
    return this.defUseCache;
  }

  /** The mirror node of a SyntaxNode of this function. */
  private m(node: Ranged): MNode | undefined {
    return isMNode(node) ? node : this.mirror.find(node);
  }

  /** The CFG node (statement or test) that `node` belongs to. */
  cfgNodeOf(node: Ranged): CfgNode | undefined {
    const cfg = this.cfg;
    return cfg ? cfgNodeContaining(cfg, { startIndex: startOf(node), endIndex: endOf(node) }) : undefined;
  }

  /** Can control reach `node` from the function entry at all? */
  isReachable(node: Ranged): boolean {
    const c = this.cfgNodeOf(node);
    const dom = this.dominators;
    return !!c && !!dom && dom.depth[c.id] >= 0;
  }

  /**
   * Every path from the entry to `b` passes `a` first. Within one statement, `a` must also come
   * first in evaluation order (approximated by source order).
   */
  dominates(a: Ranged, b: Ranged): boolean {
    const ca = this.cfgNodeOf(a);
    const cb = this.cfgNodeOf(b);
    const dom = this.dominators;
    if (!ca || !cb || !dom) return false;
    if (ca.id === cb.id) return endOf(a) <= startOf(b) || (startOf(a) <= startOf(b) && endOf(a) >= endOf(b));
    return dominates(dom, ca.id, cb.id);
  }

  /** `later` is reached only after `earlier` (dominates(earlier, later), for readability). */
  reachedOnlyAfter(later: Ranged, earlier: Ranged): boolean {
    return this.dominates(earlier, later);
  }

  /** Every path from `b` to the function exit passes `a`. */
  postDominates(a: Ranged, b: Ranged): boolean {
    const ca = this.cfgNodeOf(a);
    const cb = this.cfgNodeOf(b);
    const pdom = this.postDominators;
    if (!ca || !cb || !pdom) return false;
    if (ca.id === cb.id) return startOf(a) >= endOf(b);
    return dominates(pdom, ca.id, cb.id);
  }

  /** Some path leads from `from` to `to` (after `from` completes). */
  canReach(from: Ranged, to: Ranged): boolean {
    const cfg = this.cfg;
    const a = this.cfgNodeOf(from);
    const b = this.cfgNodeOf(to);
    if (!cfg || !a || !b) return false;
    if (a.id === b.id) {
      if (endOf(from) <= startOf(to)) return true;
      // reaching the same node again needs a cycle through it
      return cfg.nodes[a.id].succ.some((s) => reachableFrom(cfg, s)[a.id] === 1);
    }
    return reachableFrom(cfg, a.id)[b.id] === 1;
  }

  // ---- guards -------------------------------------------------------------------------------

  /**
   * The conditions that hold on every path reaching `node`: the outcomes of the tests that
   * dominate it (if/else, loops, switch cases and default, BUG_ON), the left operands of `&&`/`||`
   * and `?:` it sits to the right of, with helpers' return values substituted. Guards whose
   * variables may have changed since the test are dropped unless `includeStale`.
   */
  guardsAt(node: Ranged, options: GuardOptions = {}): Guard[] {
    const m = this.m(node);
    return m ? this.guardsWithin(m, options, 0) : [];
  }

  private expr(n: MNode): Expr {
    return toExprM(n, this.mirror);
  }

  private guardsWithin(node: MNode, options: GuardOptions, helperDepth: number): Guard[] {
    const cfg = this.cfg;
    const dom = this.dominators;
    const c = cfg ? cfgNodeContaining(cfg, node) : undefined;
    if (!cfg || !dom || !c || dom.depth[c.id] < 0) return [];
    const guards: GuardImpl[] = [];
    const split = (test: Expr, outcome: boolean): HeldCondition[] =>
      conditionsHolding(test, outcome, {
        helperSummary: (call) => {
          const summary = this.helperSummary(call.callee, options.helpers, helperDepth);
          const instance = summary ? instantiate(summary, call) : undefined;
          return instance ? { ...instance, helper: call.callee } : undefined;
        },
        resolveLocal: (ident) => this.localCallValue(ident),
      });

    // dominating test outcomes, nearest first
    for (let v = dom.idom[c.id]; v >= 0; v = dom.idom[v]) {
      const n = cfg.nodes[v];
      if (n.kind !== 'assume' || !n.assume) continue;
      const a = n.assume;
      const branch = cfg.nodes[a.branch];
      if (a.kind === 'truth') {
        const testExpr = this.expr(a.test);
        if (isKnownConst(evalConst(testExpr))) continue; // while (1), do ... while (0): says nothing
        const via: GuardVia = branch.branch === 'bug-on' ? 'bug-on' : branch.branch === 'if' ? 'if' : 'loop';
        for (const held of split(testExpr, a.value)) guards.push(this.guard(held, a.test, a.value, via, branch, c, node));
      } else if (a.kind === 'case') {
        const disc = this.expr(a.discriminant);
        const condition: Expr = a.range
          ? { kind: 'binary', op: '&&', left: { kind: 'binary', op: '<=', left: this.expr(a.range[0]), right: disc }, right: { kind: 'binary', op: '<=', left: disc, right: this.expr(a.range[1]) } }
          : { kind: 'binary', op: '==', left: disc, right: this.expr(a.value) };
        for (const held of conditionsHolding(condition, true)) guards.push(this.guard(held, a.value, true, 'switch', branch, c, node));
      } else if (a.kind === 'default') {
        const disc = this.expr(a.discriminant);
        for (const value of a.excluded) {
          const condition: Expr = { kind: 'binary', op: '!=', left: disc, right: this.expr(value) };
          guards.push(this.guard({ condition, seenThrough: [] }, value, false, 'switch', branch, c, node));
        }
      }
    }

    // inside the statement: right operands of && and ||, arms of ?:
    const root = c.m;
    let child = node;
    for (let p = node.parent, i = 0; p && root && i < 256 && p.start >= root.start && p.end <= root.end; p = p.parent, i++) {
      if (p.type === 'binary_expression') {
        const op = operatorOf(p);
        const left = field(p, 'left');
        const right = field(p, 'right');
        if (left && right && right.start <= child.start && (op === '&&' || op === '||')) {
          for (const held of split(this.expr(left), op === '&&')) guards.push(this.guard(held, left, op === '&&', 'short-circuit', undefined, c, node));
        }
      } else if (p.type === 'conditional_expression') {
        const test = field(p, 'condition');
        const alternative = field(p, 'alternative');
        if (test && !(test.start <= child.start && test.end >= child.end)) {
          const outcome = !(alternative && alternative.start <= child.start);
          for (const held of split(this.expr(test), outcome)) guards.push(this.guard(held, test, outcome, 'ternary', undefined, c, node));
        }
      }
      child = p;
    }
    return options.includeStale ? guards : guards.filter((g) => !g.stale);
  }

  private guard(held: HeldCondition, test: MNode, outcome: boolean, via: GuardVia, branch: CfgNode | undefined, at: CfgNode, use: MNode): GuardImpl {
    const stale = branch ? this.isStale(held.condition, branch, at, use) : false;
    const g = new GuardImpl(held.condition, test, outcome, via, lineAt(this.fn.node.tree, test.start), held.seenThrough, stale, this.mirror);
    if (held.helper) g.helper = held.helper;
    return g;
  }

  /** Some variable of `condition` has other definitions at the use than right after the test. */
  private isStale(condition: Expr, branch: CfgNode, at: CfgNode, use: MNode): boolean {
    const du = this.defUse;
    if (!du || !branch.m) return false;
    for (const x of subExpressions(condition)) {
      if (x.kind !== 'ident') continue;
      const v = du.variableNamed(x.name, use.start);
      if (!v) continue;
      const atTest = du.definitionsAt(v, branch, branch.m.end).map((d) => d.id).join(',');
      const atUse = du.definitionsAt(v, at, use.start).map((d) => d.id).join(',');
      if (atTest !== atUse) return true;
    }
    return false;
  }

  /** `ret` in `if (ret)` where `ret = helper(...)` is its only reaching definition. */
  private localCallValue(ident: Extract<Expr, { kind: 'ident' }>): Expr | undefined {
    const du = this.defUse;
    if (!du || ident.at === undefined) return undefined;
    const idNode = this.mirror.find({ startIndex: ident.at, endIndex: ident.at + ident.name.length, type: 'identifier' });
    if (!idNode || idNode.type !== 'identifier' || this.mirror.textOf(idNode) !== ident.name) return undefined;
    const def = du.uniqueDefinition(idNode);
    if (!def || !def.valueM || (def.kind !== 'init' && def.kind !== 'assign')) return undefined;
    return du.resolve(def.valueM);
  }

  /**
   * What a helper's return value implies, over its parameters: truthy = OR over the returns that
   * may give non-zero of (guards there AND the returned value), falsy likewise. Conditions on
   * anything but unchanged parameters are left out (that only weakens the summary).
   */
  private helperSummary(name: string, source: HelperSource | undefined, depth: number): HelperSummary | undefined {
    if (depth >= HELPER_MAX_DEPTH || !source) return undefined;
    let summaries = this.helperSummaries.get(source);
    if (!summaries) {
      summaries = new Map();
      this.helperSummaries.set(source, summaries);
    }
    const cached = summaries.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const helper = lookupHelper(source, name);
    if (!helper || helper.hasError || helper === this.fn) {
      summaries.set(name, null);
      return undefined;
    }
    summaries.set(name, null); // recursion guard
    const summary = analyze(helper).summarize(source, depth + 1);
    summaries.set(name, summary ?? null);
    return summary;
  }

  /** This function read as a helper (see helperSummary). */
  summarize(source: HelperSource | undefined, depth: number): HelperSummary | undefined {
    const cfg = this.cfg;
    const du = this.defUse;
    const dom = this.dominators;
    if (!cfg || !du || !dom || cfg.nodes.length > HELPER_MAX_NODES) return undefined;
    const returns = cfg.nodes.filter((n) => n.jump === 'return' && n.m && dom.depth[n.id] >= 0);
    if (returns.length === 0 || returns.length > HELPER_MAX_RETURNS) return undefined;
    const paramList = du.variables.filter((v) => v.isParam).map((v) => v.name);
    const params = new Set(paramList);
    const truthy: Expr[] = [];
    const falsy: Expr[] = [];
    for (const r of returns) {
      const valueNode = kids(r.m!)[0];
      if (!valueNode) return undefined; // void function
      const guards = this.guardsWithin(valueNode, { helpers: source }, depth).filter((g) => this.onlyParams(g.condition, params, valueNode));
      const pathConds = guards.map((g) => g.condition);
      const resolved = du.resolve(valueNode);
      const value = this.onlyParams(resolved, params, valueNode) ? resolved : undefined;
      const constant = value ? evalConst(value) : undefined;
      const known = isKnownConst(constant) ? constant.value !== 0n : errorCode(value);
      if (known !== false) {
        const parts = [...pathConds];
        // an unknown returned value (value undefined) adds nothing beyond the path's guards
        if (value && known === undefined) parts.push(...conditionsHolding(value, true).map((h) => h.condition));
        truthy.push(and(parts));
      }
      if (known !== true) {
        const parts = [...pathConds];
        if (value && known === undefined) parts.push(...conditionsHolding(value, false).map((h) => h.condition));
        falsy.push(and(parts));
      }
    }
    return { truthy: or(truthy), falsy: or(falsy), params: paramList };
  }

  /** The expression reads no local of this function other than unchanged parameters. */
  private onlyParams(e: Expr, params: ReadonlySet<string>, at: MNode): boolean {
    const du = this.defUse;
    const cfg = this.cfg;
    if (!du || !cfg) return false;
    const c = cfgNodeContaining(cfg, at);
    for (const x of subExpressions(e)) {
      if (x.kind !== 'ident') continue;
      const v = du.variableNamed(x.name, at.start);
      if (!v) continue; // a global or macro constant
      if (!params.has(x.name) || !v.isParam || !c) return false;
      const defs = du.definitionsAt(v, c, at.start);
      if (defs.length !== 1 || defs[0].kind !== 'param') return false;
    }
    return true;
  }

  // ---- def-use and expressions ------------------------------------------------------------

  /** Definitions reaching the use `identifier` (a local or parameter). */
  reaching(identifier: Ranged): Definition[] {
    const m = this.m(identifier);
    return m ? (this.defUse?.reaching(m) ?? []) : [];
  }

  /** The single definition reaching `identifier`, if exactly one does. */
  uniqueDefinition(identifier: Ranged): Definition | undefined {
    const defs = this.reaching(identifier);
    return defs.length === 1 ? defs[0] : undefined;
  }

  /** The expression a local was initialised from, if declared with an initialiser. */
  initializerOf(name: string, at?: number): SyntaxNode | undefined {
    return this.defUse?.initializerOf(name, at);
  }

  /** The expression at `node` rebuilt through locals' single definitions (copy propagation). */
  resolve(node: Ranged, options: ResolveOptions = {}): Expr {
    const m = this.m(node);
    if (!m) return { kind: 'opaque', text: '' };
    return this.defUse?.resolve(m, options) ?? this.expr(m);
  }

  /** The expression AST of `node` (no propagation). */
  exprOf(node: Ranged): Expr {
    const m = this.m(node);
    return m ? this.expr(m) : { kind: 'opaque', text: '' };
  }

  /** Does the expression at `node` read `name` (directly, or through locals' definitions)? */
  mentions(node: Ranged, name: string, options: { throughLocals?: boolean } = {}): boolean {
    const m = this.m(node);
    if (!m) return false;
    if (!options.throughLocals) return exprMentions(this.expr(m), name) || descendants(m, 'identifier').some((i) => this.mirror.textOf(i) === name);
    return this.defUse?.mentions(m, name) ?? false;
  }

  /** The local or parameter called `name` visible at `at` (declared type, declaration...). */
  variable(name: string, at?: number): Variable | undefined {
    return this.defUse?.variableNamed(name, at);
  }

  /** Calls in this function whose callee is one of `names` (or matches the pattern), in source order. */
  callsTo(names: string | readonly string[] | RegExp): SyntaxNode[] {
    // a call of a plain name has that name in the function's text: most functions are answered
    // without reading the tree (building the mirror is most of what this costs)
    if (!(names instanceof RegExp)) {
      const list = typeof names === 'string' ? [names] : names;
      if (list.every((n) => PLAIN_NAME.test(n))) {
        this.textCache ??= this.fn.node.text;
        if (!list.some((n) => this.textCache!.includes(n))) return [];
      }
    }
    const match =
      typeof names === 'string'
        ? (n: string) => n === names
        : names instanceof RegExp
          ? (n: string) => names.test(n)
          : (n: string) => (names as readonly string[]).includes(n);
    const out: SyntaxNode[] = [];
    for (const call of descendants(this.mirror.root, 'call_expression')) {
      const fnNode = field(call, 'function');
      if (!fnNode) continue;
      const name = fnNode.type === 'identifier' ? this.mirror.textOf(fnNode) : printExpr(toExprM(fnNode, this.mirror));
      if (match(name)) out.push(this.mirror.syntax(call));
    }
    return out;
  }
}

/** The summary with the call's arguments in place of the helper's parameters (undefined if the arity differs). */
function instantiate(summary: HelperSummary, call: Extract<Expr, { kind: 'call' }>): { truthy: Expr; falsy: Expr } | undefined {
  if (call.args.length !== summary.params.length) return undefined;
  const args = new Map(summary.params.map((p, i) => [p, call.args[i]]));
  // the helper's own identifiers lose their offsets: they point into the helper, not the caller
  const sub = (e: Expr): Expr => mapExpr(e, (x) => (x.kind === 'ident' ? (args.get(x.name) ?? { kind: 'ident', name: x.name }) : undefined));
  return { truthy: sub(summary.truthy), falsy: sub(summary.falsy) };
}

/** `-EINVAL`, `-ENOMEM`...: a negative errno is non-zero (true). Undefined when not one. */
function errorCode(e: Expr | undefined): boolean | undefined {
  if (!e) return undefined;
  if (e.kind === 'unary' && e.op === '-' && e.operand.kind === 'ident' && /^E[A-Z0-9]+$/.test(e.operand.name)) return true;
  if (e.kind === 'ident' && (e.name === 'NULL' || e.name === 'false')) return false;
  if (e.kind === 'ident' && e.name === 'true') return true;
  return undefined;
}

const cache = new WeakMap<FunctionInfo, FunctionAnalysis>();

/** The (cached) analysis of a function. */
export function analyze(fn: FunctionInfo): FunctionAnalysis {
  let a = cache.get(fn);
  if (!a) {
    a = new FunctionAnalysis(fn);
    cache.set(fn, a);
  }
  return a;
}
