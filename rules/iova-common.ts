// Knowledge the iova/* rules share: which calls reserve, map and free IOVA space (read from the
// model's contracts), which functions implement the two-step API, how kernel code spells an
// in-granule offset, and small queries over the c/ layer that several rules ask.
import {
  analyze,
  argumentsOf,
  calleeName,
  printExpr,
  toExpr,
  type FunctionAnalysis,
  type FunctionInfo,
  type SyntaxNode,
} from '../c/index.js';
import { CUT_VALUE, NONZERO_CARRIERS, UNKNOWN_TYPE, valueSources } from '../c/index.js';
import { FUNCTION_CONTRACTS, contractFor, type FunctionContract, type ParamRole } from '../model/index.js';
import type { ChangeFunction } from './types.js';

export interface CallShape {
  name: string;
  /** Argument index of the length (bytes or granules). */
  size: number;
  /** The length is in granules (`alloc_iova_fast`), not bytes. */
  granules: boolean;
  /** Argument index of the IOVA / DMA address, when the call takes one. */
  iova?: number;
  /** Argument index of the physical address, when the call takes one. */
  phys?: number;
}

function indexOf(c: FunctionContract, roles: ParamRole[]): number | undefined {
  const i = c.params.findIndex((p) => roles.includes(p.role));
  return i >= 0 ? i : undefined;
}

function shapeOf(c: FunctionContract): CallShape | undefined {
  const size = indexOf(c, ['size', 'granules']);
  if (size === undefined) return undefined;
  const shape: CallShape = { name: c.name, size, granules: c.params[size].role === 'granules' };
  const iova = indexOf(c, ['iova', 'pfn']);
  const phys = indexOf(c, ['phys']);
  if (iova !== undefined) shape.iova = iova;
  if (phys !== undefined) shape.phys = phys;
  return shape;
}

const isInternal = (c: FunctionContract): boolean => c.layer !== 'dma-api' && c.layer !== 'helper' && c.layer !== 'arch';
const hasRole = (c: FunctionContract, role: ParamRole): boolean => c.params.some((p) => p.role === role);

function shapes(pick: (c: FunctionContract) => boolean): ReadonlyMap<string, CallShape> {
  const out = new Map<string, CallShape>();
  for (const c of FUNCTION_CONTRACTS) {
    if (!pick(c)) continue;
    const s = shapeOf(c);
    if (s) out.set(c.name, s);
  }
  return out;
}

/** Internal allocators: reserve IOVA space of a given length (iommu_dma_alloc_iova, alloc_iova_fast...). */
export const INTERNAL_ALLOCATORS = shapes((c) => isInternal(c) && c.categories.includes('allocates-iova'));

/**
 * Calls that map exactly the granule-aligned range they are given (iommu_map, __dma_iova_link):
 * links and maps below the DMA API that neither reserve, bounce, nor take a pad or state.
 */
export const GRANULE_MAPPERS = shapes(
  (c) =>
    isInternal(c) &&
    (c.categories.includes('maps') || c.categories.includes('links')) &&
    !c.categories.includes('allocates-iova') &&
    !c.categories.includes('bounce') &&
    !hasRole(c, 'pad') &&
    !hasRole(c, 'state'),
);

/** Calls that release exactly the granule-aligned range they are given (iommu_dma_free_iova, iommu_unmap...). */
export const GRANULE_FREES = shapes(
  (c) => isInternal(c) && (c.categories.includes('frees-iova') || c.categories.includes('unmaps')) && !hasRole(c, 'dma-addr') && !hasRole(c, 'state'),
);

/** The two-step calls a driver makes with a length (try_alloc, link, sync, unlink, destroy). */
export const API_LENGTH_CALLS = shapes((c) => c.layer === 'dma-api' && c.name.startsWith('dma_iova_') && hasRole(c, 'size'));

/** Argument index of `role` in the contract of `name`. */
export function argIndex(name: string, role: ParamRole): number | undefined {
  const c = contractFor(name);
  return c ? indexOf(c, [role]) : undefined;
}

// ---- the function under review --------------------------------------------------------------

const STATE_POINTER = /\bstruct\s+dma_iova_state\s*\*/;

export function isStatePointerType(type: string): boolean {
  return STATE_POINTER.test(type);
}

/** The function implements part of the two-step API: it takes a state or writes `->__size`. */
export function implementsTwoStep(fn: FunctionInfo): boolean {
  return fn.params.some((p) => isStatePointerType(p.type)) || /(->|\.)\s*__size\b/.test(fn.node.text);
}

/** The function's parameter called `name`, if any. */
export function paramNamed(fn: FunctionInfo, name: string): { name: string; type: string } | undefined {
  return fn.params.find((p) => p.name === name);
}

