// iova/size-zero-guard — finds IOVA reservations a caller can reach with size 0 (no dominating
// rejection), and links/maps of a length left by a subtraction with no non-zero check.
// Confidence: high for implementations of the two-step API, moderate for subtraction lengths.
import { UNKNOWN_TYPE, analyze, argumentOf, argumentsOf, type Carrier, type FunctionAnalysis, type FunctionInfo, type SyntaxNode } from '../c/index.js';
import { impliesDifferenceNonZero, impliesNonZero } from '../c/index.js';
import { COPIES, NONZERO_CARRIERS, valueSources } from '../c/index.js';
import {
  API_LENGTH_CALLS,
  GRANULE_MAPPERS,
  INTERNAL_ALLOCATORS,
  SIZE_LIKE,
  implementsTwoStep,
  isCutValue,
  isParameterValue,
  shownSizesBefore,
  shownStatements,
  statementAnchor,
  shownTwoStepImplementation,
  mentionsAny,
  offsetAt,
  physParams,
  provenAtEveryCall,
  unwrapExpression,
  type CallShape,
} from './iova-common.js';
import { createRule, type RuleContext } from './types.js';

type MessageId = 'unguardedAlloc' | 'unguardedLength' | 'unguardedUnseenAlloc';

/** Calls a zero length must not reach when it is left by a subtraction. */
const LENGTH_SINKS: ReadonlyMap<string, CallShape> = new Map(
  [...GRANULE_MAPPERS, ...INTERNAL_ALLOCATORS, ...[...API_LENGTH_CALLS].filter(([name]) => name === 'dma_iova_link' || name === 'dma_iova_try_alloc')],
);

const WORDS = [...LENGTH_SINKS.keys()];

/** Every operand and argument: where a value may come from at all. */
const EVERY_OPERAND: Carrier = (node) =>
  node.type === 'binary_expression' ? node.namedChildren.filter((c) => c.type !== 'comment') : node.type === 'call_expression' ? argumentsOf(node) : [];

/** A guard holding at `node` proves it non-zero. */
function provenNonZero(a: FunctionAnalysis, node: SyntaxNode, helpers: RuleContext<MessageId>['functions']): boolean {
  const target = a.exprOf(node);
  return a.guardsAt(node, { helpers }).some((g) => impliesNonZero(g.condition, target));
}

/** The parameter read at `node` keeps its entry value for the whole function. */
function neverReassigned(a: FunctionAnalysis, node: SyntaxNode): boolean {
  const v = a.variable(node.text, node.startIndex);
  return !!v && !!a.defUse && a.defUse.definitions.every((d) => d.variable !== v || d.kind === 'param');
}

function failureValue(fn: FunctionInfo): string | undefined {
  const t = fn.returnType.trim();
  if (t === 'bool') return 'false';
  if (t === 'dma_addr_t') return 'DMA_MAPPING_ERROR';
  if (t === 'int') return '-EINVAL';
  return undefined;
}

/** `if (WARN_ON_ONCE(!param)) return <failure>;` before the statement holding the allocation. */
function guardInsertion(fn: FunctionInfo, text: string, call: SyntaxNode, param: string): { range: { startLine: number; startColumn: number; endLine: number; endColumn: number }; text: string } | undefined {
  const value = failureValue(fn);
  if (!value || !fn.body) return undefined;
  let stmt: SyntaxNode | null = call;
  while (stmt && stmt.parent && stmt.parent.id !== fn.body.id) stmt = stmt.parent;
  if (!stmt || stmt.parent?.id !== fn.body.id || stmt.type !== 'expression_statement') return undefined;
  const line = stmt.startPosition.row + 1;
  const lineStart = stmt.startIndex - stmt.startPosition.column;
  const lineText = text.slice(lineStart, stmt.startIndex);
  if (!/^[ \t]*$/.test(lineText)) return undefined;
  const indent = lineText;
  const column = stmt.startPosition.column + 1;
  return {
    range: { startLine: line, startColumn: column, endLine: line, endColumn: column },
    text: `if (WARN_ON_ONCE(!${param}))\n${indent}\treturn ${value};\n\n${indent}`,
  };
}

