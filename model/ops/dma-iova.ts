// The two-step IOVA API of drivers/iommu/dma-iommu.c and include/linux/dma-mapping.h:
// dma_iova_try_alloc, dma_iova_free, dma_iova_link (with the swiotlb head/middle/tail split),
// dma_iova_sync, dma_iova_unlink, dma_iova_destroy, dma_use_iova, dma_iova_size. Caller-side
// invariants are checked on entry; the kernel's own WARN_ON_ONCE guards become warn events.
import { hex } from '../ctypes.js';
import { checkLinkDisjoint, checkLinkPlacement, checkRangeInState, checkUnlinkMirrors, findCoverageHole } from '../invariants.js';
import {
  DMA_ATTR_MMIO,
  DMA_ATTR_REQUIRE_COHERENT,
  DMA_ATTR_SKIP_CPU_SYNC,
  DMA_IOVA_USE_SWIOTLB,
  DMA_MAPPING_ERROR,
  EIO,
  ENOMEM,
  EOPNOTSUPP,
  EPERM,
} from '../kconst.js';
import type { DeviceObj, DmaIovaStateObj, DomainObj } from '../objects.js';
import type { World } from '../world.js';
import { alignSumSizeT, cpuSync, currentMask, devUseSwiotlb, dmaInfoToProt, reportWrap, sizeT, traceArgs, u64 } from './common.js';
import { iommu_dma_alloc_iova, iommu_dma_free_iova, iommu_dma_map_swiotlb, iommu_map, iommu_sync_map, iommu_unmap, lastReservation, swiotlb_tbl_unmap_single } from './iommu.js';

function mmioBit(w: World): bigint {
  return w.features.mmioAttr ? DMA_ATTR_MMIO : 0n;
}

function noSwiotlbAttrs(w: World): bigint {
  return mmioBit(w) | (w.features.requireCoherentAttr ? DMA_ATTR_REQUIRE_COHERENT : 0n);
}

/** dma_iova_size(state): (size_t)(state->__size & ~DMA_IOVA_USE_SWIOTLB) */
export function iovaStateSize(w: World, state: DmaIovaStateObj): bigint {
  return sizeT(w, state.rawSize & ~DMA_IOVA_USE_SWIOTLB);
}

/** state-live for operations that need an allocated state; returns whether the state is allocated. */
function requireLiveState(w: World, fn: string, state: DmaIovaStateObj, dev: DeviceObj): boolean {
  const { lifecycle, reservation } = w.stateLifecycle(state, dev);
  if (lifecycle === 'allocated') return true;
  const why =
    lifecycle === 'freed'
      ? `its IOVA was freed by call #${reservation?.freeCall ?? '?'}`
      : lifecycle === 'zero'
        ? 'it holds no reservation (never allocated, cleared, or its try_alloc failed)'
        : `its fields (addr ${hex(state.addr)}) point into no live reservation`;
  w.breach('state-live', `${fn} on ${state.id}: ${why}`, { state: state.id, lifecycle });
  return false;
}

function requireIommuDomain(w: World, fn: string, dev: DeviceObj): DomainObj {
  if (!dev.domain) w.breach('state-live', `${fn} on ${dev.id}, which has no DMA-IOMMU domain (dma_use_iova() would be false)`, { dev: dev.id });
  return w.domainOf(dev);
}

/** memset(state, 0, sizeof(*state)): the model forgets the state's links (their mappings stay and leak). */
function clearState(w: World, state: DmaIovaStateObj): void {
  state.addr = 0n;
  state.rawSize = 0n;
  state.reservationId = undefined;
  state.writtenOutside = false;
  w.forgetLinks(state);
}

