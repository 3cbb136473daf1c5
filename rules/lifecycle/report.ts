// Turning the shared lifecycle observations into one rule's reports, each with the contract-mode
// simulation request of sim-requests.md (callees made to fail at each call in turn, the
// invariants that show the defect).
import { analyze, type FunctionInfo, type MNode, type SyntaxNode } from '../../c/index.js';
import type { InvariantName, SimRequest } from '../../model/index.js';
import type { ChangeFunction, RuleContext } from '../types.js';
import { lifecycleOf } from './analysis.js';
import type { LifecycleRuleId } from './observations.js';
import { lifecyclePreconditions } from './preconditions.js';
import { ALLOCATORS } from './vocabulary.js';

/** The invariants whose breach confirms each lifecycle rule's finding (sim-requests.md). */
export const LIFECYCLE_INVARIANTS: Readonly<Record<LifecycleRuleId, InvariantName[]>> = {
  'iova/unchecked-alloc': ['state-live'],
  'iova/leak-on-error': ['no-leak'],
  'iova/link-unchecked': ['sync-before-publish', 'mapping-covers-buffer', 'no-leak'],
  'iova/missing-sync': ['sync-before-publish'],
  'iova/link-out-of-range': ['link-in-reservation'],
  // not free-mirrors-alloc: a destroy of the linked length frees less than reserved by design (D4, iova/offset-free)
  'iova/unlink-mismatch': ['unlink-mirrors-link'],
  'iova/stale-state': ['state-live', 'no-double-free'],
  'iova/double-unmap': ['no-double-free'],
};

const API_FAILING = ['dma_iova_try_alloc', 'dma_iova_link', 'dma_iova_sync'];

/**
 * The callees a contract run should make fail: the one whose failure the finding is about when the
 * rule knows it (fewer runs to the witness), else the API calls and allocators the function makes.
 */
function failingCallees(fn: FunctionInfo, known: readonly string[] | undefined): string[] {
  if (known && known.length > 0) return [...new Set(known)];
  const text = fn.node.text;
  return [...API_FAILING, ...ALLOCATORS].filter((name) => new RegExp(`\\b${name}\\s*\\(`).test(text));
}

export function lifecycleSim(
  rule: LifecycleRuleId,
  fn: FunctionInfo,
  description: string,
  extra?: readonly string[],
  context?: { messageId: string; functions: ReadonlyMap<string, ChangeFunction>; before?: readonly string[] },
): SimRequest {
  const preconditions = context ? lifecyclePreconditions(rule, context.messageId, fn, context.functions, context.before) : undefined;
  return {
    mode: 'contract',
    function: fn.name,
    failing: failingCallees(fn, extra),
    ...(preconditions ? { preconditions } : {}),
    expect: { invariants: LIFECYCLE_INVARIANTS[rule], description },
  };
}

/** Report every observation of `rule` in `fn` through the rule's context. */
export function reportLifecycle<M extends string>(
  rule: LifecycleRuleId,
  fn: FunctionInfo,
  context: RuleContext<M>,
  describe: (messageId: M, data: Record<string, string | number>) => string,
): void {
  const report = lifecycleOf(fn, context.functions);
  for (const o of report.observations) {
    if (o.rule !== rule) continue;
    const messageId = o.messageId as M;
    const data = { ...o.data };
    const node = syntaxOf(fn, o.node);
    context.report({
      node,
      messageId,
      data,
      ...(o.severity ? { severity: o.severity } : {}),
      ...(o.fix ? { fix: { node: syntaxOf(fn, o.fix.node), text: o.fix.text } } : {}),
      sim: lifecycleSim(rule, fn, describe(messageId, data), o.failing, { messageId: o.messageId, functions: context.functions, ...(o.before ? { before: o.before } : {}) }),
    });
  }
}

function syntaxOf(fn: FunctionInfo, m: MNode): SyntaxNode {
  return analyze(fn).mirror.syntax(m);
}
