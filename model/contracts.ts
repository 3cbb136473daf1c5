// Machine-readable contracts of the IOVA API, the one-step DMA API and the internals their
// implementations call (reference/iova-api.md §1–§3, defects.md). Rules read roles, guards,
// obligations and categories from here instead of hard-coding function names.
import type { FunctionCategory, FunctionContract, ParamContract, ParamRole } from './contract-types.js';

export type { FunctionContract, ParamContract, ParamRole, FunctionCategory } from './contract-types.js';
export type { ApiLayer, CallerObligation, FailureContract, GuardContract, ObligationKind } from './contract-types.js';

const p = (name: string, cType: string, role: ParamRole, extra: Partial<ParamContract> = {}): ParamContract => ({ name, cType, role, ...extra });

const DEV = p('dev', 'struct device *', 'device');
const STATE = p('state', 'struct dma_iova_state *', 'state');
const DIR = p('dir', 'enum dma_data_direction', 'dir', { note: 'DMA_BIDIRECTIONAL, DMA_TO_DEVICE or DMA_FROM_DEVICE; anything else is BUG_ON in the map paths' });
const ATTRS = p('attrs', 'unsigned long', 'attrs');
const DOMAIN = p('domain', 'struct iommu_domain *', 'domain');
const IOVAD = p('iovad', 'struct iova_domain *', 'iovad');

const IOMMU_ONLY = ['drivers/iommu/', 'kernel/dma/'];
const DMA_IOMMU_ONLY = ['drivers/iommu/dma-iommu.c', 'kernel/dma/'];

const MAP_FALLBACKS = ['dma_map_phys', 'dma_map_page', 'dma_map_page_attrs', 'dma_map_single', 'dma_map_single_attrs', 'dma_map_sg', 'dma_map_sgtable'];

/** Obligations every one-step map shares. */
function mapObligations(unmaps: string[]): FunctionContract['callerMust'] {
  return [
    {
      id: 'check-mapping-error',
      kind: 'check-result',
      text: 'test the result with dma_mapping_error(dev, addr) before using it',
      functions: ['dma_mapping_error'],
      rule: 'iova/link-unchecked',
    },
    {
      id: 'unmap',
      kind: 'release',
      text: 'unmap with the same address, size and direction when the device is done (and on every error path after success)',
      functions: unmaps,
      invariant: 'unlink-mirrors-link',
      defects: ['D8'],
      rule: 'iova/leak-on-error',
    },
    {
      id: 'mask-set',
      kind: 'precede',
      text: 'the streaming mask is set (dma_set_mask or dma_set_mask_and_coherent, result checked) before mapping',
      functions: ['dma_set_mask', 'dma_set_mask_and_coherent'],
      rule: 'dma/set-mask-unchecked',
    },
  ];
}

const UNMAP_OBLIGATIONS: FunctionContract['callerMust'] = [
  {
    id: 'mirror-map',
    kind: 'pair-args',
    text: 'addr, size and dir are those of the map (not a sub-range, not a recomputed direction)',
    invariant: 'unlink-mirrors-link',
    defects: ['D13'],
    rule: 'iova/unlink-mismatch',
  },
  {
    id: 'not-iova-coalesced',
    kind: 'must-not',
    text: 'never unmap per segment an address that came from a dma_iova_state (dma_use_iova true): destroy or unlink it instead',
    functions: ['dma_use_iova', 'dma_iova_destroy', 'dma_iova_unlink'],
    invariant: 'no-double-free',
    defects: ['D9'],
    rule: 'iova/double-unmap',
  },
];