/** bool dma_iova_try_alloc(dev, state, phys, size) */
export function dma_iova_try_alloc(w: World, dev: DeviceObj, state: DmaIovaStateObj, phys: bigint, size: bigint): boolean {
  return w.run(
    'dma_iova_try_alloc',
    traceArgs(w, ['dev', dev], ['state', state], ['phys', phys, 'phys_addr_t'], ['size', size, 'size_t']),
    () => {
      const s = sizeT(w, size);
      clearState(w, state);
      if (!dev.dmaIommu) {
        w.info('use_dma_iommu', `${dev.id} has no DMA-IOMMU domain: the caller must fall back to dma_map_*`);
        return false;
      }
      const domain = w.domainOf(dev);
      const g = domain.granule;
      const iovaOff = sizeT(w, u64(phys) & (g - 1n));
      if (s === 0n) {
        w.warn('!size', 'dma_iova_try_alloc: size 0');
        return false;
      }
      // (u64)size & DMA_IOVA_USE_SWIOTLB: size_t is zero-extended, so this is dead with 32-bit size_t.
      if ((s & DMA_IOVA_USE_SWIOTLB) !== 0n) {
        w.warn('(u64)size & DMA_IOVA_USE_SWIOTLB', `dma_iova_try_alloc: size ${hex(s)} has bit 63 set`);
        return false;
      }
      const len = alignSumSizeT(w, s, iovaOff, g);
      reportWrap(w, 'iova_align(iovad, size + iova_off)', len);
      const mask = dma_get_mask_inner(w, dev);
      const base = iommu_dma_alloc_iova(w, domain, len.value, mask, dev, state.id);
      if (base === 0n) return false;
      const r = lastReservation(w)!;
      state.addr = u64(base + iovaOff);
      state.storeSize(s);
      state.reservationId = r.id;
      checkStateAfterAlloc(w, state, s, r.base, r.granules * g);
      return true;
    },
    (r) => (r ? 'true' : 'false'),
  );
}

/** flag-not-in-size and reservation-covers-buffer once state->addr/__size are written. */
export function checkStateAfterAlloc(w: World, state: DmaIovaStateObj, size: bigint, base: bigint, reserved: bigint): void {
  if (state.rawSize !== size || (state.rawSize & DMA_IOVA_USE_SWIOTLB) !== 0n) {
    w.breach('flag-not-in-size', `state->__size is ${hex(state.rawSize)}, not the size asked for (${hex(size)})`, {
      stored: hex(state.rawSize),
      asked: hex(size),
    });
  }
  if (state.addr < base || state.addr + size > base + reserved) {
    w.breach(
      'reservation-covers-buffer',
      `buffer [${hex(state.addr)}, ${hex(state.addr + size)}) does not fit the reservation [${hex(base)}, ${hex(base + reserved)})`,
      { addr: hex(state.addr), size: hex(size), base: hex(base), reserved: hex(reserved) },
    );
  }
}

function dma_get_mask_inner(w: World, dev: DeviceObj): bigint {
  return w.run('dma_get_mask', traceArgs(w, ['dev', dev]), () => currentMask(dev), (r) => hex(r));
}

/** void dma_iova_free(dev, state) */
export function dma_iova_free(w: World, dev: DeviceObj, state: DmaIovaStateObj): void {
  w.run(
    'dma_iova_free',
    traceArgs(w, ['dev', dev], ['state', state]),
    () => {
      const domain = requireIommuDomain(w, 'dma_iova_free', dev);
      const { lifecycle, reservation } = w.stateLifecycle(state, dev);
      if (lifecycle === 'freed') {
        w.breach('no-double-free', `dma_iova_free on ${state.id}, whose IOVA was already freed by call #${reservation?.freeCall ?? '?'}`, {
          state: state.id,
        });
      } else if (lifecycle !== 'allocated') {
        requireLiveState(w, 'dma_iova_free', state, dev);
      }
      const g = domain.granule;
      const pad = sizeT(w, state.addr & (g - 1n));
      const len = alignSumSizeT(w, iovaStateSize(w, state), pad, g);
      reportWrap(w, 'iova_align(iovad, size + iova_start_pad)', len);
      iommu_dma_free_iova(w, domain, u64(state.addr - pad), len.value, null);
      w.forgetLinks(state);
    },
    () => undefined,
  );
}

/** static int __dma_iova_link(dev, addr, phys, size, dir, attrs) */
export function __dma_iova_link(w: World, dev: DeviceObj, addr: bigint, phys: bigint, size: bigint, dir: bigint, attrs: bigint): bigint {
  return w.run(
    '__dma_iova_link',
    traceArgs(w, ['dev', dev], ['addr', addr, 'dma_addr_t'], ['phys', phys, 'phys_addr_t'], ['size', size, 'size_t'], ['dir', dir, 'int'], ['attrs', attrs, 'unsigned long']),
    () => {
      const domain = w.domainOf(dev);
      const prot = dmaInfoToProt(w, dir, dev.coherent, attrs);
      if (!dev.coherent && (attrs & (DMA_ATTR_SKIP_CPU_SYNC | mmioBit(w))) === 0n) cpuSync(w, 'arch_sync_dma_for_device', phys, size);
      return iommu_map(w, domain, addr, phys, size, prot, false);
    },
    (r) => r.toString(),
  );
}

