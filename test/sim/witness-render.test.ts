// Witnesses the simulator builds, rendered by report/ (text under the finding, Markdown with the
// granule picture, SARIF codeFlows): snapshots, plus the properties each rendering must keep.
import { describe, expect, it } from 'vitest';
import { formatReport } from '../../report/index.js';
import type { Finding, Report } from '../../review/types.js';
import type { SimOutcome } from '../../sim/index.js';
import { confirmIn, fixture } from './helpers.js';

function findingOf(ruleId: string, fn: string, line: number, out: SimOutcome, message: string): Finding {
  return {
    ruleId,
    severity: 'error',
    message,
    file: `drivers/sim/${fn}.c`,
    line,
    column: 2,
    endLine: line,
    endColumn: 30,
    function: fn,
    fingerprint: `${ruleId}:${fn}`,
    confirmation: out.confirmation,
    confirmationNote: out.note,
    ...(out.witness ? { witness: out.witness } : {}),
  };
}

function report(findings: Finding[], refuted: Finding[]): Report {
  return {
    tool: { name: 'iovalint', version: '0.0.0-test', modelVersion: 'test' },
    rules: [...new Set([...findings, ...refuted].map((f) => f.ruleId))].map((id) => ({ id, severity: 'error' as const, description: id, docs: `rules/${id.split('/')[1]}.md`, fixable: false, confidence: 'high' })),
    source: 'witness-render.test',
    findings,
    refuted,
    unusedSuppressions: [],
    files: [],
    functions: [],
    notChecked: [],
    timings: { parseMs: 0, rulesMs: 0, simMs: 0, totalMs: 0 },
  };
}

const offsetSize = confirmIn(fixture('offset-size.c'), 'qux_iova_alloc', {
  inputs: { phys: 'G-1', size: 'G+1' },
  expect: { invariants: ['mapping-covers-buffer', 'reservation-covers-buffer'], description: 'the buffer does not fit what is reserved' },
});
const leak = confirmIn(fixture('lifecycle.c'), 'xfer_map_leaky', {
  mode: 'contract',
  failing: ['dma_iova_link'],
  expect: { invariants: ['no-leak'], description: 'a failed link gives the IOVA back' },
});
const guarded = confirmIn(fixture('size-zero-guard.c'), 'foo_map_goto_guard', {
  inputs: { size: '0' },
  expect: { invariants: ['alloc-nonzero'], warn: true, description: 'size 0 reaches the IOVA allocation' },
});

const sample = report(
  [
    findingOf('iova/offset-size', 'qux_iova_alloc', 14, offsetSize, 'the reservation leaves out the IOVA offset of phys'),
    findingOf('iova/leak-on-error', 'xfer_map_leaky', 13, leak, 'a failed link returns without freeing the IOVA'),
  ],
  [findingOf('iova/size-zero-guard', 'foo_map_goto_guard', 57, guarded, 'size reaches dma_iova_try_alloc() with no check for 0')],
);

describe('witness rendering', () => {
  it('the outcomes are what the snapshots show', () => {
    expect([offsetSize.confirmation, leak.confirmation, guarded.confirmation]).toEqual(['confirmed', 'confirmed', 'refuted']);
  });

  it('text: the witness indented under its finding, with the granule picture', () => {
    const text = formatReport(sample, 'text', { showRefuted: true });
    expect(text).toMatchSnapshot();
    expect(text).toMatch(/granules \[#!\] /); // the buffer's last byte lies outside the 1-granule reservation
    expect(text).toMatch(/\n    witness: phys=0xfff \(G-1\), size=0x1000 \(G\): reservation-covers-buffer breaks/);
    expect(text).toMatch(/\n    refuted: \d+ runs over \d+ scenarios completed/);
  });

  it('markdown', () => {
    expect(formatReport(sample, 'markdown', { showRefuted: true })).toMatchSnapshot();
  });

  it('SARIF codeFlows follow the path, naming the model call on each line', () => {
    const sarif = JSON.parse(formatReport(sample, 'sarif', { showRefuted: true }));
    const flows = sarif.runs[0].results.map((r: { codeFlows?: unknown }) => r.codeFlows);
    expect(flows).toMatchSnapshot();
    const steps = flows[0][0].threadFlows[0].locations.map((l: { location: { message: { text: string } } }) => l.location.message.text);
    expect(steps).toContain('size_t iova_off = iova_offset(iovad, phys);  →  iova_offset = 0xfff');
    expect(steps.length).toBe(offsetSize.witness!.path.length);
  });
});
