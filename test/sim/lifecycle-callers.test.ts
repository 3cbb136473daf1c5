// Lifecycle slips in shapes the defect fixtures do not use (fixtures/sim/lifecycle-callers.c),
// through the whole engine: each comes back confirmed with its invariant; the *_ok versions break
// none of the lifecycle invariants in contract mode.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFile } from '../../c/index.js';
import { wholeFileChange } from '../../patch/files.js';
import { reviewSync } from '../../review/index.js';
import { LIFECYCLE_INVARIANTS, lifecycleSim } from '../../rules/lifecycle/report.js';
import { createSimulator } from '../../sim/index.js';
import { fixtureDir } from './helpers.js';

const NAME = 'lifecycle-callers.c';
const text = readFileSync(`${fixtureDir}${NAME}`, 'utf8');

describe('lifecycle slips in other shapes', () => {
  const report = reviewSync({ files: [wholeFileChange(`drivers/misc/${NAME}`, Buffer.from(text))], patches: [], source: 'test', wholeFiles: true });
  const outcome = (fn: string, rule: string) => {
    const f = report.findings.find((x) => x.function === fn && x.ruleId === rule);
    expect(f, `${fn} ${rule}: ${report.findings.map((x) => `${x.function} ${x.ruleId}`).join(', ')}`).toBeDefined();
    return f!;
  };

  it.each([
    ['foo_map_buf', 'iova/leak-on-error', 'no-leak', /dma_iova_link \(call 1\) failing/],
    ['baz_setup', 'iova/leak-on-error', 'no-leak', /kcalloc \(call 1\) failing/],
    ['qux_map_one', 'iova/link-unchecked', 'sync-before-publish', /dma_iova_sync \(call 1\) failing/],
    ['qux_map_one', 'iova/missing-sync', 'sync-before-publish', /dma_iova_sync \(call 1\) failing/],
    ['q_start', 'iova/stale-state', 'no-double-free', /dma_iova_sync \(call 1\) failing/],
  ])('%s: %s confirmed by %s', (fn, rule, invariant, failing) => {
    const f = outcome(fn, rule);
    expect(f.confirmation, f.confirmationNote).toBe('confirmed');
    expect(f.witness?.breach?.invariant).toBe(invariant);
    expect(f.witness?.summary).toMatch(failing);
  });

  it('the correct versions have no finding, and break no lifecycle invariant whatever fails', () => {
    const ok = ['foo_map_buf_ok', 'qux_map_one_ok'];
    expect(report.findings.filter((f) => ok.includes(f.function ?? ''))).toEqual([]);
    const file = parseFile(`drivers/misc/${NAME}`, text);
    const functions = new Map(file.functions.map((fn) => [fn.name, { file, fn }]));
    const invariants = [...new Set(Object.values(LIFECYCLE_INVARIANTS).flat())];
    for (const name of ok) {
      const fn = file.functions.find((f) => f.name === name)!;
      const request = lifecycleSim('iova/leak-on-error', fn, 'the lifecycle contract', undefined, { messageId: '', functions });
      request.expect.invariants = invariants;
      const out = createSimulator().confirm(request, { functions, file, fn, implements: {}, maxSteps: 200_000, maxRuns: 64, deadline: Date.now() + 20_000 });
      expect(out.confirmation, `${name}: ${out.witness?.summary ?? out.note}`).not.toBe('confirmed');
    }
  });
});
