// The simulator's door into the model: perform a C callee by name on a world with bigint/object
// arguments, as the kernel function would, recording a trace entry with its events. Parameter
// lists and C types come from the contracts, so the two never disagree.
import { contractFor } from './contracts.js';
import type { FunctionContract, ParamContract } from './contract-types.js';
import { hex, intType, wrap } from './ctypes.js';
import type { DeviceObj, DmaIovaStateObj, DomainObj, GatherObj, IovaDomainObj, IovaObj, ModelObject, ModelObjectKind, PageObj } from './objects.js';
import { isModelObject, kindForPointerType } from './objects.js';
import { cpuSync, sizeT } from './ops/common.js';
import * as iova from './ops/dma-iova.js';
import * as map from './ops/dma-map.js';
import * as helpers from './ops/helpers.js';
import * as iommu from './ops/iommu.js';
import * as masks from './ops/masks.js';
import type { World } from './world.js';
import { KernelOops } from './world.js';

/** What a simulator passes: integers as bigint (booleans allowed), pointers as model objects or NULL. */
export type ModelArg = bigint | boolean | ModelObject | null;

/** What a model function returns: an integer (bool as 0/1), a pointer, or nothing (void). */
export type ModelValue = bigint | ModelObject | null | undefined;

export type DispatchErrorKind = 'unknown-function' | 'unsupported' | 'bad-arguments' | 'oops';

export type ModelCallResult =
  | { ok: true; value: ModelValue; cType: string }
  | { ok: false; error: { kind: DispatchErrorKind; message: string } };

class BadArguments extends Error {}

/** Decoded arguments, converted to their parameters' C types. */
class Args {
  constructor(
    private readonly w: World,
    private readonly contract: FunctionContract,
    private readonly raw: readonly ModelArg[],
  ) {}

  private param(i: number): ParamContract {
    return this.contract.params[i]!;
  }

  int(i: number): bigint {
    const v = this.raw[i];
    const prm = this.param(i);
    if (typeof v === 'boolean') return v ? 1n : 0n;
    if (typeof v !== 'bigint') throw new BadArguments(`${this.contract.name}: argument ${i + 1} (${prm.name}) must be an integer (${prm.cType})`);
    const t = intType(prm.cType, this.w.dm);
    if (t) return wrap(v, t);
    if (prm.cType === 'void *') return sizeT(this.w, v);
    throw new BadArguments(`${this.contract.name}: argument ${i + 1} (${prm.name}) has C type ${prm.cType}, not an integer`);
  }

  bool(i: number): boolean {
    return this.int(i) !== 0n;
  }

  obj<T extends ModelObject>(i: number): T {
    const o = this.objOrNull<T>(i);
    if (o === null) throw new KernelOops(`${this.contract.name}: NULL ${this.param(i).name} dereferenced`);
    return o;
  }

  objOrNull<T extends ModelObject>(i: number): T | null {
    const v = this.raw[i];
    const prm = this.param(i);
    if (v === null || v === 0n) return null;
    const kind: ModelObjectKind | undefined = kindForPointerType(prm.cType);
    if (!isModelObject(v) || (kind && v.kind !== kind)) {
      throw new BadArguments(`${this.contract.name}: argument ${i + 1} (${prm.name}) must point to a ${prm.cType.replace(' *', '')}`);
    }
    return v as T;
  }

  /** A struct page * given as a page object or as its physical address. */
  pageOrPhys(i: number): PageObj | bigint {
    const v = this.raw[i];
    if (typeof v === 'bigint') return BigInt.asUintN(64, v);
    return this.obj<PageObj>(i);
  }
}

type Impl = (w: World, a: Args) => ModelValue | boolean | void;

const b = (x: boolean): bigint => (x ? 1n : 0n);

