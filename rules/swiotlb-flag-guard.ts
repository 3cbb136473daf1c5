// iova/swiotlb-flag-guard — finds sizes stored in dma_iova_state.__size (where bit 63 is the
// DMA_IOVA_USE_SWIOTLB flag) with no dominating rejection of sizes that have bit 63 set, tests of
// the flag that cannot reject them, and a __size field narrower than 64 bits.
// Confidence: high.
import { analyze, argumentOf, calleeName, castParts, negateCondition, printExpr, seeThrough, toExpr, type Expr, type Carrier, type FunctionAnalysis, type FunctionInfo, type SyntaxNode } from '../c/index.js';
import { impliesBitClear } from '../c/index.js';
import { COPIES, valueSources } from '../c/index.js';
import {
  INTERNAL_ALLOCATORS,
  SIZE_LIKE,
  isCutValue,
  isParameterValue,
  mentionsAny,
  provenAtEveryCall,
  shownSizesBefore,
  shownTwoStepImplementation,
  unwrapExpression,
} from './iova-common.js';
import { createRule, type RuleContext } from './types.js';

type MessageId = 'unguardedStore' | 'guardAfterAlloc' | 'wrongTest' | 'narrowField' | 'unguardedReservation';

const FLAG_BIT = 63;
const CORE_PATHS = /^(drivers\/iommu\/|kernel\/dma\/|include\/linux\/dma-mapping\.h$)/;

/** A constant that is the flag bit: DMA_IOVA_USE_SWIOTLB, BIT_ULL(63), 1ULL << 63. */
function isFlagConstant(node: SyntaxNode): boolean {
  const text = printExpr(toExpr(unwrapExpression(node)), { stripCasts: true });
  return /^(DMA_IOVA_USE_SWIOTLB|BIT_ULL\(63\)|BIT\(63\)|1ULL << 63|1UL << 63|1LLU << 63|1ull << 63)$/.test(text);
}

/** `x->__size = v` / `x.__size = v` (plain assignment) and `.__size = v` in an initialiser. */
function sizeStores(fn: FunctionInfo): Array<{ store: SyntaxNode; value: SyntaxNode }> {
  const out: Array<{ store: SyntaxNode; value: SyntaxNode }> = [];
  for (const asg of fn.node.descendantsOfType('assignment_expression')) {
    const left = asg.childForFieldName('left');
    const right = asg.childForFieldName('right');
    if (!left || !right || left.type !== 'field_expression' || left.childForFieldName('field')?.text !== '__size') continue;
    if (asg.childForFieldName('operator')?.type !== '=') continue;
    out.push({ store: asg, value: right });
  }
  for (const pair of fn.node.descendantsOfType('initializer_pair')) {
    const designator = pair.childForFieldName('designator');
    const value = pair.childForFieldName('value');
    if (designator?.text.replace(/\s+/g, '') === '.__size' && value) out.push({ store: pair, value });
  }
  return out;
}

/** The size part of a stored value: `size | DMA_IOVA_USE_SWIOTLB` stores `size` with the flag. */
function storedSize(value: SyntaxNode): SyntaxNode {
  const x = unwrapExpression(value);
  if (x.type === 'binary_expression' && x.childForFieldName('operator')?.type === '|') {
    const l = x.childForFieldName('left');
    const r = x.childForFieldName('right');
    if (l && r && isFlagConstant(r)) return l;
    if (l && r && isFlagConstant(l)) return r;
  }
  return value;
}

function bitClearAt(a: FunctionAnalysis, node: SyntaxNode, targets: Expr[], context: RuleContext<MessageId>): boolean {
  return a.guardsAt(node, { helpers: context.functions }).some((g) => targets.some((t) => impliesBitClear(g.condition, t, FLAG_BIT)));
}

/** Tests in the function that read the flag and one of the size's names (a check meant as the guard). */
function flagTests(fn: FunctionInfo, names: ReadonlySet<string>): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const b of fn.node.descendantsOfType('binary_expression')) {
    const op = b.childForFieldName('operator')?.type;
    if (op === '|') continue;
    const l = b.childForFieldName('left');
    const r = b.childForFieldName('right');
    if (!l || !r) continue;
    const flagSide = isFlagConstant(r) ? l : isFlagConstant(l) ? r : undefined;
    if (!flagSide) continue;
    if (flagSide.descendantsOfType('field_identifier').some((f) => f.text === '__size')) continue; // the core reading its own flag
    const ids = flagSide.type === 'identifier' ? [flagSide] : flagSide.descendantsOfType('identifier');
    if (ids.some((i) => names.has(i.text))) out.push(b);
  }
  return out;
}

