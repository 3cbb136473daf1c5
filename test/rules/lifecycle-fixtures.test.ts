// The real call sequences of reference/callers.md, written as kernel-style fixtures of our own
// (fixtures/lifecycle/*.c): each correct sequence yields no lifecycle finding, each re-created
// defect yields exactly the rules its header names (`iovalint-expect:`), through the engine.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registeredRules } from '../../review/defaults.js';
import { LIFECYCLE_RULES } from '../../rules/lifecycle/registry.js';
import { findingsFor } from './rule-tester.js';

const DIR = join(import.meta.dirname, '../../fixtures/lifecycle');
const OUR_IDS = new Set(LIFECYCLE_RULES.map((r) => r.meta.id));

interface Fixture {
  name: string;
  code: string;
  path: string;
  expect: string[];
}

function fixtures(): Fixture[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.c'))
    .sort()
    .map((name) => {
      const code = readFileSync(join(DIR, name), 'utf8');
      const path = /iovalint-path:\s*(\S+)/.exec(code)?.[1] ?? `drivers/misc/${name}`;
      const expected = /iovalint-expect:\s*([^\n*]+)/.exec(code)?.[1]?.trim() ?? '';
      return { name, code, path, expect: expected === 'none' ? [] : expected.split(/\s*,\s*/).sort() };
    });
}

describe('lifecycle fixtures (reference/callers.md sequences and defects)', () => {
  const all = fixtures();

  it('covers every caller sequence and every defect of issue 6', () => {
    const names = all.map((f) => f.name);
    for (const sequence of ['blk-mq-map', 'nvme-map', 'hmm-map', 'rdma-odp-init', 'vfio-mlx5-register', 'dmabuf-phys-vec', 'drm-pagemap']) {
      expect(names).toContain(`${sequence}.c`);
    }
    for (const defect of ['d1', 'd2', 'd8', 'd9', 'd13', 'd16']) expect(names.some((n) => n.startsWith(`${defect}-`)), defect).toBe(true);
    expect(all.every((f) => f.expect.every((id) => OUR_IDS.has(id)))).toBe(true);
  });

  for (const f of all) {
    it(`${f.name}: ${f.expect.length ? f.expect.join(', ') : 'no finding'}`, () => {
      const findings = findingsFor(LIFECYCLE_RULES, f.code, f.path);
      const ids = [...new Set(findings.map((x) => x.ruleId))].sort();
      expect(ids, findings.map((x) => `${x.line}:${x.column} ${x.ruleId} ${x.message}`).join('\n')).toEqual(f.expect);
      // every finding carries a contract-mode request for the simulator
      for (const x of findings) if (x.ruleId !== 'iova/iommu-internal-api') expect(x.sim?.mode).toBe('contract');
    });
  }

  it('the registry runs the same rules (no other registered rule changes our ids)', () => {
    const registered = registeredRules().filter((r) => OUR_IDS.has(r.meta.id));
    expect(registered.map((r) => r.meta.id).sort()).toEqual([...OUR_IDS].sort());
    for (const f of all) {
      const ids = [...new Set(findingsFor(registeredRules(), f.code, f.path).map((x) => x.ruleId).filter((id) => OUR_IDS.has(id)))].sort();
      expect(ids, f.name).toEqual(f.expect);
    }
  });
});
