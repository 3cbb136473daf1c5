// The differential reference (the seed's allocation half), caller-side assertions, and traces as JSON.
import { describe, expect, it } from 'vitest';
import type { DmaIovaStateObj, ModelObject, ObservedOutcome, World } from '../../model/index.js';
import {
  DMA_BIDIRECTIONAL,
  api,
  assertBufferCovered,
  assertByteAddress,
  assertTryAllocOutcome,
  callModel,
  compareOutcomes,
  createWorld,
  observe,
  parseTrace,
  rangePicture,
  runReference,
  traceToJson,
} from '../../model/index.js';
import { spec } from './helpers.js';

/** What a simulator does for the seed's iommu_dma_iova_alloc, written as model calls; `bug` varies it. */
function interpretedAlloc(w: World, state: DmaIovaStateObj, phys: bigint, size: bigint, bug?: 'no-offset-in-size' | 'coherent-mask' | 'no-offset-in-addr' | 'raw-flag'): boolean {
  const v = (r: ReturnType<typeof callModel>): bigint => {
    if (!r.ok) throw new Error(r.error.message);
    return r.value as bigint;
  };
  const domain = (callModel(w, 'iommu_get_dma_domain', [w.dev]) as { value: ModelObject }).value;
  const cookie = (domain.getField('iova_cookie') as { value: ModelObject }).value;
  const iovad = (cookie.getField('iovad') as { value: ModelObject }).value;
  const off = v(callModel(w, 'iova_offset', [iovad, phys]));
  if (size === 0n) return false;
  const len = v(callModel(w, 'iova_align', [iovad, bug === 'no-offset-in-size' ? size : size + off]));
  const mask = bug === 'coherent-mask' ? w.dev.coherentDmaMask : v(callModel(w, 'dma_get_mask', [w.dev]));
  const addr = v(callModel(w, 'iommu_dma_alloc_iova', [domain, len, mask, w.dev]));
  if (!addr) return false;
  state.setField('addr', bug === 'no-offset-in-addr' ? addr : addr + off);
  state.setField('__size', bug === 'raw-flag' ? size | (1n << 63n) : size);
  return true;
}

function compare(bug: Parameters<typeof interpretedAlloc>[4], phys: bigint, size: bigint, over = {}): { diffs: string[]; ref: ObservedOutcome; cand: ObservedOutcome; assertBreaches: string[] } {
  const ref = createWorld(spec(over));
  const refState = ref.newState();
  const refOut = runReference(ref, 'iommu_dma_iova_alloc', [ref.dev, refState, phys, size]);
  const cand = createWorld(spec(over));
  const st = cand.newState();
  let returned = false;
  const candOut = observe(cand, () => (returned = interpretedAlloc(cand, st, phys, size, bug)), { state: st, returnType: 'bool' });
  const assertBreaches = assertTryAllocOutcome(cand, cand.dev, st, phys, size, returned).map((b) => b.invariant);
  return { diffs: compareOutcomes(refOut, candOut), ref: refOut, cand: candOut, assertBreaches };
}

describe('differential reference: the seed allocation half', () => {
  it('reports the observable outcome of iommu_dma_iova_alloc', () => {
    const w = createWorld(spec());
    const st = w.newState();
    const out = runReference(w, 'iommu_dma_iova_alloc', [w.dev, st, 0x1234_5234n, 0x2000n]);
    expect(out).toEqual({
      returned: 'true',
      state: { addr: '0xffffc234', size: '0x2000' },
      reserved: [{ base: '0xffffc000', granules: '0x3', taken: '0x4' }],
      freed: [],
      mapped: [],
      unmapped: [],
      bounced: [],
      released: [],
      warnings: [],
      breaches: [],
    });
    const zero = runReference(w, 'iommu_dma_iova_alloc', [w.dev, w.newState(), 0n, 0n]);
    expect(zero).toMatchObject({ returned: 'false', warnings: ['!size'], reserved: [] });
  });

  it('a faithful interpretation agrees with the reference', () => {
    const r = compare(undefined, 0x1234_5234n, 0x2000n);
    expect(r.diffs).toEqual([]);
    expect(r.assertBreaches).toEqual([]);
  });

  it('leaving the offset out of the size reserves less (offset-size): differs, and the buffer does not fit', () => {
    const r = compare('no-offset-in-size', 0x1234_5234n, 0x2000n);
    expect(r.diffs.join('\n')).toMatch(/reserves .*"granules":"0x2"/);
    expect(r.assertBreaches).toEqual(['reservation-covers-buffer']);
  });

  it('leaving the offset out of state->addr (offset-addr) differs in the state and breaks byte-address', () => {
    const r = compare('no-offset-in-addr', 0x1234_5234n, 0x2000n);
    expect(r.diffs.some((d) => d.startsWith('leaves state {addr 0xffffc000'))).toBe(true);
    expect(r.assertBreaches).toEqual(['byte-address']);
  });

  it('the coherent mask (mask-source) gives IOVA the streaming mask cannot reach', () => {
    const r = compare('coherent-mask', 0n, 0x1000n, { pci: false, mask: 32, coherentMask: 64 });
    expect(r.diffs.some((d) => d.startsWith('reserves'))).toBe(true);
    expect(r.cand.breaches).toEqual(['reservation-in-limit']);
  });

  it('storing the flag in __size (flag-not-in-size) differs and breaches', () => {
    const r = compare('raw-flag', 0n, 0x1000n);
    expect(r.diffs.some((d) => d.startsWith('leaves state'))).toBe(true);
    expect(r.assertBreaches).toEqual(['flag-not-in-size']);
  });

  it('a false return must leave a zero state and nothing reserved', () => {
    const w = createWorld(spec());
    const st = w.newState();
    const since = w.trace.length;
    api.iommu_dma_alloc_iova(w, w.dev.domain!, 0x1000n, 0xffffffffn, w.dev);
    st.setField('addr', 0x1234n);
    expect(assertTryAllocOutcome(w, w.dev, st, 0n, 0x1000n, false, { sinceCall: since }).map((b) => b.invariant)).toEqual(['state-live', 'no-leak']);
  });

  it('runReference runs any dispatchable function too, reporting mappings and warnings', () => {
    const w = createWorld(spec());
    const st = w.newState();
    api.dma_iova_try_alloc(w, w.dev, st, 0n, 0x2000n);
    const out = runReference(w, 'dma_iova_link', [w.dev, st, 0x1000_0000n, 0n, 0x2000n, DMA_BIDIRECTIONAL, 0n], { state: st });
    expect(out.returned).toBe('0');
    expect(out.mapped).toEqual([{ dev: 'dev0', iova: '0xffffe000', size: '0x2000', phys: '0x10000000', prot: '0x7', synced: false }]);
    const un = runReference(w, 'dma_iova_unlink', [w.dev, st, 0n, 0x4000n, DMA_BIDIRECTIONAL, 0n]);
    expect(un.unmapped).toHaveLength(1);
    expect(un.warnings).toEqual(['unmapped != size']);
    expect(un.breaches[0]).toBe('link-in-reservation');
  });
});

