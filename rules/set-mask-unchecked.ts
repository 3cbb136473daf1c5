// dma/set-mask-unchecked: finds dma_set_mask / dma_set_mask_and_coherent / dma_set_coherent_mask
// calls whose result is ignored when the call can fail. Masks of 32 bits or more never fail
// (Documentation/core-api/dma-api-howto.rst), so only narrower or unknown masks count.
// Confidence high for constant masks, moderate for masks read from variables.
import { analyze, argumentsOf, calleeName, mapExpr, printExpr, readsReachedBy, resultUse, subExpressions, toExpr, type Expr, type FunctionInfo, type SyntaxNode } from '../c/index.js';
import { contractFor } from '../model/index.js';
import { createRule, type RuleContext } from './types.js';
import { calledOnce, constantValue, describeMask, MASK_SETTERS, observable } from './dma-mask-common.js';

type MessageId = 'ignored' | 'storedUnused' | 'swallowed';

const U32_MASK = 0xffff_ffffn;

export default createRule<MessageId>({
  meta: {
    id: 'dma/set-mask-unchecked',
    severity: 'warning',
    confidence: 'high',
    description: 'result of dma_set_mask, dma_set_mask_and_coherent or dma_set_coherent_mask ignored for a mask that can be refused (narrower than 32 bits)',
    docs: 'rules/set-mask-unchecked.md',
    appliesTo: 'caller',
    fixable: false,
    // dropped and only-logged results are visible in the statement; the rest is skipped on partial functions
    needsWholeFunction: false,
    // it judges the calls to the setters in the function itself
    prefilter: MASK_SETTERS,
    gate: MASK_SETTERS,
    messages: {
      ignored:
        'result of {{callee}}() ignored: the {{mask}} mask can be refused ({{failure}}) where memory cannot be addressed that low, and the device would then do DMA beyond its reach; test it and fail the probe or fall back',
      swallowed:
        'failure of {{callee}}() only logged: the {{mask}} mask can be refused ({{failure}}) where memory cannot be addressed that low, and {{fn}}() goes on to use DMA; fail or fall back on that branch',
      storedUnused:
        'result of {{callee}}() stored in `{{target}}` but never tested: the {{mask}} mask can be refused ({{failure}}) where memory cannot be addressed that low',
    },
  },
  check(fn, context) {
    if (!fn.body) return;
    const a = analyze(fn);
    const calls = a.callsTo(MASK_SETTERS);
    for (const call of calls) {
      const callee = calleeName(call)!;
      const use = maskResultUse(fn, call);
      if (use.kind === 'used') continue;
      // unseen lines of a function rebuilt from hunks may read the stored result or set a wider mask first
      const partial = fn.partial || fn.hasError;
      if (partial && (use.kind === 'stored' || callee === 'dma_set_coherent_mask')) continue;
      const maskArg = argumentsOf(call)[1];
      if (!maskArg) continue;
      const smallest = smallestMask(fn, maskArg, context);
      // 32 bits or more: dma_set_mask*() does not fail (dma-api-howto.rst); unknown: not reported;
      // 0 is not a mask (dma/bit-mask-arg's finding)
      if (smallest === undefined || smallest >= U32_MASK || smallest === 0n) continue;
      if (callee === 'dma_set_coherent_mask' && coveredByStreamingMask(fn, call, calls, smallest, context)) continue;
      const failure = contractFor(callee)?.failure?.errnos?.map((e) => `-${e}`).join(', ') ?? 'an error';
      context.report({
        node: call,
        messageId: use.kind === 'stored' ? 'storedUnused' : use.kind === 'swallowed' ? 'swallowed' : 'ignored',
        data: { callee, fn: fn.name, mask: describeMask(smallest), failure, ...(use.kind === 'stored' ? { target: use.target } : {}) },
        // failing is by callee: only when this is the function's one call of it, and success is `return 0`
        ...(calledOnce(fn, callee) && /^(int|long)$/.test(fn.returnType)
          ? observable({
              mode: 'confirm',
              function: fn.name,
              failing: [callee],
              expect: {
                holds: '__return == 0',
                description: `${fn.name}() goes on (and succeeds) although ${callee}() refused the ${describeMask(smallest)} mask`,
              },
            })
          : {}),
      });
    }
  },
});

type Use = { kind: 'used' } | { kind: 'ignored' } | { kind: 'swallowed' } | { kind: 'stored'; target: string };

/** Calls that only log. */
const LOG_ONLY = /^(dev|pr|netdev|pci|drm|dev_err_probe|printk)(_(warn|err|info|notice|dbg|debug|crit))?(_once|_ratelimited)?$|^dev_err_probe$|^printk$/;

