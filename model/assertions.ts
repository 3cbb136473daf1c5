// Caller-side facts a simulator asserts about interpreted code, checked against the model world:
// "this DMA address is buffer byte k of phys P", "this buffer is fully mapped", "success was
// returned, so everything linked must be synced", "this patched try_alloc left a sound state".
// Each assertion is recorded as its own trace entry ("@assert-…") and returns the breaches found.
import { hex } from './ctypes.js';
import { findCoverageHole, findUnsynced } from './invariants.js';
import type { DeviceObj, DmaIovaStateObj } from './objects.js';
import type { RecordedBreach, World } from './world.js';

export interface AssertOptions {
  /** Post-image line of the statement that made the fact true (return, store). */
  line?: number;
}

/**
 * byte-address: `dma` is the DMA address of buffer byte `k` (default 0) of the buffer at `phys`.
 * Mapped addresses are translated (through swiotlb slots); for an unmapped address of a state
 * (before its links), dma must equal state->addr + k and sit inside its reservation at phys's offset.
 */
export function assertByteAddress(
  w: World,
  dev: DeviceObj,
  dma: bigint,
  phys: bigint,
  opts: AssertOptions & { k?: bigint; state?: DmaIovaStateObj } = {},
): RecordedBreach[] {
  const k = opts.k ?? 0n;
  return w.assertion(
    '@assert-byte-address',
    { dev: dev.id, dma: hex(dma), phys: hex(phys), k: hex(k), ...(opts.state ? { state: opts.state.id } : {}) },
    () => {
      const fail = (why: string): void => w.breach('byte-address', `${hex(dma)} is not the DMA address of byte ${hex(k)} of ${hex(phys)}: ${why}`, { dma: hex(dma), phys: hex(phys) });
      if (!dev.dmaIommu || !dev.domain) {
        const slot = w.pool.liveSlotHolding(dma);
        const ok = dma === phys + k || (slot !== undefined && slot.origAddr + (dma - slot.tlbAddr) === phys + k);
        if (!ok) fail('direct mapping: the DMA address is the physical address (or its bounce slot)');
        return;
      }
      const domain = dev.domain;
      const g = domain.granule;
      if (opts.state && dma !== opts.state.addr + k) {
        fail(`state->addr + ${hex(k)} is ${hex(opts.state.addr + k)}`);
        return;
      }
      const ext = domain.pageTable.extentAt(dma);
      if (ext) {
        const hole = findCoverageHole(w, domain, dma, phys + k, 1n);
        if (hole) fail(hole);
        return;
      }
      const r = w.liveReservationHolding(domain, dma);
      if (!r) fail('it lies in no live IOVA reservation');
      else if ((dma & (g - 1n)) !== ((phys + k) & (g - 1n))) fail(`its in-granule offset ${hex(dma & (g - 1n))} differs from the buffer's ${hex((phys + k) & (g - 1n))}`);
    },
    opts.line,
  );
}

/** mapping-covers-buffer: every byte of [dma, dma + size) translates to phys + k. */
export function assertBufferCovered(w: World, dev: DeviceObj, dma: bigint, phys: bigint, size: bigint, opts: AssertOptions = {}): RecordedBreach[] {
  return w.assertion(
    '@assert-buffer-covered',
    { dev: dev.id, dma: hex(dma), phys: hex(phys), size: hex(size) },
    () => {
      if (!dev.dmaIommu || !dev.domain) return;
      const hole = findCoverageHole(w, dev.domain, dma, phys, size);
      if (hole) w.breach('mapping-covers-buffer', `buffer ${hex(phys)}+${hex(size)} at ${hex(dma)}: ${hole}`, { dma: hex(dma), size: hex(size) });
    },
    opts.line,
  );
}

/**
 * sync-before-publish: the function returned success (or stored the address for the device), so
 * every translation inside the state's reservation — or inside every live state's, when no state
 * is given — must have been synced.
 */
