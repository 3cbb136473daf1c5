// Every mission rule's SimRequest (as sim-requests.md has the rules send it), confirmed on a
// function that has the defect and refuted on one whose guard holds — in a helper, through a
// goto, or split over two ifs — on kernel-style fixtures of our own.
import { describe, expect, it } from 'vitest';
import { confirmIn, fixture, type RequestShape } from './helpers.js';

interface Case {
  rule: string;
  fixture: string;
  request: RequestShape;
  confirmed: string[];
  refuted: string[];
  /** The invariant (or observation) a confirmation must show. */
  shows?: string;
}

const CASES: Case[] = [
  {
    rule: 'iova/size-zero-guard',
    fixture: 'size-zero-guard.c',
    request: { inputs: { size: '0' }, expect: { invariants: ['alloc-nonzero'], warn: true, description: 'size 0 reaches the IOVA allocation' } },
    confirmed: ['foo_iova_alloc', 'foo_map_unchecked'],
    refuted: ['foo_map_helper_guard', 'foo_map_goto_guard', 'foo_map_split_guard'],
  },
  {
    rule: 'iova/swiotlb-flag-guard',
    fixture: 'swiotlb-flag-guard.c',
    request: { scenario: { arch: 64 }, inputs: { size: '1ULL<<63' }, expect: { invariants: ['flag-not-in-size'], description: 'a size with bit 63 set is stored in __size' } },
    confirmed: ['bar_iova_alloc'],
    refuted: ['bar_iova_alloc_helper', 'bar_iova_alloc_split'],
    shows: 'flag-not-in-size',
  },
  {
    rule: 'iova/raw-size-access',
    fixture: 'raw-size-access.c',
    request: { inputs: { state: 'bounced' }, expect: { invariants: ['flag-not-in-size'], description: 'the swiotlb flag reaches a length' } },
    confirmed: ['baz_unmap_raw'],
    refuted: ['baz_unmap_masked'],
    shows: 'flag-not-in-size',
  },
  {
    rule: 'iova/offset-size',
    fixture: 'offset-size.c',
    request: { inputs: { phys: 'G-1', size: 'G+1' }, expect: { invariants: ['mapping-covers-buffer', 'reservation-covers-buffer'], description: 'the buffer does not fit what is reserved' } },
    confirmed: ['qux_iova_alloc'],
    refuted: ['qux_iova_alloc_helper'],
    shows: 'reservation-covers-buffer',
  },
  {
    rule: 'iova/offset-addr',
    fixture: 'offset-addr.c',
    request: { inputs: { phys: '0x234' }, expect: { invariants: ['byte-address'], description: 'the DMA address misses the phys offset' } },
    confirmed: ['quux_iova_alloc', 'quux_map_one'],
    refuted: ['quux_iova_alloc_helper'],
    shows: 'byte-address',
  },
  {
    rule: 'iova/offset-free',
    fixture: 'offset-free.c',
    request: { inputs: { phys: 'G-1', size: 'G+1' }, expect: { invariants: ['free-mirrors-alloc'], description: 'the free does not mirror the allocation' } },
    confirmed: ['corge_iova_free'],
    refuted: ['corge_iova_free_helper'],
    shows: 'free-mirrors-alloc',
  },
  {
    rule: 'iova/offset-granule',
    fixture: 'offset-granule.c',
    request: {
      scenario: { granule: 4096, pageSize: 65536 },
      inputs: { phys: 'PHYS_BASE + 0x5234' },
      expect: { invariants: ['byte-address', 'mapping-covers-buffer', 'free-mirrors-alloc', 'reservation-covers-buffer'], description: 'PAGE_SIZE used where the granule is the unit' },
    },
    confirmed: ['grault_iova_alloc'],
    refuted: ['grault_iova_alloc_ok'],
    shows: 'free-mirrors-alloc',
  },
  {
    rule: 'iova/link-pad-offset',
    fixture: 'link-pad-offset.c',
    request: { inputs: { phys: '0x234', offset: 'G', state: 'allocated' }, expect: { warn: true, invariants: ['first-link-offset', 'later-link-aligned'], description: 'an unaligned phys is linked at a non-zero offset' } },
    confirmed: ['garply_link_seg'],
    refuted: ['garply_link_seg_checked'],
  },
  {
    rule: 'iova/size-overflow',
    fixture: 'size-overflow.c',
    request: { scenario: { arch: 32 }, inputs: { size: '0xffffffff' }, expect: { invariants: ['size-no-wrap', 'reservation-covers-buffer', 'mapping-covers-buffer'], description: 'size + pad wraps in 32-bit size_t' } },
    confirmed: ['waldo_iova_alloc'],
    refuted: ['waldo_iova_alloc_checked'],
    shows: 'size-no-wrap',
  },
  {
    rule: 'dma/mask-source',
    fixture: 'mask-source.c',
    request: { scenario: { mask: 32, coherentMask: 64 }, inputs: { size: 'G' }, expect: { invariants: ['reservation-in-limit'], description: 'the IOVA limit is not the streaming mask' } },
    confirmed: ['fred_alloc_iova'],
    refuted: ['fred_alloc_iova_helper'],
    shows: 'reservation-in-limit',
  },
  {
    rule: 'dma/mask-truncation',
    fixture: 'mask-truncation.c',
    request: { scenario: { mask: 64 }, expect: { reaches: { callee: 'dma_set_mask*', arg: 1, notEquals: 'DMA_BIT_MASK(36)' }, invariants: ['reservation-in-limit'], description: 'the mask is truncated on its way' } },
    confirmed: ['plugh_setup_dma'],
    refuted: ['plugh_setup_dma_bits'],
    shows: 'model/reaches',
  },
  {
    rule: 'dma/mask-check-end',
    fixture: 'mask-check-end.c',
    request: { inputs: { addr: 'mask - 0xf', size: '0x100' }, expect: { holds: '__return == 0 && addr + size - 1 > mask', description: 'a range that crosses the mask is accepted' } },
    confirmed: ['xyzzy_check_range'],
    refuted: ['xyzzy_check_range_split'],
    shows: 'model/holds',
  },
  {
    rule: 'dma/set-mask-unchecked',
    fixture: 'set-mask-unchecked.c',
    request: { failing: ['dma_set_mask', 'dma_set_mask_and_coherent', 'dma_set_coherent_mask'], expect: { holds: '__return == 0', description: 'the probe succeeds although the mask was refused' } },
    confirmed: ['thud_probe'],
    refuted: ['thud_probe_checked'],
    shows: 'model/holds',
  },
  {
    rule: 'dma/bit-mask-arg',
    fixture: 'bit-mask-arg.c',
    request: { inputs: { bits: '0' }, expect: { holds: '__return == 0', description: 'DMA_BIT_MASK(0) gives an empty mask' } },
    confirmed: ['corge_dev_mask'],
    refuted: ['corge_dev_mask_clamped'],
    shows: 'model/holds',
  },
];

describe('confirm mode: each mission rule', () => {
  for (const c of CASES) {
    describe(c.rule, () => {
      for (const fn of c.confirmed) {
        it(`confirms ${fn}`, () => {
          const out = confirmIn(fixture(c.fixture), fn, c.request);
          expect(out.note, out.note).toBeTruthy();
          expect(out.confirmation, out.note).toBe('confirmed');
          expect(out.witness).toBeDefined();
          if (c.shows) expect(out.witness!.breach?.invariant).toBe(c.shows);
          expect(out.witness!.trace.length).toBeGreaterThan(0);
          expect(out.witness!.path.length).toBeGreaterThan(0);
          expect(out.witness!.summary.length).toBeGreaterThan(10);
        });
      }
      for (const fn of c.refuted) {
        it(`refutes ${fn}`, () => {
          const out = confirmIn(fixture(c.fixture), fn, c.request);
          expect(out.confirmation, out.note).toBe('refuted');
          expect(out.note).toMatch(/runs over \d+ scenarios completed and none showed it/);
          expect(out.witness?.summary).toMatch(/^guard holds/);
        });
      }
    });
  }
});