export const FUNCTION_CONTRACTS: readonly FunctionContract[] = [
  // ---- the two-step IOVA API ---------------------------------------------------------------
  {
    name: 'dma_iova_try_alloc',
    layer: 'dma-api',
    declaredIn: 'include/linux/dma-mapping.h (drivers/iommu/dma-iommu.c)',
    returns: { cType: 'bool', meaning: 'true: IOVA reserved, state->addr is the DMA address of buffer byte 0; false: use the dma_map_* API' },
    params: [
      DEV,
      STATE,
      p('phys', 'phys_addr_t', 'phys', { note: 'only its in-granule offset is used', expectedSource: 'the phys of the first link (offset 0), or 0 for page-aligned buffers', wrongSources: ['HPAGE_PMD_SIZE', 'SZ_2M', 'PMD_SIZE'] }),
      p('size', 'size_t', 'size', { note: 'total bytes that will be linked', expectedSource: 'the sum of the lengths linked later' }),
    ],
    categories: ['allocates-iova'],
    failure: { value: 'false', test: '!RET' },
    guards: [
      { id: 'clear-state', condition: 'memset(state, 0, sizeof(*state)) before any return', onViolation: 'a false return leaves stale state (dma_use_iova true)', kernelPerforms: true, invariant: 'state-live', defects: ['D1'], rule: 'iova/stale-state' },
      { id: 'dma-iommu', condition: 'use_dma_iommu(dev)', onViolation: 'return false', kernelPerforms: true },
      { id: 'size-nonzero', condition: 'size != 0', onViolation: 'WARN_ON_ONCE(!size) → return false', kernelPerforms: true, invariant: 'alloc-nonzero', defects: ['D5'], rule: 'iova/size-zero-guard' },
      { id: 'size-flag-bit', condition: '!((u64)size & DMA_IOVA_USE_SWIOTLB)', onViolation: 'WARN_ON_ONCE → return false', kernelPerforms: true, invariant: 'flag-not-in-size', defects: ['D10'], rule: 'iova/swiotlb-flag-guard' },
      { id: 'size-no-wrap', condition: 'size + iova_offset(iovad, phys) and its iova_align do not wrap in size_t', onViolation: 'return false', kernelPerforms: false, invariant: 'size-no-wrap', defects: ['D23'], rule: 'iova/size-overflow' },
      { id: 'offset-in-size', condition: 'the reservation is iova_align(iovad, size + iova_offset(iovad, phys))', onViolation: 'a reservation too small for the buffer', kernelPerforms: true, invariant: 'reservation-covers-buffer', rule: 'iova/offset-size' },
      { id: 'streaming-mask', condition: 'the allocation limit is dma_get_mask(dev)', onViolation: 'IOVA the device cannot reach', kernelPerforms: true, invariant: 'reservation-in-limit', defects: ['D24'], rule: 'dma/mask-source' },
      { id: 'addr-adds-offset', condition: 'state->addr = base + iova_offset(iovad, phys)', onViolation: 'byte k is not at state->addr + k', kernelPerforms: true, invariant: 'byte-address', rule: 'iova/offset-addr' },
      { id: 'min-align-mask', condition: 'dma_get_min_align_mask(dev) <= iova_mask(iovad)', onViolation: 'return false (as __iommu_dma_map does)', kernelPerforms: false, defects: ['D24'] },
    ],
    callerMust: [
      { id: 'check-result', kind: 'check-result', text: 'test the result; on false map with dma_map_* and call no dma_iova_* on this state', functions: MAP_FALLBACKS, invariant: 'state-live', defects: ['D15'], rule: 'iova/unchecked-alloc' },
      { id: 'release', kind: 'release', text: 'every path after success reaches dma_iova_destroy(mapped) or dma_iova_unlink + dma_iova_free', functions: ['dma_iova_destroy', 'dma_iova_free'], invariant: 'no-leak', defects: ['D2', 'D8'], rule: 'iova/leak-on-error' },
      { id: 'phys-of-first-link', kind: 'argument', param: 'phys', text: 'phys is 0 or the phys later linked at offset 0', invariant: 'first-link-offset', defects: ['D17'] },
      { id: 'size-bounded', kind: 'argument', param: 'size', text: 'size is computed without overflow (size_mul/check_mul_overflow for npages * PAGE_SIZE)', invariant: 'size-no-wrap', defects: ['D23'], rule: 'iova/size-overflow' },
      { id: 'fresh-state', kind: 'must-not', text: 'do not reuse a state after free/destroy without a new try_alloc or memset', functions: ['dma_use_iova'], invariant: 'state-live', defects: ['D1'], rule: 'iova/stale-state' },
    ],
    releasedBy: ['dma_iova_free', 'dma_iova_destroy'],
    since: 'v6.16',
  },
  {
    name: 'dma_iova_free',
    layer: 'dma-api',
    declaredIn: 'include/linux/dma-mapping.h (drivers/iommu/dma-iommu.c)',
    returns: { cType: 'void', meaning: '' },
    params: [DEV, STATE],
    categories: ['frees-iova'],
    guards: [
      { id: 'free-full-size', condition: 'frees iova_align(dma_iova_size(state) + iova_offset(state->addr)) at state->addr - iova_offset(state->addr)', onViolation: 'the range cache files a wrong-sized range', kernelPerforms: true, invariant: 'free-mirrors-alloc', defects: ['D4'], rule: 'iova/offset-free' },
      { id: 'masked-size', condition: 'the size is dma_iova_size(state), never raw __size', onViolation: 'bit 63 leaks into the free size', kernelPerforms: true, invariant: 'flag-not-in-size', rule: 'iova/raw-size-access' },
      { id: 'state-allocated', condition: 'dma_use_iova(state)', onViolation: 'frees IOVA 0 / garbage', kernelPerforms: false, invariant: 'state-live' },
    ],
    callerMust: [
      { id: 'unlinked-first', kind: 'precede', text: 'every linked range is unlinked first (dma_iova_unlink), or use dma_iova_destroy', functions: ['dma_iova_unlink', 'dma_iova_destroy'], invariant: 'no-leak', rule: 'iova/leak-on-error' },
      { id: 'after-success', kind: 'precede', text: 'only after a successful dma_iova_try_alloc on this state, once', functions: ['dma_iova_try_alloc'], invariant: 'no-double-free' },
    ],
    since: 'v6.16',
  },
  {
    name: 'dma_iova_link',
    layer: 'dma-api',
    declaredIn: 'include/linux/dma-mapping.h (drivers/iommu/dma-iommu.c)',
    returns: { cType: 'int', meaning: '0 or a negative errno' },
    params: [
      DEV,
      STATE,
      p('phys', 'phys_addr_t', 'phys'),
      p('offset', 'size_t', 'offset', { note: 'IOVA offset into the state; the running sum of earlier link lengths', expectedSource: 'mapped_len so far' }),
      p('size', 'size_t', 'size'),
      DIR,
      ATTRS,
    ],
    categories: ['links'],
    failure: { value: 'negative errno', test: 'RET < 0', errnos: ['EIO', 'EOPNOTSUPP', 'EPERM', 'ENOMEM', 'EINVAL', 'EEXIST'] },
    guards: [
      { id: 'pad-only-first', condition: '!(iova_offset(iovad, phys) && offset > 0)', onViolation: 'WARN_ON_ONCE → return -EIO', kernelPerforms: true, invariant: 'later-link-aligned', defects: ['D6'], rule: 'iova/link-pad-offset' },
      { id: 'in-reservation', condition: 'offset + size <= dma_iova_size(state)', onViolation: 'maps IOVA owned by someone else', kernelPerforms: false, invariant: 'link-in-reservation', defects: ['D6', 'D23'], rule: 'iova/link-out-of-range' },
      { id: 'size-nonzero', condition: 'size != 0', onViolation: 'a 0-length map reaches the page table', kernelPerforms: false, invariant: 'alloc-nonzero', defects: ['D5'], rule: 'iova/size-zero-guard' },
      { id: 'offset-granule', condition: 'offset == 0 || iova_offset(iovad, state->addr + offset) == 0', onViolation: 'iommu_map -EINVAL, or a shifted mapping', kernelPerforms: false, invariant: 'later-link-aligned', defects: ['D6', 'D21'] },
      { id: 'swiotlb-attrs', condition: 'no swiotlb bounce with DMA_ATTR_MMIO | DMA_ATTR_REQUIRE_COHERENT', onViolation: 'return -EPERM', kernelPerforms: true },
      { id: 'require-coherent', condition: 'dev_is_dma_coherent(dev) || !(attrs & DMA_ATTR_REQUIRE_COHERENT)', onViolation: 'return -EOPNOTSUPP', kernelPerforms: true },
      { id: 'empty-middle', condition: 'the aligned middle of a bounced link is linked only when non-empty', onViolation: '0-length __dma_iova_link fails; unwind from 0 tears down earlier links', kernelPerforms: true, invariant: 'unlink-mirrors-link', defects: ['D5'] },
    ],
    callerMust: [
      { id: 'check-result', kind: 'check-result', text: 'test the result; on failure unlink what was linked and free (or dma_iova_destroy(mapped))', functions: ['dma_iova_destroy', 'dma_iova_unlink', 'dma_iova_free'], invariant: 'no-leak', defects: ['D2', 'D16'], rule: 'iova/link-unchecked' },
      { id: 'sync-before-use', kind: 'follow', text: 'dma_iova_sync covering the linked range before the address is handed to the device or success is returned', functions: ['dma_iova_sync'], invariant: 'sync-before-publish', defects: ['D22'], rule: 'iova/missing-sync' },
      { id: 'offset-running-sum', kind: 'argument', param: 'offset', text: 'offset is the running sum of earlier link lengths (not a constant 0 in a loop)', invariant: 'mapping-covers-buffer', defects: ['D25'] },
      { id: 'lengths-granule-multiple', kind: 'argument', param: 'size', text: 'every link but the last has a granule-multiple length; only the first may start unaligned', invariant: 'later-link-aligned', defects: ['D6', 'D21'] },
      { id: 'first-phys-offset', kind: 'argument', param: 'phys', text: 'the link at offset 0 uses a phys with the same in-granule offset as try_alloc got', invariant: 'first-link-offset', defects: ['D17'] },
      { id: 'allocated-state', kind: 'precede', text: 'only on a state from a successful try_alloc', functions: ['dma_iova_try_alloc', 'dma_use_iova'], invariant: 'state-live', defects: ['D15'] },
    ],
    releasedBy: ['dma_iova_unlink', 'dma_iova_destroy'],
    since: 'v6.16',
  },
  {
    name: 'dma_iova_sync',
    layer: 'dma-api',
    declaredIn: 'include/linux/dma-mapping.h (drivers/iommu/dma-iommu.c)',
    returns: { cType: 'int', meaning: '0 or the iommu_sync_map error' },
    params: [DEV, STATE, p('offset', 'size_t', 'offset'), p('size', 'size_t', 'size')],
    categories: ['syncs'],
    failure: { value: 'negative errno', test: 'RET < 0' },
    guards: [{ id: 'in-reservation', condition: 'offset + size <= dma_iova_size(state)', onViolation: 'syncs IOVA outside the state', kernelPerforms: false, invariant: 'link-in-reservation', rule: 'iova/link-out-of-range' }],
    callerMust: [
      { id: 'check-result', kind: 'check-result', text: 'test the result; on failure unlink/destroy what was linked', functions: ['dma_iova_destroy', 'dma_iova_unlink'], invariant: 'no-leak', defects: ['D2', 'D16'], rule: 'iova/link-unchecked' },
      { id: 'covers-links', kind: 'argument', text: 'covers every range linked since the last sync', invariant: 'sync-before-publish', defects: ['D22'], rule: 'iova/missing-sync' },
    ],
    since: 'v6.16',
  },
  {
    name: 'dma_iova_unlink',
    layer: 'dma-api',
    declaredIn: 'include/linux/dma-mapping.h (drivers/iommu/dma-iommu.c)',
    returns: { cType: 'void', meaning: '' },
    params: [DEV, STATE, p('offset', 'size_t', 'offset'), p('size', 'size_t', 'size'), DIR, ATTRS],
    categories: ['unlinks'],
    guards: [
      { id: 'unmapped-all', condition: 'iommu_unmap_fast unmapped iova_align(size + pad) bytes', onViolation: 'WARN_ON(unmapped != size)', kernelPerforms: true, invariant: 'unlink-mirrors-link' },
      { id: 'slow-path-phys', condition: 'every granule walked in the slow path is mapped', onViolation: 'WARN_ON(!phys) → return (was an infinite continue before v6)', kernelPerforms: true, defects: ['D3'] },
    ],
    callerMust: [
      { id: 'mirror-link', kind: 'pair-args', text: 'offset/size cover exactly earlier links (no split), with the same dir and MMIO/SKIP_CPU_SYNC/REQUIRE_COHERENT attrs', functions: ['dma_iova_link'], invariant: 'unlink-mirrors-link', defects: ['D7', 'D11', 'D12', 'D20'], rule: 'iova/unlink-mismatch' },
      { id: 'then-free', kind: 'follow', text: 'dma_iova_free once everything is unlinked', functions: ['dma_iova_free'], invariant: 'no-leak' },
    ],
    since: 'v6.16',
  },
  {
    name: 'dma_iova_destroy',
    layer: 'dma-api',
    declaredIn: 'include/linux/dma-mapping.h (drivers/iommu/dma-iommu.c)',
    returns: { cType: 'void', meaning: '' },
    params: [DEV, STATE, p('mapped_len', 'size_t', 'size', { note: 'bytes linked from offset 0; 0 means "nothing linked, just free"' }), DIR, ATTRS],
    categories: ['unlinks', 'frees-iova'],
    guards: [
      { id: 'free-full-size', condition: 'frees iova_align(dma_iova_size(state) + pad), not iova_align(mapped_len + pad)', onViolation: 'frees less than was reserved', kernelPerforms: false, invariant: 'free-mirrors-alloc', defects: ['D4'], rule: 'iova/offset-free' },
    ],
    callerMust: [
      { id: 'only-links', kind: 'pair-args', text: '[0, mapped_len) is all linked and is the only linked IOVA of the state, with the links\' dir/attrs', functions: ['dma_iova_link'], invariant: 'unlink-mirrors-link', defects: ['D7', 'D12'], rule: 'iova/unlink-mismatch' },
      { id: 'full-length', kind: 'argument', param: 'mapped_len', text: 'mapped_len equals the try_alloc size; on partial failure prefer dma_iova_unlink(0, mapped) + dma_iova_free', functions: ['dma_iova_unlink', 'dma_iova_free'], invariant: 'free-mirrors-alloc', defects: ['D4'] },
      { id: 'once', kind: 'must-not', text: 'not on a freed or destroyed state', invariant: 'no-double-free', defects: ['D1'], rule: 'iova/stale-state' },
    ],
    since: 'v6.16',
  },
  {
    name: 'dma_use_iova',
    layer: 'dma-api',
    declaredIn: 'include/linux/dma-mapping.h',
    returns: { cType: 'bool', meaning: 'state->__size != 0; stays true after free/destroy (only try_alloc or memset clears it)' },
    params: [STATE],
    categories: ['query'],
    guards: [],
    callerMust: [{ id: 'initialised', kind: 'precede', text: 'the state was cleared by try_alloc or memset on this path', functions: ['dma_iova_try_alloc'], invariant: 'state-live', defects: ['D1'], rule: 'iova/stale-state' }],
    since: 'v6.16',
  },
  {
    name: 'dma_iova_size',
    layer: 'dma-api',
    declaredIn: 'include/linux/dma-mapping.h',
    returns: { cType: 'size_t', meaning: '(size_t)(state->__size & ~DMA_IOVA_USE_SWIOTLB)' },
    params: [STATE],
    categories: ['query'],
    guards: [],
    callerMust: [{ id: 'not-raw', kind: 'must-not', text: 'read sizes through dma_iova_size, never state->__size', invariant: 'flag-not-in-size', defects: ['D1', 'D10'], rule: 'iova/raw-size-access' }],
    since: 'v6.16',
  },
  // ---- one-step mapping -------------------------------------------------------------------
  ...(['dma_map_phys', 'dma_map_page_attrs', 'dma_map_page', 'dma_map_single_attrs', 'dma_map_single'] as const).map((name): FunctionContract => {
    const withAttrs = name === 'dma_map_phys' || name.endsWith('_attrs');
    const first: ParamContract[] =
      name === 'dma_map_phys'
        ? [p('phys', 'phys_addr_t', 'phys')]
        : name.startsWith('dma_map_page')
          ? [p('page', 'struct page *', 'page'), p('offset', 'size_t', 'offset', { note: 'byte offset into the page' })]
          : [p('ptr', 'void *', 'cpu-addr', { note: 'a kernel linear-map address (not vmalloc)' })];
    const unmap = name === 'dma_map_phys' ? 'dma_unmap_phys' : name.startsWith('dma_map_page') ? 'dma_unmap_page' : 'dma_unmap_single';
    const unmaps = name === 'dma_map_phys' ? [unmap] : [unmap, `${unmap}_attrs`];
    return {
      name,
      layer: 'dma-api',
      declaredIn: 'include/linux/dma-mapping.h (kernel/dma/mapping.c)',
      macro: !withAttrs,
      returns: { cType: 'dma_addr_t', meaning: 'the DMA address of the first byte, or DMA_MAPPING_ERROR' },
      params: [DEV, ...first, p('size', 'size_t', 'size'), DIR, ...(withAttrs ? [ATTRS] : [])],
      categories: ['maps'],
      failure: { value: 'DMA_MAPPING_ERROR', test: 'dma_mapping_error(dev, RET)' },
      guards: [
        { id: 'dma-mask', condition: 'dev->dma_mask', onViolation: 'WARN_ON_ONCE → DMA_MAPPING_ERROR', kernelPerforms: true },
        { id: 'size-nonzero', condition: 'size != 0', onViolation: 'a 0-length IOVA allocation and map', kernelPerforms: false, invariant: 'alloc-nonzero' },
      ],
      callerMust: mapObligations(unmaps),
      releasedBy: unmaps,
      since: name === 'dma_map_phys' ? 'v6.18' : undefined,
    };
  }),
  {
    name: 'dma_map_sg',
    layer: 'dma-api',
    declaredIn: 'include/linux/dma-mapping.h (kernel/dma/mapping.c)',
    macro: true,
    returns: { cType: 'int', meaning: 'number of DMA segments, 0 on failure' },
    params: [DEV, p('sg', 'struct scatterlist *', 'sg'), p('nents', 'int', 'nents'), DIR],
    categories: ['maps'],
    failure: { value: '0', test: 'RET == 0' },
    guards: [],
    callerMust: [
      { id: 'check-result', kind: 'check-result', text: 'test for 0', rule: 'iova/link-unchecked' },
      { id: 'unmap-orig-nents', kind: 'release', text: 'dma_unmap_sg with the nents passed in, not the count returned', functions: ['dma_unmap_sg'], invariant: 'unlink-mirrors-link' },
    ],
    releasedBy: ['dma_unmap_sg', 'dma_unmap_sg_attrs'],
    notes: 'contract only: the model has no scatterlist objects',
  },
  {
    name: 'dma_map_sgtable',
    layer: 'dma-api',
    declaredIn: 'include/linux/dma-mapping.h (kernel/dma/mapping.c)',
    returns: { cType: 'int', meaning: '0 or a negative errno' },
    params: [DEV, p('sgt', 'struct sg_table *', 'sg'), DIR, ATTRS],
    categories: ['maps'],
    failure: { value: 'negative errno', test: 'RET < 0' },
    guards: [],
    callerMust: [{ id: 'check-result', kind: 'check-result', text: 'test the result', rule: 'iova/link-unchecked' }],
    releasedBy: ['dma_unmap_sgtable'],
    notes: 'contract only: the model has no scatterlist objects',
  },
  ...(['dma_unmap_phys', 'dma_unmap_page_attrs', 'dma_unmap_page', 'dma_unmap_single_attrs', 'dma_unmap_single'] as const).map((name): FunctionContract => {
    const withAttrs = name === 'dma_unmap_phys' || name.endsWith('_attrs');
    return {
      name,
      layer: 'dma-api',
      declaredIn: 'include/linux/dma-mapping.h (kernel/dma/mapping.c)',
      macro: !withAttrs,
      returns: { cType: 'void', meaning: '' },
      params: [DEV, p('addr', 'dma_addr_t', 'dma-addr'), p('size', 'size_t', 'size'), DIR, ...(withAttrs ? [ATTRS] : [])],
      categories: ['unmaps'],
      guards: [{ id: 'mapped', condition: 'iommu_iova_to_phys(domain, addr) != 0', onViolation: 'WARN_ON(!phys) → return', kernelPerforms: true, invariant: 'no-double-free' }],
      callerMust: UNMAP_OBLIGATIONS,
      since: name === 'dma_unmap_phys' ? 'v6.18' : undefined,
    };
  }),
  {
    name: 'dma_unmap_sg',
    layer: 'dma-api',
    declaredIn: 'include/linux/dma-mapping.h',
    macro: true,
    returns: { cType: 'void', meaning: '' },
    params: [DEV, p('sg', 'struct scatterlist *', 'sg'), p('nents', 'int', 'nents'), DIR],
    categories: ['unmaps'],
    guards: [],
    callerMust: UNMAP_OBLIGATIONS,
    notes: 'contract only',
  },
  {
    name: 'dma_mapping_error',
    layer: 'dma-api',
    declaredIn: 'include/linux/dma-mapping.h',
    returns: { cType: 'int', meaning: '-ENOMEM for DMA_MAPPING_ERROR, else 0' },
    params: [DEV, p('dma_addr', 'dma_addr_t', 'dma-addr')],
    categories: ['checks-error'],
    guards: [],
    callerMust: [],
  },
  // ---- masks --------------------------------------------------------------------------------
  ...(['dma_set_mask', 'dma_set_coherent_mask', 'dma_set_mask_and_coherent'] as const).map(
    (name): FunctionContract => ({
      name,
      layer: 'dma-api',
      declaredIn: 'include/linux/dma-mapping.h (kernel/dma/mapping.c)',
      returns: { cType: 'int', meaning: '0, or -EIO when the mask is not supported' },
      params: [DEV, p('mask', 'u64', 'mask', { expectedSource: 'DMA_BIT_MASK(n) with n a constant in 1..64', wrongSources: ['(1 << n) - 1', 'u32 variables'] })],
      categories: ['sets-mask'],
      failure: { value: 'non-zero', test: 'RET != 0', errnos: ['EIO'] },
      guards: [{ id: 'supported', condition: 'dma_supported(dev, mask)', onViolation: 'return -EIO', kernelPerforms: true }],
      callerMust: [
        { id: 'check-result', kind: 'check-result', text: 'test the result; on failure try a narrower mask or fail the probe', rule: 'dma/set-mask-unchecked' },
        { id: 'u64-mask', kind: 'argument', param: 'mask', text: 'the mask is a u64 built with DMA_BIT_MASK (no int shifts, no u32 narrowing)', rule: 'dma/mask-truncation', defects: ['D14'] },
      ],
    }),
  ),
  {
    name: 'dma_get_mask',
    layer: 'dma-api',
    declaredIn: 'include/linux/dma-mapping.h',
    returns: { cType: 'u64', meaning: '*dev->dma_mask when set and non-zero, else DMA_BIT_MASK(32)' },
    params: [DEV],
    categories: ['reads-mask'],
    guards: [],
    callerMust: [{ id: 'not-raw', kind: 'must-not', text: 'use dma_get_mask(dev), not *dev->dma_mask (may be NULL or 0) or dev->coherent_dma_mask, for IOVA limits', rule: 'dma/mask-source', invariant: 'reservation-in-limit' }],
  },
  {
    name: 'DMA_BIT_MASK',
    layer: 'dma-api',
    declaredIn: 'include/linux/dma-mapping.h',
    macro: true,
    returns: { cType: 'u64', meaning: 'the low n bits set' },
    params: [p('n', 'int', 'bits', { note: '1..64; a plain constant or variable (the 2025 GENMASK_ULL form lacked parentheses, D14)' })],
    categories: ['builds-mask'],
    guards: [{ id: 'range', condition: '1 <= n && n <= 64', onViolation: 'not meaningful', kernelPerforms: false, defects: ['D14'], rule: 'dma/bit-mask-arg' }],
    callerMust: [{ id: 'simple-arg', kind: 'argument', param: 'n', text: 'n is a constant or a variable, not a conditional or arithmetic expression', defects: ['D14'], rule: 'dma/bit-mask-arg' }],
  },
  ...(
    [
      ['dma_need_unmap', 'bool', 'true when dma_unmap_* has work to do (always behind an IOMMU)'],
      ['dma_get_merge_boundary', 'unsigned long', 'granule - 1 behind a DMA-IOMMU domain, else 0'],
      ['dma_opt_mapping_size', 'size_t', 'iova_rcache_range() behind an IOMMU (bounded by the max)'],
      ['dma_max_mapping_size', 'size_t', 'the swiotlb limit for bouncing devices, else SIZE_MAX'],
    ] as const
  ).map(
    ([name, ret, meaning]): FunctionContract => ({
      name,
      layer: 'dma-api',
      declaredIn: 'include/linux/dma-mapping.h (kernel/dma/mapping.c)',
      returns: { cType: ret, meaning },
      params: [DEV],
      categories: ['query'],
      guards: [],
      callerMust: [],
    }),
  ),
  // ---- dma-iommu internals --------------------------------------------------------------
  {
    name: 'iommu_dma_alloc_iova',
    layer: 'dma-iommu',
    declaredIn: 'drivers/iommu/dma-iommu.c (static)',
    returns: { cType: 'dma_addr_t', meaning: 'the IOVA base (granule aligned), 0 on failure' },
    params: [
      DOMAIN,
      p('size', 'size_t', 'size', { note: 'granule aligned: iova_align(iovad, size + iova_off)' }),
      p('dma_limit', 'u64', 'mask', { expectedSource: 'dma_get_mask(dev)', wrongSources: ['dev->coherent_dma_mask', 'DMA_BIT_MASK(64)', '~0ULL', 'U64_MAX', '*dev->dma_mask'] }),
      DEV,
    ],
    categories: ['allocates-iova'],
    failure: { value: '0', test: '!RET' },
    guards: [
      { id: 'size-nonzero', condition: 'size != 0', onViolation: 'a 0-granule allocation (roundup_pow_of_two(0))', kernelPerforms: false, invariant: 'alloc-nonzero', defects: ['D5'], rule: 'iova/size-zero-guard' },
      { id: 'size-granule', condition: 'iova_offset(iovad, size) == 0', onViolation: 'the reservation is truncated to size >> shift granules', kernelPerforms: false, invariant: 'reservation-covers-buffer', rule: 'iova/offset-size' },
      { id: 'limit', condition: 'reservation below min_not_zero(dma_limit, dev->bus_dma_limit) and the aperture', onViolation: '', kernelPerforms: true, invariant: 'reservation-in-limit' },
      { id: 'sac-large', condition: '(size - 1) <= DMA_BIT_MASK(32) before the 32-bit attempt', onViolation: 'the attempt fails and clears pci_32bit_workaround for good', kernelPerforms: false, defects: ['D19'] },
    ],
    callerMust: [
      { id: 'check-zero', kind: 'check-result', text: 'test for 0 (the failure value; IOVA 0 is never handed out)', rule: 'iova/unchecked-alloc' },
      { id: 'free-same-size', kind: 'release', text: 'free with iommu_dma_free_iova(domain, base, size) of exactly this size', functions: ['iommu_dma_free_iova'], invariant: 'free-mirrors-alloc', defects: ['D4'], rule: 'iova/offset-free' },
    ],
    releasedBy: ['iommu_dma_free_iova'],
    restrictedTo: DMA_IOMMU_ONLY,
    notes: 'signature (domain, size, dma_limit, dev) since v6.15; (cookie, ...) before',
  },
  {
    name: 'iommu_dma_free_iova',
    layer: 'dma-iommu',
    declaredIn: 'drivers/iommu/dma-iommu.c (static)',
    returns: { cType: 'void', meaning: '' },
    params: [DOMAIN, p('iova', 'dma_addr_t', 'iova'), p('size', 'size_t', 'size'), p('gather', 'struct iommu_iotlb_gather *', 'gather', { nullable: true })],
    categories: ['frees-iova'],
    guards: [{ id: 'mirror', condition: 'iova and size are the allocation\'s base and size', onViolation: 'range-cache corruption or overlapping IOVA', kernelPerforms: false, invariant: 'free-mirrors-alloc', defects: ['D4'] }],
    callerMust: [{ id: 'unmapped-first', kind: 'precede', text: 'the range is unmapped first', functions: ['iommu_unmap', 'iommu_unmap_fast'], invariant: 'no-leak' }],
    restrictedTo: DMA_IOMMU_ONLY,
  },
  {
    name: '__iommu_dma_map',
    layer: 'dma-iommu',
    declaredIn: 'drivers/iommu/dma-iommu.c (static)',
    returns: { cType: 'dma_addr_t', meaning: 'iova + iova_offset(phys), or DMA_MAPPING_ERROR' },
    params: [DEV, p('phys', 'phys_addr_t', 'phys'), p('size', 'size_t', 'size'), p('prot', 'int', 'prot'), p('dma_mask', 'u64', 'mask', { expectedSource: 'dma_get_mask(dev)' })],
    categories: ['allocates-iova', 'maps'],
    failure: { value: 'DMA_MAPPING_ERROR', test: 'RET == DMA_MAPPING_ERROR' },
    guards: [
      { id: 'min-align', condition: 'dma_get_min_align_mask(dev) <= iova_mask(iovad)', onViolation: 'dev_WARN_ONCE → DMA_MAPPING_ERROR', kernelPerforms: true, defects: ['D24'] },
      { id: 'offset-in-size', condition: 'size = iova_align(iovad, size + iova_off)', onViolation: '', kernelPerforms: true, invariant: 'reservation-covers-buffer', rule: 'iova/offset-size' },
      { id: 'free-on-map-failure', condition: 'iommu_map failure frees the IOVA', onViolation: 'leak', kernelPerforms: true, invariant: 'no-leak' },
    ],
    callerMust: [{ id: 'unmap', kind: 'release', text: 'undo with __iommu_dma_unmap(dev, addr, size)', functions: ['__iommu_dma_unmap'], invariant: 'no-leak' }],
    releasedBy: ['__iommu_dma_unmap'],
    restrictedTo: DMA_IOMMU_ONLY,
  },
  {
    name: '__iommu_dma_unmap',
    layer: 'dma-iommu',
    declaredIn: 'drivers/iommu/dma-iommu.c (static)',
    returns: { cType: 'void', meaning: '' },
    params: [DEV, p('dma_addr', 'dma_addr_t', 'dma-addr'), p('size', 'size_t', 'size')],
    categories: ['unmaps', 'frees-iova'],
    guards: [
      { id: 'rewind-pad', condition: 'dma_addr -= iova_offset(dma_addr); size = iova_align(size + iova_off)', onViolation: 'not the mirror of the map', kernelPerforms: true, invariant: 'free-mirrors-alloc', rule: 'iova/offset-free' },
      { id: 'unmapped-all', condition: 'unmapped == size', onViolation: 'WARN_ON', kernelPerforms: true },
    ],
    callerMust: [],
    restrictedTo: DMA_IOMMU_ONLY,
  },
  ...(
    [
      ['__dma_iova_link', [DEV, p('addr', 'dma_addr_t', 'iova'), p('phys', 'phys_addr_t', 'phys'), p('size', 'size_t', 'size'), DIR, ATTRS], 'int', ['links']],
      ['iommu_dma_iova_link_swiotlb', [DEV, STATE, p('phys', 'phys_addr_t', 'phys'), p('offset', 'size_t', 'offset'), p('size', 'size_t', 'size'), DIR, ATTRS], 'int', ['links', 'bounce']],
      ['iommu_dma_iova_bounce_and_link', [DEV, p('addr', 'dma_addr_t', 'iova'), p('phys', 'phys_addr_t', 'phys'), p('bounce_len', 'size_t', 'size'), DIR, ATTRS, p('iova_start_pad', 'size_t', 'pad')], 'int', ['links', 'bounce']],
    ] as const
  ).map(
    ([name, params, ret, categories]): FunctionContract => ({
      name,
      layer: 'dma-iommu',
      declaredIn: 'drivers/iommu/dma-iommu.c (static)',
      returns: { cType: ret, meaning: '0 or a negative errno' },
      params: [...params],
      categories: [...categories],
      failure: { value: 'negative errno', test: 'RET < 0' },
      guards:
        name === 'iommu_dma_iova_link_swiotlb'
          ? [
              { id: 'empty-middle', condition: 'link the aligned middle only if (size) after size -= iova_end_pad', onViolation: 'a 0-length __dma_iova_link', kernelPerforms: true, invariant: 'alloc-nonzero', defects: ['D5'], rule: 'iova/size-zero-guard' },
              { id: 'unwind-from-offset', condition: 'if (mapped) dma_iova_unlink(dev, state, offset, mapped, ...)', onViolation: 'unwinds [0, mapped): earlier links torn down', kernelPerforms: true, invariant: 'unlink-mirrors-link', defects: ['D5'] },
            ]
          : [],
      callerMust: [],
      restrictedTo: DMA_IOMMU_ONLY,
    }),
  ),
  {
    name: 'iommu_dma_map_swiotlb',
    layer: 'dma-iommu',
    declaredIn: 'drivers/iommu/dma-iommu.c (static)',
    returns: { cType: 'phys_addr_t', meaning: 'the bounce slot address (same in-granule offset as phys), or DMA_MAPPING_ERROR' },
    params: [DEV, p('phys', 'phys_addr_t', 'phys'), p('size', 'size_t', 'size'), DIR, ATTRS],
    categories: ['bounce'],
    failure: { value: 'DMA_MAPPING_ERROR', test: 'RET == (phys_addr_t)DMA_MAPPING_ERROR' },
    guards: [],
    callerMust: [{ id: 'release', kind: 'release', text: 'swiotlb_tbl_unmap_single on failure paths', functions: ['swiotlb_tbl_unmap_single'], invariant: 'no-leak' }],
    restrictedTo: DMA_IOMMU_ONLY,
  },
  {
    name: 'iommu_get_dma_domain',
    layer: 'dma-iommu',
    declaredIn: 'drivers/iommu/iommu.c',
    returns: { cType: 'struct iommu_domain *', meaning: 'the default DMA domain' },
    params: [DEV],
    categories: ['domain-access'],
    guards: [],
    callerMust: [],
    restrictedTo: IOMMU_ONLY,
  },
  // ---- IOVA allocator (drivers/iommu/iova.c, include/linux/iova.h) --------------------------
  {
    name: 'alloc_iova_fast',
    layer: 'iova',
    declaredIn: 'include/linux/iova.h (drivers/iommu/iova.c)',
    returns: { cType: 'unsigned long', meaning: 'first pfn, 0 on failure' },
    params: [IOVAD, p('size', 'unsigned long', 'granules', { note: 'rounded up to a power of two below 32 granules' }), p('limit_pfn', 'unsigned long', 'limit-pfn'), p('flush_rcache', 'bool', 'flag')],
    categories: ['allocates-iova'],
    failure: { value: '0', test: '!RET' },
    guards: [{ id: 'size-nonzero', condition: 'size != 0', onViolation: 'roundup_pow_of_two(0) is undefined', kernelPerforms: false, invariant: 'alloc-nonzero' }],
    callerMust: [{ id: 'free-same', kind: 'release', text: 'free_iova_fast(iovad, pfn, size) with the same unrounded size', functions: ['free_iova_fast'], invariant: 'free-mirrors-alloc', defects: ['D4'] }],
    releasedBy: ['free_iova_fast'],
    restrictedTo: IOMMU_ONLY,
  },
  {
    name: 'alloc_iova',
    layer: 'iova',
    declaredIn: 'include/linux/iova.h (drivers/iommu/iova.c)',
    returns: { cType: 'struct iova *', meaning: 'the range, NULL on failure' },
    params: [IOVAD, p('size', 'unsigned long', 'granules'), p('limit_pfn', 'unsigned long', 'limit-pfn'), p('size_aligned', 'bool', 'flag')],
    categories: ['allocates-iova'],
    failure: { value: 'NULL', test: '!RET' },
    guards: [],
    callerMust: [{ id: 'free', kind: 'release', text: 'free with __free_iova or free_iova', functions: ['__free_iova', 'free_iova'], invariant: 'no-leak' }],
    releasedBy: ['free_iova', '__free_iova'],
    restrictedTo: IOMMU_ONLY,
  },
  {
    name: 'free_iova_fast',
    layer: 'iova',
    declaredIn: 'include/linux/iova.h (drivers/iommu/iova.c)',
    returns: { cType: 'void', meaning: '' },
    params: [IOVAD, p('pfn', 'unsigned long', 'pfn'), p('size', 'unsigned long', 'granules')],
    categories: ['frees-iova'],
    guards: [{ id: 'same-size', condition: 'size is the size given to alloc_iova_fast', onViolation: 'the range cache bin of a different order gets the pfn', kernelPerforms: false, invariant: 'free-mirrors-alloc', defects: ['D4'] }],
    callerMust: [],
    restrictedTo: IOMMU_ONLY,
  },
  {
    name: 'free_iova',
    layer: 'iova',
    declaredIn: 'include/linux/iova.h (drivers/iommu/iova.c)',
    returns: { cType: 'void', meaning: '' },
    params: [IOVAD, p('pfn', 'unsigned long', 'pfn')],
    categories: ['frees-iova'],
    guards: [],
    callerMust: [],
    restrictedTo: IOMMU_ONLY,
  },
  ...(
    [
      ['iova_offset', [IOVAD, p('iova', 'dma_addr_t', 'iova', { note: 'callers pass phys_addr_t too; only the low bits matter' })], 'size_t', 'iova & iova_mask(iovad)'],
      ['iova_align', [IOVAD, p('size', 'size_t', 'size')], 'size_t', 'ALIGN(size, granule) in size_t: can wrap'],
      ['iova_align_down', [IOVAD, p('size', 'dma_addr_t', 'iova')], 'dma_addr_t', 'ALIGN_DOWN(size, granule)'],
      ['iova_unaligned', [IOVAD, p('phys', 'phys_addr_t', 'phys'), p('size', 'size_t', 'size')], 'size_t', 'iova_offset(iovad, phys | size): non-zero when start or length is off-granule'],
      ['iova_shift', [IOVAD], 'unsigned long', '__ffs(granule)'],
      ['iova_mask', [IOVAD], 'unsigned long', 'granule - 1'],
      ['iova_pfn', [IOVAD, p('iova', 'dma_addr_t', 'iova')], 'unsigned long', 'iova >> iova_shift(iovad)'],
      ['iova_dma_addr', [IOVAD, p('iova', 'struct iova *', 'iova-node')], 'dma_addr_t', 'pfn_lo << iova_shift(iovad)'],
    ] as const
  ).map(
    ([name, params, ret, meaning]): FunctionContract => ({
      name,
      layer: 'iova',
      declaredIn: name === 'iova_unaligned' ? 'drivers/iommu/dma-iommu.c (static inline)' : 'include/linux/iova.h',
      returns: { cType: ret, meaning },
      params: [...params],
      categories: ['iova-arithmetic'],
      guards:
        name === 'iova_align'
          ? [{ id: 'no-wrap', condition: 'size <= SIZE_MAX - (granule - 1)', onViolation: 'wraps to a small value', kernelPerforms: false, invariant: 'size-no-wrap', defects: ['D23'], rule: 'iova/size-overflow' }]
          : [],
      callerMust:
        name === 'iova_align'
          ? [{ id: 'include-offset', kind: 'argument', param: 'size', text: 'align size + iova_offset(iovad, phys), not size alone, for an unaligned phys', invariant: 'reservation-covers-buffer', rule: 'iova/offset-size' }]
          : name === 'iova_offset'
            ? [{ id: 'granule-not-page', kind: 'must-not', text: 'use iova_offset/iova_align for the IOVA granule, not offset_in_page/PAGE_ALIGN', rule: 'iova/offset-granule' }]
            : [],
      restrictedTo: IOMMU_ONLY,
    }),
  ),
  // ---- IOMMU page-table API (drivers/iommu/iommu.c) ---------------------------------------
  ...(['iommu_map', 'iommu_map_nosync'] as const).map(
    (name): FunctionContract => ({
      name,
      layer: 'iommu',
      declaredIn: 'include/linux/iommu.h (drivers/iommu/iommu.c)',
      returns: { cType: 'int', meaning: '0 or a negative errno' },
      params: [DOMAIN, p('iova', 'unsigned long', 'iova'), p('paddr', 'phys_addr_t', 'phys'), p('size', 'size_t', 'size'), p('prot', 'int', 'prot'), p('gfp', 'gfp_t', 'gfp')],
      categories: ['maps'],
      failure: { value: 'negative errno', test: 'RET < 0', errnos: ['EINVAL', 'EEXIST', 'ENOMEM'] },
      guards: [
        { id: 'aligned', condition: 'IS_ALIGNED(iova | paddr | size, granule)', onViolation: 'return -EINVAL', kernelPerforms: true, invariant: 'later-link-aligned' },
        { id: 'size-nonzero', condition: 'size != 0', onViolation: 'return -EINVAL (iommupt); 0 before', kernelPerforms: true, invariant: 'alloc-nonzero', defects: ['D5'] },
        { id: 'no-overlap', condition: 'no granule of the range is mapped', onViolation: 'return -EEXIST', kernelPerforms: true, defects: ['D25'] },
      ],
      callerMust: [
        { id: 'check-result', kind: 'check-result', text: 'test the result and free the IOVA on failure' },
        ...(name === 'iommu_map_nosync' ? [{ id: 'sync', kind: 'follow' as const, text: 'iommu_sync_map over the range before use', functions: ['iommu_sync_map'], invariant: 'sync-before-publish' as const }] : []),
        { id: 'in-reservation', kind: 'argument', param: 'iova', text: 'the range lies inside an IOVA reservation of this domain', invariant: 'link-in-reservation' },
      ],
      releasedBy: ['iommu_unmap', 'iommu_unmap_fast'],
      restrictedTo: IOMMU_ONLY,
    }),
  ),
  ...(['iommu_unmap', 'iommu_unmap_fast'] as const).map(
    (name): FunctionContract => ({
      name,
      layer: 'iommu',
      declaredIn: 'include/linux/iommu.h (drivers/iommu/iommu.c)',
      returns: { cType: 'size_t', meaning: 'bytes unmapped (stops at the first unmapped granule; 0 when unaligned)' },
      params: [DOMAIN, p('iova', 'unsigned long', 'iova'), p('size', 'size_t', 'size'), ...(name === 'iommu_unmap_fast' ? [p('iotlb_gather', 'struct iommu_iotlb_gather *', 'gather', { nullable: true })] : [])],
      categories: ['unmaps'],
      guards: [],
      callerMust: [{ id: 'compare', kind: 'check-result', text: 'compare the result with size (WARN_ON(unmapped != size))' }],
      restrictedTo: IOMMU_ONLY,
    }),
  ),
  {
    name: 'iommu_sync_map',
    layer: 'iommu',
    declaredIn: 'drivers/iommu/iommu.c',
    returns: { cType: 'int', meaning: '0 or a negative errno' },
    params: [DOMAIN, p('iova', 'unsigned long', 'iova'), p('size', 'size_t', 'size')],
    categories: ['syncs'],
    guards: [],
    callerMust: [],
    restrictedTo: IOMMU_ONLY,
  },
  {
    name: 'iommu_iova_to_phys',
    layer: 'iommu',
    declaredIn: 'include/linux/iommu.h (drivers/iommu/iommu.c)',
    returns: { cType: 'phys_addr_t', meaning: 'the physical address, 0 when unmapped' },
    params: [DOMAIN, p('iova', 'dma_addr_t', 'iova')],
    categories: ['translates'],
    guards: [],
    callerMust: [],
    restrictedTo: IOMMU_ONLY,
  },
  // ---- swiotlb ------------------------------------------------------------------------------
  {
    name: 'swiotlb_tbl_map_single',
    layer: 'swiotlb',
    declaredIn: 'include/linux/swiotlb.h (kernel/dma/swiotlb.c)',
    returns: { cType: 'phys_addr_t', meaning: 'the bounce address, DMA_MAPPING_ERROR when full' },
    params: [DEV, p('phys', 'phys_addr_t', 'phys'), p('size', 'size_t', 'size'), p('alloc_align_mask', 'unsigned int', 'align-mask'), DIR, ATTRS],
    categories: ['bounce'],
    failure: { value: 'DMA_MAPPING_ERROR', test: 'RET == (phys_addr_t)DMA_MAPPING_ERROR' },
    guards: [],
    callerMust: [{ id: 'release', kind: 'release', text: 'swiotlb_tbl_unmap_single with the same size', functions: ['swiotlb_tbl_unmap_single'], invariant: 'no-leak' }],
    releasedBy: ['swiotlb_tbl_unmap_single'],
    restrictedTo: ['kernel/dma/', 'drivers/iommu/', 'drivers/xen/'],
  },
  {
    name: 'swiotlb_tbl_unmap_single',
    layer: 'swiotlb',
    declaredIn: 'include/linux/swiotlb.h (kernel/dma/swiotlb.c)',
    returns: { cType: 'void', meaning: '' },
    params: [DEV, p('tlb_addr', 'phys_addr_t', 'phys'), p('size', 'size_t', 'size'), DIR, ATTRS],
    categories: ['bounce'],
    guards: [],
    callerMust: [],
    restrictedTo: ['kernel/dma/', 'drivers/iommu/', 'drivers/xen/'],
  },
  // ---- small predicates and helpers ---------------------------------------------------------
  ...(
    [
      ['use_dma_iommu', [DEV], 'bool', 'dev->dma_iommu: the device sits behind a DMA(-FQ) domain'],
      ['dev_is_dma_coherent', [DEV], 'bool', 'the device snoops CPU caches'],
      ['dev_is_untrusted', [DEV], 'bool', 'a PCI device with ->untrusted (external port)'],
      ['dev_use_swiotlb', [DEV, p('size', 'size_t', 'size'), DIR], 'bool', 'untrusted, or a non-coherent device with an unaligned kmalloc buffer'],
      ['dma_get_min_align_mask', [DEV], 'unsigned int', 'swiotlb min_align_mask of the device'],
      ['dma_info_to_prot', [DIR, p('coherent', 'bool', 'flag'), ATTRS], 'int', 'IOMMU_READ/WRITE/CACHE/MMIO/PRIV bits'],
      ['is_swiotlb_buffer', [DEV, p('paddr', 'phys_addr_t', 'phys')], 'bool', 'paddr lies in a swiotlb pool'],
      ['is_swiotlb_active', [DEV], 'bool', 'the device has a swiotlb pool'],
      ['iova_rcache_range', [], 'unsigned long', 'PAGE_SIZE << (IOVA_RANGE_CACHE_MAX_SIZE - 1)'],
      ['page_to_phys', [p('page', 'struct page *', 'page')], 'phys_addr_t', 'physical address of the page'],
      ['virt_to_phys', [p('address', 'void *', 'cpu-addr')], 'phys_addr_t', 'physical address of a linear-map address'],
    ] as const
  ).map(
    ([name, params, ret, meaning]): FunctionContract => ({
      name,
      layer: 'helper',
      declaredIn: 'kernel headers / dma-iommu.c',
      returns: { cType: ret, meaning },
      params: [...params],
      categories: ['query'],
      guards: [],
      callerMust: [],
    }),
  ),
  ...(
    [
      ['arch_sync_dma_for_device', [p('paddr', 'phys_addr_t', 'phys'), p('size', 'size_t', 'size'), DIR]],
      ['arch_sync_dma_for_cpu', [p('paddr', 'phys_addr_t', 'phys'), p('size', 'size_t', 'size'), DIR]],
      ['arch_sync_dma_flush', []],
    ] as const
  ).map(
    ([name, params]): FunctionContract => ({
      name,
      layer: 'arch',
      declaredIn: 'include/linux/dma-map-ops.h',
      returns: { cType: 'void', meaning: 'CPU cache maintenance (recorded as an event; the model keeps no data)' },
      params: [...params],
      categories: ['cpu-sync'],
      guards: [],
      callerMust: [],
      restrictedTo: ['kernel/dma/', 'drivers/iommu/', 'arch/'],
    }),
  ),
  ...(
    [
      ['roundup_pow_of_two', 'unsigned long', 'n'],
      ['order_base_2', 'int', 'n'],
      ['__ffs', 'unsigned long', 'word'],
      ['fls_long', 'unsigned int', 'l'],
      ['is_power_of_2', 'bool', 'n'],
    ] as const
  ).map(
    ([name, ret, arg]): FunctionContract => ({
      name,
      layer: 'helper',
      declaredIn: 'include/linux/log2.h, bitops.h',
      returns: { cType: ret, meaning: '' },
      params: [p(arg, 'unsigned long', 'number')],
      categories: ['bit-helper'],
      guards: name === 'roundup_pow_of_two' ? [{ id: 'nonzero', condition: 'n != 0', onViolation: 'undefined (shift by the word width)', kernelPerforms: false }] : [],
      callerMust: [],
    }),
  ),
];

