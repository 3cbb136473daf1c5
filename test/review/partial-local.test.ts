// Reports of whole-function rules on functions rebuilt from hunks that say what they rest on:
// `local` (only the shown lines) is kept like a finding of a local rule; `subject` (the construct
// judged) keeps a report on a rewritten line when the pre-image showed the construct and the rule
// found nothing about it there.
import { describe, expect, it } from 'vitest';
import { buildChangeSet, parsePatchInput } from '../../patch/index.js';
import { PARTIAL_NOTE, reviewSync } from '../../review/index.js';
import type { SimulatorPort } from '../../review/simulator-port.js';
import { unguardedAllocRule } from './test-rule.js';
import { createRule, type Rule } from '../../rules/types.js';
import type { SyntaxNode } from '../../c/types.js';

function calls(node: SyntaxNode, name: string): SyntaxNode[] {
  return node.descendantsOfType('call_expression').filter((c) => c.childForFieldName('function')?.text === name);
}

/** Reports `publish(x)` whose argument has no `+ pad`; says `local` or names a subject as asked. */
function publishRule(mode: 'local' | 'subject' | 'none', simulate = false): Rule {
  return createRule<'bare'>({
    meta: {
      id: `test/publish-${mode}${simulate ? '-sim' : ''}`,
      severity: 'warning',
      confidence: 'high',
      description: 'publish() of a value without its pad (test rule)',
      docs: 'test/review/partial-local.test.ts',
      appliesTo: 'implementation',
      fixable: false,
      prefilter: ['publish'],
      messages: { bare: 'publish({{arg}}) without the pad' },
    },
    check(fn, context) {
      for (const call of calls(fn.node, 'publish')) {
        const arg = call.childForFieldName('arguments')?.namedChildren[0];
        if (!arg || /\+\s*pad\b/.test(arg.text)) continue;
        context.report({
          node: call,
          messageId: 'bare',
          data: { arg: arg.text },
          ...(mode === 'local' ? { local: true } : mode === 'subject' ? { subject: 'publish' } : {}),
          ...(simulate ? { sim: { mode: 'confirm' as const, function: fn.name, expect: { description: 'the pad is missing' } } } : {}),
        });
      }
    },
  });
}

function patch(body: string[]): string {
  return ['diff --git a/drivers/x.c b/drivers/x.c', 'index 1111111..2222222 100644', '--- a/drivers/x.c', '+++ b/drivers/x.c', ...body, ''].join('\n');
}

const DROPPED = patch([
  '@@ -40,7 +40,7 @@ static int x_map(struct device *dev, struct x_state *state,',
  ' \tif (!addr)',
  ' \t\treturn -ENOMEM;',
  ' ',
  '-\tpublish(addr + pad);',
  '+\tpublish(addr);',
  ' \tstate->ready = true;',
  ' \treturn 0;',
  ' }',
]);

const ADDED = patch([
  '@@ -40,6 +40,7 @@ static int x_map(struct device *dev, struct x_state *state,',
  ' \tif (!addr)',
  ' \t\treturn -ENOMEM;',
  ' ',
  '+\tpublish(addr);',
  ' \tstate->ready = true;',
  ' \treturn 0;',
  ' }',
]);

function ids(text: string, rule: Rule): string[] {
  const report = reviewSync(buildChangeSet(parsePatchInput(text, 'p.diff')), { rules: [rule], simulator: false });
  expect(report.functions.map((f) => [f.name, f.partial])).toEqual([['x_map', true]]);
  return report.findings.map((f) => `${f.ruleId}@${f.line}`);
}

