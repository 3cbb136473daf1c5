// The one-step streaming API (kernel/dma/mapping.c, direct.c/.h, dma-iommu.c): dma_map_phys and
// its page/single forms, their unmaps, dma_mapping_error, dma_need_unmap, dma_get_merge_boundary.
// A device without a DMA-IOMMU domain maps directly (dma address = phys) and bounces what its
// mask cannot reach.
import { minNotZero } from '../bitops.js';
import { hex } from '../ctypes.js';
import { findCoverageHole } from '../invariants.js';
import {
  DMA_ATTR_MMIO,
  DMA_ATTR_REQUIRE_COHERENT,
  DMA_ATTR_SKIP_CPU_SYNC,
  DMA_MAPPING_ERROR,
  ENOMEM,
  IO_TLB_SEGSIZE,
  IO_TLB_SIZE,
} from '../kconst.js';
import type { DeviceObj, PageObj } from '../objects.js';
import type { World } from '../world.js';
import { bugOnInvalidDirection, cpuSync, currentMask, devIsUntrusted, devUseSwiotlb, dmaInfoToProt, kmallocNeedsBounce, sizeT, traceArgs, u64 } from './common.js';
import { __iommu_dma_map, __iommu_dma_unmap, iommu_dma_map_swiotlb, swiotlb_tbl_map_single, swiotlb_tbl_unmap_single } from './iommu.js';

function mmioBit(w: World): bigint {
  return w.features.mmioAttr ? DMA_ATTR_MMIO : 0n;
}

function noSwiotlbAttrs(w: World): bigint {
  return mmioBit(w) | (w.features.requireCoherentAttr ? DMA_ATTR_REQUIRE_COHERENT : 0n);
}

/** dma_capable(dev, addr, size, true): end inside min_not_zero(*dma_mask, bus_dma_limit). */
function dmaCapable(dev: DeviceObj, addr: bigint, size: bigint): boolean {
  if (addr === DMA_MAPPING_ERROR) return false;
  const end = u64(addr + size - 1n);
  return end <= minNotZero(dev.dmaMaskCell?.value ?? 0n, dev.busDmaLimit);
}

/** iommu_dma_map_phys(dev, phys, size, dir, attrs) */
function iommuDmaMapPhys(w: World, dev: DeviceObj, phys: bigint, size: bigint, dir: bigint, attrs: bigint): bigint {
  const domain = w.domainOf(dev);
  const g = domain.granule;
  const prot = dmaInfoToProt(w, dir, dev.coherent, attrs);
  let p = phys;
  if (devUseSwiotlb(w, dev, size, dir) && ((p | size) & (g - 1n)) !== 0n) {
    if ((attrs & noSwiotlbAttrs(w)) !== 0n) return DMA_MAPPING_ERROR;
    p = iommu_dma_map_swiotlb(w, dev, p, size, dir, attrs);
    if (p === DMA_MAPPING_ERROR) return DMA_MAPPING_ERROR;
  }
  if (!dev.coherent && (attrs & (DMA_ATTR_SKIP_CPU_SYNC | mmioBit(w))) === 0n) {
    cpuSync(w, 'arch_sync_dma_for_device', p, size);
    cpuSync(w, 'arch_sync_dma_flush');
  }
  const iova = __iommu_dma_map(w, dev, p, size, prot, currentMask(dev), 'dma_map');
  if (iova === DMA_MAPPING_ERROR && (attrs & noSwiotlbAttrs(w)) === 0n) swiotlb_tbl_unmap_single(w, dev, p, size, dir, attrs);
  return iova;
}

