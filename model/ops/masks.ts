// DMA masks (include/linux/dma-mapping.h, kernel/dma/mapping.c): dma_get_mask with its 32-bit
// default, dma_set_mask / dma_set_coherent_mask / dma_set_mask_and_coherent with dma_supported(),
// and DMA_BIT_MASK evaluated on an integer argument.
import { dmaBitMask } from '../bitops.js';
import { hex } from '../ctypes.js';
import { EIO } from '../kconst.js';
import type { DeviceObj } from '../objects.js';
import type { World } from '../world.js';
import { currentMask, traceArgs, u64 } from './common.js';

/** dma_supported(dev, mask): any mask behind an IOMMU; at least ZONE_DMA's reach for direct mapping. */
function dmaSupported(w: World, dev: DeviceObj, mask: bigint): boolean {
  if (dev.dmaIommu) return true;
  return mask >= (1n << BigInt(w.options.directMinMaskBits)) - 1n;
}

/** u64 dma_get_mask(dev) */
export function dma_get_mask(w: World, dev: DeviceObj): bigint {
  return w.run('dma_get_mask', traceArgs(w, ['dev', dev]), () => currentMask(dev), (r) => hex(r));
}

/** int dma_set_mask(dev, mask) */
export function dma_set_mask(w: World, dev: DeviceObj, mask: bigint): bigint {
  return w.run(
    'dma_set_mask',
    traceArgs(w, ['dev', dev], ['mask', mask, 'u64']),
    () => {
      const m = u64(mask);
      if (!dev.dmaMaskCell || !dmaSupported(w, dev, m)) return -EIO;
      dev.dmaMaskCell.value = m;
      return 0n;
    },
    (r) => r.toString(),
  );
}

/** int dma_set_coherent_mask(dev, mask) */
export function dma_set_coherent_mask(w: World, dev: DeviceObj, mask: bigint): bigint {
  return w.run(
    'dma_set_coherent_mask',
    traceArgs(w, ['dev', dev], ['mask', mask, 'u64']),
    () => {
      const m = u64(mask);
      if (!dmaSupported(w, dev, m)) return -EIO;
      dev.coherentDmaMask = m;
      return 0n;
    },
    (r) => r.toString(),
  );
}

/** int dma_set_mask_and_coherent(dev, mask): the coherent mask only when the streaming one took. */
export function dma_set_mask_and_coherent(w: World, dev: DeviceObj, mask: bigint): bigint {
  return w.run(
    'dma_set_mask_and_coherent',
    traceArgs(w, ['dev', dev], ['mask', mask, 'u64']),
    () => {
      const rc = dma_set_mask(w, dev, mask);
      if (rc === 0n) dma_set_coherent_mask(w, dev, mask);
      return rc;
    },
    (r) => r.toString(),
  );
}

/**
 * DMA_BIT_MASK(n) on an evaluated n. For n outside 1..64 the macro is not meaningful (the old form
 * shifts by n, the GENMASK_ULL form does not build); the model returns the old form's x86 value
 * (shift count taken mod 64) and records an info event, so a caller can report it.
 */
export function DMA_BIT_MASK(w: World, n: bigint): bigint {
  return w.run(
    'DMA_BIT_MASK',
    { n: n.toString() },
    () => {
      const m = dmaBitMask(n);
      if (m !== undefined) return m;
      w.info('DMA_BIT_MASK', `DMA_BIT_MASK(${n}) is not meaningful: n must be in 1..64`);
      if (n === 64n) return (1n << 64n) - 1n;
      return u64((1n << BigInt.asUintN(6, n)) - 1n);
    },
    (r) => hex(r),
  );
}