export function assertPublished(w: World, dev: DeviceObj, opts: AssertOptions & { state?: DmaIovaStateObj } = {}): RecordedBreach[] {
  return w.assertion(
    '@assert-published',
    { dev: dev.id, ...(opts.state ? { state: opts.state.id } : {}) },
    () => {
      const domain = dev.domain;
      if (!domain) return;
      const states = opts.state ? [opts.state] : w.states;
      for (const st of states) {
        const r = w.reservation(w.stateLifecycle(st, dev).reservation?.id);
        if (!r || !r.live) continue;
        const unsynced = findUnsynced(domain, r.base, r.granules * domain.granule);
        if (unsynced) {
          w.breach('sync-before-publish', `${st.id}: IOVA ${hex(unsynced.iova)}+${hex(unsynced.size)} is linked but not synced (dma_iova_sync) when success is returned`, {
            state: st.id,
            iova: hex(unsynced.iova),
          });
        }
      }
    },
    opts.line,
  );
}

/**
 * For an interpreted (patched) dma_iova_try_alloc or its allocation half: after it returned
 * `returned` for (phys, size), is the state sound? On success: the state points into a live
 * reservation (byte-address), __size is the size asked (flag-not-in-size), the buffer fits
 * (reservation-covers-buffer). On failure: the state is zero (state-live) and nothing reserved
 * since call `sinceCall` is left behind (no-leak).
 */
export function assertTryAllocOutcome(
  w: World,
  dev: DeviceObj,
  state: DmaIovaStateObj,
  phys: bigint,
  size: bigint,
  returned: boolean,
  opts: AssertOptions & { sinceCall?: number } = {},
): RecordedBreach[] {
  return w.assertion(
    '@assert-try-alloc',
    { dev: dev.id, state: state.id, phys: hex(phys), size: hex(size), returned: String(returned) },
    () => {
      const since = opts.sinceCall ?? 0;
      const fresh = [...w.liveReservations()].filter((r) => r.allocCall >= since);
      if (!returned) {
        if (state.addr !== 0n || state.rawSize !== 0n) {
          w.breach('state-live', `false was returned but the state holds addr ${hex(state.addr)}, __size ${hex(state.rawSize)} (dma_use_iova() is true)`, { state: state.id });
        }
        for (const r of fresh) w.breach('no-leak', `false was returned but IOVA ${hex(r.base)} (${r.granules} granules) stays reserved`, { base: hex(r.base) });
        return;
      }
      const breachesBefore = w.breaches.length;
      const domain = dev.domain;
      if (!domain) {
        w.breach('state-live', `true was returned for ${dev.id}, which has no DMA-IOMMU domain`, { dev: dev.id });
        return;
      }
      const g = domain.granule;
      const { reservation } = w.stateLifecycle(state, dev);
      if (!reservation || !reservation.live) {
        w.breach('byte-address', `state->addr ${hex(state.addr)} lies in no live IOVA reservation`, { addr: hex(state.addr) });
        return;
      }
      const sizeT = BigInt.asUintN(w.dm.longBits, size);
      if (state.rawSize !== sizeT) {
        w.breach('flag-not-in-size', `state->__size is ${hex(state.rawSize)}, not the size asked for (${hex(sizeT)})`, { stored: hex(state.rawSize), asked: hex(sizeT) });
      }
      if ((state.addr & (g - 1n)) !== (phys & (g - 1n))) {
        w.breach('byte-address', `state->addr ${hex(state.addr)} does not carry phys's in-granule offset ${hex(phys & (g - 1n))}`, { addr: hex(state.addr), phys: hex(phys) });
      }
      const end = reservation.base + reservation.granules * g;
      if (state.addr + sizeT > end || state.addr < reservation.base) {
        w.breach('reservation-covers-buffer', `buffer [${hex(state.addr)}, ${hex(state.addr + sizeT)}) does not fit the reservation [${hex(reservation.base)}, ${hex(end)})`, {
          addr: hex(state.addr),
          end: hex(end),
        });
      }
      // dma_iova_free(dev, state) will release align(size + off) at state->addr - off, with off
      // the in-granule offset of state->addr: that must be exactly this reservation (§3 item 8).
      // Checked last, and only when nothing above broke: it is the consequence, not the cause.
      const off = state.addr & (g - 1n);
      const freeBase = state.addr - off;
      const freeGranules = (sizeT + off + g - 1n) / g;
      if (w.breaches.length === breachesBefore && (freeBase !== reservation.base || freeGranules !== reservation.granules)) {
        w.breach(
          'free-mirrors-alloc',
          `dma_iova_free() will release ${freeGranules} granule(s) at ${hex(freeBase)}, but the reservation is ${reservation.granules} granule(s) at ${hex(reservation.base)}`,
          { freeBase: hex(freeBase), reservation: hex(reservation.base) },
        );
      }
    },
    opts.line,
  );
}

