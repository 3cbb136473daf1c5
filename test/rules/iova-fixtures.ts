// Kernel-style fixtures for the iova/* rule tests, written for iovalint (not copied): an
// implementation of dma_iova_try_alloc() whose guards, length and published address each test
// varies, and helpers that find the exact line and column of a construct in a fixture.

export const DMA_IOMMU = 'drivers/iommu/dma-iommu.c';

/** 1-based line and column (code points; a tab is one column) of the `nth` occurrence of `needle`. */
export function at(code: string, needle: string, nth = 0): { line: number; column: number } {
  let index = -1;
  for (let i = 0; i <= nth; i++) {
    index = code.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`fixture has no occurrence #${nth} of ${JSON.stringify(needle)}`);
  }
  const before = code.slice(0, index);
  const line = before.split('\n').length;
  const column = [...before.slice(before.lastIndexOf('\n') + 1)].length + 1;
  return { line, column };
}

export interface AllocParts {
  /** Statements between the declarations and the allocation (the guards), tab-indented. */
  guards?: string;
  /** The allocation's length argument. */
  length?: string;
  /** The value stored in state->addr. */
  addr?: string;
  /** Extra declarations. */
  locals?: string;
  /** Statements after a successful allocation, before the stores. */
  after?: string;
  /** The function's name. */
  name?: string;
  /** Code before the function (helpers). */
  before?: string;
  /** The size parameter's type. */
  sizeType?: string;
  /** How the offset local is computed. */
  offset?: string;
}

export const MAINLINE_GUARDS = '\tif (WARN_ON_ONCE(!size))\n\t\treturn false;\n\tif (WARN_ON_ONCE((u64)size & DMA_IOVA_USE_SWIOTLB))\n\t\treturn false;\n';

/** A dma_iova_try_alloc() implementation in the shape of the seed patch, with the parts given. */
export function tryAlloc(parts: AllocParts = {}): string {
  const {
    guards = MAINLINE_GUARDS,
    length = 'iova_align(iovad, size + iova_off)',
    addr = 'addr + iova_off',
    locals = '',
    after = '',
    name = 'demo_iova_alloc',
    before = '',
    sizeType = 'size_t',
    offset = 'iova_offset(iovad, phys)',
  } = parts;
  return `${before}static bool ${name}(struct device *dev, struct dma_iova_state *state,
\t\t\t    phys_addr_t phys, ${sizeType} size)
{
\tstruct iommu_domain *domain = iommu_get_dma_domain(dev);
\tstruct iommu_dma_cookie *cookie = domain->iova_cookie;
\tstruct iova_domain *iovad = &cookie->iovad;
\tsize_t iova_off = ${offset};
${locals}\tdma_addr_t addr;

${guards}
\taddr = iommu_dma_alloc_iova(domain, ${length},
\t\t\t\t    dma_get_mask(dev), dev);
\tif (!addr)
\t\treturn false;
${after}
\tstate->addr = ${addr};
\tstate->__size = size;
\treturn true;
}
`;
}

/** A dma_iova_link() implementation with the guard and the mapping arguments given. */
export function link(parts: { guard?: string; iova?: string; phys?: string; length?: string; before?: string } = {}): string {
  const {
    guard = '\tif (WARN_ON_ONCE(iova_start_pad && offset > 0))\n\t\treturn -EIO;\n',
    iova = 'state->addr + offset - iova_start_pad',
    phys = 'phys - iova_start_pad',
    length = 'iova_align(iovad, size + iova_start_pad)',
    before = '',
  } = parts;
  return `${before}int demo_iova_link(struct device *dev, struct dma_iova_state *state,
\t\t   phys_addr_t phys, size_t offset, size_t size,
\t\t   enum dma_data_direction dir, unsigned long attrs)
{
\tstruct iommu_domain *domain = iommu_get_dma_domain(dev);
\tstruct iommu_dma_cookie *cookie = domain->iova_cookie;
\tstruct iova_domain *iovad = &cookie->iovad;
\tsize_t iova_start_pad = iova_offset(iovad, phys);

${guard}
\treturn __dma_iova_link(dev, ${iova},
\t\t\t       ${phys},
\t\t\t       ${length}, dir, attrs);
}
`;
}

/** A dma_iova_free() implementation with the free's start and length given. */
export function free(parts: { start?: string; length?: string; size?: string } = {}): string {
  const { start = 'state->addr - iova_start_pad', length = 'iova_align(iovad, size + iova_start_pad)', size = 'dma_iova_size(state)' } = parts;
  return `void demo_iova_free(struct device *dev, struct dma_iova_state *state)
{
\tstruct iommu_domain *domain = iommu_get_dma_domain(dev);
\tstruct iommu_dma_cookie *cookie = domain->iova_cookie;
\tstruct iova_domain *iovad = &cookie->iovad;
\tsize_t iova_start_pad = iova_offset(iovad, state->addr);
\tsize_t size = ${size};

\tiommu_dma_free_iova(cookie, ${start},
\t\t\t    ${length}, NULL);
}
`;
}

/** An exported try_alloc whose guards (given) come before it calls a static helper that reserves. */
export function wrapped(guards: string): string {
  return `${tryAlloc({ name: 'demo_iova_reserve', guards: '' })}
bool demo_iova_try_alloc(struct device *dev, struct dma_iova_state *state,
\t\t\t phys_addr_t phys, size_t size)
{
\tmemset(state, 0, sizeof(*state));
${guards}\treturn demo_iova_reserve(dev, state, phys, size);
}
`;
}
