// A model world: devices, their DMA domains (allocator + page table), one swiotlb pool, the
// dma_iova_state objects in use, and the model's bookkeeping of what was reserved, linked and
// mapped by whom. Every API call made on a world is recorded as a trace entry with its events;
// invariant breaches are typed events naming the invariant (witness.ts).
import type { Arch, DataModel, IntType } from './ctypes.js';
import { dataModel, formatValue, hex, mustIntType } from './ctypes.js';
import type { KernelFeatures } from './features.js';
import { MAINLINE_FEATURES } from './features.js';
import { IovaAllocator } from './iova-allocator.js';
import { max } from './bitops.js';
import type { FieldValue, ModelObject } from './objects.js';
import { CookieObj, DeviceObj, DmaIovaStateObj, DomainObj, GatherObj, GeometryObj, IovaDomainObj, PageObj } from './objects.js';
import { IommuPageTable } from './page-table.js';
import { SwiotlbPool } from './swiotlb.js';
import type { Breach, InvariantName, ModelEvent, ScenarioSpec, TraceEntry } from './witness.js';

export interface WorldOptions {
  features?: Partial<KernelFeatures>;
  /** IOMMU aperture (domain->geometry); default [0, 2^48-1] on 64-bit, [0, 2^32-1] on 32-bit. */
  apertureStart?: bigint;
  apertureEnd?: bigint;
  /** dma_get_min_align_mask(dev); default 0xfff (NVMe: NVME_CTRL_PAGE_SIZE - 1). */
  minAlignMask?: bigint;
  /** The swiotlb pool; default active, 64 MiB at 0x7c000000. */
  swiotlbActive?: boolean;
  swiotlbStart?: bigint;
  swiotlbBytes?: bigint;
  /** CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC (dma_kmalloc_needs_bounce); default off. */
  kmallocBounce?: boolean;
  /** ARCH_DMA_MINALIGN for dma_kmalloc_size_aligned; default 128. */
  dmaMinAlign?: bigint;
  /** Narrowest mask dma_supported() accepts for a device without an IOMMU (ZONE_DMA); default 24. */
  directMinMaskBits?: number;
  /** iommu.forcedac=1: no 32-bit-first attempt for PCI devices. */
  forcedac?: boolean;
}

export interface ResolvedOptions {
  apertureStart: bigint;
  apertureEnd: bigint;
  minAlignMask: bigint;
  swiotlbActive: boolean;
  swiotlbStart: bigint;
  swiotlbBytes: bigint;
  kmallocBounce: boolean;
  dmaMinAlign: bigint;
  directMinMaskBits: number;
  forcedac: boolean;
}

/** An IOVA range handed out by iommu_dma_alloc_iova (or the allocator directly). */
export interface Reservation {
  id: number;
  domain: DomainObj;
  pfn: bigint;
  base: bigint;
  /** Granules asked for (iova_len) and granules the allocator took (power-of-two rounded). */
  granules: bigint;
  taken: bigint;
  live: boolean;
  /** Who holds it: a state id, a one-step mapping, or "caller" when interpreted code allocated it. */
  owner: string;
  allocCall: number;
  freeCall?: number;
  /** min_not_zero(dma_get_mask(dev), bus_dma_limit) capped by the aperture, at allocation. */
  deviceLimit: bigint;
}

/** One successful dma_iova_link, as the caller asked for it. */
export interface LinkRecord {
  id: number;
  stateId: string;
  offset: bigint;
  size: bigint;
  phys: bigint;
  dir: bigint;
  attrs: bigint;
  /** Went through swiotlb (some part bounced). */
  bounced: boolean;
  live: boolean;
  linkCall: number;
  unlinkCall?: number;
}

/** One dma_map_* result that has not been (or has been) unmapped. */
export interface OneStepMapping {
  id: number;
  device: DeviceObj;
  dma: bigint;
  size: bigint;
  phys: bigint;
  dir: bigint;
  attrs: bigint;
  /** Set for IOMMU mappings. */
  reservationId?: number;
  bounceId?: number;
  live: boolean;
  mapCall: number;
  unmapCall?: number;
}

export interface RecordedBreach extends Breach {
  invariant: InvariantName;
  /** call: trace index; fn; primary: "true" for the first breach of a top-level call. */
  data: Record<string, string>;
}

/** A modelled kernel crash (NULL dereference, BUG_ON): not a model bug; dispatch turns it into a value. */
export class KernelOops extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KernelOops';
  }
}