/**
 * mapping-covers-buffer at a successful return: a dma_iova_link made since trace index `since`
 * failed, its state is still on the IOVA path (reservation live), and the range it was asked to
 * map is not linked now — success reported over bytes that were never mapped (a swallowed link
 * failure, D2).
 */
export function assertFailedLinksRedone(w: World, dev: DeviceObj, opts: AssertOptions & { since?: number } = {}): RecordedBreach[] {
  const failed = w.trace.slice(opts.since ?? 0).filter((t) => t.fn === 'dma_iova_link' && /^-\d+$/.test(t.result ?? ''));
  if (failed.length === 0) return [];
  return w.assertion(
    '@assert-links-redone',
    { dev: dev.id },
    () => {
      for (const t of failed) {
        const state = w.states.find((s) => s.id === t.args.state);
        const offset = parseBig(t.args.offset);
        const size = parseBig(t.args.size);
        if (!state || offset === undefined || size === undefined || size === 0n) continue;
        const { reservation } = w.stateLifecycle(state, dev);
        if (!reservation?.live) continue;
        const end = offset + size;
        const links = w.liveLinks(state);
        let cursor = offset;
        for (const l of links) if (l.offset <= cursor && l.offset + l.size > cursor) cursor = l.offset + l.size;
        if (cursor >= end) continue;
        w.breach(
          'mapping-covers-buffer',
          `dma_iova_link of [${hex(offset)}, ${hex(end)}) on ${state.id} failed (${t.result}${t.line ? ` at line ${t.line}` : ''}), yet success is returned with ${state.id} still on the IOVA path: IOVA ${hex(state.addr + cursor)} onwards is not mapped`,
          { state: state.id, offset: hex(offset), size: hex(size) },
        );
        return;
      }
    },
    opts.line,
  );
}

/**
 * state-live at a successful return: a state whose IOVA was freed before trace index `before`
 * (by an earlier user: a stale state handed in) still reads dma_use_iova() true, so the unmap
 * side will dma_iova_destroy() a freed reservation while the real mappings leak (D1).
 */
export function assertNoStaleState(w: World, dev: DeviceObj, opts: AssertOptions & { before: number }): RecordedBreach[] {
  const stale = w.states.filter((st) => {
    if (st.rawSize === 0n) return false;
    const { lifecycle, reservation } = w.stateLifecycle(st, dev);
    return lifecycle === 'freed' && reservation?.freeCall !== undefined && reservation.freeCall < opts.before;
  });
  if (stale.length === 0) return [];
  return w.assertion(
    '@assert-state-fresh',
    { dev: dev.id },
    () => {
      for (const st of stale) {
        const r = w.reservation(st.reservationId);
        w.breach(
          'state-live',
          `success is returned with ${st.id} as an earlier user left it: dma_use_iova() is still true, but its IOVA ${r ? hex(r.base) : hex(st.addr)} was freed by call #${r?.freeCall ?? '?'}; the unmap side will dma_iova_destroy() a stale state (neither dma_iova_try_alloc() nor memset() cleared it)`,
          { state: st.id },
        );
      }
    },
    opts.line,
  );
}

function parseBig(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  try {
    return BigInt(text.trim().split(/\s/)[0]!);
  } catch {
    return undefined;
  }
}