const IMPLEMENTATIONS: Readonly<Record<string, Impl>> = {
  // two-step API
  dma_iova_try_alloc: (w, a) => b(iova.dma_iova_try_alloc(w, a.obj<DeviceObj>(0), a.obj<DmaIovaStateObj>(1), a.int(2), a.int(3))),
  dma_iova_free: (w, a) => iova.dma_iova_free(w, a.obj<DeviceObj>(0), a.obj<DmaIovaStateObj>(1)),
  dma_iova_link: (w, a) => iova.dma_iova_link(w, a.obj<DeviceObj>(0), a.obj<DmaIovaStateObj>(1), a.int(2), a.int(3), a.int(4), a.int(5), a.int(6)),
  dma_iova_sync: (w, a) => iova.dma_iova_sync(w, a.obj<DeviceObj>(0), a.obj<DmaIovaStateObj>(1), a.int(2), a.int(3)),
  dma_iova_unlink: (w, a) => iova.dma_iova_unlink(w, a.obj<DeviceObj>(0), a.obj<DmaIovaStateObj>(1), a.int(2), a.int(3), a.int(4), a.int(5)),
  dma_iova_destroy: (w, a) => iova.dma_iova_destroy(w, a.obj<DeviceObj>(0), a.obj<DmaIovaStateObj>(1), a.int(2), a.int(3), a.int(4)),
  dma_use_iova: (w, a) => b(iova.dma_use_iova(w, a.obj<DmaIovaStateObj>(0))),
  dma_iova_size: (w, a) => iova.dma_iova_size(w, a.obj<DmaIovaStateObj>(0)),
  __dma_iova_link: (w, a) => iova.__dma_iova_link(w, a.obj<DeviceObj>(0), a.int(1), a.int(2), a.int(3), a.int(4), a.int(5)),
  iommu_dma_iova_link_swiotlb: (w, a) =>
    iova.iommu_dma_iova_link_swiotlb(w, a.obj<DeviceObj>(0), a.obj<DmaIovaStateObj>(1), a.int(2), a.int(3), a.int(4), a.int(5), a.int(6)),
  iommu_dma_iova_bounce_and_link: (w, a) =>
    iova.iommu_dma_iova_bounce_and_link(w, a.obj<DeviceObj>(0), a.int(1), a.int(2), a.int(3), a.int(4), a.int(5), a.int(6)),
  // one-step API
  dma_map_phys: (w, a) => map.dma_map_phys(w, a.obj<DeviceObj>(0), a.int(1), a.int(2), a.int(3), a.int(4)),
  dma_map_page_attrs: (w, a) => map.dma_map_page_attrs(w, a.obj<DeviceObj>(0), a.pageOrPhys(1), a.int(2), a.int(3), a.int(4), a.int(5)),
  dma_map_page: (w, a) => map.dma_map_page_attrs(w, a.obj<DeviceObj>(0), a.pageOrPhys(1), a.int(2), a.int(3), a.int(4), 0n, 'dma_map_page'),
  dma_map_single_attrs: (w, a) => map.dma_map_single_attrs(w, a.obj<DeviceObj>(0), a.int(1), a.int(2), a.int(3), a.int(4)),
  dma_map_single: (w, a) => map.dma_map_single_attrs(w, a.obj<DeviceObj>(0), a.int(1), a.int(2), a.int(3), 0n, 'dma_map_single'),
  dma_unmap_phys: (w, a) => map.dma_unmap_phys(w, a.obj<DeviceObj>(0), a.int(1), a.int(2), a.int(3), a.int(4)),
  dma_unmap_page_attrs: (w, a) => map.dma_unmap_phys(w, a.obj<DeviceObj>(0), a.int(1), a.int(2), a.int(3), a.int(4), 'dma_unmap_page_attrs'),
  dma_unmap_page: (w, a) => map.dma_unmap_phys(w, a.obj<DeviceObj>(0), a.int(1), a.int(2), a.int(3), 0n, 'dma_unmap_page'),
  dma_unmap_single_attrs: (w, a) => map.dma_unmap_phys(w, a.obj<DeviceObj>(0), a.int(1), a.int(2), a.int(3), a.int(4), 'dma_unmap_single_attrs'),
  dma_unmap_single: (w, a) => map.dma_unmap_phys(w, a.obj<DeviceObj>(0), a.int(1), a.int(2), a.int(3), 0n, 'dma_unmap_single'),
  dma_mapping_error: (w, a) => map.dma_mapping_error(w, a.obj<DeviceObj>(0), a.int(1)),
  dma_need_unmap: (w, a) => b(map.dma_need_unmap(w, a.obj<DeviceObj>(0))),
  dma_get_merge_boundary: (w, a) => map.dma_get_merge_boundary(w, a.obj<DeviceObj>(0)),
  dma_opt_mapping_size: (w, a) => map.dma_opt_mapping_size(w, a.obj<DeviceObj>(0)),
  dma_max_mapping_size: (w, a) => map.dma_max_mapping_size(w, a.obj<DeviceObj>(0)),
  // masks
  dma_get_mask: (w, a) => masks.dma_get_mask(w, a.obj<DeviceObj>(0)),
  dma_set_mask: (w, a) => masks.dma_set_mask(w, a.obj<DeviceObj>(0), a.int(1)),
  dma_set_coherent_mask: (w, a) => masks.dma_set_coherent_mask(w, a.obj<DeviceObj>(0), a.int(1)),
  dma_set_mask_and_coherent: (w, a) => masks.dma_set_mask_and_coherent(w, a.obj<DeviceObj>(0), a.int(1)),
  DMA_BIT_MASK: (w, a) => masks.DMA_BIT_MASK(w, a.int(0)),
  // dma-iommu internals
  iommu_dma_alloc_iova: (w, a) => iommu.iommu_dma_alloc_iova(w, a.obj<DomainObj>(0), a.int(1), a.int(2), a.obj<DeviceObj>(3)),
  iommu_dma_free_iova: (w, a) => iommu.iommu_dma_free_iova(w, a.obj<DomainObj>(0), a.int(1), a.int(2), a.objOrNull<GatherObj>(3)),
  __iommu_dma_map: (w, a) => iommu.__iommu_dma_map(w, a.obj<DeviceObj>(0), a.int(1), a.int(2), a.int(3), a.int(4)),
  __iommu_dma_unmap: (w, a) => iommu.__iommu_dma_unmap(w, a.obj<DeviceObj>(0), a.int(1), a.int(2)),
  iommu_dma_map_swiotlb: (w, a) => iommu.iommu_dma_map_swiotlb(w, a.obj<DeviceObj>(0), a.int(1), a.int(2), a.int(3), a.int(4)),
  iommu_get_dma_domain: (w, a) => helpers.iommu_get_dma_domain(w, a.obj<DeviceObj>(0)),
  // allocator
  alloc_iova_fast: (w, a) => iommu.alloc_iova_fast(w, a.obj<IovaDomainObj>(0), a.int(1), a.int(2), a.bool(3)),
  alloc_iova: (w, a) => iommu.alloc_iova(w, a.obj<IovaDomainObj>(0), a.int(1), a.int(2), a.bool(3)),
  free_iova_fast: (w, a) => iommu.free_iova_fast(w, a.obj<IovaDomainObj>(0), a.int(1), a.int(2)),
  free_iova: (w, a) => iommu.free_iova(w, a.obj<IovaDomainObj>(0), a.int(1)),
  iova_offset: (w, a) => helpers.iova_offset(w, a.obj<IovaDomainObj>(0), a.int(1)),
  iova_align: (w, a) => helpers.iova_align(w, a.obj<IovaDomainObj>(0), a.int(1)),
  iova_align_down: (w, a) => helpers.iova_align_down(w, a.obj<IovaDomainObj>(0), a.int(1)),
  iova_unaligned: (w, a) => helpers.iova_unaligned(w, a.obj<IovaDomainObj>(0), a.int(1), a.int(2)),
  iova_shift: (w, a) => helpers.iova_shift(w, a.obj<IovaDomainObj>(0)),
  iova_mask: (w, a) => helpers.iova_mask(w, a.obj<IovaDomainObj>(0)),
  iova_pfn: (w, a) => helpers.iova_pfn(w, a.obj<IovaDomainObj>(0), a.int(1)),
  iova_dma_addr: (w, a) => helpers.iova_dma_addr(w, a.obj<IovaDomainObj>(0), a.obj<IovaObj>(1)),
  iova_rcache_range: (w) => helpers.iova_rcache_range(w),
  // IOMMU API
  iommu_map: (w, a) => iommu.iommu_map(w, a.obj<DomainObj>(0), a.int(1), a.int(2), a.int(3), a.int(4), true),
  iommu_map_nosync: (w, a) => iommu.iommu_map(w, a.obj<DomainObj>(0), a.int(1), a.int(2), a.int(3), a.int(4), false),
  iommu_unmap: (w, a) => iommu.iommu_unmap(w, a.obj<DomainObj>(0), a.int(1), a.int(2), false),
  iommu_unmap_fast: (w, a) => iommu.iommu_unmap(w, a.obj<DomainObj>(0), a.int(1), a.int(2), true),
  iommu_sync_map: (w, a) => iommu.iommu_sync_map(w, a.obj<DomainObj>(0), a.int(1), a.int(2)),
  iommu_iova_to_phys: (w, a) => iommu.iommu_iova_to_phys(w, a.obj<DomainObj>(0), a.int(1)),
  // swiotlb
  swiotlb_tbl_map_single: (w, a) => iommu.swiotlb_tbl_map_single(w, a.obj<DeviceObj>(0), a.int(1), a.int(2), a.int(3), a.int(4), a.int(5)),
  swiotlb_tbl_unmap_single: (w, a) => {
    iommu.swiotlb_tbl_unmap_single(w, a.obj<DeviceObj>(0), a.int(1), a.int(2), a.int(3), a.int(4));
  },
  is_swiotlb_buffer: (w, a) => b(helpers.is_swiotlb_buffer(w, a.obj<DeviceObj>(0), a.int(1))),
  is_swiotlb_active: (w, a) => b(helpers.is_swiotlb_active(w, a.obj<DeviceObj>(0))),
  // predicates and helpers
  use_dma_iommu: (w, a) => b(helpers.use_dma_iommu(w, a.obj<DeviceObj>(0))),
  dev_is_dma_coherent: (w, a) => b(helpers.dev_is_dma_coherent(w, a.obj<DeviceObj>(0))),
  dev_is_untrusted: (w, a) => b(helpers.dev_is_untrusted(w, a.obj<DeviceObj>(0))),
  dev_use_swiotlb: (w, a) => b(helpers.dev_use_swiotlb(w, a.obj<DeviceObj>(0), a.int(1), a.int(2))),
  dma_get_min_align_mask: (w, a) => helpers.dma_get_min_align_mask(w, a.obj<DeviceObj>(0)),
  dma_info_to_prot: (w, a) => helpers.dma_info_to_prot(w, a.int(0), a.bool(1), a.int(2)),
  page_to_phys: (w, a) => helpers.page_to_phys(w, a.obj<PageObj>(0)),
  virt_to_phys: (w, a) => helpers.virt_to_phys(w, a.int(0)),
  arch_sync_dma_for_device: (w, a) => w.run('arch_sync_dma_for_device', { paddr: hex(a.int(0)), size: hex(a.int(1)) }, () => cpuSync(w, 'arch_sync_dma_for_device', a.int(0), a.int(1)), () => undefined),
  arch_sync_dma_for_cpu: (w, a) => w.run('arch_sync_dma_for_cpu', { paddr: hex(a.int(0)), size: hex(a.int(1)) }, () => cpuSync(w, 'arch_sync_dma_for_cpu', a.int(0), a.int(1)), () => undefined),
  arch_sync_dma_flush: (w) => w.run('arch_sync_dma_flush', {}, () => cpuSync(w, 'arch_sync_dma_flush'), () => undefined),
  roundup_pow_of_two: (w, a) => helpers.roundup_pow_of_two(w, a.int(0)),
  order_base_2: (w, a) => helpers.order_base_2(w, a.int(0)),
  __ffs: (w, a) => helpers.__ffs(w, a.int(0)),
  fls_long: (w, a) => helpers.fls_long(w, a.int(0)),
  is_power_of_2: (w, a) => b(helpers.is_power_of_2(w, a.int(0))),
};

