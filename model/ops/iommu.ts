// The layer under the DMA API: the IOVA allocator entry points (drivers/iommu/iova.c), the IOMMU
// page-table API (drivers/iommu/iommu.c), dma-iommu's IOVA helpers and its one-step map/unmap
// core (drivers/iommu/dma-iommu.c), and the swiotlb calls dma-iommu makes.
import { bitsPer, min, minNotZero } from '../bitops.js';
import { hex } from '../ctypes.js';
import { checkFree, checkNewReservation, checkNothingMappedIn, reservationLimit } from '../invariants.js';
import { DMA_ATTR_SKIP_CPU_SYNC, DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_MAPPING_ERROR } from '../kconst.js';
import type { DeviceObj, DomainObj, GatherObj, IovaDomainObj } from '../objects.js';
import { IovaObj } from '../objects.js';
import type { Reservation, World } from '../world.js';
import { alignSumSizeT, devIsUntrusted, reportWrap, sizeT, traceArgs, u64, ulong } from './common.js';

function drainAllocatorNotes(w: World, iovad: IovaDomainObj): void {
  for (const n of iovad.allocator.drainNotes()) {
    if (n.kind === 'warn') w.warn(n.what, n.message, false);
    else w.info(n.what, n.message);
  }
}

function domainOfIovad(w: World, iovad: IovaDomainObj): DomainObj | undefined {
  return w.devices.map((d) => d.domain).find((d) => d?.iovad === iovad) ?? undefined;
}

/** Bookkeeping for a range the allocator handed out, with the reservation invariants. */
function recordReservation(w: World, domain: DomainObj, dev: DeviceObj | undefined, pfn: bigint, granules: bigint, taken: bigint, owner: string): Reservation {
  const g = domain.granule;
  const r = w.addReservation({
    domain,
    pfn,
    base: u64(pfn * g),
    granules,
    taken,
    owner,
    deviceLimit: dev ? reservationLimit(dev) : domain.geometry.apertureEnd,
  });
  checkNewReservation(w, dev ?? w.dev, r);
  return r;
}

/** alloc_iova_fast(iovad, size, limit_pfn, flush_rcache): pfn or 0. */
export function alloc_iova_fast(w: World, iovad: IovaDomainObj, size: bigint, limitPfn: bigint, flushRcache: boolean, owner = 'caller', dev?: DeviceObj): bigint {
  return w.run(
    'alloc_iova_fast',
    traceArgs(w, ['iovad', iovad], ['size', size, 'unsigned long'], ['limit_pfn', limitPfn, 'unsigned long'], ['flush_rcache', flushRcache]),
    () => {
      const n = ulong(w, size);
      if (n === 0n) w.breach('alloc-nonzero', 'alloc_iova_fast asked for 0 granules', { size: '0x0' });
      const a = iovad.allocator.allocIovaFast(n, ulong(w, limitPfn), flushRcache);
      drainAllocatorNotes(w, iovad);
      if (a.pfn !== 0n) {
        const domain = domainOfIovad(w, iovad);
        if (domain) recordReservation(w, domain, dev, a.pfn, n, a.granules, owner);
        if (a.fromRcache) w.info('iova_rcache_get', `pfn ${hex(a.pfn)} reused from the order-${a.granules.toString(2).length - 1} range cache`);
      }
      return a.pfn;
    },
    (r) => hex(r),
  );
}

/** alloc_iova(iovad, size, limit_pfn, size_aligned): struct iova * or NULL. */
export function alloc_iova(w: World, iovad: IovaDomainObj, size: bigint, limitPfn: bigint, sizeAligned: boolean): IovaObj | null {
  return w.run(
    'alloc_iova',
    traceArgs(w, ['iovad', iovad], ['size', size, 'unsigned long'], ['limit_pfn', limitPfn, 'unsigned long'], ['size_aligned', sizeAligned]),
    () => {
      const n = ulong(w, size);
      if (n === 0n) w.breach('alloc-nonzero', 'alloc_iova asked for 0 granules', { size: '0x0' });
      const node = iovad.allocator.allocIova(n, ulong(w, limitPfn), sizeAligned);
      drainAllocatorNotes(w, iovad);
      if (!node) return null;
      const domain = domainOfIovad(w, iovad);
      if (domain) recordReservation(w, domain, undefined, node.pfnLo, n, node.pfnHi - node.pfnLo + 1n, 'caller');
      return new IovaObj(w.newObjectId('iova'), w.dm, node.pfnLo, node.pfnHi);
    },
    (r) => (r ? `${r.id} [${hex(r.pfnLo)}, ${hex(r.pfnHi)}]` : 'NULL'),
  );
}