/** swiotlb_map(dev, phys, size, dir, attrs) for the direct path. */
function swiotlbMap(w: World, dev: DeviceObj, phys: bigint, size: bigint, dir: bigint, attrs: bigint): bigint {
  const tlb = swiotlb_tbl_map_single(w, dev, phys, size, 0n, dir, attrs);
  if (tlb === DMA_MAPPING_ERROR) return DMA_MAPPING_ERROR;
  if (!dmaCapable(dev, tlb, size)) {
    swiotlb_tbl_unmap_single(w, dev, tlb, size, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
    w.warn('1', `swiotlb addr ${hex(tlb)}+${hex(size)} overflow (mask ${hex(dev.dmaMaskCell?.value ?? 0n)}, bus limit ${hex(dev.busDmaLimit)}).`);
    return DMA_MAPPING_ERROR;
  }
  return tlb;
}

/** dma_direct_map_phys(dev, phys, size, dir, attrs): the DMA address is the physical address. */
function directMapPhys(w: World, dev: DeviceObj, phys: bigint, size: bigint, dir: bigint, attrs: bigint): bigint {
  const mmio = (attrs & mmioBit(w)) !== 0n;
  const capable = dmaCapable(dev, phys, size);
  if (!mmio && (!capable || kmallocNeedsBounce(w, dev, size, dir))) {
    if (w.pool.active) return swiotlbMap(w, dev, phys, size, dir, attrs);
  }
  if (!capable) {
    w.warn('1', `DMA addr ${hex(phys)}+${hex(size)} overflow (mask ${hex(dev.dmaMaskCell?.value ?? 0n)}, bus limit ${hex(dev.busDmaLimit)}).`);
    return DMA_MAPPING_ERROR;
  }
  if (!dev.coherent && (attrs & (DMA_ATTR_SKIP_CPU_SYNC | mmioBit(w))) === 0n) cpuSync(w, 'arch_sync_dma_for_device', phys, size);
  return phys;
}

/** dma_addr_t dma_map_phys(dev, phys, size, dir, attrs) */
export function dma_map_phys(w: World, dev: DeviceObj, phys: bigint, size: bigint, dir: bigint, attrs: bigint, as = 'dma_map_phys'): bigint {
  return w.run(
    as,
    traceArgs(w, ['dev', dev], ['phys', phys, 'phys_addr_t'], ['size', size, 'size_t'], ['dir', dir, 'int'], ['attrs', attrs, 'unsigned long']),
    () => mapPhysBody(w, dev, u64(phys), sizeT(w, size), dir, attrs),
    (r) => hex(r),
  );
}

function mapPhysBody(w: World, dev: DeviceObj, phys: bigint, size: bigint, dir: bigint, attrs: bigint): bigint {
  bugOnInvalidDirection(dir);
  if (!dev.dmaMaskCell) {
    w.warn('!dev->dma_mask', 'dma_map: the device has no DMA mask');
    return DMA_MAPPING_ERROR;
  }
  if (w.features.requireCoherentAttr && !dev.coherent && (attrs & DMA_ATTR_REQUIRE_COHERENT) !== 0n) return DMA_MAPPING_ERROR;
  const resBefore = w.reservations.length;
  const slotsBefore = w.pool.all().length;
  const dma = dev.dmaIommu && dev.domain ? iommuDmaMapPhys(w, dev, phys, size, dir, attrs) : directMapPhys(w, dev, phys, size, dir, attrs);
  if (dma === DMA_MAPPING_ERROR) return dma;
  const res = w.reservations.slice(resBefore).find((r) => r.live);
  const slot = w.pool.all().slice(slotsBefore).find((s) => s.live);
  const m = w.addMapping({ device: dev, dma, size, phys, dir, attrs, ...(res ? { reservationId: res.id } : {}), ...(slot ? { bounceId: slot.id } : {}) });
  if (res) res.owner = `map${m.id}`;
  if (dev.domain && dev.dmaIommu) {
    const hole = findCoverageHole(w, dev.domain, dma, phys, size);
    if (hole) w.breach('mapping-covers-buffer', `dma_map result ${hex(dma)}: ${hole}`, { dma: hex(dma) });
  }
  return dma;
}

/** dma_map_page_attrs(dev, page, offset, size, dir, attrs) = dma_map_phys(page_to_phys(page) + offset, ...) */
export function dma_map_page_attrs(w: World, dev: DeviceObj, page: PageObj | bigint, offset: bigint, size: bigint, dir: bigint, attrs: bigint, as = 'dma_map_page_attrs'): bigint {
  const pagePhys = typeof page === 'bigint' ? page : page.phys;
  return w.run(
    as,
    traceArgs(w, ['dev', dev], ['page', typeof page === 'bigint' ? page : page, 'phys_addr_t'], ['offset', offset, 'size_t'], ['size', size, 'size_t'], ['dir', dir, 'int'], ['attrs', attrs, 'unsigned long']),
    () => mapPhysBody(w, dev, u64(pagePhys + sizeT(w, offset)), sizeT(w, size), dir, attrs),
    (r) => hex(r),
  );
}

/** dma_map_single_attrs(dev, ptr, size, dir, attrs): the model's linear map is the identity (virt == phys). */
export function dma_map_single_attrs(w: World, dev: DeviceObj, ptr: bigint, size: bigint, dir: bigint, attrs: bigint, as = 'dma_map_single_attrs'): bigint {
  return w.run(
    as,
    traceArgs(w, ['dev', dev], ['ptr', ptr, 'unsigned long'], ['size', size, 'size_t'], ['dir', dir, 'int'], ['attrs', attrs, 'unsigned long']),
    () => mapPhysBody(w, dev, u64(ptr), sizeT(w, size), dir, attrs),
    (r) => hex(r),
  );
}

/** Caller-side checks of an unmap: it must mirror one live mapping (same address, size, direction). */
function checkUnmap(w: World, dev: DeviceObj, addr: bigint, size: bigint, dir: bigint): void {
  const m = w.liveMappingAt(dev, addr);
  if (m) {
    if (m.size !== size) {
      w.breach('unlink-mirrors-link', `dma_unmap of ${hex(addr)} with size ${hex(size)}; it was mapped with size ${hex(m.size)}`, {
        dma: hex(addr),
        mapped: hex(m.size),
        unmapped: hex(size),
      });
    }
    if (m.dir !== dir) {
      w.breach('unlink-mirrors-link', `dma_unmap of ${hex(addr)} with direction ${dir}; it was mapped with ${m.dir}`, { dma: hex(addr) });
    }
    w.releaseMapping(m);
    return;
  }
  const earlier = w.lastUnmappedAt(dev, addr);
  const inState = dev.domain ? w.liveReservationHolding(dev.domain, addr) : undefined;
  if (earlier) {
    w.breach('no-double-free', `DMA address ${hex(addr)} unmapped again (first unmapped by call #${earlier.unmapCall ?? '?'})`, { dma: hex(addr) });
  } else if (inState && inState.owner.startsWith('state')) {
    w.breach('no-double-free', `DMA address ${hex(addr)} belongs to the IOVA range of ${inState.owner}: destroying that state unmaps it again`, {
      dma: hex(addr),
      owner: inState.owner,
    });
  } else {
    w.breach('unlink-mirrors-link', `dma_unmap of ${hex(addr)}, which no dma_map_* returned`, { dma: hex(addr) });
  }
}

/** void dma_unmap_phys(dev, addr, size, dir, attrs) */
export function dma_unmap_phys(w: World, dev: DeviceObj, addr: bigint, size: bigint, dir: bigint, attrs: bigint, as = 'dma_unmap_phys'): void {
  w.run(
    as,
    traceArgs(w, ['dev', dev], ['addr', addr, 'dma_addr_t'], ['size', size, 'size_t'], ['dir', dir, 'int'], ['attrs', attrs, 'unsigned long']),
    () => {
      const a = u64(addr);
      const s = sizeT(w, size);
      bugOnInvalidDirection(dir);
      checkUnmap(w, dev, a, s, dir);
      if (dev.dmaIommu && dev.domain) {
        if ((attrs & noSwiotlbAttrs(w)) !== 0n) {
          __iommu_dma_unmap(w, dev, a, s);
          return;
        }
        const phys = dev.domain.pageTable.iovaToPhys(a);
        if (phys === 0n) {
          w.warn('!phys', `iommu_dma_unmap_phys: ${hex(a)} is not mapped`, false);
          return;
        }
        if ((attrs & DMA_ATTR_SKIP_CPU_SYNC) === 0n && !dev.coherent) {
          cpuSync(w, 'arch_sync_dma_for_cpu', phys, s);
          cpuSync(w, 'arch_sync_dma_flush');
        }
        __iommu_dma_unmap(w, dev, a, s);
        swiotlb_tbl_unmap_single(w, dev, phys, s, dir, attrs);
        return;
      }
      if ((attrs & (DMA_ATTR_SKIP_CPU_SYNC | mmioBit(w))) === 0n && !dev.coherent) cpuSync(w, 'arch_sync_dma_for_cpu', a, s);
      if (w.pool.contains(a)) swiotlb_tbl_unmap_single(w, dev, a, s, dir, attrs);
    },
    () => undefined,
  );
}

/** int dma_mapping_error(dev, dma_addr): -ENOMEM for DMA_MAPPING_ERROR, else 0. */
export function dma_mapping_error(w: World, dev: DeviceObj, addr: bigint): bigint {
  return w.run('dma_mapping_error', traceArgs(w, ['dev', dev], ['dma_addr', addr, 'dma_addr_t']), () => (u64(addr) === DMA_MAPPING_ERROR ? -ENOMEM : 0n), (r) => r.toString());
}

/** bool dma_need_unmap(dev): always for IOMMU devices; for direct ones when CPU syncs or bouncing can happen. */
export function dma_need_unmap(w: World, dev: DeviceObj): boolean {
  return w.run('dma_need_unmap', traceArgs(w, ['dev', dev]), () => (dev.dmaIommu ? true : !dev.coherent || w.options.kmallocBounce), (r) => String(r));
}

/** unsigned long dma_get_merge_boundary(dev): granule - 1 behind a DMA-IOMMU domain, else 0. */
export function dma_get_merge_boundary(w: World, dev: DeviceObj): bigint {
  return w.run('dma_get_merge_boundary', traceArgs(w, ['dev', dev]), () => (dev.dmaIommu && dev.domain ? dev.domain.granule - 1n : 0n), (r) => hex(r));
}

/** size_t dma_max_mapping_size(dev): the swiotlb limit for untrusted (bouncing) devices, else SIZE_MAX. */
export function dma_max_mapping_size(w: World, dev: DeviceObj): bigint {
  return w.run(
    'dma_max_mapping_size',
    traceArgs(w, ['dev', dev]),
    () => {
      const sizeMax = sizeT(w, -1n);
      if (devIsUntrusted(dev) && w.pool.active) {
        const minAlign = dev.minAlignMask;
        const rounded = minAlign ? ((minAlign + IO_TLB_SIZE - 1n) / IO_TLB_SIZE) * IO_TLB_SIZE : 0n;
        return IO_TLB_SIZE * IO_TLB_SEGSIZE - rounded;
      }
      return sizeMax;
    },
    (r) => hex(r),
  );
}

/** size_t dma_opt_mapping_size(dev): iova_rcache_range() for IOMMU devices, bounded by the max. */
export function dma_opt_mapping_size(w: World, dev: DeviceObj): bigint {
  return w.run(
    'dma_opt_mapping_size',
    traceArgs(w, ['dev', dev]),
    () => {
      const maxSize = dma_max_mapping_size(w, dev);
      const opt = dev.dmaIommu ? w.pageSize << 5n : sizeT(w, -1n);
      return opt < maxSize ? opt : maxSize;
    },
    (r) => hex(r),
  );
}
