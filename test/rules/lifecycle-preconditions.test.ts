// The preconditions lifecycle rules send with their contract-mode requests (sim-requests.md):
// a state the function is handed comes as its callers leave it — reserved for a function that
// links into it, linked for one that only releases it, stale for a fallback that reuses it, zero
// for the dma_map_* fallback's unmap — and an unmap whose mirror is in question gets its map side
// run first. States the function reserves or initialises itself get none.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIFECYCLE_RULES } from '../../rules/lifecycle/registry.js';
import { findingsFor } from './rule-tester.js';

const DIR = join(import.meta.dirname, '../../fixtures/lifecycle');

function requests(name: string): Array<{ rule: string; fn: string; preconditions: unknown }> {
  const code = readFileSync(join(DIR, name), 'utf8');
  const path = /iovalint-path:\s*(\S+)/.exec(code)?.[1] ?? 'drivers/misc/x.c';
  return findingsFor(LIFECYCLE_RULES, code, path).map((f) => ({ rule: f.ruleId, fn: f.sim?.function ?? '', preconditions: f.sim?.preconditions }));
}

describe('lifecycle requests carry the caller\'s preconditions', () => {
  it('a state reached through a parameter, linked into by the function: reserved (HMM, D16)', () => {
    expect(requests('d16-hmm-no-unwind.c')).toEqual([{ rule: 'iova/leak-on-error', fn: 'demo_hmm_map_pfn', preconditions: { states: { 'map->state': 'allocated' } } }]);
  });

  it('a state parameter a helper links into: reserved; its caller, which reserves it itself: none (D2)', () => {
    expect(requests('d2-link-break.c')).toEqual([
      { rule: 'iova/link-unchecked', fn: 'demo_blk_map_iova', preconditions: { states: { state: 'allocated' } } },
      { rule: 'iova/leak-on-error', fn: 'demo_blk_map_iter_start', preconditions: undefined },
    ]);
  });

  it('a fallback that reuses the state: stale, as the previous request left it (D1)', () => {
    expect(requests('d1-stale-state.c')).toEqual([{ rule: 'iova/stale-state', fn: 'demo_blk_map_iter_start', preconditions: { states: { state: 'stale' } } }]);
  });

  it('an unmap whose attributes differ from the map side of the change: the map side runs first (D11/D12)', () => {
    expect(requests('d12-attrs-lost.c')).toEqual([{ rule: 'iova/unlink-mismatch', fn: 'demo_rq_unmap', preconditions: { before: ['demo_rq_map_mmio'] } }]);
  });

  it('swapped arguments of the fallback\'s unmapping helper: the state is on the dma_map_* path (D13)', () => {
    expect(requests('d13-sgl-swap.c')).toEqual([{ rule: 'iova/unlink-mismatch', fn: 'demo_nvme_unmap_data', preconditions: { states: { 'blk_mq_rq_to_pdu(req)->dma_state': 'zero' } } }]);
  });

  it('a state the function memsets itself, or acquires through the block iterator: none (D15, D8)', () => {
    expect(requests('d15-unreserved-state.c').map((r) => r.preconditions)).toEqual([undefined]);
    expect(requests('d8-nvme-leak.c').map((r) => r.preconditions)).toEqual([undefined]);
  });
});
