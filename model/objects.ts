// The kernel objects a simulator's interpreted C code holds pointers to: struct device, its
// dev_iommu, the default DMA domain with its geometry, the IOVA cookie and iova_domain, struct
// dma_iova_state, struct iova, struct page and the u64 a device's dma_mask points to. Each one
// exposes its fields by C name with their C types, for reads and writes by interpreted code.
import type { DataModel, IntType } from './ctypes.js';
import { mustIntType, wrap } from './ctypes.js';
import type { IovaAllocator } from './iova-allocator.js';
import type { IommuPageTable } from './page-table.js';

export type ModelObjectKind =
  | 'device'
  | 'dev_iommu'
  | 'iommu_domain'
  | 'iommu_domain_geometry'
  | 'iommu_dma_cookie'
  | 'iova_domain'
  | 'dma_iova_state'
  | 'iova'
  | 'page'
  | 'u64_cell'
  | 'iommu_iotlb_gather';

/** A value a field or argument holds: an integer, a pointer to a model object, or NULL. */
export type FieldValue = bigint | ModelObject | null;

export interface FieldSpec {
  name: string;
  /** C type of the field ("u64", "struct iova_domain", "struct iommu_dma_cookie *"). */
  cType: string;
  /** 'int': an integer; 'pointer': a pointer to an object (or NULL); 'embedded': a struct member (its address is the object). */
  kind: 'int' | 'pointer' | 'embedded';
  writable: boolean;
}

export type FieldResult = { ok: true; value: FieldValue; cType: string } | { ok: false; error: string };

export interface ModelObject {
  readonly kind: ModelObjectKind;
  /** C type of the object itself ("struct device"). */
  readonly cType: string;
  /** Stable name within a world ("dev0", "state1"), used in traces and to pair worlds. */
  readonly id: string;
  fields(): readonly FieldSpec[];
  getField(name: string): FieldResult;
  setField(name: string, value: FieldValue): FieldResult;
}

export function isModelObject(v: unknown): v is ModelObject {
  return typeof v === 'object' && v !== null && 'kind' in v && 'getField' in v && 'setField' in v;
}

interface IntFieldDef {
  cType: string;
  get(): bigint;
  set?(v: bigint): void;
}

/** Shared field plumbing: integer fields wrap to their C type on write, objects are pointers. */
abstract class BaseObject implements ModelObject {
  abstract readonly kind: ModelObjectKind;
  abstract readonly cType: string;
  readonly id: string;
  protected readonly dm: DataModel;

  constructor(id: string, dm: DataModel) {
    this.id = id;
    this.dm = dm;
  }

  protected abstract intFields(): Record<string, IntFieldDef>;
  protected objectFields(): Record<string, { cType: string; kind: 'pointer' | 'embedded'; get(): ModelObject | null }> {
    return {};
  }

  fields(): readonly FieldSpec[] {
    const ints = Object.entries(this.intFields()).map(([name, d]) => ({
      name,
      cType: d.cType,
      kind: 'int' as const,
      writable: d.set !== undefined,
    }));
    const objs = Object.entries(this.objectFields()).map(([name, d]) => ({ name, cType: d.cType, kind: d.kind, writable: false }));
    return [...ints, ...objs];
  }

  fieldType(name: string): IntType | undefined {
    const d = this.intFields()[name];
    return d ? mustIntType(d.cType, this.dm) : undefined;
  }

  getField(name: string): FieldResult {
    const i = this.intFields()[name];
    if (i) return { ok: true, value: i.get(), cType: i.cType };
    const o = this.objectFields()[name];
    if (o) return { ok: true, value: o.get(), cType: o.cType };
    return { ok: false, error: `${this.cType} has no field '${name}' in the model` };
  }

