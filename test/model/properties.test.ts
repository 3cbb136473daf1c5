// Property tests over random scenarios of the DESIGN.md §7 grid and random call sequences:
// correct sequences never breach an invariant (nor make the kernel WARN), and each kind of wrong
// sequence breaches exactly the invariant it should (the set of primary breaches of the whole run,
// teardown included, equals the expected set).
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { DmaIovaStateObj, ModelObject, ScenarioSpec, World } from '../../model/index.js';
import {
  DMA_ATTR_SKIP_CPU_SYNC,
  DMA_BIDIRECTIONAL,
  DMA_FROM_DEVICE,
  DMA_MAPPING_ERROR,
  DMA_TO_DEVICE,
  api,
  assertBufferCovered,
  assertByteAddress,
  assertPublished,
  assertTryAllocOutcome,
  callModel,
  createWorld,
} from '../../model/index.js';

const RUNS_CORRECT = 600;
const RUNS_PER_WRONG_KIND = 150;
let runsExecuted = 0;
let runsChecked = 0;
const invariantsSeen = new Set<string>();

afterAll(() => {
  // The closing note of the model reports these figures.
  console.log(`property runs generated: ${runsExecuted}, checked (preconditions met): ${runsChecked}; invariants asserted by wrong-sequence properties: ${[...invariantsSeen].sort().join(', ')} (${invariantsSeen.size})`);
});

const scenarioArb: fc.Arbitrary<ScenarioSpec> = fc
  .record({
    arch: fc.constantFrom<64 | 32>(64, 32),
    granule: fc.constantFrom(4096, 16384, 65536),
    mask: fc.constantFrom(32, 39, 48, 64),
    busLimit: fc.constantFrom(0, 36),
    coherent: fc.boolean(),
    device: fc.constantFrom({ pci: true, untrusted: false }, { pci: true, untrusted: true }, { pci: false, untrusted: false }),
  })
  .map(({ device, ...s }) => ({ ...s, coherentMask: s.mask, iommu: true, ...device }));

interface Segment {
  offset: bigint;
  phys: bigint;
  len: bigint;
}

interface Plan {
  pad: bigint;
  segments: Segment[];
  total: bigint;
  dir: bigint;
  attrs: bigint;
  release: 'destroy' | 'unlink-each' | 'unlink-all';
  oneStep: { phys: bigint; len: bigint; dir: bigint };
}

/** A buffer as a caller links it: first segment at the try_alloc offset, granule-multiple middles, any last length. */
function planArb(granule: number): fc.Arbitrary<Plan> {
  const G = BigInt(granule);
  return fc
    .record({
      pad: fc.bigInt(0n, G - 1n),
      firstGranules: fc.bigInt(1n, 3n),
      soloLen: fc.bigInt(1n, 3n * G),
      middles: fc.array(fc.bigInt(1n, 3n), { maxLength: 3 }),
      last: fc.option(fc.bigInt(1n, 2n * G), { nil: undefined }),
      dir: fc.constantFrom(DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE),
      attrs: fc.constantFrom(0n, DMA_ATTR_SKIP_CPU_SYNC),
      release: fc.constantFrom<Plan['release']>('destroy', 'unlink-each', 'unlink-all'),
      oneStepOff: fc.bigInt(0n, G - 1n),
      oneStepLen: fc.bigInt(1n, 4n * G),
    })
    .map((r) => {
      const later = r.middles.length > 0 || r.last !== undefined;
      const phys0 = 0x1000_0000n + r.pad;
      const len0 = later ? r.firstGranules * G - r.pad : r.soloLen;
      const segments: Segment[] = [{ offset: 0n, phys: phys0, len: len0 }];
      let offset = len0;
      r.middles.forEach((g, i) => {
        segments.push({ offset, phys: BigInt(i + 2) * 0x1000_0000n, len: g * G });
        offset += g * G;
      });
      if (r.last !== undefined) {
        segments.push({ offset, phys: 0x7000_0000n * 2n, len: r.last });
        offset += r.last;
      }
      return {
        pad: r.pad,
        segments,
        total: offset,
        dir: r.dir,
        attrs: r.attrs,
        release: r.release,
        oneStep: { phys: 0x3_0000_0000n + r.oneStepOff, len: r.oneStepLen, dir: r.dir },
      };
    });
}

const caseArb = scenarioArb.chain((s) => planArb(s.granule).map((plan) => ({ s, plan })));

