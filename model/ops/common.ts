// Small pieces every operation uses: trace argument records, size_t arithmetic that reports its
// own wrap-around, and the device predicates of dma-iommu.c / dma-mapping.h.
import { alignUp, minNotZero, roundupPowOfTwo } from '../bitops.js';
import { hex, wrap } from '../ctypes.js';
import {
  DMA_ATTR_MMIO,
  DMA_ATTR_PRIVILEGED,
  DMA_BIDIRECTIONAL,
  DMA_FROM_DEVICE,
  DMA_TO_DEVICE,
  IOMMU_CACHE,
  IOMMU_MMIO,
  IOMMU_PRIV,
  IOMMU_READ,
  IOMMU_WRITE,
} from '../kconst.js';
import type { DeviceObj } from '../objects.js';
import type { ArgValue, World } from '../world.js';
import { KernelOops } from '../world.js';

/** A trace argument record from [name, value, C type] triples. */
export function traceArgs(w: World, ...pairs: Array<[string, ArgValue | undefined, string?]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value, cType] of pairs) out[name] = w.fmt(value, cType);
  return out;
}

export function sizeT(w: World, v: bigint): bigint {
  return wrap(v, w.type('size_t'));
}

export function ulong(w: World, v: bigint): bigint {
  return wrap(v, w.type('unsigned long'));
}

export function u64(v: bigint): bigint {
  return BigInt.asUintN(64, v);
}

/**
 * iova_align(iovad, a + b) with a, b already size_t: the sum and the ALIGN both wrap in size_t,
 * as the kernel computes them. Returns the stored value and whether the exact value differed.
 */
export function alignSumSizeT(w: World, a: bigint, b: bigint, granule: bigint): { value: bigint; exact: bigint; wrapped: boolean } {
  const bits = w.dm.longBits;
  const sum = sizeT(w, a + b);
  const value = alignUp(sum, granule, bits);
  const exact = ((a + b + granule - 1n) / granule) * granule;
  return { value, exact, wrapped: value !== exact };
}

/** Records a size-no-wrap breach when an alignment wrapped. */
export function reportWrap(w: World, what: string, r: { value: bigint; exact: bigint; wrapped: boolean }): void {
  if (!r.wrapped) return;
  w.breach('size-no-wrap', `${what} wraps in ${w.dm.longBits}-bit size_t: exact ${hex(r.exact)}, stored ${hex(r.value)}`, {
    exact: hex(r.exact),
    stored: hex(r.value),
  });
}

export function validDirection(dir: bigint): boolean {
  return dir === DMA_BIDIRECTIONAL || dir === DMA_TO_DEVICE || dir === DMA_FROM_DEVICE;
}

/** BUG_ON(!valid_dma_direction(dir)) */
export function bugOnInvalidDirection(dir: bigint): void {
  if (!validDirection(dir)) throw new KernelOops(`BUG_ON(!valid_dma_direction(dir)): dir = ${dir}`);
}

/** dev_is_untrusted: a PCI device with ->untrusted set. */
export function devIsUntrusted(dev: DeviceObj): boolean {
  return dev.pci && dev.untrusted;
}

/** dma_kmalloc_size_aligned (simplified: kmalloc caches are taken as power-of-two sized). */
export function kmallocSizeAligned(w: World, size: bigint): boolean {
  const minAlign = w.options.dmaMinAlign;
  if (size >= 2n * minAlign) return true;
  const rounded = roundupPowOfTwo(size < 8n ? 8n : size, 64);
  return rounded % minAlign === 0n;
}

/** dma_kmalloc_needs_bounce(dev, size, dir) */
export function kmallocNeedsBounce(w: World, dev: DeviceObj, size: bigint, dir: bigint): boolean {
  return w.options.kmallocBounce && !dev.coherent && dir !== DMA_TO_DEVICE && !kmallocSizeAligned(w, size);
}

/** dev_use_swiotlb(dev, size, dir): untrusted, or an unaligned kmalloc buffer on a non-coherent device. */
export function devUseSwiotlb(w: World, dev: DeviceObj, size: bigint, dir: bigint): boolean {
  return w.pool.active && (devIsUntrusted(dev) || kmallocNeedsBounce(w, dev, size, dir));
}

/** dma_info_to_prot(dir, coherent, attrs) */
export function dmaInfoToProt(w: World, dir: bigint, coherent: boolean, attrs: bigint): bigint {
  let prot: bigint;
  if (w.features.mmioAttr && (attrs & DMA_ATTR_MMIO) !== 0n) prot = IOMMU_MMIO;
  else prot = coherent ? IOMMU_CACHE : 0n;
  if ((attrs & DMA_ATTR_PRIVILEGED) !== 0n) prot |= IOMMU_PRIV;
  switch (dir) {
    case DMA_BIDIRECTIONAL:
      return prot | IOMMU_READ | IOMMU_WRITE;
    case DMA_TO_DEVICE:
      return prot | IOMMU_READ;
    case DMA_FROM_DEVICE:
      return prot | IOMMU_WRITE;
    default:
      return 0n;
  }
}

/** dma_get_mask(dev): *dev->dma_mask when set and non-zero, else DMA_BIT_MASK(32). */
export function currentMask(dev: DeviceObj): bigint {
  const cell = dev.dmaMaskCell;
  if (cell && cell.value !== 0n) return cell.value;
  return 0xffffffffn;
}

/** The highest IOVA a streaming mapping of `dev` may use: min_not_zero(mask, bus limit), capped by the aperture. */
export function deviceIovaLimit(dev: DeviceObj): bigint {
  let limit = minNotZero(currentMask(dev), dev.busDmaLimit);
  const geo = dev.domain?.geometry;
  if (geo?.forceAperture && geo.apertureEnd < limit) limit = geo.apertureEnd;
  return limit;
}

/** The CPU cache maintenance the kernel would do, as an info event (the model keeps no data). */
export function cpuSync(w: World, fn: 'arch_sync_dma_for_device' | 'arch_sync_dma_for_cpu' | 'arch_sync_dma_flush', phys?: bigint, size?: bigint): void {
  w.info(fn, phys === undefined ? `${fn}()` : `${fn}(${hex(phys)}, ${hex(size ?? 0n)})`);
}
