// Every rule's doc (rules/<name>.md) follows ESLint's order, and its examples are run:
// ```c incorrect blocks must yield the rule, ```c correct blocks must not.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { registeredRules } from '../../review/defaults.js';
import { docExamples, findingsFor } from './rule-tester.js';

const SECTIONS = ['## Why it matters', '## Rule details', '## Examples', '## When not to use it', '## Real defects it would have caught'];

describe('rule docs', () => {
  it('every registered rule names a doc that exists', () => {
    for (const rule of registeredRules()) {
      expect(existsSync(new URL(`../../${rule.meta.docs}`, import.meta.url)), rule.meta.docs).toBe(true);
    }
  });

  for (const rule of registeredRules()) {
    describe(rule.meta.id, () => {
      const path = new URL(`../../${rule.meta.docs}`, import.meta.url);
      const markdown = existsSync(path) ? readFileSync(path, 'utf8') : '';
      it('has the sections in order', () => {
        const positions = SECTIONS.map((s) => markdown.indexOf(s));
        expect(positions.every((p) => p >= 0), `missing one of ${SECTIONS.join(', ')}`).toBe(true);
        expect([...positions].sort((a, b) => a - b)).toEqual(positions);
        expect(markdown.startsWith(`# ${rule.meta.id}`)).toBe(true);
      });
      const examples = docExamples(markdown);
      it('has incorrect and correct examples', () => {
        expect(examples.some((e) => e.kind === 'incorrect')).toBe(true);
        expect(examples.some((e) => e.kind === 'correct')).toBe(true);
      });
      examples.forEach((example, i) => {
        it(`example ${i + 1} (${example.kind})`, () => {
          const findings = findingsFor([rule], example.code, example.path);
          if (example.kind === 'incorrect') expect(findings.length).toBeGreaterThan(0);
          else expect(findings.map((f) => `${f.line}: ${f.message}`)).toEqual([]);
        });
      });
    });
  }
});