interface Frame {
  fn: string;
  args: Record<string, string>;
  events: ModelEvent[];
  invariants: Set<string>;
  index: number;
  line?: number;
}

export type ArgValue = FieldValue | boolean;

/** What was live at one moment (World.liveSnapshot), by identity. */
export interface LiveSnapshot {
  reservations: ReadonlySet<number>;
  /** `${device id}:${iova}:${size}` of page-table extents. */
  extents: ReadonlySet<string>;
  /** tlb addresses of bounce slots. */
  slots: ReadonlySet<bigint>;
  /** ids of one-step mappings. */
  mappings: ReadonlySet<number>;
}

export class World {
  readonly spec: ScenarioSpec;
  readonly dm: DataModel;
  readonly features: KernelFeatures;
  readonly options: ResolvedOptions;
  readonly devices: DeviceObj[] = [];
  readonly pool: SwiotlbPool;
  readonly trace: TraceEntry[] = [];
  readonly breaches: RecordedBreach[] = [];
  readonly reservations: Reservation[] = [];
  readonly links: LinkRecord[] = [];
  readonly mappings: OneStepMapping[] = [];
  readonly states: DmaIovaStateObj[] = [];
  // Indexes over the append-only histories above, so that every call stays cheap in long runs.
  private readonly reservationById = new Map<number, Reservation>();
  private readonly liveReservationSet = new Set<Reservation>();
  private readonly livePfn = new Map<DomainObj, Map<bigint, Reservation>>();
  private readonly freedPfn = new Map<DomainObj, Map<bigint, Reservation>>();
  private readonly linksByState = new Map<string, LinkRecord[]>();
  private readonly liveMappingByAddr = new Map<string, OneStepMapping>();
  private readonly unmappedByAddr = new Map<string, OneStepMapping>();
  private frame: Frame | undefined;
  private depth = 0;
  private nextId = { dev: 0, state: 0, page: 0, res: 1, link: 1, map: 1, obj: 0 };
  private readonly warnedOnce = new Set<string>();
  private tornDown = false;

  constructor(spec: ScenarioSpec, options: WorldOptions = {}) {
    this.spec = spec;
    this.dm = dataModel(spec.arch as Arch);
    this.features = { ...MAINLINE_FEATURES, ...options.features };
    this.options = {
      apertureStart: options.apertureStart ?? 0n,
      apertureEnd: options.apertureEnd ?? (spec.arch === 64 ? (1n << 48n) - 1n : (1n << 32n) - 1n),
      minAlignMask: options.minAlignMask ?? 0xfffn,
      swiotlbActive: options.swiotlbActive ?? true,
      swiotlbStart: options.swiotlbStart ?? 0x7c000000n,
      swiotlbBytes: options.swiotlbBytes ?? 64n << 20n,
      kmallocBounce: options.kmallocBounce ?? false,
      dmaMinAlign: options.dmaMinAlign ?? 128n,
      directMinMaskBits: options.directMinMaskBits ?? 24,
      forcedac: options.forcedac ?? false,
    };
    this.pool = new SwiotlbPool(this.options.swiotlbStart, this.options.swiotlbBytes, this.options.swiotlbActive);
    this.addDevice({});
  }

  /** The scenario's device ("dev0"). */
  get dev(): DeviceObj {
    return this.devices[0]!;
  }

  /** The CPU page size the model assumes: the granule (the configurations these granules come from). */
  get pageSize(): bigint {
    return BigInt(this.spec.pageSize ?? this.spec.granule);
  }

  type(name: string): IntType {
    return mustIntType(name, this.dm);
  }

  // ---- objects -------------------------------------------------------------------------------

