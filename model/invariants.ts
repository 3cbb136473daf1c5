// The invariants of reference/iova-api.md §3 as checks on a world. Each check records breaches on
// the world (World.breach) under the invariant's name from witness.ts; none changes state.
import { isPowerOfTwo, orderBase2, roundupPowOfTwo } from './bitops.js';
import { hex } from './ctypes.js';
import { ATTRS_THAT_MUST_MIRROR, DMA_IOVA_USE_SWIOTLB } from './kconst.js';
import type { DeviceObj, DmaIovaStateObj, DomainObj } from './objects.js';
import { deviceIovaLimit } from './ops/common.js';
import type { LinkRecord, Reservation, World } from './world.js';

/** reservation-in-limit, reservation-aligned, reservation-disjoint for a new reservation. */
export function checkNewReservation(w: World, dev: DeviceObj, r: Reservation): void {
  const g = r.domain.granule;
  if (r.granules > 0n) {
    const last = r.base + r.granules * g - 1n;
    if (last > r.deviceLimit) {
      w.breach(
        'reservation-in-limit',
        `IOVA [${hex(r.base)}, ${hex(last)}] ends above the device's limit ${hex(r.deviceLimit)} (min_not_zero(dma_get_mask, bus_dma_limit), aperture)`,
        { base: hex(r.base), last: hex(last), limit: hex(r.deviceLimit) },
      );
    }
  }
  const align = isPowerOfTwo(r.taken) ? r.taken : roundupPowOfTwo(r.taken, 64);
  if (align > 0n && r.pfn % align !== 0n) {
    w.breach('reservation-aligned', `IOVA pfn ${hex(r.pfn)} of a ${r.taken}-granule range is not aligned to ${align} granules`, {
      pfn: hex(r.pfn),
      granules: hex(r.taken),
    });
  }
  const clash = [...w.liveReservations()].find((o) => o !== r && o.domain === r.domain && o.pfn < r.pfn + r.taken && r.pfn < o.pfn + o.taken);
  if (clash) {
    w.breach(
      'reservation-disjoint',
      `IOVA [${hex(r.base)}, +${r.taken} granules) overlaps the live reservation at ${hex(clash.base)} (${clash.owner})`,
      { base: hex(r.base), other: hex(clash.base) },
    );
  }
  void dev;
}

/** The limit a reservation of `dev` must respect, for Reservation.deviceLimit. */
export function reservationLimit(dev: DeviceObj): bigint {
  return deviceIovaLimit(dev);
}

/**
 * free-mirrors-alloc / no-double-free for a free of `granules` at `pfn`; returns the reservation
 * it releases (if any), which the caller marks freed.
 */
export function checkFree(w: World, domain: DomainObj, pfn: bigint, granules: bigint): Reservation | undefined {
  const g = domain.granule;
  const iova = pfn * g;
  const res = w.liveReservationAt(domain, pfn);
  if (res) {
    if (granules !== res.granules) {
      const sameOrder = orderBase2(granules) === orderBase2(res.granules);
      w.breach(
        'free-mirrors-alloc',
        `frees ${granules} granules at ${hex(iova)} where ${res.granules} were reserved (the allocator took ${res.taken})` +
          (sameOrder ? '; same allocation order, so the range cache stays consistent' : '; the range cache files the range under the wrong size'),
        { iova: hex(iova), freed: hex(granules), reserved: hex(res.granules), sameOrder: String(sameOrder) },
      );
    }
    return res;
  }
  const inside = [...w.liveReservations()].find((r) => r.domain === domain && pfn > r.pfn && pfn < r.pfn + r.taken);
  const earlier = w.lastFreedAt(domain, pfn);
  if (inside) {
    w.breach('free-mirrors-alloc', `frees IOVA ${hex(iova)}, inside the reservation that starts at ${hex(inside.base)}`, {
      iova: hex(iova),
      reservation: hex(inside.base),
    });
  } else if (earlier) {
    w.breach('no-double-free', `IOVA ${hex(iova)} freed again (first freed by call #${earlier.freeCall ?? '?'})`, { iova: hex(iova) });
  } else {
    w.breach('free-mirrors-alloc', `frees IOVA ${hex(iova)} (${granules} granules), which was never allocated`, { iova: hex(iova) });
  }
  return undefined;
}

/** no-leak at free time: translations left in an IOVA range that is being freed. */
export function checkNothingMappedIn(w: World, domain: DomainObj, iova: bigint, size: bigint): void {
  if (size <= 0n) return;
  const mapped = domain.pageTable.mappedBytesIn(iova, size);
  if (mapped > 0n) {
    w.breach('no-leak', `IOVA [${hex(iova)}, ${hex(iova + size)}) is freed with ${hex(mapped)} bytes still mapped (stale translations)`, {
      iova: hex(iova),
      mapped: hex(mapped),
    });
  }
}

