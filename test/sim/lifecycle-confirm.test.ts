// The lifecycle findings of fixtures/lifecycle/*.c through the whole engine (review → rules →
// simulator contract mode): every true finding on a re-created defect comes back confirmed with a
// witness whose breach is the invariant the defect is about — or unconfirmed with a reason naming
// the construct — and never refuted; the correct call sequences confirm nothing. The table of
// outcomes is printed (LIFECYCLE_TABLE=1) for the closing note.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFile } from '../../c/index.js';
import { wholeFileChange } from '../../patch/files.js';
import type { ChangeSet } from '../../patch/types.js';
import { formatReport } from '../../report/index.js';
import { reviewSync } from '../../review/index.js';
import type { Finding, Report } from '../../review/types.js';
import { LIFECYCLE_INVARIANTS, lifecycleSim } from '../../rules/lifecycle/report.js';
import { createSimulator } from '../../sim/index.js';

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

const reports = new Map<string, Report>();

function reviewed(name: string): Report {
  let report = reports.get(name);
  if (!report) {
    const code = readFileSync(join(DIR, name), 'utf8');
    const path = /iovalint-path:\s*(\S+)/.exec(code)?.[1] ?? `drivers/misc/${name}`;
    const changeSet: ChangeSet = { files: [wholeFileChange(path, Buffer.from(code))], patches: [], source: 'test', wholeFiles: true };
    report = reviewSync(changeSet);
    reports.set(name, report);
  }
  return report;
}

