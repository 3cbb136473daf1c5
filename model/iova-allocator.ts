// The IOVA allocator of drivers/iommu/iova.c: an ordered set of ranges (the kernel's rbtree, here a
// sorted array with the same predecessor/successor walk), the cached starting nodes, the 32-bit
// "full" shortcut, and the per-size range caches (one CPU's loaded/prev magazines plus the depot).
// All pfn arithmetic is in unsigned long of the data model's width.
import { fls, orderBase2, roundupPowOfTwo } from './bitops.js';
import { IOVA_MAG_SIZE, IOVA_RANGE_CACHE_MAX_SIZE } from './kconst.js';

export interface IovaNode {
  pfnLo: bigint;
  pfnHi: bigint;
  /** The anchor node at IOVA_ANCHOR that every tree holds (init_iova_domain). */
  anchor?: boolean;
}

export interface AllocatorNote {
  kind: 'info' | 'warn';
  what: string;
  message: string;
}

interface RangeCache {
  loaded: bigint[];
  prev: bigint[];
  /** Full magazines, last pushed first popped (iova_depot_push/pop). */
  depot: bigint[][];
}

/** Result of alloc_iova_fast: the pfn (0 on failure) and the granules actually taken. */
export interface FastAllocation {
  pfn: bigint;
  granules: bigint;
  fromRcache: boolean;
}

/** Loop bound for the tree walk; the kernel's walk is bounded by the node count. */
const WALK_BUDGET_PER_NODE = 4;

export class IovaAllocator {
  readonly granule: bigint;
  readonly shift: number;
  readonly startPfn: bigint;
  readonly ulongBits: number;
  readonly dma32bitPfn: bigint;
  max32AllocSize: bigint;
  /** Sorted by pfnLo; the anchor is always last. */
  readonly nodes: IovaNode[];
  readonly anchorNode: IovaNode;
  cachedNode: IovaNode;
  cached32Node: IovaNode;
  readonly rcaches: RangeCache[];
  /** Notes (WARNs, cache activity) since the last drain; the world turns them into events. */
  private notes: AllocatorNote[] = [];

  /** init_iova_domain(iovad, granule, start_pfn). */
  constructor(granule: bigint, startPfn: bigint, ulongBits: number) {
    this.granule = granule;
    this.shift = fls(granule) - 1;
    this.startPfn = startPfn;
    this.ulongBits = ulongBits;
    this.dma32bitPfn = 1n << BigInt(32 - this.shift);
    this.max32AllocSize = this.dma32bitPfn;
    const anchorPfn = this.ul(-1n);
    this.anchorNode = { pfnLo: anchorPfn, pfnHi: anchorPfn, anchor: true };
    this.nodes = [this.anchorNode];
    this.cachedNode = this.anchorNode;
    this.cached32Node = this.anchorNode;
    this.rcaches = Array.from({ length: IOVA_RANGE_CACHE_MAX_SIZE }, () => ({ loaded: [], prev: [], depot: [] }));
  }

  drainNotes(): AllocatorNote[] {
    const n = this.notes;
    this.notes = [];
    return n;
  }

  /** Ranges handed out and still in the tree (the anchor excluded). */
  allocatedNodes(): readonly IovaNode[] {
    return this.nodes.filter((n) => !n.anchor);
  }

  /** pfns parked in the range caches, by order; they stay in the tree until the cache drains. */
  cachedPfns(): Array<{ order: number; pfn: bigint }> {
    const out: Array<{ order: number; pfn: bigint }> = [];
    this.rcaches.forEach((rc, order) => {
      for (const mag of [rc.loaded, rc.prev, ...rc.depot]) for (const pfn of mag) out.push({ order, pfn });
    });
    return out;
  }

  private ul(v: bigint): bigint {
    return BigInt.asUintN(this.ulongBits, v);
  }

  /** private_find_iova: the node whose [pfnLo, pfnHi] holds pfn. */
  findIova(pfn: bigint): IovaNode | undefined {
    return this.nodes.find((n) => pfn >= n.pfnLo && pfn <= n.pfnHi);
  }

  /** __get_cached_rbnode */
  private cachedFor(limitPfn: bigint): IovaNode {
    return limitPfn <= this.dma32bitPfn ? this.cached32Node : this.cachedNode;
  }

