// Test-only rules that make the real engine produce findings deterministically, whatever the
// real rule catalogue holds. They read tree-sitter nodes directly.
import type { SyntaxNode } from '../../../c/types.js';
import { createRule, type Rule } from '../../../rules/types.js';

function callee(call: SyntaxNode): string | undefined {
  return call.childForFieldName('function')?.text;
}

function calls(node: SyntaxNode, names: readonly string[]): SyntaxNode[] {
  return node.descendantsOfType('call_expression').filter((c) => names.includes(callee(c) ?? ''));
}

/** Every dma_iova_link() whose result is dropped (the call is a whole statement). */
export const ignoredLinkRule = createRule({
  meta: {
    id: 'test/ignored-link',
    severity: 'error',
    confidence: 'high',
    description: 'dma_iova_link() result ignored (test rule)',
    docs: 'test/app/helpers/test-rules.ts',
    appliesTo: 'caller',
    fixable: false,
    needsWholeFunction: false,
    messages: { ignored: 'the result of dma_iova_link() is ignored; a failed link leaves part of the buffer unmapped' },
  },
  check(fn, context) {
    for (const call of calls(fn.node, ['dma_iova_link'])) {
      if (call.parent?.type === 'expression_statement') context.report({ node: call.parent, messageId: 'ignored' });
    }
  },
});

/** A function that links but never unlinks nor destroys: reported at its closing brace. */
export const linkWithoutUnlinkRule = createRule({
  meta: {
    id: 'test/link-without-unlink',
    severity: 'warning',
    confidence: 'moderate',
    description: 'links without an unlink or destroy in the same function (test rule)',
    docs: 'test/app/helpers/test-rules.ts',
    appliesTo: 'caller',
    fixable: false,
    messages: { missing: '{{name}}() links IOVA space but never unlinks or destroys it' },
  },
  check(fn, context) {
    if (calls(fn.node, ['dma_iova_link']).length === 0) return;
    if (calls(fn.node, ['dma_iova_unlink', 'dma_iova_destroy']).length > 0) return;
    const brace = fn.node.childForFieldName('body')?.lastChild;
    if (brace) context.report({ node: brace, messageId: 'missing', data: { name: fn.name } });
  },
});

/** Throws on IOVALINT_TEST_CRASH: an analysis that crashes. */
export const crashRule = createRule({
  meta: {
    id: 'test/crash',
    severity: 'error',
    confidence: 'low',
    description: 'throws on a marker (test rule)',
    docs: 'test/app/helpers/test-rules.ts',
    appliesTo: 'both',
    fixable: false,
    needsWholeFunction: false,
    prefilter: ['IOVALINT_TEST_CRASH'],
    messages: { never: 'never reported' },
  },
  check(fn) {
    if (fn.node.text.includes('IOVALINT_TEST_CRASH')) throw new Error('test rule crashed on IOVALINT_TEST_CRASH');
  },
});

export const TEST_RULES: readonly Rule[] = [ignoredLinkRule, linkWithoutUnlinkRule, crashRule];
