// Differential mode: a patched implementation of an API function (by name, or sim.implements)
// against the model over the scenario grid. A faithful one agrees; each kind of difference —
// return, state, reservation, WARNs — is a divergence with a witness.
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../sim/index.js';
import { envFor, parseC } from './helpers.js';

const FAITHFUL = `
bool dma_iova_try_alloc(struct device *dev, struct dma_iova_state *state,
		phys_addr_t phys, size_t size)
{
	struct iommu_domain *domain;
	struct iova_domain *iovad;
	size_t iova_off;
	dma_addr_t addr;

	memset(state, 0, sizeof(*state));
	if (!use_dma_iommu(dev))
		return false;
	domain = iommu_get_dma_domain(dev);
	iovad = &domain->iova_cookie->iovad;
	iova_off = iova_offset(iovad, phys);
	if (WARN_ON_ONCE(!size))
		return false;
	if (WARN_ON_ONCE((u64)size & DMA_IOVA_USE_SWIOTLB))
		return false;
	addr = iommu_dma_alloc_iova(domain, iova_align(iovad, size + iova_off),
			dma_get_mask(dev), dev);
	if (!addr)
		return false;
	state->addr = addr + iova_off;
	state->__size = size;
	return true;
}
`;

const sim = createSimulator();

function divergences(src: string, name: string, implementsMap: Record<string, string> = {}) {
  const file = parseC(src, 'drivers/iommu/dma-iommu.c');
  const env = envFor(file, name, { implements: implementsMap, maxRuns: 1000 });
  return sim.differential(env.fn, env);
}

describe('differential mode', () => {
  it('a faithful dma_iova_try_alloc agrees with the model', () => {
    expect(divergences(FAITHFUL, 'dma_iova_try_alloc')).toEqual([]);
  });

  it('a try_alloc that forgets the offset in the address diverges on state->addr', () => {
    const [d] = divergences(FAITHFUL.replace('state->addr = addr + iova_off;', 'state->addr = addr;'), 'dma_iova_try_alloc');
    expect(d).toBeDefined();
    expect(d!.modelFunction).toBe('dma_iova_try_alloc');
    expect(d!.message).toMatch(/differs from the model's dma_iova_try_alloc with phys=0x[0-9a-f]+, size=.*: it leaves state \{addr/);
    expect(d!.witness.breach?.invariant).toBe('model/divergence');
    expect(d!.witness.trace.some((t) => t.fn === 'iommu_dma_alloc_iova')).toBe(true);
  });

  it('a try_alloc without the zero-size WARN diverges on the WARN and the reservation', () => {
    const [d] = divergences(FAITHFUL.replace('if (WARN_ON_ONCE(!size))\n\t\treturn false;\n', ''), 'dma_iova_try_alloc');
    expect(d?.message).toMatch(/size=0x0 \(0\)/);
  });

  it('a try_alloc that reserves iova_align(size) diverges on the reservation', () => {
    const [d] = divergences(FAITHFUL.replace('iova_align(iovad, size + iova_off)', 'iova_align(iovad, size)'), 'dma_iova_try_alloc');
    expect(d?.message).toMatch(/reserves|leaves state|returns/);
  });

  it('matches through sim.implements when the name differs', () => {
    const renamed = FAITHFUL.replace('bool dma_iova_try_alloc(', 'static bool my_try_alloc(');
    expect(divergences(renamed, 'my_try_alloc')).toEqual([]);
    expect(divergences(renamed, 'my_try_alloc', { my_try_alloc: 'dma_iova_try_alloc' })).toEqual([]);
    const broken = renamed.replace('state->__size = size;', 'state->__size = size + 1;');
    expect(divergences(broken, 'my_try_alloc', { my_try_alloc: 'dma_iova_try_alloc' })).toHaveLength(1);
    expect(divergences(broken, 'my_try_alloc')).toEqual([]);
  });

  it('leaves functions that implement nothing alone', () => {
    expect(divergences('static int helper(int x) { return x + 1; }', 'helper')).toEqual([]);
  });
});

describe('rules/model-divergence.md', () => {
  it('its incorrect example diverges and its correct example agrees', async () => {
    const { readFileSync } = await import('node:fs');
    const { docExamples } = await import('../rules/rule-tester.js');
    const markdown = readFileSync(new URL('../../rules/model-divergence.md', import.meta.url), 'utf8');
    expect(markdown.startsWith('# sim/model-divergence')).toBe(true);
    const sections = ['## Why it matters', '## Rule details', '## Examples', '## When not to use it', '## Real defects it would have caught'].map((h) => markdown.indexOf(h));
    expect(sections.every((p) => p >= 0)).toBe(true);
    expect([...sections].sort((a, b) => a - b)).toEqual(sections);
    const examples = docExamples(markdown);
    expect(examples.map((e) => e.kind)).toEqual(['incorrect', 'correct']);
    for (const e of examples) {
      const found = divergences(e.code, 'dma_iova_try_alloc');
      expect(found.length, e.kind).toBe(e.kind === 'incorrect' ? 1 : 0);
    }
  });
});

describe('differential mode on iova.h helpers', () => {
  it('a faithful iova_align agrees; one that forgets the mask diverges', () => {
    const good = 'static inline size_t iova_align(struct iova_domain *iovad, size_t size)\n{\n\treturn ALIGN(size, iovad->granule);\n}\n';
    expect(divergences(good, 'iova_align')).toEqual([]);
    const bad = good.replace('ALIGN(size, iovad->granule)', 'size + iovad->granule - 1');
    const [d] = divergences(bad, 'iova_align');
    expect(d?.message).toBe(
      "iova_align differs from the model's iova_align with size=0x0 (0) (arch=64,granule=4K,mask=64,coherent_mask=64,bus_limit=none,iommu=1,coherent=1,untrusted=0,pci=1): it returns 0xfff; the model returns 0x0",
    );
  });
});