/** free_iova_fast(iovad, pfn, size) */
export function free_iova_fast(w: World, iovad: IovaDomainObj, pfn: bigint, size: bigint): void {
  w.run(
    'free_iova_fast',
    traceArgs(w, ['iovad', iovad], ['pfn', pfn, 'unsigned long'], ['size', size, 'unsigned long']),
    () => {
      const p = ulong(w, pfn);
      const n = ulong(w, size);
      const domain = domainOfIovad(w, iovad);
      if (domain) {
        checkNothingMappedIn(w, domain, p * domain.granule, n * domain.granule);
        const r = checkFree(w, domain, p, n);
        if (r) w.releaseReservation(r);
      }
      const where = iovad.allocator.freeIovaFast(p, n);
      drainAllocatorNotes(w, iovad);
      w.info('free_iova_fast', where === 'rcache' ? `pfn ${hex(p)} parked in the order-${orderName(n)} range cache` : `pfn ${hex(p)} removed from the tree`);
    },
    () => undefined,
  );
}

function orderName(n: bigint): string {
  let o = 0;
  while (1n << BigInt(o) < n) o++;
  return String(o);
}

/** free_iova(iovad, pfn): removes the range holding pfn, whatever its size. */
export function free_iova(w: World, iovad: IovaDomainObj, pfn: bigint): void {
  w.run(
    'free_iova',
    traceArgs(w, ['iovad', iovad], ['pfn', pfn, 'unsigned long']),
    () => {
      const p = ulong(w, pfn);
      const domain = domainOfIovad(w, iovad);
      const node = iovad.allocator.findIova(p);
      if (domain && node && !node.anchor) {
        const r = checkFree(w, domain, node.pfnLo, node.pfnHi - node.pfnLo + 1n);
        if (r) w.releaseReservation(r);
      } else if (domain) {
        checkFree(w, domain, p, 1n);
      }
      iovad.allocator.freeIova(p);
    },
    () => undefined,
  );
}

/**
 * iommu_dma_alloc_iova(domain, size, dma_limit, dev): the IOVA base, 0 on failure. The 32-bit
 * first attempt for PCI devices clears dev->iommu->pci_32bit_workaround for good when it fails.
 */
export function iommu_dma_alloc_iova(w: World, domain: DomainObj, size: bigint, dmaLimit: bigint, dev: DeviceObj, owner = 'caller'): bigint {
  return w.run(
    'iommu_dma_alloc_iova',
    traceArgs(w, ['domain', domain], ['size', size, 'size_t'], ['dma_limit', dmaLimit, 'u64'], ['dev', dev]),
    () => {
      const iovad = domain.iovad;
      const a = iovad.allocator;
      const g = domain.granule;
      const s = sizeT(w, size);
      const iovaLen = ulong(w, s >> BigInt(a.shift));
      if ((s & (g - 1n)) !== 0n) {
        w.info('unaligned-size', `size ${hex(s)} is not a granule multiple: only ${iovaLen} granules are reserved`);
      }
      if (iovaLen === 0n) w.breach('alloc-nonzero', `a ${hex(s)}-byte (0-granule) IOVA allocation reached the allocator`, { size: hex(s) });
      let limit = minNotZero(u64(dmaLimit), dev.busDmaLimit);
      if (domain.geometry.forceAperture) limit = min(limit, domain.geometry.apertureEnd);

      let pfn = 0n;
      let taken = 0n;
      if (limit > 0xffffffffn && dev.iommu.pci32bitWorkaround) {
        const first = a.allocIovaFast(iovaLen, ulong(w, 0xffffffffn >> BigInt(a.shift)), false);
        drainAllocatorNotes(w, iovad);
        if (first.pfn !== 0n) {
          pfn = first.pfn;
          taken = first.granules;
          w.info('alloc_iova_fast', `32-bit first attempt: pfn ${hex(pfn)} (${taken} granules)`);
        } else {
          dev.iommu.pci32bitWorkaround = false;
          w.info('dev_notice', `Using ${bitsPer(limit)}-bit DMA addresses (the 32-bit attempt failed; pci_32bit_workaround cleared for good)`);
        }
      }
      if (pfn === 0n) {
        const second = a.allocIovaFast(iovaLen, ulong(w, limit >> BigInt(a.shift)), true);
        drainAllocatorNotes(w, iovad);
        pfn = second.pfn;
        taken = second.granules;
        w.info('alloc_iova_fast', pfn ? `pfn ${hex(pfn)} (${taken} granules) below ${hex(limit)}` : `no IOVA space below ${hex(limit)}`);
      }
      if (pfn === 0n) return 0n;
      recordReservation(w, domain, dev, pfn, iovaLen, taken, owner);
      return u64(pfn << BigInt(a.shift));
    },
    (r) => hex(r),
  );
}