  setField(name: string, value: FieldValue): FieldResult {
    const i = this.intFields()[name];
    if (!i) {
      if (this.objectFields()[name]) return { ok: false, error: `${this.cType}.${name} is read-only in the model` };
      return { ok: false, error: `${this.cType} has no field '${name}' in the model` };
    }
    if (!i.set) return { ok: false, error: `${this.cType}.${name} is read-only in the model` };
    if (typeof value !== 'bigint') return { ok: false, error: `${this.cType}.${name} is an integer (${i.cType})` };
    const v = wrap(value, mustIntType(i.cType, this.dm));
    i.set(v);
    return { ok: true, value: v, cType: i.cType };
  }
}

/** The u64 that dev->dma_mask points to; its one field is '*' (the pointee). */
export class U64Cell extends BaseObject {
  readonly kind = 'u64_cell' as const;
  readonly cType = 'u64';
  value: bigint;
  constructor(id: string, dm: DataModel, value: bigint) {
    super(id, dm);
    this.value = value;
  }
  protected intFields(): Record<string, IntFieldDef> {
    return { '*': { cType: 'u64', get: () => this.value, set: (v) => (this.value = v) } };
  }
}

/** struct dev_iommu: only the PCI SAC workaround flag matters here. */
export class DevIommuObj extends BaseObject {
  readonly kind = 'dev_iommu' as const;
  readonly cType = 'struct dev_iommu';
  pci32bitWorkaround: boolean;
  constructor(id: string, dm: DataModel, workaround: boolean) {
    super(id, dm);
    this.pci32bitWorkaround = workaround;
  }
  protected intFields(): Record<string, IntFieldDef> {
    return {
      pci_32bit_workaround: {
        cType: 'bool',
        get: () => (this.pci32bitWorkaround ? 1n : 0n),
        set: (v) => (this.pci32bitWorkaround = v !== 0n),
      },
    };
  }
}

export class GeometryObj extends BaseObject {
  readonly kind = 'iommu_domain_geometry' as const;
  readonly cType = 'struct iommu_domain_geometry';
  constructor(
    id: string,
    dm: DataModel,
    readonly apertureStart: bigint,
    readonly apertureEnd: bigint,
    readonly forceAperture: boolean,
  ) {
    super(id, dm);
  }
  protected intFields(): Record<string, IntFieldDef> {
    return {
      aperture_start: { cType: 'dma_addr_t', get: () => this.apertureStart },
      aperture_end: { cType: 'dma_addr_t', get: () => this.apertureEnd },
      force_aperture: { cType: 'bool', get: () => (this.forceAperture ? 1n : 0n) },
    };
  }
}

/** struct iova_domain: the allocator; granule and start_pfn are fixed once initialised. */
export class IovaDomainObj extends BaseObject {
  readonly kind = 'iova_domain' as const;
  readonly cType = 'struct iova_domain';
  constructor(
    id: string,
    dm: DataModel,
    readonly allocator: IovaAllocator,
  ) {
    super(id, dm);
  }
  get granule(): bigint {
    return this.allocator.granule;
  }
  protected intFields(): Record<string, IntFieldDef> {
    const a = this.allocator;
    return {
      granule: { cType: 'unsigned long', get: () => a.granule },
      start_pfn: { cType: 'unsigned long', get: () => a.startPfn },
      dma_32bit_pfn: { cType: 'unsigned long', get: () => a.dma32bitPfn },
      max32_alloc_size: { cType: 'unsigned long', get: () => a.max32AllocSize },
    };
  }
}

/** struct iommu_dma_cookie: holds the iova_domain (embedded: &cookie->iovad is that object). */
export class CookieObj extends BaseObject {
  readonly kind = 'iommu_dma_cookie' as const;
  readonly cType = 'struct iommu_dma_cookie';
  constructor(
    id: string,
    dm: DataModel,
    readonly iovad: IovaDomainObj,
  ) {
    super(id, dm);
  }
  protected intFields(): Record<string, IntFieldDef> {
    return {};
  }
  protected override objectFields() {
    return {
      iovad: { cType: 'struct iova_domain', kind: 'embedded' as const, get: () => this.iovad },
      // Strict invalidation: the model runs without a flush queue, so fq_domain is NULL.
      fq_domain: { cType: 'struct iommu_domain *', kind: 'pointer' as const, get: () => null },
    };
  }
}

