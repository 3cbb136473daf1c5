// The lifecycle of reference/iova-api.md §3 item 9, followed path by path through one function:
// try_alloc → (link → sync)* → (unlink)* → free | destroy, and on a false try_alloc the dma_map_*
// fallback with no dma_iova_* call. Each call splits the path where its result matters (try_alloc
// true/false, link and sync success/failure, dma_use_iova() on a state from the caller), tests
// prune the arms their known values exclude, helpers of the change apply their summaries. The run
// reports what it sees to an ObservationSink (check mode) or returns the function's outcomes
// (summary mode, for its callers).
import {
  certainlyPositive,
  descendants,
  linearForm,
  subtractForms,
  type LinearForm,
  effectsOf,
  evaluationPaths,
  explorePaths,
  field,
  kids,
  lineAt,
  printExpr,
  stripCasts,
  toExprM,
  type CfgNode,
  type Effect,
  type EvalPath,
  type Expr,
  type FunctionAnalysis,
  type FunctionInfo,
  type MNode,
  type Mirror,
} from '../../c/index.js';
import { identifiersOf, keyOfObject, keyOfPointer, mentionsWord, pointerOfKey, rootOf, substitute, type StateKey } from './keys.js';
import { describeState, type Observation, type ObservationSink } from './observations.js';
import { cloneState, emptyState, stateKey, type LinkRecord, type ObjState, type PathState } from './state.js';
import type { HelperOutcome, HelperSummary, ObjEffect } from './summary-types.js';
import { compare, constantClass, isFailureReturn, isTrackedLvalue, lvalueText, returnKindOf, truthOf, type ReturnKind, type Val } from './values.js';
import { apiCall, isInert, looksLikeMapping, wrapper, ZEROING_ALLOCATORS, type ApiCall, type Wrapper } from './vocabulary.js';

export interface MachineEnv {
  /** The summary of a helper defined in the change (undefined: unknown or recursive). */
  summaryOf(name: string): HelperSummary | undefined;
  /** Does some function of the change call this one? (Then it answers for what it hands back.) */
  hasCallers: boolean;
  /** Budget of (node, state) pairs. */
  maxStates: number;
  /** Another function of the change that passes a state in this field (`->state`) to dma_iova_try_alloc(). */
  reservedElsewhere?(field: string): string | undefined;
}

export interface MachineResult {
  complete: boolean;
  reason?: string;
  outcomes: HelperOutcome[];
}

const MAX_OUTCOMES = 24;

export class LifecycleMachine {
  private readonly mirror: Mirror;
  private readonly retKind: ReturnKind;
  private readonly params: Set<string>;
  private readonly outcomes = new Map<string, HelperOutcome>();
  /** Keys of the states this function passes to dma_iova_try_alloc (on any path). */
  private readonly allocatedKeys = new Map<string, Expr>();
  /** Keys of the states this function links (on any path). */
  private readonly linkedKeys = new Set<string>();
  /** First call that used a state no try_alloc reserved, per state. */
  private readonly unallocatedUse = new Map<string, number>();
  private readonly usedAfterFailure = new Set<number>();
  /** Tests made at more than one place (remembered on a path), and names a return reads. */
  private readonly repeatedTests = new Set<string>();
  private readonly returned = new Set<string>();
  private readonly testedNames = new Set<string>();
  private readonly unlinkSites = new Map<string, MNode[]>();
  private readonly noFallback = new Map<number, Observation>();
  /** How the code wrote each state (for messages about a key, not a path's object). */
  private readonly labels = new Map<string, string>();

  constructor(
    private readonly fn: FunctionInfo,
    private readonly analysis: FunctionAnalysis,
    private readonly env: MachineEnv,
    private readonly sink: ObservationSink | undefined,
  ) {
    this.mirror = analysis.mirror;
    this.retKind = returnKindOf(fn.returnType);
    this.params = new Set(fn.params.map((p) => p.name));
  }

  run(): MachineResult {
    const cfg = this.analysis.cfg;
    if (!cfg) return { complete: false, reason: this.analysis.cfgProblem ?? 'no CFG', outcomes: [] };
    this.prescan();
    const result = explorePaths(
      cfg,
      {
        initial: () => [emptyState()],
        key: stateKey,
        step: (node, state) => this.step(node, state),
        atExit: (state, from) => this.atExit(state, from),
      },
      { maxStates: this.env.maxStates },
    );
    if (this.sink) {
      // a false try_alloc that goes on to use the state is the finding; its missing fallback is the same mistake
      for (const [site, o] of this.noFallback) if (!this.usedAfterFailure.has(site) && !this.mappingReachableFrom(o.node)) this.sink.add(o);
      for (const [key, start] of this.unallocatedUse) {
        const call = this.mirror.nodes.find((n) => n.start === start && n.type === 'call_expression');
        if (!call) continue;
        const callee = this.calleeOf(call) ?? '';
        this.sink.add({ rule: 'iova/unchecked-alloc', messageId: 'useUnallocated', node: call, data: { state: this.labels.get(key) ?? describeState(key), callee, line: this.line(start) }, failing: ['dma_iova_try_alloc'] });
      }
    }
    return { complete: result.complete && this.outcomes.size <= MAX_OUTCOMES, reason: result.reason, outcomes: [...this.outcomes.values()] };
  }

  // ---- helpers ------------------------------------------------------------------------------

  private line(offset: number): number {
    return lineAt(this.fn.node.tree, offset);
  }

  private text(m: MNode): string {
    return this.mirror.textOf(m);
  }

  private readonly exprCache = new Map<MNode, Expr>();
  private readonly effectCache = new Map<MNode, Effect[]>();
  private readonly pathCache = new Map<MNode, EvalPath[] | undefined>();
  private readonly atomTextCache = new Map<MNode, string>();

  private expr(m: MNode): Expr {
    let e = this.exprCache.get(m);
    if (!e) this.exprCache.set(m, (e = toExprM(m, this.mirror)));
    return e;
  }

  /** A statement's (or test's) effects, computed once per node. */
  private effects(m: MNode): Effect[] {
    let e = this.effectCache.get(m);
    if (!e) this.effectCache.set(m, (e = effectsOf(m, this.mirror)));
    return e;
  }

  private pathsOf(test: MNode): EvalPath[] | undefined {
    if (!this.pathCache.has(test)) this.pathCache.set(test, evaluationPaths(test, this.mirror));
    return this.pathCache.get(test);
  }

  /** An argument read through pointer locals (`state` → `&iod->dma_state`). */
  private resolved(m: MNode): Expr {
    const du = this.analysis.defUse;
    return du ? du.resolve(m, { pointers: true }) : this.expr(m);
  }

  private argText(m: MNode | undefined): string {
    return m ? printExpr(stripCasts(this.resolved(m))) : '';
  }

  private stateKeyOf(arg: MNode | undefined): StateKey | undefined {
    return arg ? keyOfPointer(this.resolved(arg)) : undefined;
  }

  private args(call: MNode): MNode[] {
    return kids(field(call, 'arguments') ?? call);
  }

  private calleeOf(call: MNode): string | undefined {
    const fn = field(call, 'function');
    return fn?.type === 'identifier' ? this.text(fn) : undefined;
  }