/** The reservation iommu_dma_alloc_iova just made (for owners that bind it). */
export function lastReservation(w: World): Reservation | undefined {
  return w.reservations[w.reservations.length - 1];
}

/** iommu_dma_free_iova(domain, iova, size, gather) */
export function iommu_dma_free_iova(w: World, domain: DomainObj, iova: bigint, size: bigint, gather: GatherObj | null): void {
  w.run(
    'iommu_dma_free_iova',
    traceArgs(w, ['domain', domain], ['iova', iova, 'dma_addr_t'], ['size', size, 'size_t'], ['gather', gather]),
    () => {
      const a = domain.iovad.allocator;
      const s = sizeT(w, size);
      const pfn = ulong(w, u64(iova) >> BigInt(a.shift));
      const granules = ulong(w, s >> BigInt(a.shift));
      if (gather?.queued) w.info('queue_iova', 'flush queue: modelled as an immediate free (the model runs strict invalidation)');
      checkNothingMappedIn(w, domain, u64(iova), s);
      const r = checkFree(w, domain, pfn, granules);
      if (r) w.releaseReservation(r);
      const where = a.freeIovaFast(pfn, granules);
      drainAllocatorNotes(w, domain.iovad);
      w.info('free_iova_fast', where === 'rcache' ? `pfn ${hex(pfn)} parked in a range cache` : `pfn ${hex(pfn)} removed from the tree`);
    },
    () => undefined,
  );
}

/** iommu_map / iommu_map_nosync: 0 or -errno; `sync` is iommu_map's iotlb_sync_map. */
export function iommu_map(w: World, domain: DomainObj, iova: bigint, paddr: bigint, size: bigint, prot: bigint, sync: boolean): bigint {
  const fn = sync ? 'iommu_map' : 'iommu_map_nosync';
  return w.run(
    fn,
    traceArgs(w, ['domain', domain], ['iova', iova, 'unsigned long'], ['paddr', paddr, 'phys_addr_t'], ['size', size, 'size_t'], ['prot', prot, 'int']),
    () => {
      const io = ulong(w, iova);
      const s = sizeT(w, size);
      if (s === 0n) w.breach('alloc-nonzero', `a zero-length map at IOVA ${hex(io)} reached the page table`, { iova: hex(io) });
      const out = domain.pageTable.map(io, u64(paddr), s, prot, sync);
      if (out.reason === 'unaligned') {
        w.info('unaligned', `unaligned: iova ${hex(io)} pa ${hex(paddr)} size ${hex(s)} min_pagesz ${hex(domain.granule)}`);
      } else if (out.reason === 'zero-length') {
        w.info('zero-length', 'the page table rejects a 0-length map');
      } else if (out.reason === 'overlap') {
        w.info('EEXIST', `IOVA [${hex(io)}, ${hex(io + s)}) is already mapped`);
      } else if (s > 0n) {
        // Every mapping belongs inside a live reservation; anything else maps IOVA someone else may own.
        let cursor = io;
        while (cursor < io + s) {
          const r = w.liveReservationTaking(domain, cursor);
          if (!r) {
            w.breach('link-in-reservation', `maps IOVA ${hex(cursor)}, which is in no live reservation`, { iova: hex(cursor) });
            break;
          }
          cursor = r.base + r.taken * domain.granule;
        }
      }
      return out.ret;
    },
    (r) => r.toString(),
  );
}

