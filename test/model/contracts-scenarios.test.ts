// Contracts (what rules read), the scenario grid and --scenario parsing, input expressions.
import { describe, expect, it } from 'vitest';
import {
  CONTRACT_FUNCTION_NAMES,
  DEFAULT_SCENARIO,
  FUNCTION_CONTRACTS,
  INVARIANT_NAMES,
  IOVA_API_FUNCTIONS,
  PREFILTER_IDENTIFIERS,
  RESTRICTED_FUNCTIONS,
  contractFor,
  evalInput,
  formatScenario,
  functionsIn,
  paramIndexes,
  parseScenario,
  physOffsetCases,
  scenarioGrid,
  scenarioGridSize,
  sizeCases,
  validateScenario,
} from '../../model/index.js';
import { spec } from './helpers.js';

describe('contracts', () => {
  it('cover the caller-side API and the internals implementations call', () => {
    const required = [
      ...IOVA_API_FUNCTIONS,
      'iova_offset',
      'iova_align',
      'iova_unaligned',
      'iommu_dma_alloc_iova',
      'iommu_dma_free_iova',
      'alloc_iova',
      'alloc_iova_fast',
      'free_iova_fast',
      'iommu_map',
      'iommu_map_nosync',
      'iommu_unmap',
      'iommu_unmap_fast',
      '__iommu_dma_map',
      '__iommu_dma_unmap',
      'dma_map_page',
      'dma_map_phys',
      'dma_map_single',
      'dma_map_sg',
      'dma_unmap_page',
      'dma_unmap_phys',
      'dma_unmap_single',
      'dma_unmap_sg',
      'dma_mapping_error',
      'dma_set_mask',
      'dma_set_mask_and_coherent',
      'dma_set_coherent_mask',
      'dma_get_mask',
      'DMA_BIT_MASK',
      'dma_need_unmap',
      'dma_get_merge_boundary',
    ];
    for (const fn of required) expect(contractFor(fn), fn).toBeDefined();
    expect(new Set(CONTRACT_FUNCTION_NAMES).size).toBe(CONTRACT_FUNCTION_NAMES.length);
  });

  it('give parameter roles by index', () => {
    expect(paramIndexes('dma_iova_try_alloc', 'size')).toEqual([3]);
    expect(paramIndexes('dma_iova_try_alloc', 'phys')).toEqual([2]);
    expect(paramIndexes('dma_iova_link', 'offset')).toEqual([3]);
    expect(paramIndexes('iommu_dma_alloc_iova', 'mask')).toEqual([2]);
    expect(paramIndexes('dma_unmap_page', 'dma-addr')).toEqual([1]);
    expect(contractFor('iommu_dma_alloc_iova')!.params[2]!.expectedSource).toBe('dma_get_mask(dev)');
  });

  it('sort functions into categories instead of name lists', () => {
    expect(functionsIn('allocates-iova')).toEqual(expect.arrayContaining(['dma_iova_try_alloc', 'iommu_dma_alloc_iova', 'alloc_iova_fast', '__iommu_dma_map']));
    expect(functionsIn('frees-iova')).toEqual(expect.arrayContaining(['dma_iova_free', 'dma_iova_destroy', 'iommu_dma_free_iova', 'free_iova_fast']));
    expect(functionsIn('sets-mask').sort()).toEqual(['dma_set_coherent_mask', 'dma_set_mask', 'dma_set_mask_and_coherent']);
    expect(functionsIn('links')).toContain('dma_iova_link');
    expect(functionsIn('unmaps')).toEqual(expect.arrayContaining(['dma_unmap_page', 'iommu_unmap']));
    expect(RESTRICTED_FUNCTIONS).toEqual(expect.arrayContaining(['iommu_dma_alloc_iova', 'alloc_iova_fast', 'iommu_map']));
    expect(RESTRICTED_FUNCTIONS).not.toContain('dma_iova_link');
  });

  it('name failure values, guards and caller obligations with known invariants', () => {
    const known = new Set<string>(INVARIANT_NAMES);
    const names = new Set(CONTRACT_FUNCTION_NAMES);
    for (const c of FUNCTION_CONTRACTS) {
      for (const g of c.guards) if (g.invariant) expect(known.has(g.invariant), `${c.name}/${g.id}`).toBe(true);
      for (const o of c.callerMust) {
        if (o.invariant) expect(known.has(o.invariant), `${c.name}/${o.id}`).toBe(true);
        for (const f of o.functions ?? []) expect(names.has(f) || PREFILTER_IDENTIFIERS.includes(f), `${c.name}/${o.id} → ${f}`).toBe(true);
        if (o.param) expect(c.params.map((p) => p.name), `${c.name}/${o.id}`).toContain(o.param);
      }
      for (const f of c.releasedBy ?? []) expect(names.has(f) || PREFILTER_IDENTIFIERS.includes(f), `${c.name} released by ${f}`).toBe(true);
    }
    expect(contractFor('dma_iova_try_alloc')!.failure).toEqual({ value: 'false', test: '!RET' });
    expect(contractFor('dma_map_page')!.failure!.test).toBe('dma_mapping_error(dev, RET)');
    const tryAlloc = contractFor('dma_iova_try_alloc')!;
    expect(tryAlloc.guards.find((g) => g.id === 'size-no-wrap')).toMatchObject({ kernelPerforms: false, defects: ['D23'] });
    expect(tryAlloc.callerMust.find((o) => o.kind === 'fallback' || o.id === 'check-result')!.functions).toContain('dma_map_phys');
  });

  it('list every identifier a token prefilter needs', () => {
    for (const id of ['dma_iova_try_alloc', '__size', 'DMA_IOVA_USE_SWIOTLB', 'iova_cookie', 'DMA_BIT_MASK', 'offset_in_page', 'coherent_dma_mask']) {
      expect(PREFILTER_IDENTIFIERS).toContain(id);
    }
    for (const fn of CONTRACT_FUNCTION_NAMES) expect(PREFILTER_IDENTIFIERS).toContain(fn);
  });
});