/** link-in-reservation: a link/sync/unlink range [offset, offset + size) inside dma_iova_size(state). */
export function checkRangeInState(w: World, what: string, state: DmaIovaStateObj, offset: bigint, size: bigint): void {
  const stateSize = state.rawSize & ~DMA_IOVA_USE_SWIOTLB;
  if (offset + size > stateSize) {
    w.breach('link-in-reservation', `${what} [${hex(offset)}, ${hex(offset + size)}) runs past dma_iova_size = ${hex(stateSize)}`, {
      offset: hex(offset),
      size: hex(size),
      stateSize: hex(stateSize),
    });
  }
}

/** first-link-offset and later-link-aligned for a link request the kernel accepted. */
export function checkLinkPlacement(w: World, state: DmaIovaStateObj, granule: bigint, phys: bigint, offset: bigint, size: bigint): void {
  const mask = granule - 1n;
  const pad = phys & mask;
  const o = state.addr & mask;
  if (offset === 0n && pad !== o) {
    w.breach('first-link-offset', `the link at offset 0 has phys offset ${hex(pad)} but try_alloc was given phys offset ${hex(o)}`, {
      linkPad: hex(pad),
      allocPad: hex(o),
    });
  }
  if (offset > 0n && ((state.addr + offset) & mask) !== 0n) {
    w.breach('later-link-aligned', `the link at offset ${hex(offset)} starts at IOVA ${hex(state.addr + offset)}, not on a granule boundary`, {
      offset: hex(offset),
    });
  }
  const end = offset + size;
  for (const l of w.liveLinks(state)) {
    const lEnd = l.offset + l.size;
    const lEndsUnaligned = ((state.addr + lEnd) & mask) !== 0n;
    const thisEndsUnaligned = ((state.addr + end) & mask) !== 0n;
    if ((l.offset < offset && lEndsUnaligned) || (l.offset > offset && thisEndsUnaligned && size > 0n)) {
      const first = l.offset < offset ? l : { offset, size };
      w.breach(
        'later-link-aligned',
        `the link [${hex(first.offset)}, ${hex(first.offset + first.size)}) is followed by another but does not end on a granule boundary`,
        { offset: hex(first.offset) },
      );
    }
  }
}

/**
 * unlink-mirrors-link for a link request: [offset, offset + size) must not overlap a live link of
 * the same state. Two links over one IOVA range (every range linked at offset 0, D25) map two
 * buffers at one address — the page table refuses the second (-EEXIST) — and no unlink can
 * mirror both.
 */
export function checkLinkDisjoint(w: World, state: DmaIovaStateObj, offset: bigint, size: bigint): void {
  const end = offset + size;
  const clash = w.liveLinks(state).find((l) => size > 0n && l.offset < end && offset < l.offset + l.size);
  if (!clash) return;
  w.breach(
    'unlink-mirrors-link',
    `the link of [${hex(offset)}, ${hex(end)}) lands on [${hex(clash.offset)}, ${hex(clash.offset + clash.size)}), already linked by call #${clash.linkCall}: two links over one IOVA range, which no unlink can mirror`,
    { offset: hex(offset), link: hex(clash.offset) },
  );
}

/**
 * unlink-mirrors-link (and no-double-free for ranges already unlinked) for an unlink or destroy of
 * [offset, offset + size) with dir/attrs. `whole` (destroy): every live link must be inside.
 */