/** A mechanical repair of a wrong flag test: `size == F` or `(u32)size & F` → `(u64)size & F`. */
function repairOf(test: SyntaxNode): string | undefined {
  const op = test.childForFieldName('operator')?.type;
  const l = test.childForFieldName('left');
  const r = test.childForFieldName('right');
  if (!l || !r || !op) return undefined;
  const [sizeSide, flag] = isFlagConstant(r) ? [l, r] : [r, l];
  // the wide value under a narrowing: (u32)size, (u32)(size), lower_32_bits(size)
  let inner = unwrapExpression(sizeSide);
  for (let i = 0; i < 4; i++) {
    const cast = castParts(inner);
    const next = cast ? cast.value : inner.type === 'call_expression' && calleeName(inner) === 'lower_32_bits' ? argumentOf(inner, 0) : undefined;
    if (!next) break;
    inner = unwrapExpression(next);
  }
  if (op === '==' || op === '&') return `(u64)${inner.text} & ${flag.text}`;
  return undefined;
}

function checkStores(fn: FunctionInfo, a: FunctionAnalysis, context: RuleContext<MessageId>): void {
  const core = CORE_PATHS.test(context.path);
  const allocations = a.callsTo([...INTERNAL_ALLOCATORS.keys()]);
  // a driver writing __size without reserving IOVA is iova/raw-size-access's finding
  if (!core && allocations.length === 0) return;
  for (const { store, value } of sizeStores(fn)) {
    if (!a.isReachable(store)) continue;
    const size = storedSize(value);
    const sources = valueSources(a, size, COPIES);
    const params = sources.filter((s) => isParameterValue(a, s));
    if (params.length === 0) continue; // a constant, a copy of another state, the core's own value
    const targets = sources.map((s) => a.exprOf(s));
    const storeProven = sources.some((s) => bitClearAt(a, s, [a.exprOf(s)], context));
    const before = allocations.filter((call) => a.canReach(call, store) && a.isReachable(call));
    const allocProven = before.every((call) => bitClearAt(a, call, targets, context));
    if (storeProven && allocProven) continue;
    const param = params[0].text;
    // a static helper whose every caller in the change rejects the flag bit first
    if (provenAtEveryCall(fn, param, context.functions, (caller, arg) => valueSources(caller, arg, COPIES).some((s) => bitClearAt(caller, s, [caller.exprOf(s)], context)))) continue;
    const sim = {
      mode: 'confirm' as const,
      function: fn.name,
      scenario: { arch: 64 as const },
      inputs: { [param]: '1ULL<<63' },
      expect: { invariants: ['flag-not-in-size' as const], description: `a ${param} with bit 63 set is stored in __size, where bit 63 is DMA_IOVA_USE_SWIOTLB` },
    };
    const tests = flagTests(fn, new Set(targets.flatMap((t) => (t.kind === 'ident' ? [t.name] : []))));
    // a test that, when it fails, leaves bit 63 clear is right (wherever it sits)
    const rejects = (test: SyntaxNode): boolean => targets.some((t) => impliesBitClear(negateCondition(seeThrough(a.exprOf(test)).expr), t, FLAG_BIT));
    const wrong = tests.filter((t) => !rejects(t));
    if (wrong.length > 0) {
      const test = wrong[0];
      const repaired = repairOf(test);
      context.report({
        node: test,
        messageId: 'wrongTest',
        data: { test: test.text.replace(/\s+/g, ' '), param },
        ...(repaired ? { fix: { node: test, text: repaired } } : {}),
        sim,
        // the test is wrong whatever the unseen lines hold
        ...(fn.partial ? { local: true } : {}),
      });
      continue;
    }
    if (storeProven && before.length > 0) {
      context.report({ node: before.find((call) => !bitClearAt(a, call, targets, context)) ?? store, messageId: 'guardAfterAlloc', data: { param }, sim });
      continue;
    }
    context.report({ node: store, messageId: 'unguardedStore', data: { param }, sim });
  }
}

/**
 * A partial function of the two-step allocation whose `__size` store lies in unseen lines: the
 * shown reservation stands for it. A shown test of the flag that cannot reject bit 63 is the
 * change's whatever the unseen lines hold; a reservation no shown check guards is reported for
 * the engine to keep only when the pre-image rebuilt from the same hunks had the check.
 */
function checkShownReservations(fn: FunctionInfo, a: FunctionAnalysis, context: RuleContext<MessageId>): void {
  if (!CORE_PATHS.test(context.path) && !shownTwoStepImplementation(fn)) return;
  for (const call of a.callsTo([...INTERNAL_ALLOCATORS.keys()])) {
    const shape = INTERNAL_ALLOCATORS.get(calleeName(call) ?? '');
    if (!shape || !a.isReachable(call)) continue;
    const length = argumentOf(call, shape.size);
    const cut = !length || isCutValue(length);
    const sizes = cut ? shownSizesBefore(fn, a, call) : valueSources(a, length, COPIES_AND_SUMS).filter((s) => isParameterValue(a, s) && SIZE_LIKE.test(s.text));
    if (sizes.length === 0) continue;
    const targets = sizes.map((s) => a.exprOf(s));
    const param = sizes[0].text;
    const sim = {
      mode: 'confirm' as const,
      function: fn.name,
      scenario: { arch: 64 as const },
      inputs: { [param]: '1ULL<<63' },
      expect: { invariants: ['flag-not-in-size' as const], description: `a ${param} with bit 63 set is reserved for and stored in __size, where bit 63 is DMA_IOVA_USE_SWIOTLB` },
    };
    const rejects = (test: SyntaxNode): boolean => targets.some((t) => impliesBitClear(negateCondition(seeThrough(a.exprOf(test)).expr), t, FLAG_BIT));
    const wrong = flagTests(fn, new Set(sizes.map((s) => s.text))).filter((t) => !rejects(t));
    if (wrong.length > 0) {
      const test = wrong[0];
      const repaired = repairOf(test);
      context.report({ node: test, messageId: 'wrongTest', data: { test: test.text.replace(/\s+/g, ' '), param }, ...(repaired ? { fix: { node: test, text: repaired } } : {}), sim, local: true });
      continue;
    }
    if (bitClearAt(a, call, targets, context)) continue;
    context.report({ node: call, messageId: 'unguardedReservation', data: { param, callee: shape.name }, sim });
  }
}