  /** Adds a device shaped by the scenario, with overrides; each device gets its own DMA domain. */
  addDevice(over: Partial<ScenarioSpec> & { minAlignMask?: bigint }): DeviceObj {
    const s = { ...this.spec, ...over };
    const id = `dev${this.nextId.dev++}`;
    const bits = (n: number): bigint => (n >= 64 ? (1n << 64n) - 1n : (1n << BigInt(n)) - 1n);
    let domain: DomainObj | null = null;
    if (s.iommu) {
      const granule = BigInt(s.granule);
      const shift = BigInt(granule.toString(2).length - 1);
      const startPfn = max(1n, this.options.apertureStart >> shift);
      const allocator = new IovaAllocator(granule, startPfn, this.dm.longBits);
      const iovad = new IovaDomainObj(`${id}.iovad`, this.dm, allocator);
      const cookie = new CookieObj(`${id}.cookie`, this.dm, iovad);
      const geometry = new GeometryObj(`${id}.geometry`, this.dm, this.options.apertureStart, this.options.apertureEnd, true);
      domain = new DomainObj(`${id}.domain`, this.dm, cookie, geometry, new IommuPageTable(granule, this.features.pageTableRejectsZeroLength));
    }
    const dev = new DeviceObj(id, this.dm, {
      dmaMask: s.mask > 0 ? bits(s.mask) : 0n,
      coherentDmaMask: s.coherentMask > 0 ? bits(s.coherentMask) : bits(32),
      busDmaLimit: s.busLimit > 0 ? bits(s.busLimit) : 0n,
      props: {
        pci: s.pci,
        untrusted: s.untrusted,
        coherent: s.coherent,
        dmaIommu: s.iommu,
        minAlignMask: over.minAlignMask ?? this.options.minAlignMask,
      },
      pci32bitWorkaround: s.pci && !this.options.forcedac,
      domain,
    });
    this.devices.push(dev);
    return dev;
  }

  /** A zeroed struct dma_iova_state, as a caller's PDU or object holds it. */
  newState(): DmaIovaStateObj {
    const st = new DmaIovaStateObj(`state${this.nextId.state++}`, this.dm, this.features.stateSizeIsSizeT ? 'size_t' : 'u64');
    this.states.push(st);
    return st;
  }

  /** The struct page whose physical address is `phys` (page aligned). */
  newPage(phys: bigint): PageObj {
    return new PageObj(`page${this.nextId.page++}`, this.dm, phys);
  }

  newGather(): GatherObj {
    return new GatherObj(`gather${this.nextId.obj++}`, this.dm);
  }

  newObjectId(prefix: string): string {
    return `${prefix}${this.nextId.obj++}`;
  }

  findObject(id: string): ModelObject | undefined {
    for (const d of this.devices) {
      if (d.id === id) return d;
      if (d.domain) {
        for (const o of [d.domain, d.domain.cookie, d.domain.iovad, d.domain.geometry]) if (o.id === id) return o;
      }
    }
    return this.states.find((s) => s.id === id);
  }

  // ---- bookkeeping ---------------------------------------------------------------------------

  addReservation(r: Omit<Reservation, 'id' | 'allocCall' | 'live'>): Reservation {
    const res: Reservation = { ...r, id: this.nextId.res++, live: true, allocCall: this.callIndex() };
    this.reservations.push(res);
    this.reservationById.set(res.id, res);
    this.liveReservationSet.add(res);
    perDomain(this.livePfn, res.domain).set(res.pfn, res);
    return res;
  }

  /** Marks a reservation freed by the current call. */
  releaseReservation(r: Reservation): void {
    if (!r.live) return;
    r.live = false;
    r.freeCall = this.callIndex();
    this.liveReservationSet.delete(r);
    const live = perDomain(this.livePfn, r.domain);
    if (live.get(r.pfn) === r) live.delete(r.pfn);
    perDomain(this.freedPfn, r.domain).set(r.pfn, r);
  }

  reservation(id: number | undefined): Reservation | undefined {
    return id === undefined ? undefined : this.reservationById.get(id);
  }

  liveReservations(): IterableIterator<Reservation> {
    return this.liveReservationSet.values();
  }

  /** The live reservation of `domain` that starts at `pfn`. */
  liveReservationAt(domain: DomainObj, pfn: bigint): Reservation | undefined {
    return this.livePfn.get(domain)?.get(pfn);
  }

  /** The reservation most recently freed at `pfn`. */
  lastFreedAt(domain: DomainObj, pfn: bigint): Reservation | undefined {
    return this.freedPfn.get(domain)?.get(pfn);
  }

  /** The live reservation of `domain` whose asked-for range holds `addr`. */
  liveReservationHolding(domain: DomainObj, addr: bigint): Reservation | undefined {
    const g = domain.granule;
    for (const r of this.liveReservationSet) if (r.domain === domain && addr >= r.base && addr < r.base + r.granules * g) return r;
    return undefined;
  }

  /** Same, over the range the allocator actually took (power-of-two rounded). */
  liveReservationTaking(domain: DomainObj, addr: bigint): Reservation | undefined {
    const g = domain.granule;
    for (const r of this.liveReservationSet) if (r.domain === domain && addr >= r.base && addr < r.base + r.taken * g) return r;
    return undefined;
  }

