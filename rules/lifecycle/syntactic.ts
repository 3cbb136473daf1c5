// Lifecycle checks that need no path: a link or sync result thrown away, an access provably past
// the reservation, links at a constant offset while a running sum is kept (D25), per-segment
// bookkeeping of coalesced addresses (D9), same-typed arguments swapped into an unmapping helper
// (D13), and link/unlink attributes that differ between the functions of the change (D11, D12).
import {
  analyze,
  enclosingLoop,
  lineAt,
  certainlyPositive,
  descendants,
  field,
  kids,
  linearForm,
  printExpr,
  printForm,
  stripCasts,
  subExpressions,
  substituteAtom,
  subtractForms,
  toExprM,
  type Expr,
  type FunctionAnalysis,
  type FunctionInfo,
  type LinearForm,
  type MNode,
} from '../../c/index.js';
import type { ChangeFunction } from '../types.js';
import { keyOfPointer } from './keys.js';
import type { Observation } from './observations.js';
import { apiCall, type ApiCall } from './vocabulary.js';

type Functions = ReadonlyMap<string, ChangeFunction>;

export interface ApiSite {
  call: MNode;
  api: ApiCall;
  args: MNode[];
  key: string;
}

function calleeOf(call: MNode, a: FunctionAnalysis): string | undefined {
  const fn = field(call, 'function');
  return fn?.type === 'identifier' ? a.mirror.textOf(fn) : undefined;
}

function argsOf(call: MNode): MNode[] {
  return kids(field(call, 'arguments') ?? call);
}

function resolvedText(a: FunctionAnalysis, m: MNode | undefined): string {
  if (!m) return '';
  const du = a.defUse;
  return printExpr(stripCasts(du ? du.resolve(m, { pointers: true }) : toExprM(m, a.mirror)));
}

export function apiSites(fn: FunctionInfo, a: FunctionAnalysis): ApiSite[] {
  const out: ApiSite[] = [];
  for (const call of descendants(a.mirror.root, 'call_expression')) {
    const name = calleeOf(call, a);
    const api = name ? apiCall(name) : undefined;
    if (!api || api.state < 0) continue;
    const args = argsOf(call);
    const stateArg = args[api.state];
    if (!stateArg) continue;
    const du = a.defUse;
    const key = keyOfPointer(du ? du.resolve(stateArg, { pointers: true }) : toExprM(stateArg, a.mirror)).text;
    out.push({ call, api, args, key });
  }
  void fn;
  return out;
}

/** The call's value is thrown away. */
function discarded(call: MNode): boolean {
  let p = call.parent;
  while (p && (p.type === 'parenthesized_expression' || p.type === 'cast_expression')) p = p.parent;
  return p?.type === 'expression_statement';
}

function lineOf(a: FunctionAnalysis, m: MNode): number {
  return lineAt(a.mirror.source.tree, m.start);
}

export function syntacticObservations(fn: FunctionInfo, a: FunctionAnalysis, functions: Functions): Observation[] {
  const out: Observation[] = [];
  const sites = apiSites(fn, a);
  ignoredResults(sites, out);
  outOfRange(sites, a, out);
  constantOffsetInLoop(sites, a, out);
  savedCoalesced(fn, a, out);
  swappedArguments(fn, a, functions, out);
  crossFunctionMirror(fn, sites, a, functions, out);
  return out;
}

/** dma_iova_link(...); / dma_iova_sync(...); with the result dropped. */
function ignoredResults(sites: ApiSite[], out: Observation[]): void {
  for (const s of sites) {
    if ((s.api.role === 'link' || s.api.role === 'sync') && discarded(s.call)) {
      out.push({
        rule: 'iova/link-unchecked',
        messageId: 'ignored',
        node: s.call,
        data: { callee: s.api.name },
        failing: [s.api.name],
      });
    }
  }
}

/** The largest value a loop index can have where `at` runs (from `i < n` / `i <= n` guards). */
function indexBounds(a: FunctionAnalysis, at: MNode): Map<string, LinearForm> {
  const bounds = new Map<string, LinearForm>();
  for (const g of a.guardsAt(at)) {
    const c = stripCasts(g.condition);
    if (c.kind !== 'binary') continue;
    let variable: Expr | undefined;
    let bound: Expr | undefined;
    let inclusive = false;
    if ((c.op === '<' || c.op === '<=') && c.left.kind === 'ident') {
      variable = c.left;
      bound = c.right;
      inclusive = c.op === '<=';
    } else if ((c.op === '>' || c.op === '>=') && c.right.kind === 'ident') {
      variable = c.right;
      bound = c.left;
      inclusive = c.op === '>=';
    }
    if (!variable || variable.kind !== 'ident' || !bound) continue;
    const form = linearForm(bound);
    if (!form) continue;
    bounds.set(variable.name, inclusive ? form : subtractForms(form, { terms: new Map([['', 1n]]) }));
  }
  return bounds;
}

