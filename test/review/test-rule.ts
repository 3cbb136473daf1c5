// A test-only rule that proves the engine end to end before the real rules exist: it reports
// every statement that calls `guarded_alloc(size)` unless an earlier `if (!size) return` guards it.
import { createRule } from '../../rules/types.js';
import type { SyntaxNode } from '../../c/types.js';

function calls(node: SyntaxNode, name: string, out: SyntaxNode[]): SyntaxNode[] {
  if (node.type === 'call_expression' && node.childForFieldName('function')?.text === name) out.push(node);
  for (const child of node.namedChildren) calls(child, name, out);
  return out;
}

export const unguardedAllocRule = createRule<'unguarded'>({
  meta: {
    id: 'test/unguarded-alloc',
    severity: 'warning',
    confidence: 'high',
    description: 'guarded_alloc() reached without a zero-size check (test rule)',
    docs: 'test/review/test-rule.ts',
    appliesTo: 'caller',
    fixable: true,
    prefilter: ['guarded_alloc'],
    messages: { unguarded: 'guarded_alloc({{arg}}) without a check for 0' },
  },
  check(fn, context) {
    const body = fn.node.text;
    for (const call of calls(fn.node, 'guarded_alloc', [])) {
      const arg = call.childForFieldName('arguments')?.namedChildren[0]?.text ?? '';
      const before = body.slice(0, call.startIndex - fn.node.startIndex);
      if (before.includes(`if (!${arg})`)) continue;
      context.report({
        node: call,
        messageId: 'unguarded',
        data: { arg },
        fix: { node: call, text: `guarded_alloc_nonzero(${arg})` },
        sim: { mode: 'confirm', function: fn.name, inputs: { [arg]: '0' }, expect: { description: `${arg} 0 reaches guarded_alloc` } },
      });
    }
  },
});