  /** Is the key reachable by the caller (rooted at a parameter or a global)? */
  private callerVisible(key: string, expr: Expr): boolean {
    const root = rootOf({ text: key, expr });
    if (!root) return false;
    if (this.params.has(root)) return true;
    const v = this.analysis.defUse?.variableNamed(root);
    return !v;
  }

  private obj(s: PathState, key: StateKey, written?: MNode): ObjState {
    let o = s.objs.get(key.text);
    if (!o) {
      const root = rootOf(key);
      o = { key: key.text, expr: key.expr, phase: root && s.zeroed.has(root) ? 'cleared' : 'entry', owned: false, links: [] };
      s.objs.set(key.text, o);
    }
    if (written && !o.label) o.label = this.text(written).replace(/\s+/g, ' ');
    return o;
  }

  /** How messages name a state. */
  private named(o: ObjState): string {
    return o.label ?? describeState(o.key);
  }

  private prescan(): void {
    const body = field(this.mirror.root, 'body');
    if (!body) return;
    const stack = [body];
    for (let guard = 0; stack.length > 0 && guard < 200_000; guard++) {
      const n = stack.pop()!;
      if (n.type === 'call_expression') {
        const name = this.calleeOf(n);
        const api = name ? apiCall(name) : undefined;
        if (api?.role === 'unlink') {
          const key = this.stateKeyOf(this.args(n)[api.state]);
          if (key) this.unlinkSites.set(key.text, [...(this.unlinkSites.get(key.text) ?? []), n]);
        }
        if (api && (api.role === 'alloc' || api.role === 'link')) {
          const key = this.stateKeyOf(this.args(n)[api.state]);
          if (key && !this.labels.has(key.text)) this.labels.set(key.text, this.text(this.args(n)[api.state]).replace(/\s+/g, ' '));
          if (key && api.role === 'alloc') this.allocatedKeys.set(key.text, key.expr);
          else if (key) this.linkedKeys.add(key.text);
        }
      }
      if (n.type === 'return_statement') for (const id of descendants(n, 'identifier')) this.returned.add(this.text(id));
      for (const c of n.children) stack.push(c);
    }
    // tests worth remembering: those the function makes more than once (correlated arms);
    // remembering every test would keep apart paths that could merge
    const cfg = this.analysis.cfg;
    const seen = new Map<string, number>();
    for (const node of cfg?.nodes ?? []) {
      if (node.kind !== 'branch') continue;
      const truth = node.succ.map((id) => cfg!.nodes[id].assume).find((a) => a?.kind === 'truth');
      if (!truth || truth.kind !== 'truth') continue;
      for (const id of truth.test.type === 'identifier' ? [truth.test] : descendants(truth.test, 'identifier')) this.testedNames.add(this.text(id));
      const atoms = new Set((evaluationPaths(truth.test, this.mirror) ?? []).flatMap((p) => p.steps.map((st) => this.atomText(st.atom))));
      for (const t of atoms) seen.set(t, (seen.get(t) ?? 0) + 1);
    }
    for (const [t, n] of seen) if (n > 1) this.repeatedTests.add(t);
  }

  /** Some mapping call (dma_map_*, a mapping helper) can run after `from`: a fallback exists. */
  private mappingReachableFrom(from: MNode): boolean {
    const body = field(this.mirror.root, 'body');
    if (!body) return false;
    for (const call of descendants(body, 'call_expression')) {
      const name = this.calleeOf(call);
      if (!name || call === from) continue;
      const summary = name !== this.fn.name ? this.env.summaryOf(name) : undefined;
      const maps = looksLikeMapping(name) || !!wrapper(name) || !!summary?.outcomes.some((o) => o.mapped);
      if (maps && this.analysis.canReach(from, call)) return true;
    }
    return false;
  }

  // ---- the transfer function ---------------------------------------------------------------

  private step(node: CfgNode, state: PathState): PathState[] {
    switch (node.kind) {
      case 'statement':
        return this.statement(node, state);
      case 'branch':
        return this.branch(node, state);
      case 'assume': {
        const a = node.assume;
        if (a?.kind === 'truth' && state.pending !== undefined && state.pending !== a.value) return [];
        if (state.pending === undefined) return [state];
        const s = cloneState(state);
        delete s.pending;
        return [s];
      }
      case 'unknown': {
        // an ERROR region: anything may have happened to what the path knew
        const s = cloneState(state);
        s.vals.clear();
        s.memo.clear();
        for (const o of s.objs.values()) o.escaped = true;
        return [s];
      }
      default:
        return [state];
    }
  }

  private statement(node: CfgNode, state: PathState): PathState[] {
    const m = node.m;
    if (!m) return [state];
    let states = [cloneState(state)];
    for (const s of states) s.calls.clear();
    for (const effect of this.effects(m)) {
      const next: PathState[] = [];
      for (const s of states) next.push(...this.effect(effect, s));
      states = next;
      if (states.length === 0) break;
    }
    for (const s of states) s.calls.clear();
    return states;
  }

  private branch(node: CfgNode, state: PathState): PathState[] {
    const cfg = this.analysis.cfg!;
    const truth = node.succ.map((id) => cfg.nodes[id].assume).find((a) => a?.kind === 'truth');
    const base = cloneState(state);
    base.calls.clear();
    if (!truth || truth.kind !== 'truth') {
      // switch discriminant, iterator macro, #if: run the effects, both arms stay possible
      let states = [base];
      if (node.m && node.branch !== 'preproc') {
        for (const effect of this.effects(node.m)) states = states.flatMap((s) => this.effect(effect, s));
      }
      if (node.branch === 'loop-macro' && node.m) {
        // the iterator variables change every round
        const words = this.text(node.m).match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
        for (const s of states) for (const w of words) this.forget(s, w);
      }
      for (const s of states) s.calls.clear();
      return states;
    }
    const test = truth.test;
    const paths = this.pathsOf(test);
    if (!paths) {
      let states = [base];
      for (const effect of this.effects(test)) states = states.flatMap((s) => this.effect(effect, s));
      for (const s of states) s.calls.clear();
      return states;
    }
    const out: PathState[] = [];
    for (const path of paths) {
      let states = [cloneState(base)];
      for (const step of path.steps) {
        const next: PathState[] = [];
        for (const s0 of states) {
          let atomStates = [s0];
          for (const effect of this.effects(step.atom)) atomStates = atomStates.flatMap((s) => this.effect(effect, s));
          for (const s of atomStates) {
            const known = this.atomTruth(step.atom, s);
            if (known !== undefined && known !== step.value) continue;
            if (known === undefined) {
              const text = this.atomText(step.atom);
              if (this.repeatedTests.has(text)) s.memo.set(text, step.value);
              this.learnFromTest(step.atom, step.value, s);
            }
            next.push(s);
          }
        }
        states = next;
        if (states.length === 0) break;
      }
      for (const s of states) {
        s.pending = path.result;
        s.calls.clear();
        out.push(s);
      }
    }
    return out;
  }