/** Link, sync, unlink or destroy whose end is provably past what try_alloc reserved. */
function outOfRange(sites: ApiSite[], a: FunctionAnalysis, out: Observation[]): void {
  const du = a.defUse;
  const resolve = (m: MNode): Expr => stripCasts(du ? du.resolve(m) : toExprM(m, a.mirror));
  for (const alloc of sites.filter((s) => s.api.role === 'alloc')) {
    const sizeArg = alloc.args[alloc.api.size];
    if (!sizeArg) continue;
    const reserved = linearForm(resolve(sizeArg));
    if (!reserved) continue;
    for (const s of sites) {
      if (s.key !== alloc.key || !['link', 'sync', 'unlink', 'destroy'].includes(s.api.role)) continue;
      if (!a.canReach(a.mirror.syntax(alloc.call), a.mirror.syntax(s.call))) continue;
      const offsetArg = s.api.offset >= 0 ? s.args[s.api.offset] : undefined;
      const sizeNode = s.args[s.api.size];
      if (!sizeNode) continue;
      let end = linearForm(offsetArg ? { kind: 'binary', op: '+', left: resolve(offsetArg), right: resolve(sizeNode) } : resolve(sizeNode));
      if (!end) continue;
      const inReservation = (name: string): boolean => [...reserved.terms.keys()].some((m) => m.split('*').includes(name));
      for (const [name, bound] of indexBounds(a, s.call)) {
        if (inReservation(name) || ![...end.terms.keys()].some((m) => m.split('*').includes(name))) continue;
        end = substituteAtom(end, name, bound);
        if (!end) break;
      }
      if (!end) continue;
      const excess = subtractForms(end, reserved);
      if (!certainlyPositive(excess)) continue;
      out.push({
        rule: 'iova/link-out-of-range',
        messageId: 'beyondReservation',
        node: s.call,
        data: {
          callee: s.api.name,
          end: printForm(end),
          reserved: printForm(reserved),
          excess: printForm(excess),
          line: lineOf(a, alloc.call),
        },
        failing: [],
      });
    }
  }
}

function isConstantExpr(e: Expr): boolean {
  for (const x of subExpressions(e)) {
    if (x.kind === 'ident' && !/^[A-Z][A-Z0-9_]*$/.test(x.name)) return false;
    if (x.kind === 'call' || x.kind === 'field' || x.kind === 'index') return false;
  }
  return true;
}

/** D25: every link of a loop at the same constant offset while the lengths are summed. */
function constantOffsetInLoop(sites: ApiSite[], a: FunctionAnalysis, out: Observation[]): void {
  for (const s of sites) {
    if (s.api.role !== 'link') continue;
    const loop = enclosingLoop(s.call);
    const offsetArg = s.args[s.api.offset];
    const sizeArg = s.args[s.api.size];
    if (!loop || !offsetArg || !sizeArg) continue;
    if (!isConstantExpr(toExprM(offsetArg, a.mirror))) continue;
    const size = printExpr(stripCasts(toExprM(sizeArg, a.mirror)));
    const body = field(loop, 'body') ?? loop;
    let sum: string | undefined;
    for (const asg of descendants(body, 'assignment_expression')) {
      const op = field(asg, 'operator')?.type;
      const left = field(asg, 'left');
      const right = field(asg, 'right');
      if (!left || !right || op !== '+=') continue;
      if (printExpr(stripCasts(toExprM(right, a.mirror))) !== size) continue;
      sum = a.mirror.textOf(left);
      break;
    }
    if (!sum) continue;
    const init = /^[A-Za-z_]\w*$/.test(sum) ? a.defUse?.initializerOf(sum, s.call.start) : undefined;
    const certain = !!init && /^0[uUlL]*$/.test(init.text.trim()) && toExprM(offsetArg, a.mirror).kind === 'number';
    out.push({
      rule: 'iova/unlink-mismatch',
      messageId: 'constantOffset',
      node: offsetArg,
      data: { offset: a.mirror.textOf(offsetArg), sum, size: a.mirror.textOf(sizeArg) },
      ...(certain ? { fix: { node: offsetArg, text: sum } } : {}),
      failing: ['dma_iova_link'],
    });
  }
}