/** static int iommu_dma_iova_bounce_and_link(dev, addr, phys, bounce_len, dir, attrs, iova_start_pad) */
export function iommu_dma_iova_bounce_and_link(
  w: World,
  dev: DeviceObj,
  addr: bigint,
  phys: bigint,
  bounceLen: bigint,
  dir: bigint,
  attrs: bigint,
  startPad: bigint,
): bigint {
  return w.run(
    'iommu_dma_iova_bounce_and_link',
    traceArgs(w, ['dev', dev], ['addr', addr, 'dma_addr_t'], ['phys', phys, 'phys_addr_t'], ['bounce_len', bounceLen, 'size_t'], ['dir', dir, 'int'], ['attrs', attrs, 'unsigned long'], ['iova_start_pad', startPad, 'size_t']),
    () => {
      const g = w.domainOf(dev).granule;
      const bounce = iommu_dma_map_swiotlb(w, dev, phys, bounceLen, dir, attrs);
      if (bounce === DMA_MAPPING_ERROR) return -ENOMEM;
      const len = alignSumSizeT(w, bounceLen, 0n, g);
      const err = __dma_iova_link(w, dev, u64(addr - startPad), u64(bounce - startPad), len.value, dir, attrs);
      if (err !== 0n) swiotlb_tbl_unmap_single(w, dev, bounce, bounceLen, dir, attrs);
      return err;
    },
    (r) => r.toString(),
  );
}

/** state->__size |= DMA_IOVA_USE_SWIOTLB, as the field's C type holds it (lost in a 32-bit size_t, D10). */
function setSwiotlbFlag(w: World, state: DmaIovaStateObj): void {
  state.storeSize(state.rawSize | DMA_IOVA_USE_SWIOTLB);
  if ((state.rawSize & DMA_IOVA_USE_SWIOTLB) === 0n) w.info('flag-lost', `DMA_IOVA_USE_SWIOTLB does not fit ${state.sizeFieldType} __size: the flag is lost`);
}

/** static int iommu_dma_iova_link_swiotlb(dev, state, phys, offset, size, dir, attrs): head, middle, tail. */
export function iommu_dma_iova_link_swiotlb(
  w: World,
  dev: DeviceObj,
  state: DmaIovaStateObj,
  phys: bigint,
  offset: bigint,
  size: bigint,
  dir: bigint,
  attrs: bigint,
): bigint {
  return w.run(
    'iommu_dma_iova_link_swiotlb',
    traceArgs(w, ['dev', dev], ['state', state], ['phys', phys, 'phys_addr_t'], ['offset', offset, 'size_t'], ['size', size, 'size_t'], ['dir', dir, 'int'], ['attrs', attrs, 'unsigned long']),
    () => {
      const g = w.domainOf(dev).granule;
      const fixed = w.features.swiotlbEmptyMiddleFix;
      const p = u64(phys);
      const startPad = sizeT(w, p & (g - 1n));
      const endPad = sizeT(w, u64(p + size) & (g - 1n));
      const addr = u64(state.addr + offset);
      let left = size;
      let mapped = 0n;
      let err = 0n;
      const unwind = (): bigint => {
        if (fixed) {
          if (mapped !== 0n) unlinkForUnwind(w, dev, state, offset, mapped, dir, attrs, offset);
        } else {
          unlinkForUnwind(w, dev, state, 0n, mapped, dir, attrs, offset);
        }
        return err;
      };
      if (startPad !== 0n) {
        const bounceLen = left < g - startPad ? left : g - startPad;
        err = iommu_dma_iova_bounce_and_link(w, dev, addr, p, bounceLen, dir, attrs, startPad);
        if (err !== 0n) return err;
        setSwiotlbFlag(w, state);
        mapped += bounceLen;
        left -= bounceLen;
        if (left === 0n) return 0n;
      }
      left = sizeT(w, left - endPad);
      if (!fixed || left !== 0n) {
        err = __dma_iova_link(w, dev, u64(addr + mapped), u64(p + mapped), left, dir, attrs);
        if (err !== 0n) return unwind();
        mapped += left;
      } else {
        w.info('empty-middle', 'no granule-aligned middle: skipped (6ec91df8aff7)');
      }
      if (endPad !== 0n) {
        err = iommu_dma_iova_bounce_and_link(w, dev, u64(addr + mapped), u64(p + mapped), endPad, dir, attrs, 0n);
        if (err !== 0n) return unwind();
        setSwiotlbFlag(w, state);
      }
      return 0n;
    },
    (r) => r.toString(),
  );
}