/** iommu_unmap / iommu_unmap_fast: bytes unmapped. */
export function iommu_unmap(w: World, domain: DomainObj, iova: bigint, size: bigint, fast: boolean): bigint {
  return w.run(
    fast ? 'iommu_unmap_fast' : 'iommu_unmap',
    traceArgs(w, ['domain', domain], ['iova', iova, 'unsigned long'], ['size', size, 'size_t']),
    () => {
      const io = ulong(w, iova);
      const s = sizeT(w, size);
      const done = domain.pageTable.unmap(io, s);
      if ((io | s) & (domain.granule - 1n)) w.info('unaligned', `unaligned: iova ${hex(io)} size ${hex(s)} min_pagesz ${hex(domain.granule)}`);
      return done;
    },
    (r) => hex(r),
  );
}

/** iommu_sync_map(domain, iova, size): the IOTLB sees the range's new entries. */
export function iommu_sync_map(w: World, domain: DomainObj, iova: bigint, size: bigint): bigint {
  return w.run(
    'iommu_sync_map',
    traceArgs(w, ['domain', domain], ['iova', iova, 'unsigned long'], ['size', size, 'size_t']),
    () => {
      domain.pageTable.syncRange(ulong(w, iova), sizeT(w, size));
      return 0n;
    },
    (r) => r.toString(),
  );
}

/** iommu_iova_to_phys(domain, iova) */
export function iommu_iova_to_phys(w: World, domain: DomainObj, iova: bigint): bigint {
  return w.run(
    'iommu_iova_to_phys',
    traceArgs(w, ['domain', domain], ['iova', iova, 'dma_addr_t']),
    () => domain.pageTable.iovaToPhys(u64(iova)),
    (r) => hex(r),
  );
}

/** swiotlb_tbl_map_single(dev, phys, size, alloc_align_mask, dir, attrs): bounce address or DMA_MAPPING_ERROR. */
export function swiotlb_tbl_map_single(w: World, dev: DeviceObj, phys: bigint, size: bigint, allocAlignMask: bigint, dir: bigint, attrs: bigint): bigint {
  return w.run(
    'swiotlb_tbl_map_single',
    traceArgs(w, ['dev', dev], ['phys', phys, 'phys_addr_t'], ['size', size, 'size_t'], ['alloc_align_mask', allocAlignMask, 'unsigned int'], ['dir', dir, 'int'], ['attrs', attrs, 'unsigned long']),
    () => {
      const slot = w.pool.map(u64(phys), sizeT(w, size), allocAlignMask, dev.minAlignMask, w.pageSize);
      if (typeof slot === 'string') {
        w.info('swiotlb', slot === 'inactive' ? 'no swiotlb pool' : slot === 'too-large' ? `swiotlb: ${hex(size)} bytes exceed one mapping's slots` : 'swiotlb buffer is full');
        return DMA_MAPPING_ERROR;
      }
      w.info('swiotlb_bounce', `${hex(slot.size)} bytes of ${hex(slot.origAddr)} bounce through ${hex(slot.tlbAddr)}`);
      return slot.tlbAddr;
    },
    (r) => hex(r),
  );
}

/** swiotlb_tbl_unmap_single(dev, tlb_addr, size, dir, attrs): a no-op outside the pool. Returns whether a slot was released. */
export function swiotlb_tbl_unmap_single(w: World, dev: DeviceObj, tlbAddr: bigint, size: bigint, dir: bigint, attrs: bigint): boolean {
  return w.run(
    'swiotlb_tbl_unmap_single',
    traceArgs(w, ['dev', dev], ['tlb_addr', tlbAddr, 'phys_addr_t'], ['size', size, 'size_t'], ['dir', dir, 'int'], ['attrs', attrs, 'unsigned long']),
    () => {
      const t = u64(tlbAddr);
      if (!w.pool.contains(t)) return false;
      const slot = w.pool.liveSlotHolding(t);
      if (!slot) {
        const old = w.pool.releasedSlotAt(t);
        if (old) w.breach('no-double-free', `swiotlb slot at ${hex(t)} released twice`, { tlb: hex(t) });
        else w.info('swiotlb', `${hex(t)} is in the pool but in no live slot`);
        return false;
      }
      const copiesBack = (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL) && (attrs & DMA_ATTR_SKIP_CPU_SYNC) === 0n;
      const room = slot.tlbAddr + slot.size - t;
      if (copiesBack && sizeT(w, size) > room) {
        w.warn('1', `Buffer overflow detected. Allocation size: ${hex(room)}. Mapping size: ${hex(size)}.`);
      }
      if (copiesBack) w.info('swiotlb_bounce', `copy ${hex(size < room ? size : room)} bytes back to ${hex(slot.origAddr + (t - slot.tlbAddr))}`);
      w.pool.release(slot);
      return true;
    },
    (r) => (r ? 'released' : 'no-op'),
  );
}