/** Every C function the model can perform. */
export const MODEL_FUNCTION_NAMES: readonly string[] = Object.keys(IMPLEMENTATIONS);

export function hasModelFunction(fn: string): boolean {
  return Object.prototype.hasOwnProperty.call(IMPLEMENTATIONS, fn);
}

/**
 * Performs the C function `fn` on `world` with positional `args` (in the C parameter order of its
 * contract). Integer arguments are converted to their parameters' C types first. Expected failures
 * (unknown function, wrong arguments, a modelled kernel crash) come back as error values.
 */
export function callModel(world: World, fn: string, args: readonly ModelArg[], opts: { line?: number } = {}): ModelCallResult {
  const contract = contractFor(fn);
  const impl = IMPLEMENTATIONS[fn];
  if (!contract) return { ok: false, error: { kind: 'unknown-function', message: `the model has no function ${fn}` } };
  if (!impl) return { ok: false, error: { kind: 'unsupported', message: `${fn} has a contract but no executable model (${contract.notes ?? 'not modelled'})` } };
  if (args.length !== contract.params.length) {
    return { ok: false, error: { kind: 'bad-arguments', message: `${fn} takes ${contract.params.length} arguments, got ${args.length}` } };
  }
  const traceLen = world.trace.length;
  try {
    const raw = impl(world, new Args(world, contract, args));
    const value: ModelValue = typeof raw === 'boolean' ? b(raw) : raw === undefined ? undefined : raw;
    if (opts.line !== undefined && world.trace.length > traceLen) world.trace[traceLen]!.line = opts.line;
    return { ok: true, value, cType: contract.returns.cType };
  } catch (e) {
    if (opts.line !== undefined && world.trace.length > traceLen) world.trace[traceLen]!.line = opts.line;
    if (e instanceof KernelOops) {
      if (world.trace.length === traceLen) {
        const rawArgs: Record<string, string> = {};
        contract.params.forEach((prm, i) => (rawArgs[prm.name] = formatRaw(world, args[i]!, prm.cType)));
        world.trace.push({ fn, args: rawArgs, result: 'oops', events: [{ kind: 'warn', what: 'oops', message: e.message }], ...(opts.line !== undefined ? { line: opts.line } : {}) });
      }
      return { ok: false, error: { kind: 'oops', message: e.message } };
    }
    if (e instanceof BadArguments) return { ok: false, error: { kind: 'bad-arguments', message: e.message } };
    throw e;
  }
}

function formatRaw(w: World, v: ModelArg, cType: string): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return w.fmt(v, cType);
}