export function checkUnlinkMirrors(
  w: World,
  state: DmaIovaStateObj,
  offset: bigint,
  size: bigint,
  dir: bigint,
  attrs: bigint,
  whole: boolean,
): LinkRecord[] {
  const live = w.liveLinks(state);
  const end = offset + size;
  if (size === 0n) {
    // Nothing linked yet: [0, offset) with offset 0 is the caller's whole (empty) extent, and the
    // kernel unmaps nothing (DRM pagemap's unlink of [0, st->offset) after a failed first link).
    // With links live, a 0-byte unlink at one of them still mirrors none.
    if (live.length === 0) w.info('empty-unlink', `an unlink of 0 bytes at offset ${hex(offset)}: nothing is linked, nothing is unmapped`);
    else w.breach('unlink-mirrors-link', `an unlink of 0 bytes at offset ${hex(offset)} mirrors no link`, { offset: hex(offset) });
    return [];
  }
  const touched = live.filter((l) => l.offset < end && l.offset + l.size > offset);
  for (const l of touched) {
    if (l.offset < offset || l.offset + l.size > end) {
      w.breach('unlink-mirrors-link', `unlink [${hex(offset)}, ${hex(end)}) splits the link [${hex(l.offset)}, ${hex(l.offset + l.size)})`, {
        offset: hex(offset),
        link: hex(l.offset),
      });
    }
    if (l.dir !== dir) {
      w.breach('unlink-mirrors-link', `unlink direction ${dir} differs from the link's ${l.dir} (link at ${hex(l.offset)})`, {
        linkDir: String(l.dir),
        unlinkDir: String(dir),
      });
    }
    if ((l.attrs & ATTRS_THAT_MUST_MIRROR) !== (attrs & ATTRS_THAT_MUST_MIRROR)) {
      w.breach(
        'unlink-mirrors-link',
        `unlink attrs ${hex(attrs)} differ from the link's ${hex(l.attrs)} in MMIO/SKIP_CPU_SYNC/REQUIRE_COHERENT (link at ${hex(l.offset)})`,
        { linkAttrs: hex(l.attrs), unlinkAttrs: hex(attrs) },
      );
    }
  }
  // Bytes of the range that no live link covers.
  const gaps = uncovered(offset, end, touched);
  if (gaps.length > 0) {
    const dead = w.linksOf(state).filter((l) => !l.live);
    const [gs, ge] = gaps[0]!;
    const wasUnlinked = dead.some((l) => l.offset < ge && l.offset + l.size > gs);
    if (wasUnlinked) w.breach('no-double-free', `unlink of [${hex(gs)}, ${hex(ge)}), which was already unlinked`, { offset: hex(gs) });
    else w.breach('unlink-mirrors-link', `unlink covers [${hex(gs)}, ${hex(ge)}), which was never linked`, { offset: hex(gs) });
  }
  if (whole) {
    const outside = live.filter((l) => l.offset + l.size > end || l.offset < offset);
    if (outside.length > 0) {
      const l = outside[0]!;
      w.breach('unlink-mirrors-link', `destroy of [0, ${hex(end)}) leaves the link [${hex(l.offset)}, ${hex(l.offset + l.size)}) mapped`, {
        link: hex(l.offset),
      });
    }
  }
  return touched;
}

function uncovered(start: bigint, end: bigint, links: LinkRecord[]): Array<[bigint, bigint]> {
  const spans = links.map((l) => [l.offset, l.offset + l.size] as [bigint, bigint]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const gaps: Array<[bigint, bigint]> = [];
  let cursor = start;
  for (const [s, e] of spans) {
    if (s > cursor) gaps.push([cursor, s < end ? s : end]);
    if (e > cursor) cursor = e;
    if (cursor >= end) break;
  }
  if (cursor < end) gaps.push([cursor, end]);
  return gaps;
}

/**
 * mapping-covers-buffer: every byte k of [dma, dma + size) translates to phys + k, directly or
 * through a swiotlb slot that stands for it. Walks page-table extents, so large buffers cost little.
 */
export function findCoverageHole(w: World, domain: DomainObj, dma: bigint, phys: bigint, size: bigint): string | undefined {
  const pt = domain.pageTable;
  let k = 0n;
  let steps = 0;
  while (k < size) {
    if (++steps > 100000) return undefined;
    const iova = dma + k;
    const ext = pt.extentAt(iova);
    if (!ext) return `byte ${hex(k)} (IOVA ${hex(iova)}) is not mapped`;
    const target = ext.phys + (iova - ext.iova);
    const extentLeft = ext.iova + ext.size - iova;
    const slot = w.pool.liveSlotHolding(target);
    if (slot) {
      // A bounce slot: byte k must be the slot's copy of phys + k.
      const expectOrig = phys + k;
      const copyOf = slot.origAddr + (target - slot.tlbAddr);
      if (copyOf !== expectOrig || target < slot.tlbAddr) {
        return `byte ${hex(k)} maps to swiotlb ${hex(target)}, a copy of ${hex(copyOf)}, not of ${hex(expectOrig)}`;
      }
      const slotLeft = slot.tlbAddr + slot.size - target;
      k += minBig(extentLeft, slotLeft);
      continue;
    }
    if (target !== phys + k) return `byte ${hex(k)} (IOVA ${hex(iova)}) maps to phys ${hex(target)}, not ${hex(phys + k)}`;
    k += extentLeft;
  }
  return undefined;
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** sync-before-publish: the translations inside a state's reservation have reached the IOTLB. */
export function findUnsynced(domain: DomainObj, base: bigint, size: bigint): { iova: bigint; size: bigint } | undefined {
  const e = domain.pageTable.overlapping(base, size).find((x) => !x.synced);
  return e ? { iova: e.iova, size: e.size } : undefined;
}