describe('reports on partial functions that say what they rest on', () => {
  it('a plain report on a written line of a partial function is dropped (unseen lines may make it right)', () => {
    expect(ids(DROPPED, publishRule('none'))).toEqual([]);
    expect(ids(ADDED, publishRule('none'))).toEqual([]);
  });

  it('a local report is kept, on a rewritten and on a new line', () => {
    expect(ids(DROPPED, publishRule('local'))).toEqual(['test/publish-local@43']);
    expect(ids(ADDED, publishRule('local'))).toEqual(['test/publish-local@43']);
  });

  it('a report with a subject is kept when the pre-image showed the subject judged right', () => {
    expect(ids(DROPPED, publishRule('subject'))).toEqual(['test/publish-subject@43']);
  });

  it('a report with a subject is dropped when the pre-image did not show the subject', () => {
    expect(ids(ADDED, publishRule('subject'))).toEqual([]);
  });

  it('a report with a subject is dropped when the pre-image already had it reported', () => {
    const both = patch([
      '@@ -40,7 +40,7 @@ static int x_map(struct device *dev, struct x_state *state,',
      ' \tif (!addr)',
      ' \t\treturn -ENOMEM;',
      ' ',
      '-\tpublish(addr);',
      '+\tpublish(addr);\t/* the bare address */',
      ' \tstate->ready = true;',
      ' \treturn 0;',
      ' }',
    ]);
    expect(ids(both, publishRule('subject'))).toEqual([]);
  });

  it('a local rule (needsWholeFunction: false) that names a subject is judged like a whole-function one', () => {
    const base = publishRule('subject');
    const localRule: Rule = { ...base, meta: { ...base.meta, id: 'test/publish-local-rule', needsWholeFunction: false } };
    expect(ids(DROPPED, localRule)).toEqual(['test/publish-local-rule@43']);
    expect(ids(ADDED, localRule)).toEqual([]);
    const plain = publishRule('none');
    expect(ids(ADDED, { ...plain, meta: { ...plain.meta, id: 'test/publish-plain', needsWholeFunction: false } })).toEqual(['test/publish-plain@43']);
  });

  it('on a whole function the descriptors change nothing', () => {
    const added = patch([
      '@@ -0,0 +1,6 @@',
      '+static int x_map(struct device *dev, dma_addr_t addr)',
      '+{',
      '+\tpublish(addr);',
      '+\treturn 0;',
      '+}',
      '+',
    ]).replace('index 1111111..2222222 100644', 'new file mode 100644\nindex 0000000..2222222').replace('--- a/drivers/x.c', '--- /dev/null');
    for (const mode of ['none', 'local', 'subject'] as const) {
      const report = reviewSync(buildChangeSet(parsePatchInput(added, 'p.diff')), { rules: [publishRule(mode)], simulator: false });
      expect(report.functions.map((f) => [f.name, f.partial])).toEqual([['x_map', false]]);
      expect(report.findings.map((f) => f.line)).toEqual([3]);
    }
  });
});

describe('findings on partial functions and the simulator', () => {
  it('come back unconfirmed with the reason, without a run that could refute them', () => {
    let calls = 0;
    const refuteAll: SimulatorPort = {
      confirm: () => {
        calls++;
        return { confirmation: 'refuted', note: 'the guard holds' };
      },
    };
    const report = reviewSync(buildChangeSet(parsePatchInput(DROPPED, 'p.diff')), { rules: [publishRule('local', true)], simulator: refuteAll });
    expect(calls).toBe(0);
    expect(report.refuted).toEqual([]);
    expect(report.findings.map((f) => [f.ruleId, f.confirmation, f.confirmationNote])).toEqual([['test/publish-local-sim', 'unconfirmed', PARTIAL_NOTE]]);
  });
});

describe('a series whose earlier patch moved the lines of the same file', () => {
  it('judges a deleted guard against the pre-image of the series (hunks mapped back through the earlier patch)', () => {
    const mailOf = (n: number, body: string[]): string =>
      [`From ${String(n).repeat(40)} Mon Sep 17 00:00:00 2001`, 'From: Ada Fixture <ada@example.org>', `Subject: [PATCH ${n}/2] x`, '', '---', ...body, '-- ', '2.47.1', ''].join('\n');
    const first = patch(['@@ -2,3 +2,5 @@ static int x_setup(void)', ' \tint a;', ' ', '+\tint b;', '+', ' \treturn 0;']).trimEnd().split('\n');
    const second = patch([
      '@@ -122,9 +122,7 @@ static int x_reserve(struct device *dev, size_t size)',
      ' \tint ret;',
      ' ',
      '-\tif (!size)',
      '-\t\treturn -EINVAL;',
      ' \tret = guarded_alloc(size);',
      ' \tif (ret)',
      ' \t\treturn ret;',
      ' \tx->ready = true;',
      ' \treturn 0;',
    ]).trimEnd().split('\n');
    const report = reviewSync(buildChangeSet(parsePatchInput(mailOf(1, first) + mailOf(2, second), 'series.mbox')), { rules: [unguardedAllocRule], simulator: false });
    expect(report.functions.map((f) => [f.name, f.partial])).toContainEqual(['x_reserve', true]);
    expect(report.findings.map((f) => [f.ruleId, f.line])).toEqual([['test/unguarded-alloc', 124]]);
  });
});
