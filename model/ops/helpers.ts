// The iova.h helpers and the small dma-iommu / device predicates interpreted code may call.
import { alignDown, alignUp, fls, isPowerOfTwo, orderBase2, roundupPowOfTwo } from '../bitops.js';
import { hex } from '../ctypes.js';
import type { DeviceObj, DomainObj, IovaDomainObj, IovaObj, PageObj } from '../objects.js';
import type { World } from '../world.js';
import { devIsUntrusted, devUseSwiotlb, dmaInfoToProt, sizeT, traceArgs, u64, ulong } from './common.js';

/** size_t iova_offset(iovad, iova): the in-granule offset (iova is dma_addr_t; callers pass phys too). */
export function iova_offset(w: World, iovad: IovaDomainObj, a: bigint): bigint {
  return w.run('iova_offset', traceArgs(w, ['iovad', iovad], ['iova', a, 'dma_addr_t']), () => sizeT(w, u64(a) & (iovad.granule - 1n)), (r) => hex(r));
}

/** size_t iova_align(iovad, size): ALIGN(size, granule) in size_t; a wrap is a size-no-wrap breach. */
export function iova_align(w: World, iovad: IovaDomainObj, size: bigint): bigint {
  return w.run(
    'iova_align',
    traceArgs(w, ['iovad', iovad], ['size', size, 'size_t']),
    () => {
      const s = sizeT(w, size);
      const g = iovad.granule;
      const v = alignUp(s, g, w.dm.longBits);
      const exact = ((s + g - 1n) / g) * g;
      if (v !== exact) {
        w.breach('size-no-wrap', `iova_align(${hex(s)}) wraps in ${w.dm.longBits}-bit size_t to ${hex(v)}`, { size: hex(s), stored: hex(v) });
      }
      return v;
    },
    (r) => hex(r),
  );
}

/** dma_addr_t iova_align_down(iovad, size) */
export function iova_align_down(w: World, iovad: IovaDomainObj, a: bigint): bigint {
  return w.run('iova_align_down', traceArgs(w, ['iovad', iovad], ['size', a, 'dma_addr_t']), () => alignDown(u64(a), iovad.granule), (r) => hex(r));
}

/** unsigned long iova_shift(iovad) = __ffs(granule) */
export function iova_shift(w: World, iovad: IovaDomainObj): bigint {
  return w.run('iova_shift', traceArgs(w, ['iovad', iovad]), () => BigInt(fls(iovad.granule) - 1), (r) => r.toString());
}

/** unsigned long iova_mask(iovad) = granule - 1 */
export function iova_mask(w: World, iovad: IovaDomainObj): bigint {
  return w.run('iova_mask', traceArgs(w, ['iovad', iovad]), () => iovad.granule - 1n, (r) => hex(r));
}

/** unsigned long iova_pfn(iovad, iova) = iova >> shift */
export function iova_pfn(w: World, iovad: IovaDomainObj, a: bigint): bigint {
  return w.run('iova_pfn', traceArgs(w, ['iovad', iovad], ['iova', a, 'dma_addr_t']), () => ulong(w, u64(a) >> BigInt(fls(iovad.granule) - 1)), (r) => hex(r));
}

/** dma_addr_t iova_dma_addr(iovad, iova) = pfn_lo << shift */
export function iova_dma_addr(w: World, iovad: IovaDomainObj, iova: IovaObj): bigint {
  return w.run('iova_dma_addr', traceArgs(w, ['iovad', iovad], ['iova', iova]), () => u64(iova.pfnLo << BigInt(fls(iovad.granule) - 1)), (r) => hex(r));
}

/** size_t iova_unaligned(iovad, phys, size) = iova_offset(iovad, phys | size): start or length off-granule. */
export function iova_unaligned(w: World, iovad: IovaDomainObj, phys: bigint, size: bigint): bigint {
  return w.run(
    'iova_unaligned',
    traceArgs(w, ['iovad', iovad], ['phys', phys, 'phys_addr_t'], ['size', size, 'size_t']),
    () => sizeT(w, (u64(phys) | sizeT(w, size)) & (iovad.granule - 1n)),
    (r) => hex(r),
  );
}

/** unsigned long iova_rcache_range(void) = PAGE_SIZE << (IOVA_RANGE_CACHE_MAX_SIZE - 1) */
export function iova_rcache_range(w: World): bigint {
  return w.run('iova_rcache_range', {}, () => ulong(w, w.pageSize << 5n), (r) => hex(r));
}

