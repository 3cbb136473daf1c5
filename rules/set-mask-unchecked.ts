// dma/set-mask-unchecked: finds dma_set_mask / dma_set_mask_and_coherent / dma_set_coherent_mask
// calls whose result is ignored when the call can fail. Masks of 32 bits or more never fail
// (Documentation/core-api/dma-api-howto.rst), so only narrower or unknown masks count.
// Confidence high for constant masks, moderate for masks read from variables.
import { analyze, argumentsOf, calleeName, mapExpr, printExpr, subExpressions, toExpr, type Definition, type Expr, type FunctionInfo, type SyntaxNode } from '../c/index.js';
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
      const use = resultUse(fn, call);
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

type ResultUse = { kind: 'used' } | { kind: 'ignored' } | { kind: 'swallowed' } | { kind: 'stored'; target: string };

/** Calls that only log. */
const LOG_ONLY = /^(dev|pr|netdev|pci|drm|dev_err_probe|printk)(_(warn|err|info|notice|dbg|debug|crit))?(_once|_ratelimited)?$|^dev_err_probe$|^printk$/;

/** How the call's return value is used: dropped, stored in a variable nobody reads, or used. */
function resultUse(fn: FunctionInfo, call: SyntaxNode): ResultUse {
  let n: SyntaxNode = call;
  while (n.parent?.type === 'parenthesized_expression') n = n.parent;
  let parent = n.parent;
  if (parent?.type === 'cast_expression' && parent.childForFieldName('type')?.text.trim() === 'void') {
    n = parent;
    parent = n.parent;
  }
  if (!parent) return { kind: 'used' };
  if (parent.type === 'expression_statement') return { kind: 'ignored' };
  if (isConditionOf(n, parent) && logsOnly(parent)) return { kind: 'swallowed' };
  if (parent.type === 'if_statement') return { kind: 'used' };
  if (parent.type === 'comma_expression' && parent.childForFieldName('left')?.id === n.id) return { kind: 'ignored' };
  let target: SyntaxNode | null = null;
  let defNode: SyntaxNode | null = null;
  if (parent.type === 'assignment_expression' && parent.childForFieldName('operator')?.text === '=' && parent.childForFieldName('right')?.id === n.id) {
    target = parent.childForFieldName('left');
    defNode = parent;
  } else if (parent.type === 'init_declarator' && parent.childForFieldName('value')?.id === n.id) {
    target = parent.childForFieldName('declarator');
    defNode = parent;
  }
  if (!target || !defNode || target.type !== 'identifier') return { kind: 'used' };
  // an assignment used as a value (`if ((ret = dma_set_mask(...)))`) is a use
  if (defNode.type === 'assignment_expression' && defNode.parent?.type !== 'expression_statement') return { kind: 'used' };
  const a = analyze(fn);
  if (swallowedThrough(fn, target.text, defNode)) return { kind: 'swallowed' };
  const def = a.defUse?.definitions.find((d) => d.node.startIndex === defNode!.startIndex && d.node.endIndex === defNode!.endIndex && d.variable.name === target!.text);
  if (!def || def.variable.isStatic || def.variable.addressTaken) return { kind: 'used' };
  return readsOf(fn, def) ? { kind: 'used' } : { kind: 'stored', target: target.text };
}

/** `node` (parentheses climbed) is the whole condition of an `if`. */
function isConditionOf(node: SyntaxNode, parent: SyntaxNode): boolean {
  return parent.type === 'if_statement' && parent.childForFieldName('condition')?.id === node.id;
}

function outermost(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.parent?.type === 'parenthesized_expression') n = n.parent;
  return n;
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

/** `ret = dma_set_mask(...); if (ret) dev_warn(...);` and nothing else reads `ret`. */
function swallowedThrough(fn: FunctionInfo, name: string, defNode: SyntaxNode): boolean {
  const a = analyze(fn);
  const reads = fn.body!.descendantsOfType('identifier').filter((id) => id.text === name && id.startIndex > defNode.endIndex && a.reaching(id).some((d) => d.node.startIndex === defNode.startIndex));
  const writes = reads.filter((id) => id.parent?.type === 'assignment_expression' && id.parent.childForFieldName('left')?.id === id.id);
  const realReads = reads.filter((id) => !writes.includes(id));
  // the reads are the tests of logging-only ifs, or inside those branches (`dev_err(..., ret)`)
  const swallowing = realReads.map((id) => outermost(id)).filter((cond) => cond.parent !== null && isConditionOf(cond, cond.parent) && logsOnly(cond.parent)).map((cond) => cond.parent!);
  return (
    swallowing.length > 0 &&
    realReads.every((id) => swallowing.some((ifStatement) => id.startIndex >= ifStatement.startIndex && id.endIndex <= ifStatement.endIndex))
  );
}

/** Some read of the variable is reached by `def`. */
function readsOf(fn: FunctionInfo, def: Definition): boolean {
  const a = analyze(fn);
  for (const id of fn.body!.descendantsOfType('identifier')) {
    if (id.text !== def.variable.name) continue;
    const parent = id.parent;
    if (parent?.type === 'assignment_expression' && parent.childForFieldName('left')?.id === id.id && parent.childForFieldName('operator')?.text === '=') continue;
    if (parent?.type === 'init_declarator' && parent.childForFieldName('declarator')?.id === id.id) continue;
    if (a.reaching(id).some((d) => d.id === def.id)) return true;
  }
  return false;
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
