// The differential reference: run a model function (or the seed's allocation helper) on a world
// and report what a caller or the kernel could observe — return value, state fields, IOVA
// reserved and freed, mappings made and removed, bounce slots, WARNs and breaches — in a form two
// worlds built from the same scenario can be compared by.
import { hex } from './ctypes.js';
import type { ModelArg, ModelValue } from './dispatch.js';
import { callModel } from './dispatch.js';
import { DMA_IOVA_USE_SWIOTLB } from './kconst.js';
import type { DeviceObj, DmaIovaStateObj } from './objects.js';
import { isModelObject } from './objects.js';
import { alignSumSizeT, currentMask, reportWrap, sizeT, traceArgs, u64 } from './ops/common.js';
import { checkStateAfterAlloc } from './ops/dma-iova.js';
import { iommu_dma_alloc_iova, lastReservation } from './ops/iommu.js';
import type { World } from './world.js';
import { KernelOops } from './world.js';

export interface ObservedOutcome {
  /** The return value as a trace writes it ("true", "0x...", "-22"); "oops" for a modelled crash. */
  returned?: string;
  state?: { addr: string; size: string };
  /** IOVA reserved during the run and still live: base, granules asked, granules taken. */
  reserved: Array<{ base: string; granules: string; taken: string }>;
  /** IOVA freed during the run. */
  freed: Array<{ base: string; granules: string }>;
  /** Page-table extents present after the run and not before. */
  mapped: Array<{ dev: string; iova: string; size: string; phys: string; prot: string; synced: boolean }>;
  /** Extents present before and gone after. */
  unmapped: Array<{ dev: string; iova: string; size: string }>;
  /** swiotlb slots taken (and still held) or released during the run. */
  bounced: Array<{ tlb: string; orig: string; size: string }>;
  released: Array<{ tlb: string }>;
  /** WARN conditions printed, in order (nested calls included). */
  warnings: string[];
  /** Invariants breached during the run, primary first. */
  breaches: string[];
  oops?: string;
}

interface Snapshot {
  trace: number;
  breaches: number;
  live: Set<number>;
  extents: Map<string, { dev: string; iova: bigint; size: bigint }>;
  liveSlots: Set<number>;
}

function extentKey(dev: string, e: { iova: bigint; size: bigint; phys: bigint; prot: bigint }): string {
  return `${dev}:${e.iova}:${e.size}:${e.phys}:${e.prot}`;
}

function snapshot(w: World): Snapshot {
  const extents = new Map<string, { dev: string; iova: bigint; size: bigint }>();
  for (const d of w.devices) for (const e of d.domain?.pageTable.all() ?? []) extents.set(extentKey(d.id, e), { dev: d.id, iova: e.iova, size: e.size });
  return {
    trace: w.trace.length,
    breaches: w.breaches.length,
    live: new Set([...w.liveReservations()].map((r) => r.id)),
    extents,
    liveSlots: new Set(w.pool.live().map((s) => s.id)),
  };
}

/** Runs `body` on `w` and reports what it changed. A modelled kernel crash is reported, not thrown. */
export function observe(
  w: World,
  body: () => ModelValue | boolean | void,
  opts: { state?: DmaIovaStateObj; returnType?: string | (() => string | undefined) } = {},
): ObservedOutcome {
  const before = snapshot(w);
  let returned: string | undefined;
  let oops: string | undefined;
  try {
    const v = body();
    const rt = typeof opts.returnType === 'function' ? opts.returnType() : opts.returnType;
    if (typeof v === 'boolean') returned = v ? 'true' : 'false';
    else if (typeof v === 'bigint') returned = rt === 'bool' ? (v ? 'true' : 'false') : w.fmt(v, rt);
    else if (v === null) returned = 'NULL';
    else if (isModelObject(v)) returned = v.id;
  } catch (e) {
    if (!(e instanceof KernelOops)) throw e;
    oops = e.message;
    returned = 'oops';
  }
  const afterExtents = new Map<string, { dev: string; e: { iova: bigint; size: bigint; phys: bigint; prot: bigint; synced: boolean } }>();
  for (const d of w.devices) for (const e of d.domain?.pageTable.all() ?? []) afterExtents.set(extentKey(d.id, e), { dev: d.id, e });
  const out: ObservedOutcome = {
    reserved: w.reservations
      .filter((r) => r.live && !before.live.has(r.id))
      .map((r) => ({ base: hex(r.base), granules: hex(r.granules), taken: hex(r.taken) })),
    freed: w.reservations.filter((r) => !r.live && before.live.has(r.id)).map((r) => ({ base: hex(r.base), granules: hex(r.granules) })),
    mapped: [...afterExtents.entries()]
      .filter(([k]) => !before.extents.has(k))
      .map(([, { dev, e }]) => ({ dev, iova: hex(e.iova), size: hex(e.size), phys: hex(e.phys), prot: hex(e.prot), synced: e.synced })),
    unmapped: [...before.extents.entries()].filter(([k]) => !afterExtents.has(k)).map(([, v]) => ({ dev: v.dev, iova: hex(v.iova), size: hex(v.size) })),
    bounced: w.pool
      .live()
      .filter((s) => !before.liveSlots.has(s.id))
      .map((s) => ({ tlb: hex(s.tlbAddr), orig: hex(s.origAddr), size: hex(s.size) })),
    released: w.pool
      .all()
      .filter((s) => !s.live && before.liveSlots.has(s.id))
      .map((s) => ({ tlb: hex(s.tlbAddr) })),
    warnings: w.trace.slice(before.trace).flatMap((t) => t.events.filter((e) => e.kind === 'warn').map((e) => e.what)),
    breaches: w.breaches.slice(before.breaches).map((b) => b.invariant),
  };
  if (returned !== undefined) out.returned = returned;
  if (oops !== undefined) out.oops = oops;
  if (opts.state) out.state = { addr: hex(opts.state.addr), size: hex(opts.state.rawSize) };
  return out;
}