  /**
   * iova_find_limit: where a retried walk starts. The kernel walks the rbtree to the lowest node at
   * or above limit_pfn; starting from the lowest node whose range reaches limit_pfn gives the same
   * allocation (a node straddling the limit is the immediate predecessor of that node).
   */
  private findLimit(limitPfn: bigint): IovaNode {
    if (limitPfn > this.dma32bitPfn) return this.anchorNode;
    return this.nodes.find((n) => n.pfnHi >= limitPfn) ?? this.anchorNode;
  }

  private insertSorted(node: IovaNode): boolean {
    let i = 0;
    while (i < this.nodes.length && this.nodes[i]!.pfnLo < node.pfnLo) i++;
    if (i < this.nodes.length && this.nodes[i]!.pfnLo === node.pfnLo) {
      this.notes.push({ kind: 'warn', what: '1', message: 'iova_insert_rbtree: a node with this pfn_lo already exists' });
      return false;
    }
    this.nodes.splice(i, 0, node);
    return true;
  }

  /** __alloc_and_insert_iova_range: top-down walk from the cached node; limitPfn is exclusive. */
  private allocAndInsert(size: bigint, limitPfn: bigint, sizeAligned: boolean): IovaNode | undefined {
    const W = this.ulongBits;
    let alignMask = this.ul(-1n);
    if (sizeAligned) alignMask = this.ul(alignMask << BigInt(fls(this.ul(size - 1n)) % W));

    if (limitPfn <= this.dma32bitPfn && size >= this.max32AllocSize) return undefined;

    let currIdx = this.nodes.indexOf(this.cachedFor(limitPfn));
    const retryPfn = this.nodes[currIdx]!.pfnHi;
    let highPfn = limitPfn;
    let lowPfn = this.startPfn;
    let newPfn = 0n;
    let prevIdx = currIdx;
    let budget = (this.nodes.length + 2) * WALK_BUDGET_PER_NODE;

    for (;;) {
      do {
        if (--budget < 0) throw new Error('model bug: IOVA tree walk exceeded its budget');
        const curr = this.nodes[currIdx]!;
        highPfn = highPfn < curr.pfnLo ? highPfn : curr.pfnLo;
        newPfn = this.ul(this.ul(highPfn - size) & alignMask);
        prevIdx = currIdx;
        currIdx -= 1;
      } while (currIdx >= 0 && newPfn <= this.nodes[currIdx]!.pfnHi && newPfn >= lowPfn);

      if (highPfn < size || newPfn < lowPfn) {
        if (lowPfn === this.startPfn && retryPfn < limitPfn) {
          highPfn = limitPfn;
          lowPfn = this.ul(retryPfn + 1n);
          currIdx = this.nodes.indexOf(this.findLimit(limitPfn));
          continue;
        }
        this.max32AllocSize = size;
        return undefined;
      }
      break;
    }
    void prevIdx; // the kernel uses prev only as an insertion hint
    const node: IovaNode = { pfnLo: newPfn, pfnHi: this.ul(newPfn + size - 1n) };
    if (!this.insertSorted(node)) return node;
    if (node.pfnHi < this.dma32bitPfn) this.cached32Node = node;
    else this.cachedNode = node;
    return node;
  }

  /** alloc_iova(iovad, size, limit_pfn, size_aligned): limit_pfn inclusive. */
  allocIova(size: bigint, limitPfn: bigint, sizeAligned: boolean): IovaNode | undefined {
    return this.allocAndInsert(this.ul(size), this.ul(limitPfn + 1n), sizeAligned);
  }

  /** alloc_iova_fast: power-of-two roundup below the cache limit, range cache, tree, flush and retry. */
  allocIovaFast(sizeIn: bigint, limitPfn: bigint, flushRcache: boolean): FastAllocation {
    let size = this.ul(sizeIn);
    if (size < 1n << BigInt(IOVA_RANGE_CACHE_MAX_SIZE - 1)) size = roundupPowOfTwo(size, this.ulongBits);

    const cached = this.rcacheGet(size, this.ul(limitPfn + 1n));
    if (cached) return { pfn: cached, granules: size, fromRcache: true };

    let flush = flushRcache;
    for (let attempt = 0; attempt < 2; attempt++) {
      const node = this.allocIova(size, limitPfn, true);
      if (node) return { pfn: node.pfnLo, granules: size, fromRcache: false };
      if (!flush) break;
      flush = false;
      this.notes.push({ kind: 'info', what: 'flush_rcache', message: 'allocation failed: range caches flushed, retrying once' });
      this.flushRcaches();
    }
    return { pfn: 0n, granules: size, fromRcache: false };
  }