/** struct iommu_domain *iommu_get_dma_domain(dev): the default domain, NULL for a device without one. */
export function iommu_get_dma_domain(w: World, dev: DeviceObj): DomainObj | null {
  return w.run('iommu_get_dma_domain', traceArgs(w, ['dev', dev]), () => dev.domain, (r) => (r ? r.id : 'NULL'));
}

export function use_dma_iommu(w: World, dev: DeviceObj): boolean {
  return w.run('use_dma_iommu', traceArgs(w, ['dev', dev]), () => dev.dmaIommu, (r) => String(r));
}

export function dev_is_dma_coherent(w: World, dev: DeviceObj): boolean {
  return w.run('dev_is_dma_coherent', traceArgs(w, ['dev', dev]), () => dev.coherent, (r) => String(r));
}

export function dev_is_untrusted(w: World, dev: DeviceObj): boolean {
  return w.run('dev_is_untrusted', traceArgs(w, ['dev', dev]), () => devIsUntrusted(dev), (r) => String(r));
}

export function dev_use_swiotlb(w: World, dev: DeviceObj, size: bigint, dir: bigint): boolean {
  return w.run('dev_use_swiotlb', traceArgs(w, ['dev', dev], ['size', size, 'size_t'], ['dir', dir, 'int']), () => devUseSwiotlb(w, dev, sizeT(w, size), dir), (r) => String(r));
}

export function dma_info_to_prot(w: World, dir: bigint, coherent: boolean, attrs: bigint): bigint {
  return w.run('dma_info_to_prot', traceArgs(w, ['dir', dir, 'int'], ['coherent', coherent], ['attrs', attrs, 'unsigned long']), () => dmaInfoToProt(w, dir, coherent, attrs), (r) => r.toString());
}

/** unsigned int dma_get_min_align_mask(dev) */
export function dma_get_min_align_mask(w: World, dev: DeviceObj): bigint {
  return w.run('dma_get_min_align_mask', traceArgs(w, ['dev', dev]), () => dev.minAlignMask, (r) => hex(r));
}

export function is_swiotlb_buffer(w: World, dev: DeviceObj, phys: bigint): boolean {
  return w.run('is_swiotlb_buffer', traceArgs(w, ['dev', dev], ['phys', phys, 'phys_addr_t']), () => w.pool.contains(u64(phys)), (r) => String(r));
}

export function is_swiotlb_active(w: World, dev: DeviceObj): boolean {
  return w.run('is_swiotlb_active', traceArgs(w, ['dev', dev]), () => w.pool.active, (r) => String(r));
}

/** phys_addr_t page_to_phys(page) */
export function page_to_phys(w: World, page: PageObj): bigint {
  return w.run('page_to_phys', traceArgs(w, ['page', page]), () => page.phys, (r) => hex(r));
}

/** phys_addr_t virt_to_phys(addr): identity in the model's linear map. */
export function virt_to_phys(w: World, addr: bigint): bigint {
  return w.run('virt_to_phys', traceArgs(w, ['address', addr, 'unsigned long']), () => u64(addr), (r) => hex(r));
}

/** Pure log2/bit helpers in unsigned long, for interpreted code that calls them as functions. */
export function roundup_pow_of_two(w: World, n: bigint): bigint {
  return w.run('roundup_pow_of_two', traceArgs(w, ['n', n, 'unsigned long']), () => roundupPowOfTwo(ulong(w, n), w.dm.longBits), (r) => hex(r));
}

export function order_base_2(w: World, n: bigint): bigint {
  return w.run('order_base_2', traceArgs(w, ['n', n, 'unsigned long']), () => BigInt(orderBase2(ulong(w, n))), (r) => r.toString());
}

export function __ffs(w: World, n: bigint): bigint {
  return w.run(
    '__ffs',
    traceArgs(w, ['word', n, 'unsigned long']),
    () => {
      const v = ulong(w, n);
      if (v === 0n) {
        w.info('__ffs', '__ffs(0) is undefined');
        return 0n;
      }
      let i = 0n;
      while (((v >> i) & 1n) === 0n) i++;
      return i;
    },
    (r) => r.toString(),
  );
}

export function fls_long(w: World, n: bigint): bigint {
  return w.run('fls_long', traceArgs(w, ['l', n, 'unsigned long']), () => BigInt(fls(ulong(w, n))), (r) => r.toString());
}

export function is_power_of_2(w: World, n: bigint): boolean {
  return w.run('is_power_of_2', traceArgs(w, ['n', n, 'unsigned long']), () => isPowerOfTwo(ulong(w, n)), (r) => String(r));
}
