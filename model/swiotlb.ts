// One swiotlb pool (kernel/dma/swiotlb.c): 2 KiB slots, runs of at most IO_TLB_SEGSIZE slots,
// slot alignment to alloc_align_mask, and the in-slot offset swiotlb_align_offset() keeps:
// orig & min_align_mask & (alloc_align_mask | (IO_TLB_SIZE - 1)). Simplified: one area searched
// first-fit from its start (the kernel rotates a per-area start index), so slot addresses differ
// from a real pool while offsets and alignment agree. Data is not copied.
import { IO_TLB_SEGSIZE, IO_TLB_SHIFT, IO_TLB_SIZE } from './kconst.js';

export interface BounceSlot {
  id: number;
  /** The address swiotlb_tbl_map_single returned. */
  tlbAddr: bigint;
  /** First slot of the run and its length in slots. */
  slotIndex: bigint;
  nslots: bigint;
  /** The caller's buffer this slot stands for. */
  origAddr: bigint;
  /** Bytes mapped (mapping_size). */
  size: bigint;
  live: boolean;
}

export type BounceFailure = 'inactive' | 'too-large' | 'full';

export class SwiotlbPool {
  readonly start: bigint;
  readonly nslabs: bigint;
  readonly active: boolean;
  private readonly slots: BounceSlot[] = [];
  private readonly liveSlots = new Set<BounceSlot>();
  private nextId = 1;

  constructor(start: bigint, bytes: bigint, active: boolean) {
    this.start = start;
    this.nslabs = bytes >> IO_TLB_SHIFT;
    this.active = active;
  }

  get end(): bigint {
    return this.start + (this.nslabs << IO_TLB_SHIFT);
  }

  all(): readonly BounceSlot[] {
    return this.slots;
  }

  live(): BounceSlot[] {
    return [...this.liveSlots];
  }

  /** is_swiotlb_buffer / swiotlb_find_pool */
  contains(phys: bigint): boolean {
    return this.active && phys >= this.start && phys < this.end;
  }

  /** swiotlb_align_offset(dev, align_mask, addr) */
  static alignOffset(minAlignMask: bigint, allocAlignMask: bigint, addr: bigint): bigint {
    return addr & minAlignMask & (allocAlignMask | (IO_TLB_SIZE - 1n));
  }

  /** swiotlb_tbl_map_single: the bounce address, or why it failed (the caller maps that to DMA_MAPPING_ERROR). */
  map(orig: bigint, size: bigint, allocAlignMask: bigint, minAlignMask: bigint, pageSize = 4096n): BounceSlot | BounceFailure {
    if (!this.active || this.nslabs === 0n) return 'inactive';
    const offset = SwiotlbPool.alignOffset(minAlignMask, allocAlignMask, orig);
    const nslots = (size + offset + IO_TLB_SIZE - 1n) >> IO_TLB_SHIFT;
    if (nslots > IO_TLB_SEGSIZE || nslots === 0n) return nslots === 0n ? 'full' : 'too-large';
    // swiotlb_search_pool_area: page-align unconstrained allocations of a page or more.
    const align = allocAlignMask === 0n && minAlignMask === 0n && size + offset >= pageSize ? pageSize - 1n : allocAlignMask;
    const slotAlign = align | (IO_TLB_SIZE - 1n);
    const iotlbAlignMask = minAlignMask & ~slotAlign;
    const stride = (slotAlign >> IO_TLB_SHIFT) + 1n;
    for (let index = 0n; index + nslots <= this.nslabs; index += stride) {
      const addr = this.start + (index << IO_TLB_SHIFT);
      if ((addr & slotAlign) !== 0n) continue;
      if ((addr & iotlbAlignMask) !== (orig & iotlbAlignMask)) continue;
      if (this.runIsBusy(index, nslots)) continue;
      const slot: BounceSlot = { id: this.nextId++, tlbAddr: addr + offset, slotIndex: index, nslots, origAddr: orig, size, live: true };
      this.slots.push(slot);
      this.liveSlots.add(slot);
      return slot;
    }
    return 'full';
  }

  private runIsBusy(index: bigint, nslots: bigint): boolean {
    for (const s of this.liveSlots) if (s.slotIndex < index + nslots && index < s.slotIndex + s.nslots) return true;
    return false;
  }

  /** The live slot whose run holds phys. */
  liveSlotHolding(phys: bigint): BounceSlot | undefined {
    if (!this.contains(phys)) return undefined;
    const index = (phys - this.start) >> IO_TLB_SHIFT;
    for (const s of this.liveSlots) if (index >= s.slotIndex && index < s.slotIndex + s.nslots) return s;
    return undefined;
  }

  /** A released slot that handed out exactly tlbAddr (for double-release reports). */
  releasedSlotAt(tlbAddr: bigint): BounceSlot | undefined {
    return [...this.slots].reverse().find((s) => !s.live && s.tlbAddr === tlbAddr);
  }

  /** swiotlb_release_slots: releases the run holding tlbAddr. */
  release(slot: BounceSlot): void {
    slot.live = false;
    this.liveSlots.delete(slot);
  }
}
