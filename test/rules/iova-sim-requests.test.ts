// Every iova/* finding carries the simulation request of notes/sim-requests.md for its rule: the
// function to run (by name), the inputs by parameter name, and the observation that confirms it.
import { describe, expect, it } from 'vitest';
import type { InvariantName } from '../../model/witness.js';
import { allRules } from '../../rules/index.js';
import { DMA_IOMMU, free, link, tryAlloc } from './iova-fixtures.js';
import { findingsFor } from './rule-tester.js';

interface Case {
  rule: string;
  code: string;
  path?: string;
  fn: string;
  inputs: Record<string, string>;
  invariant: InvariantName;
  scenario?: Record<string, unknown>;
}

const CASES: Case[] = [
  { rule: 'iova/size-zero-guard', code: tryAlloc({ guards: '' }), path: DMA_IOMMU, fn: 'demo_iova_alloc', inputs: { size: '0', phys: '0' }, invariant: 'alloc-nonzero' },
  { rule: 'iova/swiotlb-flag-guard', code: tryAlloc({ guards: '\tif (!size)\n\t\treturn false;\n' }), path: DMA_IOMMU, fn: 'demo_iova_alloc', inputs: { size: '1ULL<<63' }, invariant: 'flag-not-in-size', scenario: { arch: 64 } },
  { rule: 'iova/raw-size-access', code: free({ size: 'state->__size' }), path: DMA_IOMMU, fn: 'demo_iova_free', inputs: { phys: '0x234' }, invariant: 'flag-not-in-size', scenario: { untrusted: true } },
  { rule: 'iova/offset-size', code: tryAlloc({ length: 'iova_align(iovad, size)' }), path: DMA_IOMMU, fn: 'demo_iova_alloc', inputs: { phys: 'G-1', size: 'G+1' }, invariant: 'reservation-covers-buffer' },
  { rule: 'iova/offset-addr', code: tryAlloc({ addr: 'addr' }), path: DMA_IOMMU, fn: 'demo_iova_alloc', inputs: { phys: '0x234' }, invariant: 'byte-address' },
  { rule: 'iova/offset-free', code: free({ length: 'iova_align(iovad, size)' }), path: DMA_IOMMU, fn: 'demo_iova_free', inputs: { phys: 'G-1', size: 'G+1' }, invariant: 'free-mirrors-alloc' },
  { rule: 'iova/offset-granule', code: tryAlloc({ offset: 'offset_in_page(phys)' }), path: DMA_IOMMU, fn: 'demo_iova_alloc', inputs: { phys: '0x5234', size: 'G+1' }, invariant: 'byte-address', scenario: { granule: 4096, pageSize: 65536 } },
  { rule: 'iova/link-pad-offset', code: link({ guard: '' }), path: DMA_IOMMU, fn: 'demo_iova_link', inputs: { phys: '0x234', offset: 'G' }, invariant: 'later-link-aligned' },
  {
    rule: 'iova/size-overflow',
    code: 'static bool demo_reserve(struct device *dev, struct dma_iova_state *state, int npages)\n{\n\treturn dma_iova_try_alloc(dev, state, 0, npages << PAGE_SHIFT);\n}\n',
    fn: 'demo_reserve',
    inputs: { npages: '0x80000' },
    invariant: 'size-no-wrap',
    scenario: { arch: 64 },
  },
];

describe('simulation requests of the iova/* findings', () => {
  for (const c of CASES) {
    it(c.rule, () => {
      const rule = allRules.find((r) => r.meta.id === c.rule)!;
      const [finding] = findingsFor([rule], c.code, c.path);
      expect(finding?.ruleId).toBe(c.rule);
      const sim = finding.sim!;
      expect(sim.mode).toBe('confirm');
      expect(sim.function).toBe(c.fn);
      expect(sim.inputs).toEqual(c.inputs);
      expect(sim.expect.invariants).toContain(c.invariant);
      expect(sim.expect.description.length).toBeGreaterThan(10);
      if (c.scenario) expect(sim.scenario).toMatchObject(c.scenario);
    });
  }
});
