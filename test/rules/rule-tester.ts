// RuleTester, after ESLint's: valid cases must yield no finding of the rule; invalid cases must
// yield exactly the expected findings (line, column, message); a case with `output` has its fixes
// applied, and the fixed code is re-run through every rule: the fixed findings are gone and
// nothing new appears.
import { describe, expect, it } from 'vitest';
import type { ChangeSet } from '../../patch/types.js';
import { defaultConfig } from '../../review/config.js';
import { reviewSync } from '../../review/index.js';
import { applyFixes } from '../../review/fixes.js';
import { registeredRules } from '../../review/defaults.js';
import type { Finding } from '../../review/types.js';
import type { Rule, Severity } from '../../rules/types.js';

export interface RuleCase {
  /** Shown in the test name; defaults to the first line of code. */
  name?: string;
  code: string;
  /** Repository-relative path the code is reviewed as (default drivers/misc/iova-test.c). */
  path?: string;
  options?: Record<string, unknown>;
}

export interface ExpectedFinding {
  messageId?: string;
  message?: string | RegExp;
  line: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  severity?: Severity;
}

export interface InvalidCase extends RuleCase {
  errors: ExpectedFinding[];
  /** The code after applying every fix; null asserts that no fix is offered. */
  output?: string | null;
}

export interface RuleTests {
  valid: Array<string | RuleCase>;
  invalid: InvalidCase[];
}

export const DEFAULT_TEST_PATH = 'drivers/misc/iova-test.c';

export function changeSetFor(code: string, path = DEFAULT_TEST_PATH): ChangeSet {
  const lines = code.split('\n').length;
  return {
    files: [
      {
        path,
        status: 'added',
        isC: true,
        binary: false,
        postImage: code,
        partial: false,
        changedLines: new Set(Array.from({ length: lines }, (_, i) => i + 1)),
        deletionPoints: new Set(),
        lineOrigin: new Map(),
        hunks: [],
      },
    ],
    patches: [],
    source: 'rule-tester',
    wholeFiles: true,
  };
}

/** Findings of `rules` on `code` (no simulation); `options` go to every rule, as from the config. */
export function findingsFor(rules: readonly Rule[], code: string, path = DEFAULT_TEST_PATH, options: Record<string, unknown> = {}): Finding[] {
  const config = defaultConfig();
  for (const rule of rules) config.rules[rule.meta.id] = { enabled: true, options };
  return reviewSync(changeSetFor(code, path), { rules, simulator: false, config }).findings;
}

function caseName(c: RuleCase): string {
  return c.name ?? c.code.split('\n').find((l) => l.trim() && !l.trim().startsWith('//') && !l.trim().startsWith('/*'))?.trim() ?? 'case';
}

export function runRuleTests(rule: Rule, tests: RuleTests): void {
  describe(rule.meta.id, () => {
    describe('valid', () => {
      for (const raw of tests.valid) {
        const c: RuleCase = typeof raw === 'string' ? { code: raw } : raw;
        it(caseName(c), () => {
          const findings = findingsFor([rule], c.code, c.path, c.options);
          expect(findings.map((f) => `${f.line}:${f.column} ${f.message}`)).toEqual([]);
        });
      }
    });
    describe('invalid', () => {
      for (const c of tests.invalid) {
        it(caseName(c), () => {
          const findings = findingsFor([rule], c.code, c.path, c.options);
          expect(findings.length, findings.map((f) => `${f.line}:${f.column} ${f.message}`).join('\n')).toBe(c.errors.length);
          c.errors.forEach((expected, i) => {
            const actual = findings[i]!;
            expect(actual.line, `finding ${i} line`).toBe(expected.line);
            if (expected.column !== undefined) expect(actual.column, `finding ${i} column`).toBe(expected.column);
            if (expected.endLine !== undefined) expect(actual.endLine).toBe(expected.endLine);
            if (expected.endColumn !== undefined) expect(actual.endColumn).toBe(expected.endColumn);
            if (expected.messageId !== undefined) expect(actual.messageId).toBe(expected.messageId);
            if (typeof expected.message === 'string') expect(actual.message).toBe(expected.message);
            else if (expected.message) expect(actual.message).toMatch(expected.message);
            if (expected.severity) expect(actual.severity).toBe(expected.severity);
          });
          if (c.output === null) {
            expect(findings.filter((f) => f.fix)).toEqual([]);
          } else if (c.output !== undefined) {
            const fixes = findings.filter((f) => f.fix).map((f) => f.fix!);
            expect(fixes.length, 'a fix is offered').toBeGreaterThan(0);
            const fixed = applyFixes(c.code, fixes).text;
            expect(fixed).toBe(c.output);
            expectFixIsClean(rule, c, findings, fixed);
          }
        });
      }
    });
  });
}

/** The fixed code has none of the fixed findings and no finding (of any rule) that was not there before. */
function expectFixIsClean(rule: Rule, c: InvalidCase, before: Finding[], fixed: string): void {
  const all = [...new Set([rule, ...registeredRules()])];
  const fixedCount = before.filter((f) => f.fix).length;
  const after = findingsFor([rule], fixed, c.path, c.options);
  expect(after.length, 'the fixed findings are gone').toBe(before.length - fixedCount);
  const key = (f: Finding): string => `${f.ruleId} ${f.message}`;
  const beforeAll = new Set(findingsFor(all, c.code, c.path).map(key));
  const newOnes = findingsFor(all, fixed, c.path).map(key).filter((k) => !beforeAll.has(k));
  expect(newOnes, 'the fix introduces no new finding').toEqual([]);
}

/** The ```c incorrect / ```c correct examples of a rule doc (optionally `path=...` after the kind). */
export function docExamples(markdown: string): Array<{ kind: 'incorrect' | 'correct'; code: string; path?: string }> {
  const out: Array<{ kind: 'incorrect' | 'correct'; code: string; path?: string }> = [];
  const block = /```c (incorrect|correct)(?: path=(\S+))?\n([\s\S]*?)```/g;
  for (let m = block.exec(markdown); m; m = block.exec(markdown)) {
    out.push({ kind: m[1] as 'incorrect' | 'correct', code: m[3]!, ...(m[2] ? { path: m[2] } : {}) });
  }
  return out;
}