function checkImplementation(fn: FunctionInfo, a: FunctionAnalysis, context: RuleContext<MessageId>, reported: Set<number>): void {
  for (const call of a.callsTo([...INTERNAL_ALLOCATORS.keys()])) {
    const shape = INTERNAL_ALLOCATORS.get(call.childForFieldName('function')?.text ?? '');
    const size = shape ? argumentOf(call, shape.size) : undefined;
    if (!shape || !a.isReachable(call)) continue;
    const cut = fn.partial && (!size || isCutValue(size));
    if (!size && !cut) continue;
    const sources = cut ? shownSizesBefore(fn, a, call) : valueSources(a, size!, NONZERO_CARRIERS);
    // caller-supplied: some parameter flows into the length, through any operation
    const params = cut ? sources : valueSources(a, size!, EVERY_OPERAND).filter((s) => isParameterValue(a, s));
    if (params.length === 0) continue; // not a size the caller supplies
    if (sources.some((s) => provenNonZero(a, s, context.functions))) continue;
    // `len = iova_align(iovad, size + off)` computed before `if (!size) return`: the test of the
    // (never reassigned) parameter still comes before the allocation
    if (sources.some((p) => isParameterValue(a, p) && neverReassigned(a, p) && a.guardsAt(call, { helpers: context.functions }).some((g) => impliesNonZero(g.condition, a.exprOf(p))))) continue;
    const param = params[0].text;
    // a static helper whose every caller in the change rejects 0 first
    if (provenAtEveryCall(fn, param, context.functions, (caller, arg) => valueSources(caller, arg, NONZERO_CARRIERS).some((s) => provenNonZero(caller, s, context.functions)))) continue;
    const phys = physParams(fn)[0];
    const fix = guardInsertion(fn, context.file.text, call, param);
    reported.add(call.id);
    context.report({
      node: call,
      messageId: 'unguardedAlloc',
      data: { param, callee: shape.name },
      ...(fix ? { fix } : {}),
      sim: {
        mode: 'confirm',
        function: fn.name,
        inputs: { [param]: '0', ...(phys ? { [phys]: '0' } : {}) },
        expect: { invariants: ['alloc-nonzero'], description: `${param} 0 reaches ${shape.name}()` },
      },
    });
  }
}

/** The subtrahend is a pad: an in-granule offset, a local holding one, or a `*pad*` name. */
function isPad(a: FunctionAnalysis, node: SyntaxNode | null | undefined): boolean {
  if (!node) return false;
  const x = unwrapExpression(node);
  return !!offsetAt(a, x) || (x.type === 'identifier' && /pad/.test(x.text));
}

/**
 * The sources of `length` that subtract a pad from a size (`size - end_pad`, or a local after
 * `size -= iova_end_pad`): the aligned middle of a buffer, empty when the buffer fits in its head
 * and tail granules (reference D5). Other subtractions are left alone: their operands usually
 * prove the difference positive in ways a guard query does not see.
 */
function padSubtractions(a: FunctionAnalysis, length: SyntaxNode): Array<{ node: SyntaxNode; left?: SyntaxNode; right?: SyntaxNode }> {
  const out: Array<{ node: SyntaxNode; left?: SyntaxNode; right?: SyntaxNode }> = [];
  for (const s of valueSources(a, length, COPIES)) {
    if (s.type === 'binary_expression' && s.childForFieldName('operator')?.type === '-') {
      const right = s.childForFieldName('right');
      if (isPad(a, right)) out.push({ node: s, left: s.childForFieldName('left') ?? undefined, right: right ?? undefined });
    } else if (s.type === 'identifier') {
      for (const d of a.reaching(s)) {
        if (d.kind !== 'compound' || d.operator !== '-=' || !isPad(a, d.value)) continue;
        // `size -= pad`: the difference of the value before and the pad, judged at the update
        out.push({ node: d.node, left: d.node.childForFieldName('left') ?? undefined, right: d.value });
      }
    }
  }
  return out;
}

function checkSubtractedLengths(fn: FunctionInfo, a: FunctionAnalysis, context: RuleContext<MessageId>, reported: Set<number>): void {
  for (const call of a.callsTo(WORDS)) {
    if (reported.has(call.id) || !a.isReachable(call)) continue;
    const shape = LENGTH_SINKS.get(call.childForFieldName('function')?.text ?? '');
    const length = shape ? argumentOf(call, shape.size) : undefined;
    if (!shape || !length) continue;
    const subs = padSubtractions(a, length);
    if (subs.length === 0) continue;
    const guarded = (s: (typeof subs)[number]): boolean => {
      if (provenNonZero(a, s.node, context.functions) || provenNonZero(a, length, context.functions)) return true;
      if (!s.left || !s.right) return false;
      const left = a.exprOf(s.left);
      const right = a.exprOf(s.right);
      return a.guardsAt(s.node, { helpers: context.functions }).some((g) => impliesDifferenceNonZero(g.condition, left, right));
    };
    if (subs.every(guarded)) continue;
    reported.add(call.id);
    context.report({
      node: length,
      messageId: 'unguardedLength',
      data: { length: length.text.replace(/\s+/g, ' '), callee: shape.name },
      sim: {
        mode: 'confirm',
        function: fn.name,
        scenario: { untrusted: true },
        expect: { invariants: ['alloc-nonzero'], description: `a zero ${length.text.replace(/\s+/g, ' ')} reaches ${shape.name}()` },
      },
    });
  }
}