/** Copies and sums: the size inside `iova_align(iovad, size + pad)`. */
const COPIES_AND_SUMS: Carrier = (node) => {
  if (node.type === 'binary_expression' && /^[+|]$/.test(node.childForFieldName('operator')?.type ?? '')) return node.namedChildren.filter((c) => c.type !== 'comment');
  if (node.type === 'call_expression' && /^(iova_align|ALIGN|PAGE_ALIGN|round_up)$/.test(calleeName(node) ?? '')) {
    const args = node.childForFieldName('arguments')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
    return args.slice(-1);
  }
  return COPIES(node);
};

/** `struct dma_iova_state { ... size_t __size; }`: the flag bit does not fit a 32-bit size_t. */
function checkStructs(context: RuleContext<MessageId>): void {
  for (const spec of context.file.tree.rootNode.descendantsOfType('struct_specifier')) {
    if (spec.childForFieldName('name')?.text !== 'dma_iova_state') continue;
    const body = spec.childForFieldName('body');
    for (const decl of body?.namedChildren ?? []) {
      if (decl.type !== 'field_declaration') continue;
      if (!decl.namedChildren.some((d) => d.type === 'field_identifier' && d.text === '__size')) continue;
      const type = decl.childForFieldName('type');
      if (!type || /^(u64|__u64|uint64_t|unsigned long long)$/.test(type.text.trim())) continue;
      context.report({
        node: type,
        messageId: 'narrowField',
        data: { type: type.text },
        severity: 'warning',
        fix: { node: type, text: 'u64' },
        sim: {
          mode: 'confirm',
          function: 'dma_iova_link',
          scenario: { arch: 32, untrusted: true },
          expect: { invariants: ['flag-not-in-size'], description: 'on 32-bit builds the flag ORed into __size is lost' },
        },
      });
    }
  }
}

export const swiotlbFlagGuardRule = createRule<MessageId>({
  meta: {
    id: 'iova/swiotlb-flag-guard',
    severity: 'error',
    confidence: 'high',
    description: 'a size stored in dma_iova_state.__size without first rejecting sizes with bit 63 (DMA_IOVA_USE_SWIOTLB) set',
    docs: 'rules/swiotlb-flag-guard.md',
    appliesTo: 'implementation',
    fixable: true,
    prefilter: ['__size', 'dma_iova_state'],
    messages: {
      unguardedReservation: '{{callee}}() reserves IOVA for `{{param}}` with no dominating check that bit 63 (DMA_IOVA_USE_SWIOTLB) is clear, and `{{param}}` goes into __size (in lines the patch does not show): reject `(u64){{param}} & DMA_IOVA_USE_SWIOTLB` first',
      unguardedStore: '`{{param}}` is stored in __size with no dominating check that bit 63 (DMA_IOVA_USE_SWIOTLB) is clear: reject `(u64){{param}} & DMA_IOVA_USE_SWIOTLB` first',
      guardAfterAlloc: 'IOVA is reserved before `{{param}}` is checked for bit 63 (DMA_IOVA_USE_SWIOTLB): move the check before the allocation',
      wrongTest: '`{{test}}` does not reject every `{{param}}` with bit 63 (DMA_IOVA_USE_SWIOTLB) set: test `(u64){{param}} & DMA_IOVA_USE_SWIOTLB`',
      narrowField: '__size is `{{type}}`: DMA_IOVA_USE_SWIOTLB is bit 63 and is lost on 32-bit builds; declare it u64',
    },
  },
  check(fn, context) {
    const stores = mentionsAny(fn, ['__size']) && (!fn.partial || sizeStores(fn).length > 0);
    const shownReservations = fn.partial && !stores && mentionsAny(fn, INTERNAL_ALLOCATORS.keys());
    if (!stores && !shownReservations) return;
    const a = analyze(fn);
    if (!a.cfg) return;
    if (stores) checkStores(fn, a, context);
    else checkShownReservations(fn, a, context);
  },
  checkFile(context) {
    if (!context.file.text.includes('dma_iova_state')) return;
    checkStructs(context);
  },
});
