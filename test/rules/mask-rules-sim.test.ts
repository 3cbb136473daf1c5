// The simulation requests of the dma/* mask rules (notes/sim-requests.md): each names something a
// run can show, and none is sent when a run could not show it (a request with nothing observable
// would come back "refuted" and hide the finding).
import { describe, expect, it } from 'vitest';
import type { Rule } from '../../rules/types.js';
import bitMaskArg from '../../rules/bit-mask-arg.js';
import maskCheckEnd from '../../rules/mask-check-end.js';
import maskSource from '../../rules/mask-source.js';
import maskTruncation from '../../rules/mask-truncation.js';
import setMaskUnchecked from '../../rules/set-mask-unchecked.js';
import { findingsFor } from './rule-tester.js';

function simOf(rule: Rule, code: string, path = 'drivers/iommu/dma-iommu.c') {
  const findings = findingsFor([rule], code, path);
  expect(findings.length).toBeGreaterThan(0);
  return findings.map((f) => f.sim);
}

const ALLOC = (limit: string): string => `static bool demo_iova_alloc(struct device *dev,
		struct dma_iova_state *state, phys_addr_t phys, size_t size)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	dma_addr_t addr = iommu_dma_alloc_iova(domain, size, ${limit}, dev);

	if (!addr)
		return false;
	state->addr = addr;
	state->__size = size;
	return true;
}
`;

describe('simulation requests of the dma/* mask rules', () => {
  it('every request names an observation', () => {
    const cases: Array<[Rule, string]> = [
      [maskSource, ALLOC('dev->coherent_dma_mask')],
      [maskSource, ALLOC('DMA_BIT_MASK(64)')],
      [maskSource, ALLOC('dev->bus_dma_limit')],
      [maskTruncation, ALLOC('mask').replace('\tdma_addr_t addr', '\tu32 mask = dma_get_mask(dev);\n\tdma_addr_t addr')],
      [setMaskUnchecked, 'static int demo_probe(struct device *dev)\n{\n\tdma_set_mask(dev, DMA_BIT_MASK(24));\n\treturn 0;\n}\n'],
      [maskCheckEnd, 'static bool demo_ok(struct device *dev, dma_addr_t addr, size_t size)\n{\n\treturn addr <= dma_get_mask(dev);\n}\n'],
      [bitMaskArg, 'static int demo_probe(struct device *dev)\n{\n\treturn dma_set_mask(dev, DMA_BIT_MASK(0));\n}\n'],
    ];
    for (const [rule, code] of cases) {
      for (const sim of simOf(rule, code)) {
        expect(sim, rule.meta.id).toBeDefined();
        const e = sim!.expect;
        expect(!!(e.invariants?.length || e.reaches || e.holds || e.warn), rule.meta.id).toBe(true);
      }
    }
  });

  it('dma/mask-source asks for a 32-bit streaming mask under a 64-bit coherent mask', () => {
    expect(simOf(maskSource, ALLOC('dev->coherent_dma_mask'))[0]).toMatchObject({
      mode: 'confirm',
      function: 'demo_iova_alloc',
      scenario: { mask: 32, coherentMask: 64 },
      expect: { invariants: ['reservation-in-limit'] },
    });
  });

  it('dma/mask-truncation asks to see the allocator receive another mask', () => {
    const code = ALLOC('mask').replace('\tdma_addr_t addr', '\tu32 mask = dma_get_mask(dev);\n\tdma_addr_t addr');
    expect(simOf(maskTruncation, code)[0]).toMatchObject({
      scenario: { mask: 64 },
      expect: { reaches: { callee: 'iommu_dma_alloc_iova', arg: 2, notEquals: '0xffffffffffffffff' } },
    });
  });

  it('dma/set-mask-unchecked fails the one call and expects success', () => {
    const code = 'static int demo_probe(struct device *dev)\n{\n\tdma_set_mask(dev, DMA_BIT_MASK(24));\n\treturn demo_start(dev);\n}\n';
    expect(simOf(setMaskUnchecked, code, 'drivers/misc/demo.c')[0]).toMatchObject({ failing: ['dma_set_mask'], expect: { holds: '__return == 0' } });
  });

  it('dma/mask-check-end sets the address just below the mask and reads acceptance from the return', () => {
    const code = 'static int demo_check(struct device *dev, dma_addr_t addr, size_t size)\n{\n\tif (addr > dma_get_mask(dev))\n\t\treturn -ERANGE;\n\treturn 0;\n}\n';
    expect(simOf(maskCheckEnd, code, 'drivers/misc/demo.c')[0]).toMatchObject({
      scenario: { mask: 32 },
      inputs: { addr: '0xffffffff - 0xff', size: '0x1000' },
      expect: { holds: '__return >= 0 && addr + size - 1 > 0xffffffff' },
    });
  });

  it('no request where a run could not show the defect', () => {
    // `reaches` matches any call of the callee: two calls of dma_set_mask, no request
    const twice = 'static int demo_probe(struct device *dev)\n{\n\tdma_set_mask(dev, DMA_BIT_MASK(24));\n\tif (dma_set_mask(dev, DMA_BIT_MASK(28)))\n\t\treturn -EIO;\n\treturn 0;\n}\n';
    expect(simOf(setMaskUnchecked, twice, 'drivers/misc/demo.c')).toEqual([undefined]);
    // a void function has no return value saying "accepted"
    const voidCheck = 'static void demo_check(struct device *dev, dma_addr_t addr, size_t size)\n{\n\tif (addr > dma_get_mask(dev))\n\t\tdemo_bounce(dev, addr, size);\n}\n';
    expect(simOf(maskCheckEnd, voidCheck, 'drivers/misc/demo.c')).toEqual([undefined]);
    // the model has one DMA_BIT_MASK: a compound argument cannot be shown wrong
    expect(simOf(bitMaskArg, 'static u64 demo_mask(bool s)\n{\n\treturn DMA_BIT_MASK(s ? 31 : 32);\n}\n', 'drivers/misc/demo.c')).toEqual([undefined]);
    // *dev->dma_mask: the model always has the pointer
    expect(simOf(maskSource, ALLOC('*dev->dma_mask'))).toEqual([undefined]);
  });
});