/** struct iommu_domain: a DMA domain with its IOVA cookie, page table and geometry. */
export class DomainObj extends BaseObject {
  readonly kind = 'iommu_domain' as const;
  readonly cType = 'struct iommu_domain';
  constructor(
    id: string,
    dm: DataModel,
    readonly cookie: CookieObj,
    readonly geometry: GeometryObj,
    readonly pageTable: IommuPageTable,
  ) {
    super(id, dm);
  }
  get iovad(): IovaDomainObj {
    return this.cookie.iovad;
  }
  get granule(): bigint {
    return this.cookie.iovad.granule;
  }
  protected intFields(): Record<string, IntFieldDef> {
    return { pgsize_bitmap: { cType: 'unsigned long', get: () => this.granule } };
  }
  protected override objectFields() {
    return {
      iova_cookie: { cType: 'struct iommu_dma_cookie *', kind: 'pointer' as const, get: () => this.cookie },
      geometry: { cType: 'struct iommu_domain_geometry', kind: 'embedded' as const, get: () => this.geometry },
    };
  }
}

export interface DeviceProps {
  pci: boolean;
  untrusted: boolean;
  coherent: boolean;
  dmaIommu: boolean;
  minAlignMask: bigint;
}

/** struct device with the DMA fields the model uses. */
export class DeviceObj extends BaseObject {
  readonly kind = 'device' as const;
  readonly cType = 'struct device';
  readonly dmaMaskCell: U64Cell | null;
  coherentDmaMask: bigint;
  busDmaLimit: bigint;
  dmaIommu: boolean;
  coherent: boolean;
  readonly pci: boolean;
  readonly untrusted: boolean;
  readonly minAlignMask: bigint;
  readonly iommu: DevIommuObj;
  readonly domain: DomainObj | null;

  constructor(
    id: string,
    dm: DataModel,
    init: {
      dmaMask: bigint | null;
      coherentDmaMask: bigint;
      busDmaLimit: bigint;
      props: DeviceProps;
      pci32bitWorkaround: boolean;
      domain: DomainObj | null;
    },
  ) {
    super(id, dm);
    this.dmaMaskCell = init.dmaMask === null ? null : new U64Cell(`${id}.dma_mask`, dm, init.dmaMask);
    this.coherentDmaMask = init.coherentDmaMask;
    this.busDmaLimit = init.busDmaLimit;
    this.dmaIommu = init.props.dmaIommu;
    this.coherent = init.props.coherent;
    this.pci = init.props.pci;
    this.untrusted = init.props.untrusted;
    this.minAlignMask = init.props.minAlignMask;
    this.iommu = new DevIommuObj(`${id}.iommu`, dm, init.pci32bitWorkaround);
    this.domain = init.domain;
  }

  protected intFields(): Record<string, IntFieldDef> {
    return {
      coherent_dma_mask: { cType: 'u64', get: () => this.coherentDmaMask, set: (v) => (this.coherentDmaMask = v) },
      bus_dma_limit: { cType: 'u64', get: () => this.busDmaLimit, set: (v) => (this.busDmaLimit = v) },
      dma_iommu: { cType: 'bool', get: () => (this.dmaIommu ? 1n : 0n), set: (v) => (this.dmaIommu = v !== 0n) },
      dma_coherent: { cType: 'bool', get: () => (this.coherent ? 1n : 0n), set: (v) => (this.coherent = v !== 0n) },
    };
  }
  protected override objectFields() {
    return {
      dma_mask: { cType: 'u64 *', kind: 'pointer' as const, get: () => this.dmaMaskCell },
      iommu: { cType: 'struct dev_iommu *', kind: 'pointer' as const, get: () => this.iommu },
    };
  }
}