/** try_alloc + links; returns the links that succeeded and whether one failed. */
function allocAndLink(w: World, st: DmaIovaStateObj, plan: Plan): { linked: Segment[]; failed: boolean } {
  expect(api.dma_iova_try_alloc(w, w.dev, st, plan.segments[0]!.phys, plan.total)).toBe(true);
  const linked: Segment[] = [];
  for (const seg of plan.segments) {
    if (api.dma_iova_link(w, w.dev, st, seg.phys, seg.offset, seg.len, plan.dir, plan.attrs) !== 0n) return { linked, failed: true };
    linked.push(seg);
  }
  return { linked, failed: false };
}

/** The correct release for what was linked. */
function release(w: World, st: DmaIovaStateObj, plan: Plan, linked: Segment[], failed: boolean): void {
  const style = failed ? 'unlink-each' : plan.release;
  if (style === 'destroy') api.dma_iova_destroy(w, w.dev, st, plan.total, plan.dir, plan.attrs);
  else {
    if (style === 'unlink-all') api.dma_iova_unlink(w, w.dev, st, 0n, plan.total, plan.dir, plan.attrs);
    else for (const seg of [...linked].reverse()) api.dma_iova_unlink(w, w.dev, st, seg.offset, seg.len, plan.dir, plan.attrs);
    api.dma_iova_free(w, w.dev, st);
  }
}

function primaries(w: World): string[] {
  w.teardown();
  return [...new Set(w.primaryInvariants())].sort();
}

describe('correct call sequences never breach', () => {
  it(`try_alloc → link* → sync → publish → release, then a one-step map/unmap (${RUNS_CORRECT} runs)`, () => {
    fc.assert(
      fc.property(caseArb, ({ s, plan }) => {
        runsExecuted++;
        runsChecked++;
        const w = createWorld(s);
        const st = w.newState();
        const { linked, failed } = allocAndLink(w, st, plan);
        if (!failed) {
          expect(api.dma_iova_sync(w, w.dev, st, 0n, plan.total)).toBe(0n);
          assertPublished(w, w.dev, { state: st });
          assertByteAddress(w, w.dev, st.addr, plan.segments[0]!.phys, { state: st });
          for (const seg of plan.segments) assertBufferCovered(w, w.dev, st.addr + seg.offset, seg.phys, seg.len);
        }
        release(w, st, plan, linked, failed);
        const m = plan.oneStep;
        const dma = api.dma_map_phys(w, w.dev, m.phys, m.len, m.dir, plan.attrs);
        if (api.dma_mapping_error(w, w.dev, dma) === 0n) {
          assertByteAddress(w, w.dev, dma, m.phys);
          assertBufferCovered(w, w.dev, dma, m.phys, m.len);
          api.dma_unmap_phys(w, w.dev, dma, m.len, m.dir, plan.attrs);
        }
        w.teardown();
        expect(w.breaches).toEqual([]);
        expect(w.warnings()).toEqual([]);
      }),
      { numRuns: RUNS_CORRECT },
    );
  });
});

type WrongKind = {
  name: string;
  /** Runs the wrong sequence; returns the invariants expected to be breached (undefined: skip this case). */
  run(w: World, plan: Plan): string[] | undefined;
  scenario?: (s: ScenarioSpec) => ScenarioSpec;
};

/** The allocated-and-linked prefix most wrong kinds start from; undefined when a link failed (legitimately). */
function linkedPrefix(w: World, plan: Plan): DmaIovaStateObj | undefined {
  const st = w.newState();
  const { linked, failed } = allocAndLink(w, st, plan);
  if (failed) {
    release(w, st, plan, linked, true);
    return undefined;
  }
  api.dma_iova_sync(w, w.dev, st, 0n, plan.total);
  return st;
}

function granuleOf(w: World): bigint {
  return BigInt(w.spec.granule);
}

/** A patched allocation half written as model calls (what the simulator does), with one mistake. */
function patchedAlloc(w: World, st: DmaIovaStateObj, phys: bigint, size: bigint, mistake: 'flag' | 'no-offset-addr' | 'no-offset-size'): { base: bigint; len: bigint } {
  const get = (r: ReturnType<typeof callModel>): bigint => {
    if (!r.ok) throw new Error(r.error.message);
    return r.value as bigint;
  };
  const domain = w.dev.domain as ModelObject;
  const iovad = w.dev.domain!.iovad;
  const off = get(callModel(w, 'iova_offset', [iovad, phys]));
  const len = get(callModel(w, 'iova_align', [iovad, mistake === 'no-offset-size' ? size : size + off]));
  const base = get(callModel(w, 'iommu_dma_alloc_iova', [domain, len, get(callModel(w, 'dma_get_mask', [w.dev])), w.dev]));
  st.setField('addr', mistake === 'no-offset-addr' ? base : base + off);
  st.setField('__size', mistake === 'flag' ? size | (1n << 63n) : size);
  return { base, len };
}