/** How the call's return value is used: dropped, stored in a variable nobody reads, only logged, or used. */
function maskResultUse(fn: FunctionInfo, call: SyntaxNode): Use {
  const use = resultUse(fn, call);
  switch (use.kind) {
    case 'dropped':
      return { kind: 'ignored' };
    case 'tested':
      return !use.negated && logsOnly(use.ifStatement) ? { kind: 'swallowed' } : { kind: 'used' };
    case 'stored': {
      const def = use.definition;
      if (!def || def.variable.isStatic || def.variable.addressTaken) return { kind: 'used' };
      const reads = readsReachedBy(fn, def);
      if (reads.length === 0) return { kind: 'stored', target: use.target.text };
      return swallowedThrough(fn, reads) ? { kind: 'swallowed' } : { kind: 'used' };
    }
    default:
      return { kind: 'used' };
  }
}

/** An `if` without `else` whose branch only logs (and so rejoins the success path). */
function logsOnly(ifStatement: SyntaxNode): boolean {
  if (ifStatement.type !== 'if_statement' || ifStatement.childForFieldName('alternative')) return false;
  const branch = ifStatement.childForFieldName('consequence');
  if (!branch) return false;
  const statements = branch.type === 'compound_statement' ? branch.namedChildren.filter((c) => c.type !== 'comment') : [branch];
  return (
    statements.length > 0 &&
    statements.every((st) => {
      const e = st.type === 'expression_statement' ? st.namedChildren[0] : undefined;
      return e?.type === 'call_expression' && LOG_ONLY.test(calleeName(e) ?? '');
    })
  );
}

/**
 * `ret = dma_set_mask(...); if (ret) dev_warn(...);`: every read of the stored result is the test
 * of a logging-only `if`, or inside such a branch (`dev_err(..., ret)`).
 */
function swallowedThrough(fn: FunctionInfo, reads: readonly SyntaxNode[]): boolean {
  const swallowing: SyntaxNode[] = [];
  for (const id of reads) {
    const use = resultUse(fn, id);
    if (use.kind === 'tested' && !use.negated && logsOnly(use.ifStatement)) swallowing.push(use.ifStatement);
  }
  return swallowing.length > 0 && reads.every((id) => swallowing.some((ifs) => id.startIndex >= ifs.startIndex && id.endIndex <= ifs.endIndex));
}

/**
 * The smallest value the mask argument can have: a constant, or the smallest of the constants it
 * takes over each arm of its conditionals (`DMA_BIT_MASK(secure ? 31 : 32)`); else undefined.
 */
function smallestMask(fn: FunctionInfo, arg: SyntaxNode, context: RuleContext<MessageId>): bigint | undefined {
  const values = conditionalVariants(analyze(fn).resolve(arg), 16).map((v) => constantValue(v, context.file));
  if (values.length === 0 || values.some((v) => v === undefined)) return undefined;
  return (values as bigint[]).reduce((m, v) => (v < m ? v : m));
}

/** `e` with its conditionals replaced by each of their arms (at most `budget` variants; [] beyond). */
function conditionalVariants(e: Expr, budget: number): Expr[] {
  let first: Extract<Expr, { kind: 'conditional' }> | undefined;
  for (const x of subExpressions(e)) {
    if (x.kind === 'conditional') {
      first = x;
      break;
    }
  }
  if (!first) return [e];
  if (budget <= 1) return [];
  const target = first;
  const out: Expr[] = [];
  for (const arm of [target.then ?? target.test, target.else]) {
    const replaced = mapExpr(e, (x) => (x === target ? arm : undefined));
    const more = conditionalVariants(replaced, Math.floor(budget / 2));
    if (more.length === 0) return [];
    out.push(...more);
  }
  return out;
}

/**
 * A coherent mask no wider than a streaming mask set (and checked) before it on the same device
 * cannot fail: "The coherent mask will always be able to set the same or a smaller mask as the
 * streaming mask" (dma-api-howto.rst).
 */
function coveredByStreamingMask(fn: FunctionInfo, call: SyntaxNode, calls: readonly SyntaxNode[], mask: bigint, context: RuleContext<MessageId>): boolean {
  const a = analyze(fn);
  const device = printExpr(toExpr(argumentsOf(call)[0]));
  return calls.some((other) => {
    if (other.id === call.id || calleeName(other) === 'dma_set_coherent_mask') return false;
    const [dev, m] = argumentsOf(other);
    if (!dev || !m || printExpr(toExpr(dev)) !== device || !a.dominates(other, call)) return false;
    const v = constantValue(a.resolve(m), context.file);
    return v !== undefined && v >= mask;
  });
}