  addLink(l: Omit<LinkRecord, 'id' | 'live' | 'linkCall'>): LinkRecord {
    const rec: LinkRecord = { ...l, id: this.nextId.link++, live: true, linkCall: this.callIndex() };
    this.links.push(rec);
    const list = this.linksByState.get(rec.stateId);
    if (list) list.push(rec);
    else this.linksByState.set(rec.stateId, [rec]);
    return rec;
  }

  /** Every link ever made on a state, live or not. */
  linksOf(state: DmaIovaStateObj): readonly LinkRecord[] {
    return this.linksByState.get(state.id) ?? [];
  }

  liveLinks(state: DmaIovaStateObj): LinkRecord[] {
    return this.linksOf(state)
      .filter((l) => l.live)
      .sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  }

  /** The state no longer knows its links (memset, rebinding, free): their mappings stay and leak. */
  forgetLinks(state: DmaIovaStateObj): void {
    for (const l of this.linksOf(state)) l.live = false;
  }

  addMapping(m: Omit<OneStepMapping, 'id' | 'live' | 'mapCall'>): OneStepMapping {
    const rec: OneStepMapping = { ...m, id: this.nextId.map++, live: true, mapCall: this.callIndex() };
    this.mappings.push(rec);
    this.liveMappingByAddr.set(`${rec.device.id}:${rec.dma}`, rec);
    return rec;
  }

  liveMappingAt(dev: DeviceObj, dma: bigint): OneStepMapping | undefined {
    return this.liveMappingByAddr.get(`${dev.id}:${dma}`);
  }

  lastUnmappedAt(dev: DeviceObj, dma: bigint): OneStepMapping | undefined {
    return this.unmappedByAddr.get(`${dev.id}:${dma}`);
  }

  releaseMapping(m: OneStepMapping): void {
    m.live = false;
    m.unmapCall = this.callIndex();
    const key = `${m.device.id}:${m.dma}`;
    if (this.liveMappingByAddr.get(key) === m) this.liveMappingByAddr.delete(key);
    this.unmappedByAddr.set(key, m);
  }

  /** The device's DMA domain, or a modelled NULL dereference (iommu_get_dma_domain on a device without one). */
  domainOf(dev: DeviceObj): DomainObj {
    if (!dev.domain) throw new KernelOops(`iommu_get_dma_domain(${dev.id}): the device has no DMA domain (NULL dereference)`);
    return dev.domain;
  }

  /**
   * Where a state stands. A state the model allocated is bound to its reservation; a state whose
   * fields were written by interpreted code is bound by address to the live reservation holding
   * state->addr, as the kernel would use it.
   */
  stateLifecycle(state: DmaIovaStateObj, dev: DeviceObj): { lifecycle: 'zero' | 'allocated' | 'freed' | 'unknown'; reservation?: Reservation } {
    if (state.writtenOutside) {
      state.writtenOutside = false;
      const before = state.reservationId;
      const bound = this.reservation(before);
      if (state.addr === 0n && state.rawSize === 0n) state.reservationId = undefined;
      else if (!bound || !bound.live || !this.holds(bound, state.addr)) {
        const found = dev.domain ? this.liveReservationHolding(dev.domain, state.addr) : undefined;
        state.reservationId = found?.id;
        if (found && found.owner === 'caller') found.owner = state.id;
      }
      // Rebinding (or a memset) forgets the old links; their mappings stay and leak.
      if (state.reservationId !== before) this.forgetLinks(state);
    }
    const r = this.reservation(state.reservationId);
    if (r) return { lifecycle: r.live ? 'allocated' : 'freed', reservation: r };
    if (state.addr === 0n && state.rawSize === 0n) return { lifecycle: 'zero' };
    return { lifecycle: 'unknown' };
  }

  private holds(r: Reservation, addr: bigint): boolean {
    return addr >= r.base && addr < r.base + r.granules * r.domain.granule;
  }

  // ---- recording -----------------------------------------------------------------------------

  /** Trace index of the current top-level call (or of the next one). */
  callIndex(): number {
    return this.frame ? this.frame.index : this.trace.length;
  }

  get insideCall(): boolean {
    return this.depth > 0;
  }

