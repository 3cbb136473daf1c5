// What a lifecycle finding's contract run needs the caller to have done first (SimRequest
// preconditions): each dma_iova_state the function is handed rather than reserving it itself,
// prepared as its callers leave it — reserved for a function that links into it, linked for one
// that only syncs or releases it, stale (linked, destroyed, not cleared) for a finding about a
// fallback path that reuses it — and, for an unmap whose mirror is in question, the map side of
// the change run first on the same objects.
import { analyze, descendants, field, kids, printExpr, stripCasts, toExprM, type Expr, type FunctionAnalysis, type FunctionInfo, type MNode } from '../../c/index.js';
import type { SimPreconditions, StatePrecondition } from '../../model/index.js';
import type { ChangeFunction } from '../types.js';
import { keyOfPointer, rootOf, substitute } from './keys.js';
import type { LifecycleRuleId } from './observations.js';
import { apiSites } from './syntactic.js';
import { wrapper, type ApiRole } from './vocabulary.js';

type Functions = ReadonlyMap<string, ChangeFunction>;
type Roles = Map<string, { expr: Expr; roles: Set<ApiRole> }>;

const MAX_DEPTH = 3;

function resolved(a: FunctionAnalysis, m: MNode): Expr {
  const du = a.defUse;
  return stripCasts(du ? du.resolve(m, { pointers: true }) : toExprM(m, a.mirror));
}

function add(out: Roles, key: { text: string; expr: Expr }, role: ApiRole): void {
  let e = out.get(key.text);
  if (!e) out.set(key.text, (e = { expr: key.expr, roles: new Set() }));
  e.roles.add(role);
}

/** The API roles `fn` plays on each state it touches: directly, through kernel wrappers, through helpers of the change. */
function stateRoles(fn: FunctionInfo, functions: Functions, depth: number, seen: Set<string>): Roles {
  const out: Roles = new Map();
  if (fn.hasError || !fn.body) return out;
  const a = analyze(fn);
  for (const s of apiSites(fn, a)) {
    const arg = s.args[s.api.state];
    if (arg) add(out, keyOfPointer(resolved(a, arg)), s.api.role);
  }
  for (const call of descendants(a.mirror.root, 'call_expression')) {
    const callee = field(call, 'function');
    const name = callee?.type === 'identifier' ? a.mirror.textOf(callee) : undefined;
    if (!name) continue;
    const args = kids(field(call, 'arguments') ?? call);
    // memset(state, 0, ...) / memset(&x->state, ...): the function initialises it itself
    if (name === 'memset' && args[0]) {
      const key = keyOfPointer(resolved(a, args[0]));
      if (out.has(key.text)) add(out, key, 'alloc');
      continue;
    }
    const w = wrapper(name);
    if (w) {
      const arg = args[w.stateArg];
      if (!arg) continue;
      const pointer = resolved(a, arg);
      const key = w.statePath ? keyOfPointer({ kind: 'unary', op: '&', operand: { kind: 'field', object: pointer, field: w.statePath.replace(/^->/, ''), arrow: true } }) : keyOfPointer(pointer);
      add(out, key, w.kind === 'acquire' ? 'alloc' : 'destroy');
      continue;
    }
    const helper = functions.get(name);
    if (!helper || depth >= MAX_DEPTH || seen.has(name) || helper.fn === fn) continue;
    seen.add(name);
    const inner = stateRoles(helper.fn, functions, depth + 1, seen);
    seen.delete(name);
    const bindings = new Map<string, Expr>();
    helper.fn.params.forEach((p, i) => {
      if (args[i]) bindings.set(p.name, resolved(a, args[i]!));
    });
    for (const { expr, roles } of inner.values()) {
      const root = rootOfExpr(expr);
      if (!root || !bindings.has(root)) continue;
      const mapped = substitute(expr, bindings);
      const key = { text: printExpr(mapped), expr: mapped };
      for (const r of roles) add(out, key, r);
    }
  }
  return out;
}

function rootOfExpr(e: Expr): string | undefined {
  return rootOf({ text: printExpr(e), expr: e });
}

/** How the simulator is told where a state lives: a parameter's name, or the path to it. */
function preconditionKey(key: string): string {
  return key.startsWith('*') ? key.slice(1) : key;
}

function prepFor(roles: ReadonlySet<ApiRole>, stale: boolean): StatePrecondition | undefined {
  if (stale) return 'stale';
  if (roles.has('alloc')) return undefined;
  if (roles.has('link')) return 'allocated';
  if (roles.has('sync') || roles.has('unlink') || roles.has('destroy') || roles.has('free')) return 'linked';
  if (roles.has('use-query') || roles.has('size-query')) return 'allocated';
  return undefined;
}

/**
 * The preconditions of a contract run for an observation of `rule` in `fn`. A state reaches `fn`
 * from its caller when the key starts at a parameter or at a call (`blk_mq_rq_to_pdu(req)`);
 * states of `fn`'s own locals are its own.
 */
export function lifecyclePreconditions(
  rule: LifecycleRuleId,
  messageId: string,
  fn: FunctionInfo,
  functions: Functions,
  before: readonly string[] | undefined,
): SimPreconditions | undefined {
  if (before && before.length > 0) return { before: [...before] };
  const params = new Set(fn.params.map((p) => p.name));
  const staleFallback = rule === 'iova/stale-state' && messageId === 'staleFallback';
  // swapped arguments of an unmapping helper: the dma_map_* fallback's unmap, with no IOVA in use
  const directPath = rule === 'iova/unlink-mismatch' && messageId === 'swappedArgs';
  const states: Record<string, StatePrecondition> = {};
  for (const [text, { expr, roles }] of stateRoles(fn, functions, 0, new Set([fn.name]))) {
    const root = rootOfExpr(expr);
    const fromCaller = (root !== undefined && params.has(root)) || /\(/.test(text);
    if (!fromCaller) continue;
    const prep = directPath ? 'zero' : prepFor(roles, staleFallback);
    if (prep) states[preconditionKey(text)] = prep;
  }
  return Object.keys(states).length > 0 ? { states } : undefined;
}