const BY_NAME: ReadonlyMap<string, FunctionContract> = new Map(FUNCTION_CONTRACTS.map((c) => [c.name, c]));

export function contractFor(name: string): FunctionContract | undefined {
  return BY_NAME.get(name);
}

/** Every function with a contract. */
export const CONTRACT_FUNCTION_NAMES: readonly string[] = FUNCTION_CONTRACTS.map((c) => c.name);

/** Functions in a category ("allocates-iova", "frees-iova", "links", ...). */
export function functionsIn(category: FunctionCategory): string[] {
  return FUNCTION_CONTRACTS.filter((c) => c.categories.includes(category)).map((c) => c.name);
}

/** Indexes of the parameters of `fn` with `role` (e.g. the 'size' of dma_iova_try_alloc is [3]). */
export function paramIndexes(fn: string, role: ParamRole): number[] {
  const c = BY_NAME.get(fn);
  if (!c) return [];
  return c.params.flatMap((prm, i) => (prm.role === role ? [i] : []));
}

/** The two-step API callers use. */
export const IOVA_API_FUNCTIONS: readonly string[] = [
  'dma_iova_try_alloc',
  'dma_iova_free',
  'dma_iova_link',
  'dma_iova_sync',
  'dma_iova_unlink',
  'dma_iova_destroy',
  'dma_use_iova',
  'dma_iova_size',
];