const IOVA_AWARE = /\b(dma_use_iova|dma_iova_\w+|blk_rq_dma_map_iter_start|blk_rq_integrity_dma_map_iter_start|dma_iova_state)\b/;

/** D9: per-segment DMA addresses saved for dma_unmap_*() where they may be one coalesced IOVA. */
function savedCoalesced(fn: FunctionInfo, a: FunctionAnalysis, out: Observation[]): void {
  const text = fn.node.text;
  if (!IOVA_AWARE.test(text) && !/\bstruct\s+blk_dma_iter\b/.test(text)) return;
  for (const asg of descendants(a.mirror.root, 'assignment_expression')) {
    const left = field(asg, 'left');
    const right = field(asg, 'right');
    if (!left || !right || field(asg, 'operator')?.type !== '=') continue;
    if (left.type !== 'subscript_expression' && descendants(left, 'subscript_expression').length === 0) continue;
    const value = stripCasts(toExprM(right, a.mirror));
    if (value.kind !== 'field' || !/^(addr|dma_addr)$/.test(value.field)) continue;
    const root = [...subExpressions(value.object)].find((x): x is Extract<Expr, { kind: 'ident' }> => x.kind === 'ident');
    if (!root) continue;
    const type = a.defUse?.variableNamed(root.name, asg.start)?.type ?? '';
    if (!/\b(blk_dma_iter|dma_iova_state)\b/.test(type)) continue;
    const guards = a.guardsAt(asg, { includeStale: true });
    const excluded = guards.some((g) => {
      const c = printExpr(g.condition);
      return /^!dma_use_iova\(/.test(c) || /^!blk_rq_dma_map_coalesce\(/.test(c);
    });
    if (excluded) continue;
    out.push({
      rule: 'iova/double-unmap',
      messageId: 'savedCoalesced',
      node: asg,
      data: { target: a.mirror.textOf(left), value: a.mirror.textOf(right) },
      failing: [],
    });
  }
}

const swappable = new WeakMap<FunctionInfo, Array<[number, number]>>();

/**
 * The parameter pairs (i, j) of a helper that unmaps (dma_unmap_*) which a caller could swap:
 * the same pointer type, i walked as an array (`p[k]`), j used as one object (`q->`, never `q[`).
 * None for a helper that does not unmap. analysis.ts reads a caller for swapped arguments only
 * when one of its helpers has a pair.
 */
export function swappablePairs(helper: FunctionInfo): Array<[number, number]> {
  let pairs = swappable.get(helper);
  if (pairs) return pairs;
  pairs = [];
  swappable.set(helper, pairs);
  if (!/\bdma_unmap_\w+\s*\(/.test(helper.node.text)) return pairs;
  const body = helper.body?.text ?? helper.node.text;
  const params = helper.params;
  for (let i = 0; i < params.length; i++) {
    for (let j = 0; j < params.length; j++) {
      if (i === j || params[i].type !== params[j].type || !params[i].type.includes('*')) continue;
      const walked = new RegExp(`\\b${params[i].name}\\s*\\[\\s*(?!0\\s*\\])`).test(body);
      const single = !new RegExp(`\\b${params[j].name}\\s*\\[`).test(body) && new RegExp(`\\b${params[j].name}\\s*->`).test(body);
      if (walked && single) pairs.push([i, j]);
    }
  }
  return pairs;
}

/** D13: two same-typed pointers swapped into an unmapping helper of the change. */
function swappedArguments(fn: FunctionInfo, a: FunctionAnalysis, functions: Functions, out: Observation[]): void {
  for (const call of descendants(a.mirror.root, 'call_expression')) {
    const name = calleeOf(call, a);
    const helper = name && name !== fn.name ? functions.get(name)?.fn : undefined;
    if (!helper) continue;
    const args = argsOf(call);
    const params = helper.params;
    for (const [i, j] of swappablePairs(helper)) {
      const ai = args[i];
      const aj = args[j];
      if (!ai || !aj) continue;
      const ei = stripCasts(toExprM(ai, a.mirror));
      const ej = stripCasts(toExprM(aj, a.mirror));
      const memberAddress = (e: Expr): boolean => e.kind === 'unary' && e.op === '&' && e.operand.kind === 'field';
      if (!memberAddress(ei) || memberAddress(ej)) continue;
      out.push({
        rule: 'iova/unlink-mismatch',
        messageId: 'swappedArgs',
        node: call,
        data: {
          helper: name!,
          arg: a.mirror.textOf(ai),
          position: i + 1,
          other: j + 1,
          walked: params[i].name,
          single: params[j].name,
        },
        failing: [],
      });
    }
  }
}

/** The field a state key ends in (`dma_state` of blk_mq_rq_to_pdu(req)->dma_state). */
function stateField(key: string): string | undefined {
  return /(?:->|\.)([A-Za-z_]\w*)$/.exec(key)?.[1];
}

interface LinkShape {
  dir: string;
  attrs: string;
  fn: string;
  line: number;
  /** The struct type holding the state (`struct baz` for b->st with `struct baz *b`), when known. */
  owner?: string;
}

/** The struct type of the parameter a state key starts at (`b->st`, b a `struct baz *`). */
function ownerType(fn: FunctionInfo, key: string): string | undefined {
  const root = /^([A-Za-z_]\w*)(?:->|\.)/.exec(key)?.[1];
  const param = root ? fn.params.find((p) => p.name === root) : undefined;
  return param ? /\bstruct\s+(\w+)/.exec(param.type)?.[1] : undefined;
}

const linkShapes = new WeakMap<Functions, Map<string, LinkShape[]>>();

function linksOfChange(functions: Functions): Map<string, LinkShape[]> {
  let map = linkShapes.get(functions);
  if (map) return map;
  map = new Map();
  for (const [name, { fn }] of functions) {
    if (!fn.node.text.includes('dma_iova_link') || fn.hasError) continue;
    const a = analyze(fn);
    for (const s of apiSites(fn, a)) {
      if (s.api.role !== 'link') continue;
      const f = stateField(s.key);
      if (!f) continue;
      const list = map.get(f) ?? [];
      const owner = ownerType(fn, s.key);
      list.push({ dir: resolvedText(a, s.args[s.api.dir]), attrs: resolvedText(a, s.args[s.api.attrs]), fn: name, line: lineOf(a, s.call), ...(owner ? { owner } : {}) });
      map.set(f, list);
    }
  }
  linkShapes.set(functions, map);
  return map;
}

const CONSTANT = /^[A-Z0-9_ |()]+$/;
const ATTR_BITS = /DMA_ATTR_(MMIO|SKIP_CPU_SYNC|REQUIRE_COHERENT|PRIVILEGED)/g;

/** Unlink/destroy in one function, links in another, same state field: dir and attrs must agree. */
function crossFunctionMirror(fn: FunctionInfo, sites: ApiSite[], a: FunctionAnalysis, functions: Functions, out: Observation[]): void {
  const releases = sites.filter((s) => s.api.role === 'unlink' || s.api.role === 'destroy');
  if (releases.length === 0) return;
  const shapes = linksOfChange(functions);
  // a function that links the state itself is judged on its own links (the path machine)
  const linkedHere = new Set(sites.filter((s) => s.api.role === 'link').map((s) => s.key));
  for (const r of releases) {
    const f = stateField(r.key);
    if (linkedHere.has(r.key)) continue;
    const owner = ownerType(fn, r.key);
    // the same field name in another struct type is another state
    const links = f ? (shapes.get(f) ?? []).filter((l) => l.fn !== fn.name && !(owner && l.owner && owner !== l.owner)) : [];
    if (links.length === 0) continue;
    const dir = resolvedText(a, r.args[r.api.dir]);
    const attrs = resolvedText(a, r.args[r.api.attrs]);
    const dirs = new Set(links.map((l) => l.dir));
    if (CONSTANT.test(dir) && dirs.size === 1) {
      const linked = [...dirs][0];
      if (CONSTANT.test(linked) && linked !== dir) {
        out.push({ rule: 'iova/unlink-mismatch', messageId: 'dirMismatch', node: r.args[r.api.dir] ?? r.call, data: { callee: r.api.name, got: dir, linked, line: links[0].line }, severity: 'warning', failing: [], before: [links[0].fn] });
      }
    }
    for (const l of links) {
      const lost =
        CONSTANT.test(l.attrs) && CONSTANT.test(attrs)
          ? (l.attrs.match(ATTR_BITS) ?? []).some((b) => !attrs.includes(b))
          : !CONSTANT.test(l.attrs) && l.attrs !== '' && attrs === '0';
      if (!lost) continue;
      out.push({ rule: 'iova/unlink-mismatch', messageId: 'attrsMismatch', node: r.args[r.api.attrs] ?? r.call, data: { callee: r.api.name, got: attrs, linked: l.attrs, line: l.line }, severity: 'warning', failing: [], before: [l.fn] });
      break;
    }
  }
}