/**
 * The unwind of a failed swiotlb link: dma_iova_unlink(dev, state, unlinkOffset, mapped, ...).
 * Runs the kernel's unlink without the caller-side mirror checks (the link being unwound is not
 * recorded yet), then reports an unwind that touched anything other than this link's own pieces.
 */
function unlinkForUnwind(w: World, dev: DeviceObj, state: DmaIovaStateObj, unlinkOffset: bigint, mapped: bigint, dir: bigint, attrs: bigint, linkOffset: bigint): void {
  const done = w.run(
    'dma_iova_unlink',
    traceArgs(w, ['dev', dev], ['state', state], ['offset', unlinkOffset, 'size_t'], ['size', mapped, 'size_t'], ['dir', dir, 'int'], ['attrs', attrs, 'unsigned long']),
    () => iovaUnlinkBody(w, dev, state, unlinkOffset, mapped, dir, attrs, false),
    () => undefined,
  );
  if (unlinkOffset !== linkOffset && (done.unmapped > 0n || done.released > 0)) {
    w.breach(
      'unlink-mirrors-link',
      `the failed link at offset ${hex(linkOffset)} unwinds [${hex(unlinkOffset)}, ${hex(unlinkOffset + mapped)}) instead of its own range, tearing down ${hex(done.unmapped)} mapped bytes and ${done.released} bounce slot(s) of earlier links`,
      { linkOffset: hex(linkOffset), unlinkOffset: hex(unlinkOffset) },
    );
  }
}

/** int dma_iova_link(dev, state, phys, offset, size, dir, attrs) */
export function dma_iova_link(w: World, dev: DeviceObj, state: DmaIovaStateObj, phys: bigint, offset: bigint, size: bigint, dir: bigint, attrs: bigint): bigint {
  return w.run(
    'dma_iova_link',
    traceArgs(w, ['dev', dev], ['state', state], ['phys', phys, 'phys_addr_t'], ['offset', offset, 'size_t'], ['size', size, 'size_t'], ['dir', dir, 'int'], ['attrs', attrs, 'unsigned long']),
    () => {
      const domain = requireIommuDomain(w, 'dma_iova_link', dev);
      const g = domain.granule;
      const p = u64(phys);
      const off = sizeT(w, offset);
      const s = sizeT(w, size);
      const pad = sizeT(w, p & (g - 1n));
      const live = requireLiveState(w, 'dma_iova_link', state, dev);
      if (pad !== 0n && off > 0n) {
        w.warn('iova_start_pad && offset > 0', `dma_iova_link: unaligned phys ${hex(p)} at offset ${hex(off)}`);
        return -EIO;
      }
      if (w.features.requireCoherentAttr) {
        if ((state.rawSize & DMA_IOVA_USE_SWIOTLB) !== 0n && (attrs & DMA_ATTR_REQUIRE_COHERENT) !== 0n) {
          w.warn('(state->__size & DMA_IOVA_USE_SWIOTLB) && (attrs & DMA_ATTR_REQUIRE_COHERENT)', 'REQUIRE_COHERENT link on a state that already bounced');
          return -EOPNOTSUPP;
        }
        if (!dev.coherent && (attrs & DMA_ATTR_REQUIRE_COHERENT) !== 0n) return -EOPNOTSUPP;
      }
      if (live) {
        checkRangeInState(w, 'link', state, off, s);
        checkLinkPlacement(w, state, g, p, off, s);
        checkLinkDisjoint(w, state, off, s);
      }
      let ret: bigint;
      let bounced = false;
      if (devUseSwiotlb(w, dev, s, dir) && ((p | s) & (g - 1n)) !== 0n) {
        if ((attrs & noSwiotlbAttrs(w)) !== 0n) return -EPERM;
        bounced = true;
        ret = iommu_dma_iova_link_swiotlb(w, dev, state, p, off, s, dir, attrs);
      } else {
        const len = alignSumSizeT(w, s, pad, g);
        reportWrap(w, 'iova_align(iovad, size + iova_start_pad)', len);
        ret = __dma_iova_link(w, dev, u64(state.addr + off - pad), u64(p - pad), len.value, dir, attrs);
      }
      if (ret === 0n && live) {
        w.addLink({ stateId: state.id, offset: off, size: s, phys: p, dir, attrs, bounced });
        const hole = findCoverageHole(w, domain, u64(state.addr + off), p, s);
        if (hole) w.breach('mapping-covers-buffer', `after dma_iova_link at offset ${hex(off)}: ${hole}`, { offset: hex(off) });
      }
      return ret;
    },
    (r) => r.toString(),
  );
}