  /**
   * Runs `body` as the model function `fn`: a top-level call becomes a trace entry, a nested one
   * (an internal the API function calls) an info event of the enclosing entry.
   */
  run<T>(fn: string, args: Record<string, string>, body: () => T, format: (r: T) => string | undefined, line?: number): T {
    const top = this.depth === 0;
    if (top) {
      this.frame = { fn, args, events: [], invariants: new Set(), index: this.trace.length };
      if (line !== undefined) this.frame.line = line;
    }
    this.depth++;
    let result: T | undefined;
    let threw: unknown;
    try {
      result = body();
    } catch (e) {
      threw = e;
    } finally {
      this.depth--;
    }
    const shown = threw === undefined ? format(result as T) : undefined;
    if (!top) {
      const argText = Object.entries(args)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ');
      this.frame!.events.push({ kind: 'info', what: fn, message: `${fn}(${argText})${shown !== undefined ? ` = ${shown}` : ''}` });
    } else {
      const f = this.frame!;
      if (threw instanceof KernelOops) f.events.push({ kind: 'warn', what: 'oops', message: threw.message });
      const entry: TraceEntry = { fn, args, events: f.events };
      if (shown !== undefined) entry.result = shown;
      if (threw instanceof KernelOops) entry.result = 'oops';
      if (f.line !== undefined) entry.line = f.line;
      this.trace.push(entry);
      this.frame = undefined;
    }
    if (threw !== undefined) throw threw;
    return result as T;
  }

  /** Runs `body` inside a synthetic top-level entry ("@teardown", "@assert-…") when no call is open. */
  private ensureFrame<T>(fn: string, args: Record<string, string>, body: () => T): T {
    if (this.insideCall) return body();
    return this.run(fn, args, body, () => undefined);
  }

  /** A WARN_ON/WARN_ON_ONCE the kernel would print, with its condition text. */
  warn(condition: string, message: string, once = true): void {
    const key = `${this.frame?.fn ?? ''}:${condition}`;
    const repeat = once && this.warnedOnce.has(key);
    this.warnedOnce.add(key);
    this.event({ kind: 'warn', what: condition, message: repeat ? `${message} (WARN_ON_ONCE already fired: not printed again)` : message });
  }

  info(what: string, message: string): void {
    this.event({ kind: 'info', what, message });
  }

  private event(e: ModelEvent): void {
    if (this.frame) this.frame.events.push(e);
    else this.ensureFrame('@model', {}, () => this.frame!.events.push(e));
  }

  /**
   * Records a breach of `invariant`. Within one top-level call each invariant is recorded once;
   * the first breach of a call is its primary one (the cause), later ones are its consequences.
   */
  breach(invariant: InvariantName, message: string, data: Record<string, string> = {}): void {
    const record = (): void => {
      const f = this.frame!;
      if (f.invariants.has(invariant)) return;
      const primary = f.invariants.size === 0;
      f.invariants.add(invariant);
      f.events.push({ kind: 'breach', what: invariant, message });
      this.breaches.push({ invariant, message, data: { ...data, call: String(f.index), fn: f.fn, primary: String(primary) } });
    };
    if (this.frame) record();
    else this.ensureFrame('@model', {}, record);
  }

  /** Breaches recorded since trace index `from` (a call index). */
  breachesSince(from: number): RecordedBreach[] {
    return this.breaches.filter((b) => Number(b.data.call) >= from);
  }

  /** Names of the primary breaches, in order. */
  primaryInvariants(): InvariantName[] {
    return this.breaches.filter((b) => b.data.primary === 'true').map((b) => b.invariant);
  }

  warnings(): Array<{ call: number; condition: string }> {
    const out: Array<{ call: number; condition: string }> = [];
    this.trace.forEach((t, i) => t.events.forEach((e) => e.kind === 'warn' && out.push({ call: i, condition: e.what })));
    return out;
  }