const WRONG_KINDS: WrongKind[] = [
  {
    name: 'success returned without dma_iova_sync',
    run(w, plan) {
      const st = w.newState();
      const { linked, failed } = allocAndLink(w, st, plan);
      if (failed) return undefined;
      assertPublished(w, w.dev, { state: st });
      api.dma_iova_sync(w, w.dev, st, 0n, plan.total);
      release(w, st, plan, linked, false);
      return ['sync-before-publish'];
    },
  },
  {
    name: 'a link past dma_iova_size',
    run(w, plan) {
      const st = linkedPrefix(w, plan);
      if (!st) return undefined;
      const G = granuleOf(w);
      const extra = ((plan.pad + plan.total + G - 1n) / G) * G - plan.pad;
      if (api.dma_iova_link(w, w.dev, st, 0x6000_0000n, extra, G, plan.dir, plan.attrs) === 0n) {
        api.dma_iova_unlink(w, w.dev, st, extra, G, plan.dir, plan.attrs);
      }
      release(w, st, plan, plan.segments, false);
      return ['link-in-reservation'];
    },
  },
  {
    name: 'dma_iova_destroy with less than was reserved (D4)',
    run(w, plan) {
      const G = granuleOf(w);
      const first = plan.segments[0]!;
      const granules = (x: bigint): bigint => (plan.pad + x + G - 1n) / G;
      if (granules(first.len) === granules(plan.total)) return undefined;
      const st = w.newState();
      api.dma_iova_try_alloc(w, w.dev, st, first.phys, plan.total);
      if (api.dma_iova_link(w, w.dev, st, first.phys, 0n, first.len, plan.dir, plan.attrs) !== 0n) return undefined;
      api.dma_iova_destroy(w, w.dev, st, first.len, plan.dir, plan.attrs);
      return ['free-mirrors-alloc'];
    },
  },
  {
    name: 'dma_iova_free twice',
    run(w, plan) {
      const st = linkedPrefix(w, plan);
      if (!st) return undefined;
      api.dma_iova_unlink(w, w.dev, st, 0n, plan.total, plan.dir, plan.attrs);
      api.dma_iova_free(w, w.dev, st);
      api.dma_iova_free(w, w.dev, st);
      return ['no-double-free'];
    },
  },
  {
    name: 'dma_iova_sync on a destroyed state',
    run(w, plan) {
      const st = linkedPrefix(w, plan);
      if (!st) return undefined;
      api.dma_iova_destroy(w, w.dev, st, plan.total, plan.dir, plan.attrs);
      api.dma_iova_sync(w, w.dev, st, 0n, plan.total);
      return ['state-live'];
    },
  },
  {
    name: 'dma_iova_sync on a state never allocated',
    run(w, plan) {
      api.dma_iova_sync(w, w.dev, w.newState(), 0n, plan.total);
      return ['state-live'];
    },
  },
  {
    name: 'unlink with another direction',
    run(w, plan) {
      const st = linkedPrefix(w, plan);
      if (!st) return undefined;
      const other = plan.dir === DMA_TO_DEVICE ? DMA_FROM_DEVICE : DMA_TO_DEVICE;
      for (const seg of plan.segments) api.dma_iova_unlink(w, w.dev, st, seg.offset, seg.len, other, plan.attrs);
      api.dma_iova_free(w, w.dev, st);
      return ['unlink-mirrors-link'];
    },
  },
  {
    name: 'an aligned phys linked at an unaligned IOVA offset (D6)',
    run(w, plan) {
      const G = granuleOf(w);
      if (plan.total < 2n || (plan.pad + 1n) % G === 0n) return undefined;
      const st = w.newState();
      api.dma_iova_try_alloc(w, w.dev, st, plan.segments[0]!.phys, plan.total);
      const len = plan.total - 1n < G ? plan.total - 1n : G;
      expect(api.dma_iova_link(w, w.dev, st, 0x6000_0000n, 1n, len, plan.dir, plan.attrs)).not.toBe(0n);
      api.dma_iova_free(w, w.dev, st);
      return ['later-link-aligned'];
    },
  },
  {
    name: 'the first link with another phys offset than try_alloc got',
    run(w, plan) {
      const G = granuleOf(w);
      const st = w.newState();
      api.dma_iova_try_alloc(w, w.dev, st, plan.segments[0]!.phys, plan.total);
      const otherPad = (plan.pad + 1n + (plan.total % (G - 1n))) % G;
      if (otherPad === plan.pad) return undefined;
      const len = plan.segments[0]!.len;
      expect(api.dma_iova_link(w, w.dev, st, 0x6000_0000n + otherPad, 0n, len, plan.dir, plan.attrs)).not.toBe(0n);
      api.dma_iova_free(w, w.dev, st);
      return ['first-link-offset'];
    },
  },
  {
    name: 'dma_iova_free with links still mapped',
    run(w, plan) {
      const st = linkedPrefix(w, plan);
      if (!st) return undefined;
      api.dma_iova_free(w, w.dev, st);
      return ['no-leak'];
    },
  },
  {
    name: 'never released',
    run(w, plan) {
      return linkedPrefix(w, plan) ? ['no-leak'] : undefined;
    },
  },
  {
    name: 'size + pad wrapping in 32-bit size_t (D23)',
    scenario: (s) => ({ ...s, arch: 32 }),
    run(w, plan) {
      const G = granuleOf(w);
      const size = (1n << 32n) - G + 1n + (plan.total % (G - 1n));
      const st = w.newState();
      api.dma_iova_try_alloc(w, w.dev, st, plan.segments[0]!.phys, size);
      api.dma_iova_free(w, w.dev, st);
      return ['size-no-wrap'];
    },
  },
  {
    name: 'a one-step mapping unmapped twice',
    run(w, plan) {
      const m = plan.oneStep;
      const dma = api.dma_map_phys(w, w.dev, m.phys, m.len, m.dir, 0n);
      if (dma === DMA_MAPPING_ERROR) return undefined;
      api.dma_unmap_phys(w, w.dev, dma, m.len, m.dir, 0n);
      api.dma_unmap_phys(w, w.dev, dma, m.len, m.dir, 0n);
      return ['no-double-free'];
    },
  },
  {
    // The driver unmaps the coalesced range it was handed (iter->addr, iter->len) and the IOVA
    // state is destroyed as well. (Unmapping less than the whole range also leaks the rest: the
    // destroy's unmap stops at the hole the first unmap left.)
    name: 'dma_unmap of an IOVA-coalesced address, then dma_iova_destroy (D9)',
    scenario: (s) => ({ ...s, untrusted: false }),
    run(w, plan) {
      const st = linkedPrefix(w, plan);
      if (!st) return undefined;
      api.dma_unmap_phys(w, w.dev, st.addr, plan.total, plan.dir, plan.attrs);
      api.dma_iova_destroy(w, w.dev, st, plan.total, plan.dir, plan.attrs);
      return ['no-double-free'];
    },
  },
  {
    name: 'iommu_dma_alloc_iova limited by DMA_BIT_MASK(64) instead of dma_get_mask (mask-source)',
    scenario: (s) => ({ ...s, pci: false, untrusted: false }),
    run(w) {
      const dev = w.dev;
      const G = granuleOf(w);
      const aperture = dev.domain!.geometry.apertureEnd;
      const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
      const devLimit = min(min(dev.dmaMaskCell!.value, dev.busDmaLimit || aperture), aperture);
      const allocLimit = min(dev.busDmaLimit || aperture, aperture);
      const base = callModel(w, 'iommu_dma_alloc_iova', [dev.domain!, G, (1n << 64n) - 1n, dev]);
      if (!base.ok) throw new Error(base.error.message);
      callModel(w, 'iommu_dma_free_iova', [dev.domain!, base.value as bigint, G, null]);
      return allocLimit > devLimit ? ['reservation-in-limit'] : [];
    },
  },
  {
    name: 'a patched allocation storing the flag in __size',
    run(w, plan) {
      const st = w.newState();
      const phys = plan.segments[0]!.phys;
      patchedAlloc(w, st, phys, plan.total, 'flag');
      assertTryAllocOutcome(w, w.dev, st, phys, plan.total, true);
      api.dma_iova_free(w, w.dev, st);
      return ['flag-not-in-size'];
    },
  },
  {
    name: 'a patched allocation not adding the offset to state->addr',
    run(w, plan) {
      if (plan.pad === 0n) return undefined;
      const st = w.newState();
      const phys = plan.segments[0]!.phys;
      const { base, len } = patchedAlloc(w, st, phys, plan.total, 'no-offset-addr');
      assertTryAllocOutcome(w, w.dev, st, phys, plan.total, true);
      callModel(w, 'iommu_dma_free_iova', [w.dev.domain!, base, len, null]);
      return ['byte-address'];
    },
  },
  {
    name: 'a patched allocation leaving the offset out of the size',
    run(w, plan) {
      const G = granuleOf(w);
      const st = w.newState();
      const phys = plan.segments[0]!.phys;
      const { base, len } = patchedAlloc(w, st, phys, plan.total, 'no-offset-size');
      assertTryAllocOutcome(w, w.dev, st, phys, plan.total, true);
      callModel(w, 'iommu_dma_free_iova', [w.dev.domain!, base, len, null]);
      const aligned = ((plan.total + G - 1n) / G) * G;
      return aligned < plan.total + plan.pad ? ['reservation-covers-buffer'] : [];
    },
  },
  {
    name: 'every range linked at offset 0, the -EEXIST ignored (D25)',
    run(w, plan) {
      if (plan.segments.length < 2) return undefined;
      const [s0, s1] = plan.segments as [Segment, Segment];
      const st = w.newState();
      api.dma_iova_try_alloc(w, w.dev, st, s0.phys, plan.total);
      if (api.dma_iova_link(w, w.dev, st, s0.phys, 0n, s0.len, plan.dir, plan.attrs) !== 0n) return undefined;
      expect(api.dma_iova_link(w, w.dev, st, s1.phys, 0n, s1.len, plan.dir, plan.attrs)).not.toBe(0n);
      api.dma_iova_sync(w, w.dev, st, 0n, s0.len + s1.len);
      assertBufferCovered(w, w.dev, st.addr + s1.offset, s1.phys, s1.len);
      api.dma_iova_unlink(w, w.dev, st, 0n, s0.len, plan.dir, plan.attrs);
      api.dma_iova_free(w, w.dev, st);
      // the second link lands on the first one's IOVA (unlink-mirrors-link: no unlink can mirror
      // two links over one range), unless its phys offset already breaks first-link-offset there
      return plan.pad === 0n ? ['mapping-covers-buffer', 'unlink-mirrors-link'] : ['first-link-offset', 'mapping-covers-buffer'];
    },
  },
  ...(['even', 'odd'] as const).map(
    (parity): WrongKind => ({
      // The "pagetable corruption" direction of D4: a free larger than the allocation puts a pfn in a
      // bigger range-cache bin, and the next allocation of that size overlaps live IOVA.
      name: `a free larger than its allocation (${parity} pfn), then an allocation of that size`,
      run(w) {
        const dev = w.dev;
        const domain = dev.domain!;
        const G = granuleOf(w);
        const mask = api.dma_get_mask(w, dev);
        const alloc = (size: bigint): bigint => {
          const r = callModel(w, 'iommu_dma_alloc_iova', [domain, size, mask, dev]);
          if (!r.ok) throw new Error(r.error.message);
          return r.value as bigint;
        };
        const free = (iova: bigint, size: bigint): void => void callModel(w, 'iommu_dma_free_iova', [domain, iova, size, null]);
        const x = alloc(G);
        const y = alloc(G);
        const z = alloc(G);
        expect([x - y, y - z]).toEqual([G, G]);
        // The top pfn below a 2^k limit is odd: y is even, z odd.
        const victim = parity === 'even' ? y : z;
        free(victim, 2n * G);
        const big = alloc(2n * G);
        expect(big).toBe(victim);
        free(big, 2n * G);
        for (const r of [x, y, z]) if (r !== victim) free(r, G);
        return parity === 'even' ? ['free-mirrors-alloc', 'reservation-disjoint'] : ['free-mirrors-alloc', 'reservation-aligned'];
      },
    }),
  ),
  {
    name: 'a zero-size IOVA allocation',
    run(w) {
      const base = callModel(w, 'iommu_dma_alloc_iova', [w.dev.domain!, 0n, (1n << 32n) - 1n, w.dev]);
      if (!base.ok) throw new Error(base.error.message);
      callModel(w, 'iommu_dma_free_iova', [w.dev.domain!, base.value as bigint, 0n, null]);
      return ['alloc-nonzero'];
    },
  },
];

describe('each kind of wrong sequence breaches exactly its invariant', () => {
  for (const kind of WRONG_KINDS) {
    it(`${kind.name} (${RUNS_PER_WRONG_KIND} runs)`, () => {
      fc.assert(
        fc.property(caseArb, ({ s, plan }) => {
          runsExecuted++;
          const w = createWorld(kind.scenario ? kind.scenario(s) : s);
          const expected = kind.run(w, plan);
          fc.pre(expected !== undefined);
          runsChecked++;
          expected!.forEach((x) => invariantsSeen.add(x));
          expect(primaries(w)).toEqual([...expected!].sort());
        }),
        { numRuns: RUNS_PER_WRONG_KIND },
      );
    });
  }
});