  /**
   * What a test says about a local of known type: `if (ret)` taken means ret holds an error
   * (kernel int convention), `if (!page)` not taken means page is non-NULL, `if (ret < 0)` taken
   * means an error.
   */
  private learnFromTest(atom: MNode, value: boolean, s: PathState): void {
    let x = atom;
    while (x.type === 'parenthesized_expression' && kids(x)[0]) x = kids(x)[0];
    let ident: MNode | undefined;
    let truthy = value;
    if (x.type === 'identifier') ident = x;
    else if (x.type === 'binary_expression') {
      const op = field(x, 'operator')?.type;
      const left = field(x, 'left');
      const right = field(x, 'right');
      if (left?.type === 'identifier' && right && constantClass(this.expr(right)) === 'zero') {
        if (op === '<' && value) ident = left;
        else if (op === '!=') ident = left;
        else if (op === '==') {
          ident = left;
          truthy = !value;
        }
      }
    }
    // `if (mapped)` not taken: nothing that mapped counts is linked
    const tested = ident ?? (x.type === 'field_expression' ? x : undefined);
    if (tested && !truthy) {
      const t = this.atomText(tested);
      for (const o of s.objs.values()) o.links = o.links.filter((l) => l.sum !== t);
    }
    if (!ident) return;
    const name = this.text(ident);
    if (!this.returned.has(name) && !this.repeatedTests.has(name)) return;
    const type = this.analysis.defUse?.variableOf(ident)?.type ?? '';
    const kind = returnKindOf(type);
    if (kind === 'pointer' || kind === 'bool') s.vals.set(name, truthy ? 'one' : 'zero');
    else if (kind === 'status' || (kind === 'int' && /^(ret|rc|err|error|status|sts|res|result|rv|r)$|_(ret|err|rc|status)$/.test(name))) {
      s.vals.set(name, truthy ? 'err' : 'zero');
    }
  }

  private atomText(atom: MNode): string {
    let t = this.atomTextCache.get(atom);
    if (t === undefined) this.atomTextCache.set(atom, (t = printExpr(stripCasts(this.expr(atom)))));
    return t;
  }

  /** The value class of an expression on this path, if known. */
  private valueOf(m: MNode, s: PathState): Val | undefined {
    let x = m;
    while (x.type === 'parenthesized_expression' && kids(x)[0]) x = kids(x)[0];
    if (x.type === 'cast_expression') {
      const v = field(x, 'value');
      if (v) return this.valueOf(v, s);
    }
    if (x.type === 'call_expression') {
      const known = s.calls.get(x.start);
      if (known !== undefined) return known;
      const name = this.calleeOf(x);
      if (name === 'errno_to_blk_status') {
        const arg = this.args(x)[0];
        const v = arg ? this.valueOf(arg, s) : undefined;
        return v === 'err' ? 'err' : v === 'zero' ? 'zero' : undefined;
      }
    }
    const e = stripCasts(this.expr(x));
    const c = constantClass(e);
    if (c !== undefined) return c;
    if (isTrackedLvalue(e)) return s.vals.get(lvalueText(e));
    return undefined;
  }

  /** Is a test leaf known true or false on this path? */
  private atomTruth(atom: MNode, s: PathState): boolean | undefined {
    let x = atom;
    while (x.type === 'parenthesized_expression' && kids(x)[0]) x = kids(x)[0];
    const v = this.valueOf(x, s);
    if (v !== undefined) return truthOf(v);
    if (x.type === 'binary_expression') {
      const op = field(x, 'operator')?.type ?? '';
      const left = field(x, 'left');
      const right = field(x, 'right');
      if (left && right && (op === '==' || op === '!=')) {
        // distinct named constants of one enum are distinct values
        const known = s.consts.get(this.text(left));
        const other = printExpr(stripCasts(this.expr(right)));
        if (known !== undefined && /^([A-Z][A-Z0-9_]*|\d+)$/.test(other)) return (known === other) === (op === '==');
      }
      if (left && right) {
        const lv = this.valueOf(left, s);
        if (lv !== undefined) {
          const r = compare(op, lv, stripCasts(this.expr(right)));
          if (r !== undefined) return r;
        }
        const rv = this.valueOf(right, s);
        if (rv !== undefined) {
          const mirrored: Record<string, string> = { '==': '==', '!=': '!=', '<': '>', '>': '<', '<=': '>=', '>=': '<=' };
          const r = compare(mirrored[op] ?? op, rv, stripCasts(this.expr(left)));
          if (r !== undefined) return r;
        }
      }
    }
    if (x.type === 'call_expression') {
      const name = this.calleeOf(x);
      const args = this.args(x);
      const arg = name === 'dma_mapping_error' ? args[1] : name === 'IS_ERR' || name === 'IS_ERR_OR_NULL' ? args[0] : undefined;
      const v2 = arg ? this.valueOf(arg, s) : undefined;
      if (v2 !== undefined) {
        if (name === 'IS_ERR_OR_NULL') return v2 !== 'one';
        return v2 === 'err';
      }
    }
    return s.memo.get(this.atomText(x));
  }

  // ---- effects --------------------------------------------------------------------------------

  private effect(effect: Effect, s: PathState): PathState[] {
    switch (effect.kind) {
      case 'call':
        return this.call(effect.call, effect.callee, s);
      case 'assign':
        this.assign(effect, s);
        return [s];
      case 'return': {
        const value = effect.value ? this.returnValue(effect.value, s) : undefined;
        s.exit = { site: effect.node.start, value, node: 'return' };
        return [s];
      }
    }
  }

  private returnValue(m: MNode, s: PathState): Val | undefined {
    const v = this.valueOf(m, s);
    if (v !== undefined) return v;
    // a DMA address built from the state (state->addr + offset) is a success value
    if (this.retKind === 'dma-addr' && /\baddr\b/.test(this.text(m)) && m.type !== 'identifier') return 'one';
    return undefined;
  }

  /** Forget what the path knew about `name` (it was assigned or its address handed on). */
  private forget(s: PathState, name: string): void {
    for (const k of [...s.vals.keys()]) if (mentionsWord(k, name)) s.vals.delete(k);
    for (const k of [...s.memo.keys()]) if (mentionsWord(k, name)) s.memo.delete(k);
    for (const k of [...s.unmapped.keys()]) if (mentionsWord(k, name)) s.unmapped.delete(k);
    s.consts.delete(name);
  }

  private isStateType(type: string | undefined): boolean {
    return !!type && /\bstruct\s+dma_iova_state\b/.test(type) && !type.includes('*');
  }