/** Calls of any of `names` in the function, in source order. */
export function callsOf(a: FunctionAnalysis, names: Iterable<string>): SyntaxNode[] {
  return a.callsTo([...names]);
}

/** `node` is an identifier reading a parameter's value on entry (not reassigned on the way). */
export function isParameterValue(a: FunctionAnalysis, node: SyntaxNode): boolean {
  if (node.type !== 'identifier') return false;
  const v = a.variable(node.text, node.startIndex);
  if (!v?.isParam) return false;
  const def = a.uniqueDefinition(node);
  return def?.kind === 'param';
}

/** The helpers of the change, for the guard query. */
export function helperSource(functions: ReadonlyMap<string, ChangeFunction>): ReadonlyMap<string, ChangeFunction> {
  return functions;
}

export function unwrapExpression(node: SyntaxNode): SyntaxNode {
  let x = node;
  for (let i = 0; i < 16; i++) {
    if (x.type === 'parenthesized_expression' || x.type === 'cast_expression') {
      const inner = x.type === 'cast_expression' ? x.childForFieldName('value') : x.namedChildren.find((c) => c.type !== 'comment');
      if (!inner) break;
      x = inner;
      continue;
    }
    break;
  }
  return x;
}

// ---- in-granule offsets ----------------------------------------------------------------------

export interface OffsetOf {
  /** The address whose in-granule (or in-page) offset this is. */
  of: SyntaxNode;
  /** Which unit the offset is taken in. */
  unit: 'granule' | 'page';
  /** The expression computing it. */
  node: SyntaxNode;
}

function binaryParts(node: SyntaxNode): { op: string; left: SyntaxNode; right: SyntaxNode } | undefined {
  if (node.type !== 'binary_expression') return undefined;
  const op = node.childForFieldName('operator')?.type;
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  return op && left && right ? { op, left, right } : undefined;
}

function isGranuleMask(n: SyntaxNode): 'granule' | 'page' | undefined {
  const x = unwrapExpression(n);
  const text = printExpr(toExpr(x));
  if (x.type === 'call_expression' && calleeName(x) === 'iova_mask') return 'granule';
  if (text === '~PAGE_MASK' || text === 'PAGE_SIZE - 1' || text === '(PAGE_SIZE - 1)') return 'page';
  if (/^\S*granule - 1$/.test(text)) return 'granule';
  return undefined;
}

/**
 * `iova_offset(iovad, x)`, `offset_in_page(x)`, `x & iova_mask(iovad)`, `x & ~PAGE_MASK`,
 * `x & (granule - 1)`: the in-granule (or in-page) offset of `x`.
 */
export function inGranuleOffset(node: SyntaxNode): OffsetOf | undefined {
  const x = unwrapExpression(node);
  if (x.type === 'call_expression') {
    const name = calleeName(x);
    const args = argumentsOf(x);
    if (name === 'iova_offset' && args[1]) return { of: args[1], unit: 'granule', node: x };
    if (name === 'offset_in_page' && args[0]) return { of: args[0], unit: 'page', node: x };
    return undefined;
  }
  const b = binaryParts(x);
  if (b?.op === '&') {
    const r = isGranuleMask(b.right);
    if (r) return { of: b.left, unit: r, node: x };
    const l = isGranuleMask(b.left);
    if (l) return { of: b.right, unit: l, node: x };
  }
  return undefined;
}

/** The offset a node stands for: an offset expression, or a local whose single definition is one. */
export function offsetAt(a: FunctionAnalysis, node: SyntaxNode): OffsetOf | undefined {
  const direct = inGranuleOffset(node);
  if (direct) return direct;
  const x = unwrapExpression(node);
  if (x.type !== 'identifier') return undefined;
  const def = a.uniqueDefinition(x);
  if (def && (def.kind === 'init' || def.kind === 'assign') && def.value) return inGranuleOffset(def.value);
  return undefined;
}

/** Locals assigned an in-granule offset somewhere in the function: name → the offset. */
export function offsetLocals(a: FunctionAnalysis): Map<string, OffsetOf> {
  const out = new Map<string, OffsetOf>();
  const du = a.defUse;
  if (!du) return out;
  for (const d of du.definitions) {
    if ((d.kind !== 'init' && d.kind !== 'assign') || !d.value || d.variable.isParam) continue;
    const o = inGranuleOffset(d.value);
    if (o && !out.has(d.variable.name)) out.set(d.variable.name, o);
  }
  return out;
}

/** Does the text of an expression print the same as another's (casts ignored)? */
export function sameText(a: SyntaxNode, b: SyntaxNode): boolean {
  return printExpr(toExpr(a), { stripCasts: true }) === printExpr(toExpr(b), { stripCasts: true });
}