  /** free_iova_fast: into the range cache of order_base_2(size) when small, else free_iova. */
  freeIovaFast(pfn: bigint, size: bigint): 'rcache' | 'tree' {
    if (this.rcacheInsert(this.ul(pfn), this.ul(size))) return 'rcache';
    this.freeIova(this.ul(pfn));
    return 'tree';
  }

  /** free_iova: removes the node holding pfn, whatever its size; nothing when none holds it. */
  freeIova(pfn: bigint): IovaNode | undefined {
    const node = this.findIova(pfn);
    if (!node || node.anchor) return undefined;
    this.removeNode(node);
    return node;
  }

  /** remove_iova with __cached_rbnode_delete_update. */
  private removeNode(node: IovaNode): void {
    const idx = this.nodes.indexOf(node);
    const next = this.nodes[idx + 1] ?? this.anchorNode;
    const c32 = this.cached32Node;
    if (node === c32 || (node.pfnHi < this.dma32bitPfn && node.pfnLo >= c32.pfnLo)) this.cached32Node = next;
    if (node.pfnLo < this.dma32bitPfn) this.max32AllocSize = this.dma32bitPfn;
    if (node.pfnLo >= this.cachedNode.pfnLo) this.cachedNode = next;
    this.nodes.splice(idx, 1);
  }

  /** iova_rcache_get with __iova_rcache_get and iova_magazine_pop; limitPfn as the kernel passes it. */
  private rcacheGet(size: bigint, limitPfn: bigint): bigint {
    const order = orderBase2(size);
    if (order >= IOVA_RANGE_CACHE_MAX_SIZE) return 0n;
    const rc = this.rcaches[order]!;
    const limit = this.ul(limitPfn - size);
    if (rc.loaded.length === 0) {
      if (rc.prev.length > 0) [rc.loaded, rc.prev] = [rc.prev, rc.loaded];
      else if (rc.depot.length > 0) rc.loaded = rc.depot.pop()!;
      else return 0n;
    }
    const mag = rc.loaded;
    let i = mag.length - 1;
    while (mag[i]! > limit) {
      if (i === 0) return 0n;
      i--;
    }
    const pfn = mag[i]!;
    mag[i] = mag[mag.length - 1]!;
    mag.pop();
    return pfn;
  }

  /** iova_rcache_insert / __iova_rcache_insert for one CPU. */
  private rcacheInsert(pfn: bigint, size: bigint): boolean {
    const order = orderBase2(size);
    if (order >= IOVA_RANGE_CACHE_MAX_SIZE) return false;
    const rc = this.rcaches[order]!;
    if (rc.loaded.length >= IOVA_MAG_SIZE) {
      if (rc.prev.length < IOVA_MAG_SIZE) [rc.loaded, rc.prev] = [rc.prev, rc.loaded];
      else {
        rc.depot.push(rc.loaded);
        rc.loaded = [];
      }
    }
    rc.loaded.push(pfn);
    return true;
  }

  /** free_cpu_cached_iovas + free_global_cached_iovas: every cached pfn goes back to the tree. */
  flushRcaches(): void {
    for (const rc of this.rcaches) {
      for (const mag of [rc.loaded, rc.prev, ...rc.depot]) this.freeMagazinePfns(mag);
      rc.loaded = [];
      rc.prev = [];
      rc.depot = [];
    }
  }

  /** iova_magazine_free_pfns */
  private freeMagazinePfns(mag: bigint[]): void {
    for (const pfn of mag) {
      const node = this.findIova(pfn);
      if (!node || node.anchor) {
        this.notes.push({ kind: 'warn', what: '!iova', message: `iova_magazine_free_pfns: cached pfn 0x${pfn.toString(16)} is in no range` });
        continue;
      }
      this.removeNode(node);
    }
  }
}