export function reviewFixture(name: string): { findings: Finding[]; rows: Row[] } {
  const report = reviewed(name);
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

/**
 * What each re-created defect's findings come back as: confirmed with the invariant the defect is
 * about (and the failing call that shows it, when one is needed), or unconfirmed for a reason that
 * names what the change does not hold.
 */
const EXPECTED: Record<string, Array<{ rule: string; invariant?: string; failing?: RegExp; unconfirmed?: RegExp }>> = {
  'd1-stale-state': [{ rule: 'iova/stale-state', invariant: 'state-live' }],
  'd12-attrs-lost': [{ rule: 'iova/unlink-mismatch', invariant: 'unlink-mirrors-link' }],
  'd13-sgl-swap': [{ rule: 'iova/unlink-mismatch', unconfirmed: /a value the simulator invented: what the map side stored there is not in the change/ }],
  'd15-unreserved-state': [{ rule: 'iova/unchecked-alloc', invariant: 'state-live' }],
  'd16-hmm-no-unwind': [{ rule: 'iova/leak-on-error', invariant: 'no-leak', failing: /dma_iova_sync \(call 1\) failing/ }],
  'd16-hmm-sync-ignored': [{ rule: 'iova/link-unchecked', invariant: 'sync-before-publish', failing: /dma_iova_sync \(call 1\) failing/ }],
  'd2-link-break': [
    { rule: 'iova/link-unchecked', invariant: 'mapping-covers-buffer', failing: /dma_iova_link \(call \d\) failing/ },
    { rule: 'iova/leak-on-error', invariant: 'no-leak', failing: /dma_iova_(link|sync) \(call \d\) failing/ },
  ],
  'd22-missing-sync': [{ rule: 'iova/missing-sync', invariant: 'sync-before-publish' }],
  'd25-constant-offset': [{ rule: 'iova/unlink-mismatch', invariant: 'unlink-mirrors-link' }],
  'd8-nvme-leak': [{ rule: 'iova/leak-on-error', invariant: 'no-leak', failing: /mempool_alloc \(call 1\) failing/ }],
  'd9-nvme-save': [{ rule: 'iova/double-unmap', unconfirmed: /releases anything.*not in the change/ }],
};

describe('lifecycle findings confirmed by the simulator (contract mode)', () => {
  const table: Row[] = [];
  it('every defect fixture has its expectation here', () => {
    expect(defects.map((d) => d.replace(/\.c$/, '')).sort()).toEqual(Object.keys(EXPECTED).sort());
  });
  for (const name of defects) {
    it(`${name}: the expected lifecycle findings are confirmed with their invariant (or say why not), never refuted`, () => {
      const { rows, findings } = reviewFixture(name);
      table.push(...rows);
      const expected = expectedRules(name);
      const ours = rows.filter((r) => expected.includes(r.rule));
      expect(ours.length, name).toBeGreaterThan(0);
      for (const r of ours) expect(r.confirmation, `${r.rule} ${r.fn}:${r.line} ${r.note}`).not.toBe('refuted');
      for (const want of EXPECTED[name.replace(/\.c$/, '')] ?? []) {
        const found = findings.filter((f) => f.ruleId === want.rule);
        expect(found.length, `${name}: ${want.rule}`).toBeGreaterThan(0);
        for (const f of found) {
          if (want.unconfirmed) {
            expect(f.confirmation, f.confirmationNote).toBe('unconfirmed');
            expect(f.confirmationNote).toMatch(want.unconfirmed);
            continue;
          }
          expect(f.confirmation, `${want.rule}: ${f.confirmationNote}`).toBe('confirmed');
          expect(f.witness?.breach?.invariant, f.witness?.summary).toBe(want.invariant);
          if (want.failing) expect(f.witness!.summary).toMatch(want.failing);
          // a witness shows the run: inputs, the model calls in order, what was returned
          expect(f.witness!.trace.length).toBeGreaterThan(0);
          expect(f.witness!.returned).toBeDefined();
        }
      }
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

describe('the correct call sequences confirm nothing in contract mode', () => {
  const simulator = createSimulator();
  const invariants = [...new Set(Object.values(LIFECYCLE_INVARIANTS).flat())];
  const correct = fixtures.filter((f) => expectedRules(f).length === 0);
  for (const name of correct) {
    it(`${name}: no lifecycle invariant breaks, whatever fails`, () => {
      const file = parseFile(`drivers/misc/${name}`, readFileSync(join(DIR, name), 'utf8'));
      const functions = new Map(file.functions.map((fn) => [fn.name, { file, fn }]));
      // a helper's error paths are its callers' to finish (they unlink and free): entry points only
      const entries = file.functions.filter((fn) => fn.body && !file.functions.some((g) => g !== fn && new RegExp(`\\b${fn.name}\\s*\\(`).test(g.body?.text ?? '')));
      expect(entries.length).toBeGreaterThan(0);
      for (const fn of entries) {
        const request = lifecycleSim('iova/leak-on-error', fn, 'the lifecycle contract', undefined, { messageId: '', functions });
        request.expect.invariants = invariants;
        const out = simulator.confirm(request, { functions, file, fn, implements: {}, maxSteps: 200_000, maxRuns: 64, deadline: Date.now() + 20_000 });
        expect(out.confirmation, `${fn.name}: ${out.witness?.summary ?? out.note}`).not.toBe('confirmed');
        expect(out.note).not.toMatch(/simulator error/);
      }
    });
  }
});

describe('lifecycle witnesses read as what happened', () => {
  it('text: the inputs, the failing call and the unmapped range under the finding (D2)', () => {
    const report = reviewed('d2-link-break.c');
    const text = formatReport({ ...report, findings: report.findings.filter((f) => f.ruleId === 'iova/link-unchecked') }, 'text');
    expect(text).toMatch(/witness: (?:[^\n]*, )?dma_iova_link \(call \d\) failing: mapping-covers-buffer breaks/);
    expect(text).toMatch(/inputs: .*state=state0/);
    // the leaf returns success to a caller that could finish the job: the caller's run shows it
    expect(text).toMatch(/shown through demo_blk_map_iter_start\(\), which calls demo_blk_map_iova\(\)/);
    expect(text).toMatch(/line 25: dma_iova_link\(.*\) = -12\n\s+info: dma_iova_link made to fail by the simulator/);
    expect(text).toMatch(/yet success is returned with state0 still on the IOVA path: IOVA 0x[0-9a-f]+ onwards is not mapped/);
    expect(text).toMatch(/returned: true/);
  });

  it('markdown: the failing allocation and the leaked mapping (D8)', () => {
    const md = formatReport(reviewed('d8-nvme-leak.c'), 'markdown');
    expect(md).toMatch(/blk_rq_dma_map_iter_start\(.*\) = true/);
    expect(md).toMatch(/mempool_alloc\(\) = NULL\n\s+info: mempool_alloc\(\) made to fail by the simulator/);
    expect(md).toMatch(/broken invariant: `no-leak`: IOVA \[0x[0-9a-f]+, 0x[0-9a-f]+\) reserved for the dma_map_\*\(\) mapping of 0x2000 bytes at 0x[0-9a-f]+ was never freed/);
  });

  it('text: the caller setup is marked, the stale state named (D1)', () => {
    const report = reviewed('d1-stale-state.c');
    const text = formatReport(report, 'text');
    expect(text).toMatch(/dma_iova_destroy\(.*\)\n(\s+info: .*\n)*\s+info: prepared by the simulator before the run/);
    expect(text).toMatch(/state=state0 \(stale\)/);
    expect(text).toMatch(/the unmap side will dma_iova_destroy\(\) a stale state/);
  });
});