/** A test of `name` against 0 anywhere in the shown lines (`!size`, `size == 0`, `size != 0`). */
function testsZero(fn: FunctionInfo, name: string): boolean {
  return new RegExp(`!\\s*${name}\\b|\\b${name}\\s*[=!]=\\s*0\\b|\\b0\\s*[=!]=\\s*${name}\\b`).test(fn.node.text);
}

/**
 * A partial function of the two-step allocation whose reservation lies in unseen lines (the hunk
 * shows only its guards): the last statement shown stands for the path to it. Reported only when
 * no shown line tests the size against 0 at all; the engine keeps the report only when the
 * pre-image rebuilt from the same hunks had such a test in front of that statement.
 */
function checkUnseenAllocation(fn: FunctionInfo, a: FunctionAnalysis, context: RuleContext<MessageId>): void {
  if (!/alloc/.test(fn.name) || !shownTwoStepImplementation(fn)) return;
  const size = fn.params.find((p) => SIZE_LIKE.test(p.name) && (p.type.includes(UNKNOWN_TYPE) || /\bsize_t\b/.test(p.type)));
  if (!size || testsZero(fn, size.name)) return;
  const lastStatement = shownStatements(fn).at(-1);
  const last = lastStatement ? statementAnchor(lastStatement) : undefined;
  if (!last || !a.isReachable(last)) return;
  if (a.guardsAt(last, { helpers: context.functions }).some((g) => impliesNonZero(g.condition, { kind: 'ident', name: size.name }))) return;
  context.report({
    node: last,
    messageId: 'unguardedUnseenAlloc',
    data: { param: size.name, fn: fn.name },
    // the last statement may be the broken check itself: kept when the pre-image tested the size
    subject: size.name,
    sim: {
      mode: 'confirm',
      function: fn.name,
      inputs: { [size.name]: '0' },
      expect: { invariants: ['alloc-nonzero'], description: `${size.name} 0 reaches the reservation of ${fn.name}()` },
    },
  });
}

export const sizeZeroGuardRule = createRule<MessageId>({
  meta: {
    id: 'iova/size-zero-guard',
    severity: 'error',
    confidence: 'high',
    description: 'IOVA reserved or linked with a length that can be 0: no dominating check rejects it',
    docs: 'rules/size-zero-guard.md',
    appliesTo: 'both',
    fixable: true,
    prefilter: WORDS,
    messages: {
      unguardedAlloc: '{{callee}}() reserves IOVA for a size derived from `{{param}}` with no dominating check that `{{param}}` is not 0',
      unguardedUnseenAlloc: 'no check that `{{param}}` is not 0 comes before this statement any more, and {{fn}}() reserves IOVA for it further down (in lines the patch does not show)',
      unguardedLength: '`{{length}}` is a size minus a pad and may be 0: {{callee}}() is reached with no check that it is non-zero',
    },
  },
  check(fn, context) {
    if (!mentionsAny(fn, WORDS) && !(fn.partial && /alloc/.test(fn.name))) return;
    const a = analyze(fn);
    if (!a.cfg) return;
    const reported = new Set<number>();
    // on a partial function every visible reservation is judged: the engine keeps only what the
    // change did to it (a guard the pre-image showed and the post-image lost)
    if (implementsTwoStep(fn) || fn.partial) checkImplementation(fn, a, context, reported);
    if (fn.partial && reported.size === 0 && a.callsTo([...INTERNAL_ALLOCATORS.keys()]).length === 0) checkUnseenAllocation(fn, a, context);
    // a subtracted length is a narrower case: warning (it needs the inputs that empty it)
    checkSubtractedLengths(fn, a, { ...context, report: (d) => context.report({ ...d, severity: 'warning' }) }, reported);
  },
});
