// Patches without a tree: a hunk inside a function is rebuilt as a partial function. Rules that
// need the whole function report only what the change does to statements it shows but did not
// write (a deleted guard); new statements whose guards may be in unseen lines are not reported.
import { describe, expect, it } from 'vitest';
import { buildChangeSet, parsePatchInput } from '../../patch/index.js';
import { reviewSync } from '../../review/index.js';
import { unguardedAllocRule } from './test-rule.js';

const rules = [unguardedAllocRule];

function patch(body: string[]): string {
  return [
    'diff --git a/drivers/x.c b/drivers/x.c',
    'index 1111111..2222222 100644',
    '--- a/drivers/x.c',
    '+++ b/drivers/x.c',
    ...body,
    '',
  ].join('\n');
}

describe('partial functions (no tree)', () => {
  it('a guard deleted in a hunk makes the unchanged call below it a finding', () => {
    const text = patch([
      '@@ -120,9 +120,7 @@ static int x_reserve(struct device *dev, size_t size)',
      ' \tint ret;',
      ' ',
      '-\tif (!size)',
      '-\t\treturn -EINVAL;',
      ' \tret = guarded_alloc(size);',
      ' \tif (ret)',
      ' \t\treturn ret;',
      ' \tx->ready = true;',
      ' \treturn 0;',
    ]);
    const report = reviewSync(buildChangeSet(parsePatchInput(text, 'p.diff')), { rules, simulator: false });
    expect(report.functions).toEqual([
      expect.objectContaining({ file: 'drivers/x.c', name: 'x_reserve', startLine: 119, partial: true, checked: true }),
    ]);
    expect(report.findings.map((f) => [f.ruleId, f.line, f.function])).toEqual([['test/unguarded-alloc', 122, 'x_reserve']]);
  });

  it('a new call in a partial function is not reported (its guard may be in lines the hunk hides); the report says so', () => {
    const text = patch([
      '@@ -120,6 +120,7 @@ static int x_reserve(struct device *dev, size_t size)',
      ' \tint ret;',
      ' ',
      ' \tret = other(size);',
      '+\tret = guarded_alloc(size);',
      ' \tif (ret)',
      ' \t\treturn ret;',
      ' \treturn 0;',
    ]);
    const report = reviewSync(buildChangeSet(parsePatchInput(text, 'p.diff')), { rules, simulator: false });
    expect(report.findings).toEqual([]);
    expect(report.notChecked).toEqual([expect.objectContaining({ function: 'x_reserve', reason: expect.stringMatching(/^partial: rebuilt from hunks/) })]);
  });

  it('an unchanged call that was already unguarded in the hunk stays out', () => {
    const text = patch([
      '@@ -120,6 +120,7 @@ static int x_reserve(struct device *dev, size_t size)',
      ' \tint ret;',
      '+\tint unused;',
      ' ',
      ' \tret = guarded_alloc(size);',
      ' \tif (ret)',
      ' \t\treturn ret;',
      ' \treturn 0;',
    ]);
    expect(reviewSync(buildChangeSet(parsePatchInput(text, 'p.diff')), { rules, simulator: false }).findings).toEqual([]);
  });
});
