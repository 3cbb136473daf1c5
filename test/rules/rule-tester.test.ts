// The RuleTester itself, on the test-only rule: it passes correct expectations and fails wrong ones.
import { describe, expect, it } from 'vitest';
import { applyFixes, fixedLines, offsetOf } from '../../review/fixes.js';
import { unguardedAllocRule } from '../review/test-rule.js';
import { findingsFor, runRuleTests } from './rule-tester.js';

runRuleTests(unguardedAllocRule, {
  valid: ['int f(size_t n)\n{\n\tif (!n)\n\t\treturn 0;\n\treturn guarded_alloc(n);\n}\n'],
  invalid: [
    {
      code: 'int f(size_t n)\n{\n\treturn guarded_alloc(n);\n}\n',
      errors: [{ messageId: 'unguarded', message: 'guarded_alloc(n) without a check for 0', line: 3, column: 9, endColumn: 25 }],
      output: 'int f(size_t n)\n{\n\treturn guarded_alloc_nonzero(n);\n}\n',
    },
  ],
});

describe('fix application', () => {
  it('maps lines and code-point columns to offsets', () => {
    expect(offsetOf('ab\ncd\n', 2, 2)).toBe(4);
    expect(offsetOf('é€x\n', 1, 3)).toBe(2);
  });
  it('applies non-overlapping fixes and skips overlapping ones', () => {
    const text = 'aaaa\nbbbb\n';
    const { text: out, skipped } = applyFixes(text, [
      { startLine: 1, startColumn: 2, endLine: 1, endColumn: 4, text: 'X' },
      { startLine: 2, startColumn: 1, endLine: 2, endColumn: 5, text: 'Y' },
      { startLine: 1, startColumn: 3, endLine: 1, endColumn: 5, text: 'Z' },
    ]);
    expect(out).toBe('aXa\nY\n');
    expect(skipped).toHaveLength(1);
  });
  it('builds whole fixed lines for suggestions', () => {
    expect(fixedLines('\tx = foo(a,\n\t\tb);\n', { startLine: 1, startColumn: 6, endLine: 2, endColumn: 5, text: 'bar(a, b)' })).toBe('\tx = bar(a, b);');
  });
  it('a wrong expectation fails (the tester can fail)', () => {
    const findings = findingsFor([unguardedAllocRule], 'int f(size_t n)\n{\n\treturn guarded_alloc(n);\n}\n');
    expect(findings[0]!.line).not.toBe(4);
    expect(findings).toHaveLength(1);
  });
});