/** Internals outside drivers/iommu and kernel/dma should not touch (D18). */
export const RESTRICTED_FUNCTIONS: readonly string[] = FUNCTION_CONTRACTS.filter((c) => c.restrictedTo).map((c) => c.name);

/**
 * Every identifier the contracts care about, for a token prefilter: function names, macros,
 * struct fields, constants and types. A file holding none of them needs no rule run.
 */
export const PREFILTER_IDENTIFIERS: readonly string[] = [
  ...new Set([
    ...CONTRACT_FUNCTION_NAMES,
    'dma_iova_state',
    '__size',
    'DMA_IOVA_USE_SWIOTLB',
    'DMA_MAPPING_ERROR',
    'DMA_BIT_MASK',
    'iova_domain',
    'iova_cookie',
    'iommu_dma_cookie',
    'iovad',
    'granule',
    'bus_dma_limit',
    'coherent_dma_mask',
    'dma_mask',
    'pci_32bit_workaround',
    'iova_start_pad',
    'iova_end_pad',
    'iova_off',
    'PAGE_SIZE',
    'PAGE_MASK',
    'PAGE_ALIGN',
    'offset_in_page',
    'GENMASK_ULL',
    'min_not_zero',
    'DMA_ATTR_SKIP_CPU_SYNC',
    'DMA_ATTR_MMIO',
    'DMA_ATTR_REQUIRE_COHERENT',
    'DMA_ATTR_PRIVILEGED',
    'DMA_BIDIRECTIONAL',
    'DMA_TO_DEVICE',
    'DMA_FROM_DEVICE',
    'dma_unmap_sgtable',
    'dma_unmap_sg_attrs',
    'dma_map_sg_attrs',
    '__free_iova',
    'find_iova',
    'reserve_iova',
    'queue_iova',
    'iommu_iotlb_sync',
    'iommu_dma_map_phys',
    'iommu_dma_unmap_phys',
    'iommu_dma_map_page',
    'iommu_dma_unmap_page',
    '__iommu_dma_iova_unlink',
    'iommu_dma_iova_unlink_range_slow',
    'arch_sync_dma_for_device',
    'arch_sync_dma_for_cpu',
    'arch_sync_dma_flush',
    'blk_rq_dma_map_iter_start',
    'hmm_dma_map_alloc',
  ]),
];

/** Functions of `category` as a set, for fast lookups by rules. */
export function categorySet(category: FunctionCategory): ReadonlySet<string> {
  return new Set(functionsIn(category));
}
