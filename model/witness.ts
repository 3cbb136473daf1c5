// Plain-data contracts between the model, the simulator, the rules and the reports:
// scenarios, traces, invariant breaches, witnesses and simulation requests.
// All numbers are strings ("0x1000" or decimal) so that everything here survives JSON.

/** The invariants of reference/iova-api.md §3 (plus the arithmetic ones), by stable name. */
export const INVARIANT_NAMES = [
  'alloc-nonzero', // a zero-length reservation or mapping reached the allocator or page table
  'size-no-wrap', // a size computation wrapped at its C type's width
  'reservation-in-limit', // reservation inside min_not_zero(mask, bus limit) and the aperture
  'reservation-aligned', // reservation naturally aligned to its power-of-two size
  'byte-address', // the DMA address of buffer byte k is state->addr + k
  'flag-not-in-size', // DMA_IOVA_USE_SWIOTLB never leaks into a size; stored size == asked size
  'first-link-offset', // the first link is at offset 0 with the phys offset given to try_alloc
  'later-link-aligned', // links at offset > 0 start granule aligned
  'link-in-reservation', // links, syncs and unlinks stay inside the reservation
  'mapping-covers-buffer', // every byte of the buffer asked for is mapped, to the right phys
  'sync-before-publish', // linked bytes are synced before success is returned / addr published
  'unlink-mirrors-link', // unlink covers exactly linked ranges with the same dir/attrs
  'free-mirrors-alloc', // a free releases exactly the reservation (size and start)
  'no-leak', // nothing reserved, mapped or bounced remains at teardown
  'no-double-free', // no IOVA freed twice, no DMA address unmapped twice
  'state-live', // no use of a freed or never-allocated dma_iova_state
  'reservation-disjoint', // no two live IOVA reservations overlap (breaks after a mismatched free, D4)
  'reservation-covers-buffer', // [state->addr, state->addr + size) lies inside the reservation
] as const;
export type InvariantName = (typeof INVARIANT_NAMES)[number] | `model/${string}`;

/** A configuration the simulator runs in (DESIGN.md §7). Keys match `iovalint sim --scenario`. */
export interface ScenarioSpec {
  /** Width of size_t/long: 64, or 32 (dma_addr_t and phys_addr_t stay 64-bit). */
  arch: 64 | 32;
  /** IOVA granule in bytes: 4096, 16384 or 65536. */
  granule: number;
  /**
   * CPU PAGE_SIZE in bytes (4K, 16K or 64K), never below the granule (dma-iommu guarantees
   * granule <= PAGE_SIZE). Omitted: the granule.
   */
  pageSize?: number;
  /** Streaming DMA mask in bits (dma_set_mask); 0 = never set (dma_get_mask defaults to 32). */
  mask: number;
  /** Coherent DMA mask in bits. */
  coherentMask: number;
  /** bus_dma_limit in bits; 0 = none. */
  busLimit: number;
  /** The device sits behind a DMA-IOMMU domain (else dma_iova_try_alloc returns false). */
  iommu: boolean;
  coherent: boolean;
  untrusted: boolean;
  pci: boolean;
}

export interface ModelEvent {
  /** 'warn' for a WARN_ON_ONCE/WARN_ON the kernel would print; 'breach' for an invariant breach. */
  kind: 'warn' | 'breach' | 'info';
  /** For warns: the condition text as the kernel writes it; for breaches: the invariant name. */
  what: string;
  message: string;
}

export interface TraceEntry {
  fn: string;
  args: Record<string, string>;
  result?: string;
  events: ModelEvent[];
  /** Post-image line of the call in the patched code, when the simulator made it. */
  line?: number;
}

export interface Breach {
  invariant: InvariantName;
  message: string;
  data?: Record<string, string>;
}

/** Ranges for the one-line picture of granules, reservation and buffer (Markdown/text). */
export interface RangePicture {
  granule: string;
  reservation?: [string, string];
  buffer?: [string, string];
  mapped?: Array<[string, string]>;
}

export interface Witness {
  scenario: ScenarioSpec;
  /** Concrete inputs: parameter name → value. */
  inputs: Record<string, string>;
  /** Ordered model calls with arguments, results and events. */
  trace: TraceEntry[];
  /** The interpreter's path through the patched function: post-image lines and their text. */
  path: Array<{ file: string; line: number; text: string }>;
  /** The invariant that broke (confirmed) or the guard that held (refuted). */
  breach?: Breach;
  /** What the run returned, as the C function would. */
  returned?: string;
  picture?: RangePicture;
  /** One sentence: "size 0 reaches iommu_dma_alloc_iova (line 12)". */
  summary: string;
}

/** What a rule asks the simulator to run to confirm (or refute) its finding. */
export interface SimRequest {
  mode: 'confirm' | 'contract' | 'differential';
  /** The function to run (defined in the change). */
  function: string;
  /** Scenario constraints; the simulator fills the rest from its grid. */
  scenario?: Partial<ScenarioSpec>;
  /**
   * Inputs by parameter name or by role ("size", "phys", "mask"...). Values are C integer
   * expressions over G (the granule): "0", "G-1", "G+1", "1ULL<<63", "0x234".
   */
  inputs?: Record<string, string>;
  /**
   * Callees the simulator makes fail (contract mode: each at each call point in turn), e.g.
   * ["dma_iova_link", "dma_iova_sync"] or ["dma_set_mask_and_coherent"].
   */
  failing?: string[];
  /**
   * What the caller did before calling `function` (contract mode, mostly): the simulator sets it
   * up before each run, marks it "setup" in the trace, and does not count what it holds as
   * leaked by `function` (the caller owns it).
   */
  preconditions?: SimPreconditions;
  /** What confirms the defect (any one of the observations given). */
  expect: {
    /** Any of these invariants breached. */
    invariants?: InvariantName[];
    /**
     * A call to this callee is reached; optionally with argument `arg` (0-based) equal to
     * `equals`, or different from `notEquals` (C expressions over G and the inputs).
     */
    reaches?: { callee: string; arg?: number; equals?: string; notEquals?: string };
    /** A WARN event from the model. */
    warn?: boolean;
    /**
     * A C expression over the parameters, `__return` and `G`, evaluated when the function
     * returns: "__return == 0 && addr + size - 1 > mask".
     */
    holds?: string;
    /** In words, for reports: "size 0 reaches the allocation". */
    description: string;
  };
}

/**
 * How a caller left a dma_iova_state before the call: `zero`; `allocated` (try_alloc succeeded,
 * nothing linked); `linked` (linked and synced over its whole size); `bounced` (linked through
 * swiotlb: the flag set); `stale` (an earlier user linked, synced and destroyed it without
 * clearing it: dma_use_iova() still true, its IOVA freed — D1).
 */
export type StatePrecondition = 'zero' | 'allocated' | 'linked' | 'bounced' | 'stale';

export interface SimPreconditions {
  /**
   * States by parameter name or by the path behind a parameter or local that holds them
   * ("map->state", "rd->dma_state"; a path also matches a state met at a path with the same
   * last field, e.g. "iod->dma_state" for blk_mq_rq_to_pdu(req)->dma_state).
   */
  states?: Record<string, StatePrecondition>;
  /** Size a prepared state reserves (C expression over G); default: the request's size, else 3 granules. */
  size?: string;
  /**
   * Functions of the change the caller ran first, in order, on the same objects (parameters
   * matched by name, the rest from their roles), e.g. the map side before an unmap function.
   * A run counts only when each returns success.
   */
  before?: string[];
}

export type Confirmation = 'confirmed' | 'refuted' | 'unconfirmed';