/** iommu_dma_map_swiotlb(dev, phys, size, dir, attrs): bounce keeping the in-granule offset (alloc_align_mask = iova_mask). */
export function iommu_dma_map_swiotlb(w: World, dev: DeviceObj, phys: bigint, size: bigint, dir: bigint, attrs: bigint): bigint {
  return w.run(
    'iommu_dma_map_swiotlb',
    traceArgs(w, ['dev', dev], ['phys', phys, 'phys_addr_t'], ['size', size, 'size_t'], ['dir', dir, 'int'], ['attrs', attrs, 'unsigned long']),
    () => {
      const domain = w.domainOf(dev);
      if (!w.pool.active) {
        w.info('dev_warn_once', 'DMA bounce buffers are inactive, unable to map unaligned transaction.');
        return DMA_MAPPING_ERROR;
      }
      const tlb = swiotlb_tbl_map_single(w, dev, phys, size, domain.granule - 1n, dir, attrs);
      if (tlb !== DMA_MAPPING_ERROR && devIsUntrusted(dev)) w.info('memset', 'pre- and post-padding of the bounce granule zeroed');
      return tlb;
    },
    (r) => hex(r),
  );
}

/** __iommu_dma_map(dev, phys, size, prot, dma_mask): the DMA address of phys, or DMA_MAPPING_ERROR. */
export function __iommu_dma_map(w: World, dev: DeviceObj, phys: bigint, size: bigint, prot: bigint, dmaMask: bigint, owner = 'caller'): bigint {
  return w.run(
    '__iommu_dma_map',
    traceArgs(w, ['dev', dev], ['phys', phys, 'phys_addr_t'], ['size', size, 'size_t'], ['prot', prot, 'int'], ['dma_mask', dmaMask, 'u64']),
    () => {
      const domain = w.domainOf(dev);
      const g = domain.granule;
      const p = u64(phys);
      const off = sizeT(w, p & (g - 1n));
      if (dev.minAlignMask > g - 1n) {
        w.warn('dma_get_min_align_mask(dev) > iova_mask(iovad)', 'Unsupported alignment constraint');
        return DMA_MAPPING_ERROR;
      }
      const len = alignSumSizeT(w, sizeT(w, size), off, g);
      reportWrap(w, 'iova_align(size + iova_off)', len);
      const iova = iommu_dma_alloc_iova(w, domain, len.value, dmaMask, dev, owner);
      if (iova === 0n) return DMA_MAPPING_ERROR;
      if (iommu_map(w, domain, iova, p - off, len.value, prot, true) !== 0n) {
        iommu_dma_free_iova(w, domain, iova, len.value, null);
        return DMA_MAPPING_ERROR;
      }
      return u64(iova + off);
    },
    (r) => hex(r),
  );
}

/** __iommu_dma_unmap(dev, dma_addr, size): unmap align(size + off) and free it. */
export function __iommu_dma_unmap(w: World, dev: DeviceObj, dmaAddr: bigint, size: bigint): void {
  w.run(
    '__iommu_dma_unmap',
    traceArgs(w, ['dev', dev], ['dma_addr', dmaAddr, 'dma_addr_t'], ['size', size, 'size_t']),
    () => {
      const domain = w.domainOf(dev);
      const g = domain.granule;
      const off = sizeT(w, u64(dmaAddr) & (g - 1n));
      const start = u64(dmaAddr - off);
      const len = alignSumSizeT(w, sizeT(w, size), off, g);
      reportWrap(w, 'iova_align(size + iova_off)', len);
      const unmapped = iommu_unmap(w, domain, start, len.value, true);
      if (unmapped !== len.value) w.warn('unmapped != size', `__iommu_dma_unmap: unmapped ${hex(unmapped)} of ${hex(len.value)} bytes`, false);
      iommu_dma_free_iova(w, domain, start, len.value, w.newGather());
    },
    () => undefined,
  );
}