/** int dma_iova_sync(dev, state, offset, size) */
export function dma_iova_sync(w: World, dev: DeviceObj, state: DmaIovaStateObj, offset: bigint, size: bigint): bigint {
  return w.run(
    'dma_iova_sync',
    traceArgs(w, ['dev', dev], ['state', state], ['offset', offset, 'size_t'], ['size', size, 'size_t']),
    () => {
      const domain = requireIommuDomain(w, 'dma_iova_sync', dev);
      const g = domain.granule;
      const off = sizeT(w, offset);
      const s = sizeT(w, size);
      if (requireLiveState(w, 'dma_iova_sync', state, dev)) checkRangeInState(w, 'sync', state, off, s);
      const addr = u64(state.addr + off);
      const pad = sizeT(w, addr & (g - 1n));
      if (!dev.coherent && w.features.flushInSync) cpuSync(w, 'arch_sync_dma_flush');
      const len = alignSumSizeT(w, s, pad, g);
      reportWrap(w, 'iova_align(iovad, size + iova_start_pad)', len);
      return iommu_sync_map(w, domain, u64(addr - pad), len.value);
    },
    (r) => r.toString(),
  );
}

/** static void iommu_dma_iova_unlink_range_slow(dev, addr, size, dir, attrs): per granule, CPU sync and swiotlb release. */
function unlinkRangeSlow(w: World, dev: DeviceObj, domain: DomainObj, addr0: bigint, size: bigint, dir: bigint, attrs: bigint): number {
  return w.run(
    'iommu_dma_iova_unlink_range_slow',
    traceArgs(w, ['dev', dev], ['addr', addr0, 'dma_addr_t'], ['size', size, 'size_t'], ['dir', dir, 'int'], ['attrs', attrs, 'unsigned long']),
    () => {
      const g = domain.granule;
      const needSync = !dev.coherent && (attrs & (DMA_ATTR_SKIP_CPU_SYNC | mmioBit(w))) === 0n;
      const end = u64(addr0 + size);
      let addr = addr0;
      let pad = sizeT(w, addr & (g - 1n));
      let released = 0;
      let steps = 0;
      do {
        const phys = domain.pageTable.iovaToPhys(addr);
        if (phys === 0n) {
          w.warn('!phys', `iommu_dma_iova_unlink_range_slow: IOVA ${hex(addr)} is not mapped`, false);
          return released;
        }
        // Outside the swiotlb pool every granule of an extent behaves alike: jump to the extent's end.
        const ext = domain.pageTable.extentAt(addr)!;
        const remaining = sizeT(w, end - addr);
        let len = remaining < g - pad ? remaining : g - pad;
        if (!w.pool.contains(phys)) {
          const extEnd = ext.iova + ext.size;
          const stop = extEnd < end ? extEnd : end;
          if (stop > addr + len) len = stop - addr;
        }
        if (needSync) cpuSync(w, 'arch_sync_dma_for_cpu', phys, len);
        if (swiotlb_tbl_unmap_single(w, dev, phys, len, dir, attrs)) released++;
        addr = u64(addr + len);
        pad = 0n;
        if (++steps > 1_000_000) throw new Error('model bug: unlink slow path exceeded its budget');
      } while (addr < end);
      if (needSync && w.features.flushInSync) cpuSync(w, 'arch_sync_dma_flush');
      return released;
    },
    (r) => `${r} bounce slot(s) released`,
  );
}

/** static void __iommu_dma_iova_unlink(dev, state, offset, size, dir, attrs, free_iova): the kernel's body. */
function iovaUnlinkBody(
  w: World,
  dev: DeviceObj,
  state: DmaIovaStateObj,
  offset: bigint,
  size: bigint,
  dir: bigint,
  attrs: bigint,
  freeIova: boolean,
): { unmapped: bigint; released: number } {
  const domain = w.domainOf(dev);
  const g = domain.granule;
  let addr = u64(state.addr + offset);
  const pad = sizeT(w, addr & (g - 1n));
  let released = 0;
  if ((state.rawSize & DMA_IOVA_USE_SWIOTLB) !== 0n || (!dev.coherent && (attrs & (DMA_ATTR_SKIP_CPU_SYNC | mmioBit(w))) === 0n)) {
    released = unlinkRangeSlow(w, dev, domain, addr, size, dir, attrs);
  }
  const len = alignSumSizeT(w, size, pad, g);
  reportWrap(w, 'iova_align(iovad, size + iova_start_pad)', len);
  addr = u64(addr - pad);
  const unmapped = iommu_unmap(w, domain, addr, len.value, true);
  if (unmapped !== len.value) w.warn('unmapped != size', `__iommu_dma_iova_unlink: unmapped ${hex(unmapped)} of ${hex(len.value)} bytes`, false);
  if (freeIova) iommu_dma_free_iova(w, domain, addr, len.value, w.newGather());
  return { unmapped, released };
}

