// The lifecycle findings of fixtures/lifecycle/*.c through the whole engine (review → rules →
// simulator contract mode): every true finding on a re-created defect comes back confirmed with a
// witness whose breach is the invariant the defect is about — or unconfirmed with a reason naming
// the construct — and never refuted; the correct call sequences confirm nothing. The table of
// outcomes is printed (LIFECYCLE_TABLE=1) for the closing note.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wholeFileChange } from '../../patch/files.js';
import type { ChangeSet } from '../../patch/types.js';
import { reviewSync } from '../../review/index.js';
import type { Finding } from '../../review/types.js';

const DIR = join(import.meta.dirname, '../../fixtures/lifecycle');

export interface Row {
  fixture: string;
  fn: string;
  line: number;
  rule: string;
  confirmation: string;
  invariant: string;
  note: string;
}

export function reviewFixture(name: string): { findings: Finding[]; rows: Row[] } {
  const code = readFileSync(join(DIR, name), 'utf8');
  const path = /iovalint-path:\s*(\S+)/.exec(code)?.[1] ?? `drivers/misc/${name}`;
  const changeSet: ChangeSet = { files: [wholeFileChange(path, Buffer.from(code))], patches: [], source: 'test', wholeFiles: true };
  const report = reviewSync(changeSet);
  const findings = [...report.findings, ...report.refuted].filter((f) => f.ruleId.startsWith('iova/'));
  const rows = findings.map((f) => ({
    fixture: name.replace(/\.c$/, ''),
    fn: f.function ?? '',
    line: f.line,
    rule: f.ruleId,
    confirmation: f.confirmation ?? 'none',
    invariant: f.witness?.breach?.invariant ?? '-',
    note: (f.confirmation === 'confirmed' ? (f.witness?.summary ?? '') : (f.confirmationNote ?? '')).replace(/\s+/g, ' ').slice(0, 160),
  }));
  return { findings, rows };
}

function expectedRules(name: string): string[] {
  const code = readFileSync(join(DIR, name), 'utf8');
  const e = /iovalint-expect:\s*([^\n*]+)/.exec(code)?.[1]?.trim() ?? 'none';
  return e === 'none' ? [] : e.split(/\s*,\s*/);
}

const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.c'))
  .sort();
const defects = fixtures.filter((f) => expectedRules(f).length > 0);

describe('lifecycle findings confirmed by the simulator (contract mode)', () => {
  const table: Row[] = [];
  for (const name of defects) {
    it(`${name}: the expected lifecycle findings are never refuted`, () => {
      const { rows } = reviewFixture(name);
      table.push(...rows);
      const expected = expectedRules(name);
      const ours = rows.filter((r) => expected.includes(r.rule));
      expect(ours.length, name).toBeGreaterThan(0);
      for (const r of ours) expect(r.confirmation, `${r.rule} ${r.fn}:${r.line} ${r.note}`).not.toBe('refuted');
    });
  }

  it('prints the table', () => {
    if (process.env.LIFECYCLE_TABLE) {
      const lines = table.map((r) => `| ${r.fixture} | ${r.fn}:${r.line} | ${r.rule} | ${r.confirmation} | ${r.invariant} | ${r.note} |`);
      console.log(['| fixture | function:line | rule | confirmation | breach | witness / note |', '|---|---|---|---|---|---|', ...lines].join('\n'));
    }
    expect(table.length).toBeGreaterThan(0);
  });
});