/** Printed form of a node, casts dropped. */
export function printed(node: SyntaxNode): string {
  return printExpr(toExpr(node), { stripCasts: true });
}

/** The analysis of a function, or undefined when it has no usable CFG. */
export function analysisOf(fn: FunctionInfo): FunctionAnalysis | undefined {
  const a = analyze(fn);
  return a.cfg ? a : undefined;
}

/** Names of the phys-typed parameters of the function. */
export function physParams(fn: FunctionInfo): string[] {
  return fn.params.filter((p) => /\bphys_addr_t\b/.test(p.type)).map((p) => p.name);
}

/** Quick text test before any analysis: does the function mention one of `words`? */
export function mentionsAny(fn: FunctionInfo, words: Iterable<string>): boolean {
  const text = fn.node.text;
  for (const w of words) if (text.includes(w)) return true;
  return false;
}

// ---- offsets of the buffer's physical address -----------------------------------------------

/** The address an offset is taken of is a DMA address (an IOVA), not the buffer's phys. */
export function isDmaAddress(a: FunctionAnalysis, node: SyntaxNode): boolean {
  const x = unwrapExpression(node);
  if (x.type === 'field_expression') return x.childForFieldName('field')?.text === 'addr';
  if (x.type === 'identifier') {
    const t = a.variable(x.text, x.startIndex)?.type ?? '';
    return /\bdma_addr_t\b/.test(t) || /^(dma_addr|dma_handle|iova|addr)$/.test(x.text);
  }
  return false;
}

/** Every in-granule offset of a physical address computed in the function (expressions and locals). */
export function physOffsets(a: FunctionAnalysis, fn: FunctionInfo): OffsetOf[] {
  const out: OffsetOf[] = [];
  for (const call of fn.node.descendantsOfType(['call_expression', 'binary_expression'])) {
    const o = inGranuleOffset(call);
    if (o && o.node.id === call.id && !isDmaAddress(a, o.of)) out.push(o);
  }
  return out;
}

/** The name of a local holding the phys offset (`iova_off`), if the function has one. */
export function physOffsetLocal(a: FunctionAnalysis): string | undefined {
  for (const [name, o] of offsetLocals(a)) if (!isDmaAddress(a, o.of)) return name;
  return undefined;
}

/** Names that read as a pad or offset passed in by a caller (`iova_start_pad`, `iova_off`). */
const PAD_NAME = /(^|_)(pad|off|offset|iova_off)$|pad/;

/**
 * Does the length at `node` include an in-granule offset (through `+`, `iova_align`, `ALIGN`,
 * locals)? `open` is true when some local on the way has several definitions (unknown).
 */
export function lengthIncludesOffset(a: FunctionAnalysis, node: SyntaxNode, carriers: (n: SyntaxNode) => SyntaxNode[]): { includes: boolean; open: boolean; sources: SyntaxNode[] } {
  const sources = valueSourcesWithEnds(a, node, carriers);
  const includes = sources.nodes.some((s) => !!inGranuleOffset(s) || (s.type === 'identifier' && PAD_NAME.test(s.text) && !!a.variable(s.text, s.startIndex)?.isParam));
  return { includes, open: sources.open, sources: sources.nodes };
}

/** valueSources plus whether an identifier on the way could not be followed (not a parameter). */
export function valueSourcesWithEnds(a: FunctionAnalysis, node: SyntaxNode, carriers: (n: SyntaxNode) => SyntaxNode[]): { nodes: SyntaxNode[]; open: boolean } {
  const nodes = valueSources(a, node, carriers);
  let open = false;
  for (const s of nodes) {
    if (s.type !== 'identifier') continue;
    const v = a.variable(s.text, s.startIndex);
    if (!v) continue; // a global or a macro constant
    const def = a.uniqueDefinition(s);
    if (!def) open = true;
    else if (def.kind !== 'param' && def.kind !== 'init' && def.kind !== 'assign') open = true;
  }
  return { nodes, open };
}

/** Carriers for lengths: `+` and `|`, iova_align/ALIGN/PAGE_ALIGN, shifts (granule counts). */
export const LENGTH_CARRIERS = NONZERO_CARRIERS;

/**
 * Every call of `fn` in the change passes, for parameter `param`, a value `prove` accepts in the
 * caller (a static helper whose callers make the check): false when `fn` has no caller in the
 * change, or when some call site is not proven.
 */