function markUnlinked(w: World, state: DmaIovaStateObj, offset: bigint, size: bigint): void {
  const end = offset + size;
  for (const l of w.liveLinks(state)) {
    if (l.offset < end && l.offset + l.size > offset) {
      l.live = false;
      l.unlinkCall = w.callIndex();
    }
  }
}

/** void dma_iova_unlink(dev, state, offset, size, dir, attrs) */
export function dma_iova_unlink(w: World, dev: DeviceObj, state: DmaIovaStateObj, offset: bigint, size: bigint, dir: bigint, attrs: bigint): void {
  w.run(
    'dma_iova_unlink',
    traceArgs(w, ['dev', dev], ['state', state], ['offset', offset, 'size_t'], ['size', size, 'size_t'], ['dir', dir, 'int'], ['attrs', attrs, 'unsigned long']),
    () => {
      requireIommuDomain(w, 'dma_iova_unlink', dev);
      const off = sizeT(w, offset);
      const s = sizeT(w, size);
      if (requireLiveState(w, 'dma_iova_unlink', state, dev)) {
        checkRangeInState(w, 'unlink', state, off, s);
        checkUnlinkMirrors(w, state, off, s, dir, attrs, false);
      }
      iovaUnlinkBody(w, dev, state, off, s, dir, attrs, false);
      markUnlinked(w, state, off, s);
    },
    () => undefined,
  );
}

/** void dma_iova_destroy(dev, state, mapped_len, dir, attrs) */
export function dma_iova_destroy(w: World, dev: DeviceObj, state: DmaIovaStateObj, mappedLen: bigint, dir: bigint, attrs: bigint): void {
  w.run(
    'dma_iova_destroy',
    traceArgs(w, ['dev', dev], ['state', state], ['mapped_len', mappedLen, 'size_t'], ['dir', dir, 'int'], ['attrs', attrs, 'unsigned long']),
    () => {
      requireIommuDomain(w, 'dma_iova_destroy', dev);
      const len = sizeT(w, mappedLen);
      const { lifecycle, reservation } = w.stateLifecycle(state, dev);
      if (lifecycle === 'freed') {
        w.breach('no-double-free', `dma_iova_destroy on ${state.id}, whose IOVA was already freed by call #${reservation?.freeCall ?? '?'}`, {
          state: state.id,
        });
      } else if (lifecycle !== 'allocated') {
        requireLiveState(w, 'dma_iova_destroy', state, dev);
      }
      if (len !== 0n) {
        if (lifecycle === 'allocated') {
          checkRangeInState(w, 'destroy', state, 0n, len);
          checkUnlinkMirrors(w, state, 0n, len, dir, attrs, true);
        }
        iovaUnlinkBody(w, dev, state, 0n, len, dir, attrs, true);
        markUnlinked(w, state, 0n, len);
      } else {
        const left = w.liveLinks(state);
        if (lifecycle === 'allocated' && left.length > 0) {
          w.breach('unlink-mirrors-link', `dma_iova_destroy(mapped_len = 0) with ${left.length} link(s) still mapped`, { links: String(left.length) });
        }
        dma_iova_free(w, dev, state);
      }
    },
    () => undefined,
  );
}

/** bool dma_use_iova(state): __size != 0 (CONFIG_IOMMU_DMA). Stays true after free/destroy. */
export function dma_use_iova(w: World, state: DmaIovaStateObj): boolean {
  return w.run('dma_use_iova', traceArgs(w, ['state', state]), () => state.rawSize !== 0n, (r) => (r ? 'true' : 'false'));
}

/** size_t dma_iova_size(state) */
export function dma_iova_size(w: World, state: DmaIovaStateObj): bigint {
  return w.run('dma_iova_size', traceArgs(w, ['state', state]), () => iovaStateSize(w, state), (r) => hex(r));
}