  private assign(effect: Extract<Effect, { kind: 'assign' }>, s: PathState): void {
    const targetExpr = stripCasts(this.expr(effect.target));
    const text = lvalueText(targetExpr);
    const value = effect.value;
    // a declared state: uninitialised, or zeroed by `= {}`
    if (effect.declaration) {
      const v = this.analysis.defUse?.variableOf(effect.target);
      if (this.isStateType(v?.type)) {
        const key = keyOfObject(targetExpr);
        s.objs.delete(key.text);
        const o = this.obj(s, key);
        o.phase = value ? 'cleared' : 'uninit';
      }
    }
    this.forget(s, text);
    // a store to a member of a struct value may be a union member over the address (re.d64 / re.s.addr)
    if (targetExpr.kind === 'field' && !targetExpr.arrow) {
      const object = `${printExpr(targetExpr.object)}.`;
      for (const k of [...s.unmapped.keys()]) if (k.startsWith(object)) s.unmapped.delete(k);
    }
    // re-pointing the root of a state key: a new object (zeroed when the allocator zeroes)
    if (targetExpr.kind === 'ident') {
      const callee = value && value.type === 'call_expression' ? this.calleeOf(value) : undefined;
      if (callee && ZEROING_ALLOCATORS.has(callee)) s.zeroed.add(targetExpr.name);
      else s.zeroed.delete(targetExpr.name);
      for (const [k, o] of [...s.objs]) {
        if (rootOf({ text: k, expr: o.expr }) !== targetExpr.name || o.expr.kind === 'ident') continue;
        s.objs.delete(k);
        const callee = value && value.type === 'call_expression' ? this.calleeOf(value) : undefined;
        if (callee && ZEROING_ALLOCATORS.has(callee)) s.objs.set(k, { key: k, expr: o.expr, phase: 'cleared', owned: false, links: [] });
      }
    }
    // state->__size = 0, *state = (struct dma_iova_state){}: the state is cleared
    if (targetExpr.kind === 'field' && targetExpr.field === '__size' && value && constantClass(this.expr(value)) === 'zero') {
      const key = targetExpr.arrow ? keyOfPointer(targetExpr.object) : keyOfObject(targetExpr.object);
      this.clear(s, key);
    } else if (value && (value.type === 'initializer_list' || value.type === 'compound_literal_expression')) {
      const key = keyOfObject(targetExpr);
      if (s.objs.has(key.text) || this.linkedKeys.has(key.text) || this.allocatedKeys.has(key.text)) this.clear(s, key);
    }
    // `mapped += len` after a link of len: mapped counts what is linked
    if (value && effect.op === '+=') {
      const added = printExpr(stripCasts(this.expr(value)));
      for (const o of s.objs.values()) for (const l of o.links) if (!l.sum && l.sizeWritten === added) l.sum = text;
    }
    if (value && effect.op === '=' && isTrackedLvalue(targetExpr)) {
      const v = this.valueOf(value, s);
      if (v !== undefined) s.vals.set(text, v);
      const named = stripCasts(this.expr(value));
      if (targetExpr.kind === 'ident' && this.testedNames.has(text) && (named.kind === 'number' || (named.kind === 'ident' && /^[A-Z][A-Z0-9_]*$/.test(named.name)))) {
        s.consts.set(text, printExpr(named));
      }
    }
  }

  private clear(s: PathState, key: StateKey): void {
    const o = this.obj(s, key);
    o.phase = 'cleared';
    o.owned = false;
    o.links = [];
    delete o.failedAllocSite;
    delete o.holdsDirect;
    delete o.partial;
    delete o.releasedSite;
  }

  private call(call: MNode, callee: string | undefined, s: PathState): PathState[] {
    if (!callee) return [s];
    const api = apiCall(callee);
    if (api) return this.apiCallEffect(call, api, s);
    if (callee === 'memset') {
      const [ptr, value] = this.args(call);
      if (ptr && value && constantClass(this.expr(value)) === 'zero') {
        const key = this.stateKeyOf(ptr)!;
        if (s.objs.has(key.text) || this.linkedKeys.has(key.text) || this.allocatedKeys.has(key.text)) this.clear(s, key);
        else for (const o of s.objs.values()) if (o.key.startsWith(`${key.text}.`) || o.key.startsWith(`${printExpr(pointerOfKey(key))}->`)) this.clear(s, { text: o.key, expr: o.expr });
      }
      return [s];
    }
    const w = wrapper(callee);
    if (w) return this.wrapperEffect(call, w, s);
    const summary = callee !== this.fn.name ? this.env.summaryOf(callee) : undefined;
    if (summary) return this.helperEffect(call, callee, summary, s);
    this.unknownCall(call, callee, s);
    return [s];
  }

  /** What a call may write: `&x` arguments (memcpy(&pa, ...) included). */
  private forgetWritten(call: MNode, s: PathState): void {
    for (const arg of this.args(call)) {
      const raw = printExpr(stripCasts(this.expr(arg)));
      if (raw.startsWith('&')) this.forget(s, raw.slice(1));
    }
  }