/** Where a state stands, as the model's bookkeeping (not the C fields) sees it. */
export type StateLifecycle = 'zero' | 'allocated' | 'freed' | 'unknown';

/** struct dma_iova_state: addr and __size, the latter u64 (or size_t before v6 of the series). */
export class DmaIovaStateObj extends BaseObject {
  readonly kind = 'dma_iova_state' as const;
  readonly cType = 'struct dma_iova_state';
  addr = 0n;
  /** Raw __size, flag bit included. */
  rawSize = 0n;
  readonly sizeFieldType: string;
  /** Reservation id the model bound this state to (set by try_alloc or by address lookup). */
  reservationId: number | undefined;
  /** Whether the fields were last written by interpreted code rather than by the model. */
  writtenOutside = false;

  constructor(id: string, dm: DataModel, sizeFieldType: 'u64' | 'size_t') {
    super(id, dm);
    this.sizeFieldType = sizeFieldType;
  }

  protected intFields(): Record<string, IntFieldDef> {
    return {
      addr: {
        cType: 'dma_addr_t',
        get: () => this.addr,
        set: (v) => {
          this.addr = v;
          this.writtenOutside = true;
        },
      },
      __size: {
        cType: this.sizeFieldType,
        get: () => this.rawSize,
        set: (v) => {
          this.rawSize = v;
          this.writtenOutside = true;
        },
      },
    };
  }

  /** Stores __size as its C type would hold it. */
  storeSize(v: bigint): void {
    this.rawSize = wrap(v, mustIntType(this.sizeFieldType, this.dm));
  }
}

/** struct iova as alloc_iova returns it. */
export class IovaObj extends BaseObject {
  readonly kind = 'iova' as const;
  readonly cType = 'struct iova';
  constructor(
    id: string,
    dm: DataModel,
    readonly pfnLo: bigint,
    readonly pfnHi: bigint,
  ) {
    super(id, dm);
  }
  protected intFields(): Record<string, IntFieldDef> {
    return {
      pfn_lo: { cType: 'unsigned long', get: () => this.pfnLo },
      pfn_hi: { cType: 'unsigned long', get: () => this.pfnHi },
    };
  }
}

/** struct page, known to the model only by its physical address (page_to_phys). */
export class PageObj extends BaseObject {
  readonly kind = 'page' as const;
  readonly cType = 'struct page';
  constructor(
    id: string,
    dm: DataModel,
    readonly phys: bigint,
  ) {
    super(id, dm);
  }
  protected intFields(): Record<string, IntFieldDef> {
    return {};
  }
}

/** struct iommu_iotlb_gather; `queued` is what iommu_dma_free_iova looks at. */
export class GatherObj extends BaseObject {
  readonly kind = 'iommu_iotlb_gather' as const;
  readonly cType = 'struct iommu_iotlb_gather';
  queued = false;
  protected intFields(): Record<string, IntFieldDef> {
    return { queued: { cType: 'bool', get: () => (this.queued ? 1n : 0n), set: (v) => (this.queued = v !== 0n) } };
  }
}

/** The object a pointer of C type `cType` must point to, for argument checks. */
export function kindForPointerType(cType: string): ModelObjectKind | undefined {
  const t = cType.replace(/\bconst\b/g, '').replace(/\s+/g, ' ').trim();
  const table: Record<string, ModelObjectKind> = {
    'struct device *': 'device',
    'struct dma_iova_state *': 'dma_iova_state',
    'struct iommu_domain *': 'iommu_domain',
    'struct iommu_dma_cookie *': 'iommu_dma_cookie',
    'struct iova_domain *': 'iova_domain',
    'struct iova *': 'iova',
    'struct page *': 'page',
    'struct iommu_iotlb_gather *': 'iommu_iotlb_gather',
    'u64 *': 'u64_cell',
  };
  return table[t];
}