/** Differences between a reference outcome and a candidate's, one sentence each; empty when they agree. */
export function compareOutcomes(reference: ObservedOutcome, candidate: ObservedOutcome): string[] {
  const diffs: string[] = [];
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (reference.returned !== candidate.returned) diffs.push(`returns ${candidate.returned ?? 'nothing'}; the model returns ${reference.returned ?? 'nothing'}`);
  if (!same(reference.state, candidate.state)) {
    diffs.push(`leaves state {addr ${candidate.state?.addr}, __size ${candidate.state?.size}}; the model leaves {addr ${reference.state?.addr}, __size ${reference.state?.size}}`);
  }
  const fields: Array<[keyof ObservedOutcome, string]> = [
    ['reserved', 'reserves'],
    ['freed', 'frees'],
    ['mapped', 'maps'],
    ['unmapped', 'unmaps'],
    ['bounced', 'bounces'],
    ['released', 'releases bounce slots'],
    ['warnings', 'warns'],
  ];
  for (const [k, verb] of fields) {
    if (!same(reference[k], candidate[k])) diffs.push(`${verb} ${JSON.stringify(candidate[k])}; the model ${verb} ${JSON.stringify(reference[k])}`);
  }
  return diffs;
}

/**
 * The allocation half of dma_iova_try_alloc, as the seed patch factors it out
 * (`static bool iommu_dma_iova_alloc(dev, state, phys, size)`, [PATCH 05/18], Oct 2024): no
 * memset and no use_dma_iommu check (the caller does both), the two WARN_ON_ONCE size guards,
 * iommu_dma_alloc_iova(iova_align(size + iova_off), dma_get_mask(dev)), then the state fields.
 */
export function iommu_dma_iova_alloc(w: World, dev: DeviceObj, state: DmaIovaStateObj, phys: bigint, size: bigint): boolean {
  return w.run(
    'iommu_dma_iova_alloc',
    traceArgs(w, ['dev', dev], ['state', state], ['phys', phys, 'phys_addr_t'], ['size', size, 'size_t']),
    () => {
      const domain = w.domainOf(dev);
      const g = domain.granule;
      const s = sizeT(w, size);
      const iovaOff = sizeT(w, u64(phys) & (g - 1n));
      if (s === 0n) {
        w.warn('!size', 'iommu_dma_iova_alloc: size 0');
        return false;
      }
      // `size & DMA_IOVA_USE_SWIOTLB` on a size_t: the seed has no (u64) cast, with the same effect.
      if ((s & DMA_IOVA_USE_SWIOTLB) !== 0n) {
        w.warn('size & DMA_IOVA_USE_SWIOTLB', `iommu_dma_iova_alloc: size ${hex(s)} has bit 63 set`);
        return false;
      }
      const len = alignSumSizeT(w, s, iovaOff, g);
      reportWrap(w, 'iova_align(iovad, size + iova_off)', len);
      const mask = w.run('dma_get_mask', traceArgs(w, ['dev', dev]), () => currentMask(dev), (r) => hex(r));
      const base = iommu_dma_alloc_iova(w, domain, len.value, mask, dev, state.id);
      if (base === 0n) return false;
      const r = lastReservation(w)!;
      state.addr = u64(base + iovaOff);
      state.storeSize(s);
      state.reservationId = r.id;
      state.writtenOutside = false;
      checkStateAfterAlloc(w, state, s, r.base, r.granules * g);
      return true;
    },
    (r) => (r ? 'true' : 'false'),
  );
}

/** Reference functions a patched implementation can be compared with, beyond every dispatchable one. */
export const REFERENCE_EXTRAS: Readonly<Record<string, { params: string[]; returnType: string }>> = {
  iommu_dma_iova_alloc: { params: ['dev', 'state', 'phys', 'size'], returnType: 'bool' },
};

/**
 * Runs the model's own `fn` (any dispatchable function, or iommu_dma_iova_alloc) on `w` with
 * `args` and observes it. `state` names the dma_iova_state whose fields the outcome reports.
 */
export function runReference(w: World, fn: string, args: readonly ModelArg[], opts: { state?: DmaIovaStateObj } = {}): ObservedOutcome {
  if (fn === 'iommu_dma_iova_alloc') {
    const [dev, state, phys, size] = args;
    if (!isModelObject(dev) || dev.kind !== 'device' || !isModelObject(state) || state.kind !== 'dma_iova_state' || typeof phys !== 'bigint' || typeof size !== 'bigint') {
      throw new TypeError('iommu_dma_iova_alloc(dev, state, phys, size): wrong arguments');
    }
    const st = state as DmaIovaStateObj;
    return observe(w, () => iommu_dma_iova_alloc(w, dev as DeviceObj, st, phys, size), { state: opts.state ?? st, returnType: 'bool' });
  }
  let cType: string | undefined;
  return observe(
    w,
    () => {
      const r = callModel(w, fn, args);
      if (!r.ok) {
        if (r.error.kind === 'oops') throw new KernelOops(r.error.message);
        throw new TypeError(`${fn}: ${r.error.message}`);
      }
      cType = r.cType;
      return r.value;
    },
    { ...(opts.state ? { state: opts.state } : {}), returnType: () => cType },
  );
}