export function provenAtEveryCall(
  fn: FunctionInfo,
  param: string,
  functions: ReadonlyMap<string, ChangeFunction>,
  prove: (caller: FunctionAnalysis, arg: SyntaxNode) => boolean,
): boolean {
  const index = fn.params.findIndex((p) => p.name === param);
  if (index < 0) return false;
  let calls = 0;
  for (const { fn: caller } of functions.values()) {
    if (caller === fn || !caller.node.text.includes(`${fn.name}(`)) continue;
    const a = analyze(caller);
    if (!a.cfg) return false;
    for (const call of a.callsTo(fn.name)) {
      calls++;
      const arg = argumentsOf(call)[index];
      if (!arg || !prove(a, arg)) return false;
    }
  }
  return calls > 0;
}

// ---- functions rebuilt from hunks (partial) -------------------------------------------------
// Without a tree a hunk inside a function comes out as a partial function (c/rebuild.ts): the
// variables its lines use but do not declare are parameters of the opaque UNKNOWN_TYPE, and a
// statement the hunk cuts is completed with CUT_VALUE. These give the rules the stand-ins that
// the shown lines offer for facts that lie in the unseen ones.

/** `node` reads a variable the frame declared: its definition and type are in unseen lines. */
export function isUnseenVariable(a: FunctionAnalysis, node: SyntaxNode): boolean {
  const x = unwrapExpression(node);
  if (x.type !== 'identifier') return false;
  const v = a.variable(x.text, x.startIndex);
  return !!v?.isParam && v.type.includes(UNKNOWN_TYPE);
}

/** The function's parameter `name` is one the frame declared (not in the header git showed). */
export function isUnseenParameter(fn: FunctionInfo, name: string): boolean {
  return fn.partial && fn.params.some((p) => p.name === name && p.type.includes(UNKNOWN_TYPE));
}

/** The argument stands for the unseen part of a statement the hunk cuts. */
export function isCutValue(node: SyntaxNode | undefined): boolean {
  return !!node && unwrapExpression(node).text === CUT_VALUE;
}

/** Names kernel code gives to a byte count a caller passes. */
export const SIZE_LIKE = /^(size|len|length|nbytes|bytes)$|_(size|len|length)$/;
/** Names kernel code gives to the in-granule offset (pad) of an address. */
export const PAD_LIKE = /^(iova_off|iova_start_pad|iova_end_pad|start_pad|end_pad|pad|offset_pad)$|_pad$/;
/** Names kernel code gives to an IOVA base or DMA address. */
export const ADDRESS_LIKE = /^(addr|iova|dma_addr|dma_handle|iova_addr|base|dma_base)$/;

/** An unseen variable named like a pad: the stand-in for an offset whose computation is not shown. */
export function isUnseenPad(a: FunctionAnalysis, node: SyntaxNode): boolean {
  return isUnseenVariable(a, node) && PAD_LIKE.test(unwrapExpression(node).text);
}

/**
 * A partial function that the shown lines mark as implementing the two-step API: it takes a
 * `struct dma_iova_state *` (the header git showed), writes `__size` or `state->addr`, or tests a
 * value against DMA_IOVA_USE_SWIOTLB (the flag only the two-step API knows).
 */
export function shownTwoStepImplementation(fn: FunctionInfo): boolean {
  return implementsTwoStep(fn) || /\bstate\s*->\s*addr\s*=[^=]|\bDMA_IOVA_USE_SWIOTLB\b/.test(fn.node.text);
}

/**
 * The top-level statements of a partial function's body that start in shown lines (not the
 * frame's header or its closing empty statement; a statement the hunk cuts at its end counts).
 */
export function shownStatements(fn: FunctionInfo): SyntaxNode[] {
  const body = fn.body;
  if (!body) return [];
  return body.namedChildren.filter((s) => s.type !== 'comment' && s.text.trim() !== ';' && s.startPosition.row + 1 > fn.lines.start && s.startPosition.row + 1 < fn.lines.end);
}

/** The part of a statement control reaches as one step (an `if`'s condition, else the statement). */
export function statementAnchor(stmt: SyntaxNode): SyntaxNode {
  if (/^(if|while|switch|do)_statement$/.test(stmt.type)) return stmt.childForFieldName('condition') ?? stmt;
  return stmt;
}

/**
 * The unseen variables named like a caller's size that the shown lines read before `node`: the
 * stand-ins for the length of an allocation the hunk cuts before its length argument.
 */
export function shownSizesBefore(fn: FunctionInfo, a: FunctionAnalysis, node: SyntaxNode): SyntaxNode[] {
  const seen = new Set<string>();
  const out: SyntaxNode[] = [];
  for (const id of fn.node.descendantsOfType('identifier')) {
    if (id.startIndex >= node.startIndex || !SIZE_LIKE.test(id.text) || seen.has(id.text) || !isUnseenVariable(a, id)) continue;
    seen.add(id.text);
    out.push(id);
  }
  return out;
}