describe('caller-side assertions', () => {
  it('byte-address holds for state->addr + k after try_alloc, and fails for an address without the offset', () => {
    const w = createWorld(spec());
    const st = w.newState();
    api.dma_iova_try_alloc(w, w.dev, st, 0x1234_5234n, 0x2000n);
    expect(assertByteAddress(w, w.dev, st.addr, 0x1234_5234n, { state: st })).toEqual([]);
    expect(assertByteAddress(w, w.dev, st.addr + 0x10n, 0x1234_5234n, { state: st, k: 0x10n })).toEqual([]);
    expect(assertByteAddress(w, w.dev, st.addr - 0x234n, 0x1234_5234n, { line: 7 }).map((b) => b.invariant)).toEqual(['byte-address']);
    expect(w.trace.at(-1)).toMatchObject({ fn: '@assert-byte-address', line: 7 });
  });

  it('mapping-covers-buffer catches every range linked at offset 0 (D25)', () => {
    const w = createWorld(spec());
    const st = w.newState();
    api.dma_iova_try_alloc(w, w.dev, st, 0n, 0x2000n);
    expect(api.dma_iova_link(w, w.dev, st, 0x1000_0000n, 0n, 0x1000n, DMA_BIDIRECTIONAL, 0n)).toBe(0n);
    expect(api.dma_iova_link(w, w.dev, st, 0x3000_0000n, 0n, 0x1000n, DMA_BIDIRECTIONAL, 0n)).toBeLessThan(0n); // -EEXIST, ignored by the caller
    expect(assertBufferCovered(w, w.dev, st.addr + 0x1000n, 0x3000_0000n, 0x1000n).map((b) => b.invariant)).toEqual(['mapping-covers-buffer']);
  });
});

describe('traces as JSON', () => {
  it('round-trips a world trace with bigints as hex strings, events and lines', () => {
    const w = createWorld(spec());
    const st = w.newState();
    callModel(w, 'dma_iova_try_alloc', [w.dev, st, 0x234n, 0x1000n], { line: 12 });
    api.dma_iova_free(w, w.dev, st);
    api.dma_iova_free(w, w.dev, st);
    const json = traceToJson(w.trace);
    const back = parseTrace(json);
    expect(back).toEqual({ ok: true, trace: w.trace });
    expect(json).toContain('"size":"0x1000"');
    expect(json).toContain('"kind":"breach","what":"no-double-free"');
    expect(JSON.parse(json)[0].line).toBe(12);
  });

  it('rejects malformed traces with a reason', () => {
    expect(parseTrace('{')).toMatchObject({ ok: false });
    expect(parseTrace('{}')).toEqual({ ok: false, error: 'a trace is a JSON array of entries' });
    expect(parseTrace('[{"fn":"x","args":{"a":1},"events":[]}]')).toEqual({ ok: false, error: 'entry 0: args must map names to strings' });
    expect(parseTrace('[{"fn":"x","args":{},"events":[{"kind":"oops"}]}]')).toEqual({ ok: false, error: 'entry 0: malformed event' });
  });

  it('draws the range picture of a state', () => {
    const w = createWorld(spec());
    const st = w.newState();
    api.dma_iova_try_alloc(w, w.dev, st, 0x1234_5234n, 0x2000n);
    api.dma_iova_link(w, w.dev, st, 0x1234_5234n, 0n, 0x2000n, DMA_BIDIRECTIONAL, 0n);
    expect(rangePicture(w, st)).toEqual({
      granule: '0x1000',
      reservation: ['0xffffc000', '0xfffff000'],
      buffer: ['0xffffc234', '0xffffe234'],
      mapped: [['0xffffc000', '0xfffff000']],
    });
  });
});