describe('scenario grid', () => {
  it('spans DESIGN.md §7: 2 archs × 3 granules × 4 masks × 2 bus limits × 2 coherency × 3 device kinds', () => {
    expect(scenarioGridSize()).toBe(2 * 3 * 4 * 2 * 2 * 3);
    const all = [...scenarioGrid()];
    expect(all.every((s) => validateScenario(s).length === 0)).toBe(true);
    expect(new Set(all.map(formatScenario)).size).toBe(all.length);
    expect(all.some((s) => s.untrusted && !s.pci)).toBe(false);
  });

  it('filters by the fields a request fixes', () => {
    const s = [...scenarioGrid({ arch: 32, granule: 65536, untrusted: true })];
    expect(s.length).toBe(4 * 2 * 2);
    expect(s.every((x) => x.arch === 32 && x.granule === 65536 && x.untrusted && x.pci)).toBe(true);
  });

  it('gives the sizes and offsets of §7 as expressions over G, valued for the data model', () => {
    const s64 = sizeCases(spec({ granule: 16384 }));
    expect(s64.map((c) => c.expr)).toEqual(['0', '1', 'G-1', 'G', 'G+1', '1ULL<<32', '1ULL<<63', 'SIZE_MAX']);
    expect(s64.map((c) => c.value)).toEqual([0n, 1n, 16383n, 16384n, 16385n, 1n << 32n, 1n << 63n, (1n << 64n) - 1n]);
    const s32 = sizeCases(spec({ arch: 32 }));
    expect(s32.find((c) => c.expr === '1ULL<<63')!.value).toBe(0n);
    expect(s32.find((c) => c.expr === 'SIZE_MAX-G+2')!.value).toBe(0xffff_f001n);
    expect(physOffsetCases(spec({ granule: 65536 })).map((c) => c.value)).toEqual([0n, 1n, 0xffffn]);
  });

  it('evaluates small C expressions over G', () => {
    const s = spec({ granule: 4096 });
    expect(evalInput('G-1', s)).toBe(4095n);
    expect(evalInput('1ULL << 63', s)).toBe(1n << 63n);
    expect(evalInput('(G + 0x234) * 2', s)).toBe(0x2468n);
    expect(evalInput('~0ULL', s)).toBe((1n << 64n) - 1n);
    expect(evalInput('SIZE_MAX - G + 1', spec({ arch: 32 }))).toBe(0xffff_f000n);
    expect(evalInput('G +', s)).toBeUndefined();
    expect(evalInput('foo', s)).toBeUndefined();
    expect(evalInput('1 / 0', s)).toBeUndefined();
  });
});

describe('--scenario KEY=VALUE parsing', () => {
  it('parses every key, comma lists and repeated arguments, over the default', () => {
    const r = parseScenario(['arch=32,granule=64K', 'mask=39', 'bus_limit=36', 'iommu=1', 'coherent=no', 'untrusted=yes', 'pci=on']);
    expect(r).toEqual({
      ok: true,
      spec: { arch: 32, granule: 65536, mask: 39, coherentMask: 39, busLimit: 36, iommu: true, coherent: false, untrusted: true, pci: true },
    });
    expect(parseScenario('coherent_mask=32,mask=64')).toMatchObject({ ok: true, spec: { mask: 64, coherentMask: 32 } });
    expect(parseScenario('granule=16384,mask=unset')).toMatchObject({ ok: true, spec: { granule: 16384, mask: 0 } });
    expect(parseScenario([])).toEqual({ ok: true, spec: DEFAULT_SCENARIO });
  });

  it('round-trips through formatScenario', () => {
    for (const s of scenarioGrid({ granule: 16384 })) expect(parseScenario(formatScenario(s))).toEqual({ ok: true, spec: s });
  });

  it('explains bad values, unknown and repeated keys, and impossible combinations', () => {
    const errs = (a: string | string[]): string[] => {
      const r = parseScenario(a);
      return r.ok ? [] : r.errors;
    };
    expect(errs('granule=8K')).toEqual(['granule=8K: must be 4K, 16K or 64K (got 8192 bytes)']);
    expect(errs('arch=16')).toEqual(['arch=16: must be 64 or 32']);
    expect(errs('mask=65')).toEqual(['mask=65: must be a bit count 1..64, or 0/none/unset']);
    expect(errs('coherent=maybe')).toEqual(['coherent=maybe: must be 1/0, true/false, yes/no or on/off']);
    expect(errs('size=4K')[0]).toMatch(/^unknown scenario key "size" \(keys: arch, granule/);
    expect(errs(['arch=32', 'arch=64'])).toEqual(['scenario key "arch" given twice']);
    expect(errs('granule')[0]).toMatch(/expected KEY=VALUE/);
    expect(errs('untrusted=1,pci=0')).toEqual(['untrusted=1 needs pci=1: dev_is_untrusted() is false for non-PCI devices']);
  });
});