  /** How an argument or result is written in a trace entry. */
  fmt(v: ArgValue | undefined, cType?: string): string {
    if (v === undefined) return 'void';
    if (v === null) return 'NULL';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'bigint') return formatValue(v, cType ? this.tryType(cType) : undefined);
    return v.id;
  }

  private tryType(cType: string): IntType | undefined {
    try {
      return mustIntType(cType, this.dm);
    } catch {
      return undefined;
    }
  }

  // ---- caller-side assertions and teardown ---------------------------------------------------

  /** Records a breach the simulator found itself (e.g. a wrap in interpreted arithmetic). */
  recordBreach(invariant: InvariantName, message: string, data: Record<string, string> = {}, line?: number): void {
    const args: Record<string, string> = { invariant };
    if (this.insideCall) this.breach(invariant, message, data);
    else this.run('@breach', args, () => this.breach(invariant, message, data), () => undefined, line);
  }

  /** Runs an assertion as its own trace entry. */
  assertion(fn: string, args: Record<string, string>, body: () => void, line?: number): RecordedBreach[] {
    const from = this.trace.length;
    if (this.insideCall) body();
    else this.run(fn, args, body, () => undefined, line);
    return this.breachesSince(from);
  }

  /**
   * What is live now (reservations, page-table extents, bounce slots, one-step mappings): what a
   * caller set up before the function under test ran, which that function does not own.
   */
  liveSnapshot(): LiveSnapshot {
    const extents = new Set<string>();
    for (const d of this.devices) for (const e of d.domain?.pageTable.all() ?? []) extents.add(`${d.id}:${e.iova}:${e.size}`);
    return {
      reservations: new Set([...this.liveReservationSet].map((r) => r.id)),
      extents,
      slots: new Set(this.pool.live().map((s) => s.tlbAddr)),
      mappings: new Set([...this.liveMappingByAddr.values()].map((m) => m.id)),
    };
  }

  /**
   * Teardown: everything still reserved, mapped or bounced is a leak — except what `keep` (a
   * liveSnapshot taken before the function ran) already held: the caller's, not the function's.
   * Returns the breaches found now; a second teardown finds nothing new.
   */
  teardown(opts: { keep?: LiveSnapshot } = {}): RecordedBreach[] {
    if (this.tornDown) return [];
    this.tornDown = true;
    const keep = opts.keep;
    const from = this.trace.length;
    this.run(
      '@teardown',
      keep ? { kept: 'what the caller held before the call' } : {},
      () => {
        for (const r of [...this.liveReservationSet]) {
          if (keep?.reservations.has(r.id)) continue;
          const g = r.domain.granule;
          const m = /^map(\d+)$/.exec(r.owner);
          const mapping = m ? this.mappings.find((x) => x.id === Number(m[1])) : undefined;
          const owner = mapping ? `the dma_map_*() mapping of ${hex(mapping.size)} bytes at ${hex(mapping.dma)}` : r.owner;
          this.leak(`IOVA [${hex(r.base)}, ${hex(r.base + r.granules * g)}) reserved for ${owner} was never freed`, {
            kind: 'reservation',
            base: hex(r.base),
            granules: hex(r.granules),
          });
        }
        for (const d of this.devices) {
          if (!d.domain) continue;
          for (const e of d.domain.pageTable.all()) {
            if (keep?.extents.has(`${d.id}:${e.iova}:${e.size}`)) continue;
            this.leak(`${hex(e.size)} bytes still mapped at IOVA ${hex(e.iova)} → phys ${hex(e.phys)} (${d.id})`, {
              kind: 'mapping',
              iova: hex(e.iova),
              size: hex(e.size),
            });
          }
        }
        for (const s of this.pool.live()) {
          if (keep?.slots.has(s.tlbAddr)) continue;
          this.leak(`swiotlb slot at ${hex(s.tlbAddr)} (bouncing ${hex(s.size)} bytes of ${hex(s.origAddr)}) never released`, {
            kind: 'bounce',
            tlb: hex(s.tlbAddr),
          });
        }
        for (const m of [...this.liveMappingByAddr.values()].filter((x) => x.reservationId === undefined && x.bounceId === undefined && !keep?.mappings.has(x.id))) {
          this.leak(`direct mapping ${hex(m.dma)}+${hex(m.size)} was never unmapped`, { kind: 'direct-map', dma: hex(m.dma) });
        }
      },
      () => undefined,
    );
    return this.breachesSince(from);
  }

  /** no-leak breaches at teardown are one per leaked object, so they bypass per-call dedup. */
  private leak(message: string, data: Record<string, string>): void {
    const f = this.frame!;
    const primary = f.invariants.size === 0;
    f.invariants.add('no-leak');
    f.events.push({ kind: 'breach', what: 'no-leak', message });
    this.breaches.push({ invariant: 'no-leak', message, data: { ...data, call: String(f.index), fn: f.fn, primary: String(primary) } });
  }
}

/** Creates a world for a scenario in one call. */
export function createWorld(spec: ScenarioSpec, options: WorldOptions = {}): World {
  return new World(spec, options);
}

function perDomain<V>(m: Map<DomainObj, Map<bigint, V>>, d: DomainObj): Map<bigint, V> {
  let inner = m.get(d);
  if (!inner) {
    inner = new Map();
    m.set(d, inner);
  }
  return inner;
}