  private unknownCall(call: MNode, callee: string, s: PathState): void {
    const failedAlloc = [...s.objs.values()].some((o) => o.failedAllocSite !== undefined);
    this.forgetWritten(call, s);
    if (isInert(callee)) return;
    if (failedAlloc) s.actedAfterFailedAlloc = true;
    if (looksLikeMapping(callee)) s.mappedAt ??= call.start;
    // memory the callee can reach may change: addresses held in structures are no longer known,
    // nor anything read through a pointer it was given
    for (const k of [...s.unmapped.keys()]) if (/->|\.|\[/.test(k)) s.unmapped.delete(k);
    for (const arg of this.args(call)) {
      const text = this.argText(arg);
      const raw = printExpr(stripCasts(this.expr(arg)));
      if (arg.type === 'identifier' && (this.analysis.defUse?.variableOf(arg)?.type ?? '').includes('*')) {
        for (const k of [...s.vals.keys()]) if (k.startsWith(`${raw}->`) || k.includes(`(${raw})->`)) s.vals.delete(k);
        for (const k of [...s.memo.keys()]) if (mentionsWord(k, `${raw}->`.slice(0, -2)) && k.includes(`${raw}->`)) s.memo.delete(k);
      }
      for (const o of s.objs.values()) {
        const root = rootOf({ text: o.key, expr: o.expr });
        const pointer = printExpr(pointerOfKey({ text: o.key, expr: o.expr }));
        if (text === pointer || text === o.key || (root !== undefined && (text === root || text === `&${root}`))) o.escaped = true;
      }
    }
  }

  private linkRecord(call: MNode, api: ApiCall): LinkRecord {
    const args = this.args(call);
    return {
      site: call.start,
      line: this.line(call.start),
      offset: this.argText(args[api.offset]),
      size: this.argText(args[api.size]),
      dir: this.argText(args[api.dir]),
      attrs: this.argText(args[api.attrs]),
      synced: false,
      owned: true,
      mustSync: true,
      sizeWritten: args[api.size] ? printExpr(stripCasts(this.expr(args[api.size]))) : '',
      ...(args[api.offset] ? { offsetExpr: stripCasts(this.resolved(args[api.offset])) } : {}),
      ...(args[api.size] ? { sizeExpr: stripCasts(this.resolved(args[api.size])) } : {}),
    };
  }

  /** The call's value is thrown away (`dma_iova_link(...);`). */
  private discarded(call: MNode): boolean {
    let p = call.parent;
    while (p && (p.type === 'parenthesized_expression' || p.type === 'cast_expression')) p = p.parent;
    return p?.type === 'expression_statement';
  }

  /** A use of a state the path has not reserved, or has released. */
  private checkUse(o: ObjState, call: MNode, api: ApiCall): void {
    if (!this.sink) return;
    const data = { state: this.named(o), callee: api.name, line: this.line(call.start) };
    if (o.phase === 'released') {
      this.sink.add({
        rule: 'iova/stale-state',
        messageId: api.role === 'destroy' || api.role === 'free' ? 'releasedTwice' : 'useAfterRelease',
        node: call,
        data: { ...data, releasedLine: o.releasedLine ?? '?' },
        failing: ['dma_iova_link', 'dma_iova_sync'],
      });
      return;
    }
    if (o.phase === 'cleared' && o.failedAllocSite !== undefined) {
      const site = this.mirror.nodes.find((n) => n.start === o.failedAllocSite && n.type === 'call_expression');
      if (site) {
        this.sink.add({ rule: 'iova/unchecked-alloc', messageId: 'useAfterFailedAlloc', node: site, data, failing: ['dma_iova_try_alloc'] });
        this.usedAfterFailure.add(site.start);
      }
      return;
    }
    if (o.phase === 'cleared' || o.phase === 'uninit' || o.phase === 'entry-direct') {
      // once per state: the later calls on it are the same mistake
      const earlier = this.unallocatedUse.get(o.key);
      if (earlier === undefined || earlier > call.start) {
        this.unallocatedUse.set(o.key, call.start);
        this.labels.set(o.key, this.named(o));
      }
    }
  }

  private apiCallEffect(call: MNode, api: ApiCall, s: PathState): PathState[] {
    const args = this.args(call);
    const site = call.start;
    const line = this.line(site);
    if (api.role === 'map') {
      s.mappedAt ??= site;
      if ([...s.objs.values()].some((o) => o.failedAllocSite !== undefined)) s.actedAfterFailedAlloc = true;
      return [s];
    }
    if (api.role === 'unmap') {
      this.unmap(call, api, s);
      return [s];
    }
    const key = this.stateKeyOf(args[api.state]);
    if (!key) return [s];
    const o = this.obj(s, key, args[api.state]);
    switch (api.role) {
      case 'alloc': {
        if (this.sink && o.phase === 'allocated' && o.owned && !o.escaped) {
          this.sink.add({ rule: 'iova/leak-on-error', messageId: 'reallocLive', node: call, data: { state: this.named(o), line: o.allocLine ?? '?' }, failing: [] });
        }
        const ok = cloneState(s);
        const okObj = ok.objs.get(key.text)!;
        Object.assign(okObj, { phase: 'allocated', owned: true, allocSite: site, allocLine: line, allocSize: this.argText(args[api.size]), links: [] });
        for (const k of ['failedAllocSite', 'holdsDirect', 'partial', 'linkFailed', 'releasedSite', 'releasedLine', 'escaped', 'acquiredBy'] as const) delete okObj[k];
        ok.calls.set(site, 'one');
        const failed = s;
        Object.assign(o, { phase: 'cleared', owned: false, links: [], failedAllocSite: site });
        for (const k of ['holdsDirect', 'partial', 'releasedSite', 'releasedLine', 'allocSite'] as const) delete o[k];
        failed.calls.set(site, 'zero');
        delete failed.actedAfterFailedAlloc;
        return [ok, failed];
      }
      case 'link': {
        this.checkUse(o, call, api);
        const record = this.linkRecord(call, api);
        if (this.discarded(call)) {
          this.addLink(o, record);
          return [s];
        }
        if (o.phase !== 'allocated' && o.phase !== 'entry' && o.phase !== 'entry-iova') {
          // linking a state that holds no reservation: reported above, not followed further
          return [s];
        }
        const failed = cloneState(s);
        const fo = failed.objs.get(key.text)!;
        if (fo.links.length > 0) fo.partial = true;
        fo.linkFailed = true;
        failed.calls.set(site, 'err');
        failed.failure ??= { site, line, callee: api.name };
        this.addLink(o, record);
        s.calls.set(site, 'zero');
        return [s, failed];
      }
      case 'sync': {
        this.checkUse(o, call, api);
        if (this.discarded(call)) {
          this.markSynced(o);
          o.didSync = true;
          return [s];
        }
        const failed = cloneState(s);
        failed.calls.set(site, 'err');
        failed.failure ??= { site, line, callee: api.name };
        this.markSynced(o);
        o.didSync = true;
        s.calls.set(site, 'zero');
        return [s, failed];
      }
      case 'unlink': {
        this.checkUse(o, call, api);
        this.noteUncheckedTeardown(o, call, api);
        this.checkMirror(o, call, api);
        const offset = this.argText(args[api.offset]);
        const size = this.argText(args[api.size]);
        const exact = o.links.filter((l) => l.offset === offset && l.size === size);
        o.links = exact.length > 0 ? o.links.filter((l) => !exact.includes(l)) : [];
        return [s];
      }
      case 'destroy':
      case 'free': {
        this.checkUse(o, call, api);
        this.noteUncheckedTeardown(o, call, api);
        if (api.role === 'destroy') this.checkMirror(o, call, api);
        // dma_iova_destroy(.., 0, ..) frees like dma_iova_free(): nothing is unlinked
        const freesOnly = api.role === 'free' || (args[api.size] !== undefined && constantClass(this.expr(args[api.size])) === 'zero');
        const owned = o.links.filter((l) => l.owned);
        if (freesOnly && this.sink && owned.length > 0 && o.phase !== 'released' && !this.unlinkedBefore(o.key, call)) {
          const l = owned[0];
          this.sink.add({ rule: 'iova/leak-on-error', messageId: 'freeWhileLinked', node: call, data: { callee: api.name, state: this.named(o), line: l.line }, failing: ['dma_iova_link', 'dma_iova_sync'] });
        }
        Object.assign(o, { phase: 'released', links: [], releasedSite: site, releasedLine: line });
        delete o.holdsDirect;
        delete o.partial;
        return [s];
      }
      case 'use-query': {
        switch (o.phase) {
          case 'allocated':
          case 'entry-iova':
            s.calls.set(site, 'one');
            return [s];
          case 'released':
            if (this.sink) {
              this.sink.add({
                rule: 'iova/stale-state',
                messageId: 'useAfterRelease',
                node: call,
                data: { state: this.named(o), callee: api.name, line, releasedLine: o.releasedLine ?? '?' },
                failing: ['dma_iova_link', 'dma_iova_sync'],
              });
            }
            s.calls.set(site, 'one');
            return [s];
          case 'cleared':
          case 'entry-direct':
            s.calls.set(site, 'zero');
            return [s];
          case 'uninit':
            if (this.sink) this.sink.add({ rule: 'iova/stale-state', messageId: 'useUninit', node: call, data: { state: this.named(o), callee: api.name, line }, failing: [] });
            return [s];
          case 'entry': {
            const direct = cloneState(s);
            Object.assign(direct.objs.get(key.text)!, { phase: 'entry-direct', pre: 'direct' });
            direct.calls.set(site, 'zero');
            Object.assign(o, { phase: 'entry-iova', pre: 'iova' });
            s.calls.set(site, 'one');
            return [s, direct];
          }
        }
        return [s];
      }
      default:
        return [s];
    }
  }

  /**
   * A teardown of a state this path never tested with dma_use_iova(), in a function no caller of
   * the change vouches for, while another function of the change may leave that state on the
   * dma_map_* fallback: the teardown must ask first.
   */
  private noteUncheckedTeardown(o: ObjState, call: MNode, api: ApiCall): void {
    if (!this.sink || o.phase !== 'entry' || this.env.hasCallers) return;
    const field = /(?:->|\.)([A-Za-z_]\w*)$/.exec(o.key)?.[1];
    const mapper = field ? this.env.reservedElsewhere?.(field) : undefined;
    if (!mapper || mapper === this.fn.name) return;
    // any test in front of it (a use_iova flag, a mode) may be the check: only unconditional teardowns
    if (this.analysis.guardsAt(call, { includeStale: true }).length > 0) return;
    this.sink.add({
      rule: 'iova/unchecked-alloc',
      messageId: 'teardownUnchecked',
      node: call,
      data: { callee: api.name, state: this.named(o), mapper },
      failing: ['dma_iova_try_alloc'],
    });
  }

  /**
   * Some dma_iova_unlink() of the state can run before `call` (an unwind loop such as
   * `while (i--) dma_iova_unlink(...)`, whose trip count the path does not know): trust it.
   */
  private unlinkedBefore(key: string, call: MNode): boolean {
    return (this.unlinkSites.get(key) ?? []).some((u) => u !== call && this.analysis.canReach(u, call));
  }

  private addLink(o: ObjState, record: LinkRecord): void {
    o.links = [...o.links.filter((l) => l.site !== record.site), record].sort((a, b) => a.site - b.site);
  }

  private markSynced(o: ObjState): void {
    for (const l of o.links) {
      l.synced = true;
      l.mustSync = false;
    }
  }

  /** Unlink/destroy with the direction and attributes of the live links, and over what was linked. */
  private checkMirror(o: ObjState, call: MNode, api: ApiCall): void {
    if (!this.sink) return;
    const args = this.args(call);
    const dir = this.argText(args[api.dir]);
    const attrs = this.argText(args[api.attrs]);
    const candidates = api.role === 'unlink' ? o.links.filter((l) => l.offset === this.argText(args[api.offset])) : o.links;
    for (const l of candidates.length > 0 ? candidates : o.links) {
      if (l.viaHelper) continue;
      if (dir && l.dir && dir !== l.dir) {
        if (isConstantText(dir) || isConstantText(l.dir)) {
          // the direction drives CPU cache maintenance and bounce copies: non-coherent or untrusted devices
          const node = args[api.dir] ?? call;
          // a constant direction of the link is copied over: local and certain
          const fix = args[api.dir] && isConstantText(l.dir) ? { fix: { node: args[api.dir], text: l.dir } } : {};
          this.sink.add({ rule: 'iova/unlink-mismatch', messageId: 'dirMismatch', node, data: { callee: api.name, got: dir, linked: l.dir, line: l.line }, severity: 'warning', failing: [], ...fix });
        }
      }
      if (attrs !== l.attrs && attrsDrop(l.attrs, attrs)) {
        const fix = args[api.attrs] && /^[A-Z0-9_ |()]+$/.test(l.attrs) ? { fix: { node: args[api.attrs], text: l.attrs } } : {};
        this.sink.add({ rule: 'iova/unlink-mismatch', messageId: 'attrsMismatch', node: args[api.attrs] ?? call, data: { callee: api.name, got: attrs, linked: l.attrs, line: l.line }, severity: 'warning', failing: [], ...fix });
      }
      break;
    }
    if (api.role === 'unlink') this.checkSplit(o, call, api);
    if (api.role === 'destroy' && (o.partial || o.linkFailed) && o.allocSize) {
      const len = this.argText(args[api.size]);
      if (len === o.allocSize || /^dma_iova_size\(/.test(len)) {
        this.sink.add({ rule: 'iova/unlink-mismatch', messageId: 'destroyPartial', node: args[api.size] ?? call, data: { callee: api.name, len, line: this.line(call.start) }, failing: ['dma_iova_link'] });
      }
    }
  }

  /** D20: an unlink provably inside one link's extent without being it splits that mapping. */
  private checkSplit(o: ObjState, call: MNode, api: ApiCall): void {
    const args = this.args(call);
    if (!args[api.offset] || !args[api.size]) return;
    const uo = linearForm(stripCasts(this.resolved(args[api.offset])));
    const us = linearForm(stripCasts(this.resolved(args[api.size])));
    if (!uo || !us) return;
    const ue = addForms(uo, us);
    const offset = this.argText(args[api.offset]);
    const size = this.argText(args[api.size]);
    if (o.links.some((l) => l.offset === offset && l.size === size)) return;
    for (const l of o.links) {
      if (l.viaHelper || !l.offsetExpr || !l.sizeExpr) continue;
      const lo = linearForm(l.offsetExpr);
      const ls = linearForm(l.sizeExpr);
      if (!lo || !ls) continue;
      const head = subtractForms(uo, lo);
      const tail = subtractForms(addForms(lo, ls), ue);
      const nonNegative = (f: LinearForm): boolean => [...f.terms.values()].every((c) => c >= 0n);
      if (nonNegative(head) && nonNegative(tail) && (certainlyPositive(head) || certainlyPositive(tail))) {
        this.sink!.add({
          rule: 'iova/unlink-mismatch',
          messageId: 'splitsLink',
          node: call,
          data: { callee: api.name, offset, size, linkOffset: l.offset, linkSize: l.size, line: l.line },
          failing: [],
        });
        return;
      }
    }
  }

  private unmap(call: MNode, api: ApiCall, s: PathState): void {
    const args = this.args(call);
    s.didUnmap = true;
    for (const o of s.objs.values()) if (o.holdsDirect) delete o.holdsDirect;
    if (api.addr < 0) return;
    const addrNode = args[api.addr];
    if (!addrNode) return;
    // as written: a reassignment of the variable forgets it (the path follows stores)
    const addr = printExpr(stripCasts(this.expr(addrNode)));
    if (this.sink) {
      const before = s.unmapped.get(addr);
      if (before !== undefined) {
        this.sink.add({ rule: 'iova/double-unmap', messageId: 'unmappedTwice', node: call, data: { callee: api.name, addr, line: this.line(before) }, failing: [] });
      }
      for (const o of s.objs.values()) {
        if (o.phase !== 'allocated' && o.phase !== 'entry-iova') continue;
        const pointer = printExpr(pointerOfKey({ text: o.key, expr: o.expr }));
        const resolved = this.argText(addrNode);
        const reads = (t: string): boolean => mentionsWord(t, `${o.key}.addr`) || mentionsWord(t, `${pointer}->addr`) || mentionsWord(t, `(${pointer})->addr`);
        if (reads(addr) || reads(resolved)) {
          this.sink.add({ rule: 'iova/double-unmap', messageId: 'coalescedUnmap', node: call, data: { callee: api.name, addr, state: this.named(o) }, failing: [] });
        }
      }
    }
    s.unmapped.set(addr, call.start);
  }

  private wrapperEffect(call: MNode, w: Wrapper, s: PathState): PathState[] {
    const arg = this.args(call)[w.stateArg];
    if (!arg) return [s];
    let pointer = this.resolved(arg);
    let key: StateKey;
    if (w.statePath) {
      const object: Expr = { kind: 'field', object: pointer, field: w.statePath.replace(/^->/, ''), arrow: true };
      key = keyOfObject(object);
      pointer = pointerOfKey(key);
    } else key = keyOfPointer(pointer);
    const site = call.start;
    const okVal: Val = w.success === 'true' ? 'one' : 'zero';
    const failVal: Val = w.success === 'true' ? 'zero' : 'err';
    if (w.kind === 'acquire') {
      const failed = cloneState(s);
      failed.calls.set(site, failVal);
      const iova = cloneState(s);
      const io = this.obj(iova, key, arg);
      Object.assign(io, { phase: 'allocated', owned: true, allocSite: site, allocLine: this.line(site), links: [], acquiredBy: w.name });
      iova.calls.set(site, okVal);
      const out = [iova, failed];
      if (w.eitherPath) {
        const direct = s;
        const d = this.obj(direct, key, arg);
        Object.assign(d, { phase: 'cleared', owned: true, holdsDirect: true, links: [], allocSite: site, allocLine: this.line(site), acquiredBy: w.name });
        direct.calls.set(site, okVal);
        direct.mappedAt ??= site;
        out.push(direct);
      }
      return out;
    }
    const o = this.obj(s, key, arg);
    if (o.phase === 'released' && this.sink) {
      this.sink.add({ rule: 'iova/stale-state', messageId: 'releasedTwice', node: call, data: { state: this.named(o), callee: w.name, line: this.line(site), releasedLine: o.releasedLine ?? '?' }, failing: [] });
    }
    if (o.phase === 'allocated' || o.phase === 'entry-iova') {
      Object.assign(o, { phase: 'released', links: [], releasedSite: site, releasedLine: this.line(site) });
      s.calls.set(site, okVal);
    } else if (o.phase === 'entry') {
      const direct = cloneState(s);
      Object.assign(direct.objs.get(key.text)!, { phase: 'entry-direct', pre: 'direct' });
      direct.didUnmap = true;
      Object.assign(o, { phase: 'released', pre: 'iova', links: [], releasedSite: site, releasedLine: this.line(site) });
      s.calls.set(site, okVal);
      return [s, direct];
    } else {
      delete o.holdsDirect;
      s.didUnmap = true;
    }
    return [s];
  }

  private helperEffect(call: MNode, callee: string, summary: HelperSummary, s: PathState): PathState[] {
    const args = this.args(call);
    const bindings = new Map<string, Expr>();
    summary.params.forEach((p, i) => {
      if (args[i]) bindings.set(p, this.resolved(args[i]));
    });
    const site = call.start;
    const line = this.line(site);
    const out: PathState[] = [];
    const failedAlloc = [...s.objs.values()].some((o) => o.failedAllocSite !== undefined);
    const argRoots = new Set<string>();
    for (const e of bindings.values()) for (const x of identifiersOf(e)) argRoots.add(x);
    for (const outcome of summary.outcomes) {
      const n = cloneState(s);
      let feasible = true;
      for (const effect of outcome.effects) {
        const key = keyOfObject(substitute(effect.expr, bindings));
        const o = this.obj(n, key);
        if (!this.applyEffect(o, effect, outcome, site, line, callee)) {
          feasible = false;
          break;
        }
      }
      if (!feasible) continue;
      if (outcome.ret !== undefined) n.calls.set(site, outcome.ret);
      if (outcome.mapped) n.mappedAt ??= site;
      if (outcome.unmapped) {
        // the helper unmapped a fallback mapping: the one held through the states it was given
        n.didUnmap = true;
        for (const o of n.objs.values()) {
          const root = rootOf({ text: o.key, expr: o.expr });
          if (o.holdsDirect && root && argRoots.has(root)) delete o.holdsDirect;
        }
      }
      if (failedAlloc) n.actedAfterFailedAlloc = true;
      const failure = outcome.ret !== undefined && isFailureReturn(summary.retKind, outcome.ret);
      if (outcome.failure && failure) n.failure ??= { site, line, callee };
      out.push(n);
    }
    return out.length > 0 ? out : [s];
  }

  private applyEffect(o: ObjState, e: ObjEffect, outcome: HelperOutcome, site: number, line: number, callee: string): boolean {
    if (e.pre === 'iova' && (o.phase === 'cleared' || o.phase === 'uninit' || o.phase === 'entry-direct')) return false;
    if (e.pre === 'direct' && (o.phase === 'allocated' || o.phase === 'entry-iova')) return false;
    if (o.phase === 'entry' && e.pre) Object.assign(o, { phase: e.pre === 'iova' ? 'entry-iova' : 'entry-direct', pre: e.pre });
    // the helper links, syncs or releases a state it never asked dma_use_iova() about, and this
    // path holds no reservation in it
    const uses = !e.pre && !e.owned && (e.links.length > 0 || e.syncedAny || e.phase === 'released');
    if (uses && (o.phase === 'cleared' || o.phase === 'uninit' || o.phase === 'entry-direct')) {
      const call = this.mirror.nodes.find((n) => n.start === site && n.type === 'call_expression');
      if (call) this.checkUse(o, call, { ...apiCall('dma_iova_link')!, name: callee });
      return false;
    }
    const failed = outcome.failed;
    switch (e.phase) {
      case 'allocated':
        if (e.owned) Object.assign(o, { phase: 'allocated', owned: true, allocSite: site, allocLine: line, allocSize: undefined, links: [], acquiredBy: callee });
        break;
      case 'released':
        Object.assign(o, { phase: 'released', links: [], releasedSite: site, releasedLine: line });
        delete o.holdsDirect;
        break;
      case 'cleared':
        Object.assign(o, { phase: 'cleared', links: [] });
        if (!e.holdsDirect) o.owned = false;
        break;
      default:
        break;
    }
    if (e.holdsDirect && e.owned) Object.assign(o, { holdsDirect: true, owned: true, allocSite: site, allocLine: line, acquiredBy: callee });
    if (e.syncedAny) this.markSynced(o);
    if (e.unlinkedAll) o.links = [];
    if (e.links.length > 0) {
      const unsynced = e.links.some((l) => l.mustSync && !l.synced);
      const leaked = failed && e.links.some((l) => l.owned);
      const rec: LinkRecord = {
        site,
        line,
        offset: '',
        size: '',
        dir: '',
        attrs: '',
        synced: !unsynced,
        owned: leaked,
        mustSync: !failed && unsynced,
        viaHelper: callee,
      };
      this.addLink(o, rec);
    }
    if (e.partial) o.partial = true;
    return true;
  }

  // ---- exits ------------------------------------------------------------------------------

  private atExit(state: PathState, from: CfgNode): void {
    if (from.kind === 'abort' || from.jump === 'noreturn') return;
    const exit = state.exit ?? { site: from.m?.start ?? this.fn.node.endIndex, value: undefined, node: 'end' as const };
    const failure =
      this.retKind === 'void' ? !!state.failure : (isFailureReturn(this.retKind, exit.value) ?? (state.failure ? true : undefined));
    const success = this.retKind === 'void' ? !state.failure : isFailureReturn(this.retKind, exit.value) === false;
    if (!this.sink) {
      this.recordOutcome(state, exit.value, failure === true);
      return;
    }
    const exitNode = this.nodeAt(exit.site, from);
    if (failure === true) this.checkLeaks(state, exitNode);
    else this.checkStaleFallback(state);
    if (success) this.checkSuccess(state, exitNode);
  }

  private nodeAt(offset: number, from: CfgNode): MNode {
    return this.mirror.nodes.find((n) => n.start === offset && (n.type === 'return_statement' || n === from.m)) ?? from.m ?? this.mirror.root;
  }

  private deferred(o: ObjState): boolean {
    return this.env.hasCallers && this.callerVisible(o.key, o.expr);
  }

  private checkLeaks(state: PathState, exitNode: MNode): void {
    for (const o of state.objs.values()) {
      if (o.escaped || this.deferred(o)) continue;
      const liveAlloc = o.owned && o.phase === 'allocated';
      const liveLinks = o.links.filter((l) => l.owned);
      const direct = o.owned && o.holdsDirect;
      if (!liveAlloc && liveLinks.length === 0 && !direct) continue;
      const what = liveAlloc ? 'the IOVA reserved' : direct ? 'the mapping made' : 'the ranges linked';
      const line = liveAlloc || direct ? o.allocLine : liveLinks[0]?.line;
      const w = o.acquiredBy ? wrapper(o.acquiredBy) : undefined;
      const release =
        liveAlloc || direct
          ? w?.releasedBy
            ? `${w.releasedBy}()`
            : o.acquiredBy
              ? `the undo of ${o.acquiredBy}()`
              : 'dma_iova_destroy() or dma_iova_unlink() + dma_iova_free()'
          : 'dma_iova_unlink() of those ranges (or dma_iova_destroy())';
      this.sink!.add({
        rule: 'iova/leak-on-error',
        messageId: 'leak',
        node: exitNode,
        data: { state: this.named(o), what, line: line ?? '?', release },
        failing: state.failure ? [state.failure.callee] : [],
      });
    }
  }

  private checkSuccess(state: PathState, exitNode: MNode): void {
    const sink = this.sink!;
    if (state.failure) {
      const site = this.mirror.nodes.find((n) => n.start === state.failure!.site && n.type === 'call_expression');
      if (site) {
        sink.add({
          rule: 'iova/link-unchecked',
          messageId: 'swallowed',
          node: site,
          data: { callee: state.failure.callee, returnLine: this.line(exitNode.start) },
          failing: [state.failure.callee],
        });
      }
    }
    for (const o of state.objs.values()) {
      if (this.deferred(o) || o.phase === 'released') continue;
      const unsynced = o.links.find((l) => l.mustSync && !l.synced);
      if (unsynced) {
        const site = this.mirror.nodes.find((n) => n.start === unsynced.site && n.type === 'call_expression');
        if (site) {
          sink.add({
            rule: 'iova/missing-sync',
            messageId: unsynced.viaHelper ? 'unsyncedHelper' : 'unsynced',
            node: site,
            data: { state: this.named(o), returnLine: this.line(exitNode.start), helper: unsynced.viaHelper ?? '' },
            failing: [],
          });
        }
      }
      if (o.failedAllocSite !== undefined && o.phase === 'cleared' && !state.actedAfterFailedAlloc && state.mappedAt === undefined && this.linkedKeys.has(o.key)) {
        const site = this.mirror.nodes.find((n) => n.start === o.failedAllocSite && n.type === 'call_expression');
        if (site && !this.noFallback.has(site.start)) {
          this.noFallback.set(site.start, { rule: 'iova/unchecked-alloc', messageId: 'noFallback', node: site, data: { state: this.named(o), returnLine: this.line(exitNode.start) }, failing: ['dma_iova_try_alloc'] });
        }
      }
    }
  }

  /** D1: a path that maps through the fallback without clearing a state the function otherwise reserves. */
  private checkStaleFallback(state: PathState): void {
    const sink = this.sink!;
    if (state.mappedAt !== undefined) {
      for (const [key, expr] of this.allocatedKeys) {
        const o = state.objs.get(key);
        if (o && o.phase !== 'entry' && o.phase !== 'entry-iova' && o.phase !== 'entry-direct') continue;
        const root = rootOf({ text: key, expr });
        if (!o && root && state.zeroed.has(root)) continue;
        const site = this.mirror.nodes.find((n) => n.start === state.mappedAt && n.type === 'call_expression');
        if (site) sink.add({ rule: 'iova/stale-state', messageId: 'staleFallback', node: site, data: { state: this.labels.get(key) ?? describeState(key), callee: this.calleeOf(site) ?? '' }, failing: [] });
      }
    }
  }

  private recordOutcome(state: PathState, ret: Val | undefined, failed: boolean): void {
    const effects: ObjEffect[] = [];
    for (const o of state.objs.values()) {
      if (!this.callerVisible(o.key, o.expr)) continue;
      const touched = o.phase !== 'entry' || o.links.length > 0 || o.holdsDirect || o.partial || o.didSync;
      const pre = o.phase === 'entry-iova' ? 'iova' : o.phase === 'entry-direct' ? 'direct' : o.pre;
      if (!touched && !pre) continue;
      effects.push({
        expr: o.expr,
        pre,
        phase: o.phase,
        owned: o.owned,
        holdsDirect: !!o.holdsDirect,
        links: o.links.map((l) => ({ synced: l.synced, owned: l.owned, mustSync: l.mustSync })),
        syncedAny: !!o.didSync,
        unlinkedAll: false,
        partial: !!o.partial,
      });
    }
    const outcome: HelperOutcome = { ret, effects, mapped: state.mappedAt !== undefined, unmapped: !!state.didUnmap, failure: !!state.failure, failed };
    const key = JSON.stringify(outcome, (k, v) => (k === 'expr' ? printExpr(v as Expr) : v));
    if (!this.outcomes.has(key)) this.outcomes.set(key, outcome);
  }
}

function addForms(a: LinearForm, b: LinearForm): LinearForm {
  return subtractForms(a, subtractForms({ terms: new Map() }, b));
}

function isConstantText(t: string): boolean {
  return /^[A-Z][A-Z0-9_]*$/.test(t) || /^\d+$/.test(t);
}

const ATTR_BITS = ['DMA_ATTR_MMIO', 'DMA_ATTR_SKIP_CPU_SYNC', 'DMA_ATTR_REQUIRE_COHERENT', 'DMA_ATTR_PRIVILEGED'];

/** Does the unlink's attrs lose something the link's attrs had? */
function attrsDrop(linked: string, unlinked: string): boolean {
  if (!linked || !unlinked || linked === unlinked) return false;
  const constantOnly = (t: string): boolean => /^[A-Z0-9_ |()]+$/.test(t);
  const bits = (t: string): Set<string> => new Set(t.match(/DMA_ATTR_[A-Z_]+/g) ?? []);
  if (constantOnly(linked) && constantOnly(unlinked)) {
    const lb = bits(linked);
    const ub = bits(unlinked);
    return ATTR_BITS.some((b) => lb.has(b) && !ub.has(b));
  }
  // a stored or computed attrs at link time, a constant without it at unlink: the attrs are lost
  if (!constantOnly(linked) && (unlinked === '0' || constantOnly(unlinked))) return true;
  if (constantOnly(linked) && bits(linked).size > 0 && !constantOnly(unlinked)) return false;
  return false;
}
