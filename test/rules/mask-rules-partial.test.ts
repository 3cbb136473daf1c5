// The dma/* mask rules on a patch reviewed without a tree: the functions are rebuilt from hunks
// (partial). The checks that read one statement still run; those that need unseen lines do not.
import { describe, expect, it } from 'vitest';
import { buildChangeSet, parsePatchInput } from '../../patch/index.js';
import { defaultConfig } from '../../review/config.js';
import { reviewSync } from '../../review/index.js';
import maskSource from '../../rules/mask-source.js';
import maskTruncation from '../../rules/mask-truncation.js';
import maskCheckEnd from '../../rules/mask-check-end.js';
import setMaskUnchecked from '../../rules/set-mask-unchecked.js';
import bitMaskArg from '../../rules/bit-mask-arg.js';
import { findingsFor } from './rule-tester.js';

const RULES = [maskSource, maskTruncation, maskCheckEnd, setMaskUnchecked, bitMaskArg];

/** A diff whose one hunk shows a function's first lines, not its end. */
function hunkDiff(path: string, start: number, lines: string[]): string {
  const count = lines.filter((l) => !l.startsWith('-')).length;
  const old = lines.filter((l) => !l.startsWith('+')).length;
  return [`--- a/${path}`, `+++ b/${path}`, `@@ -${start},${old} +${start},${count} @@`, ...lines, ''].join('\n');
}

function review(diff: string) {
  const changeSet = buildChangeSet(parsePatchInput(diff, 'hunk.diff'));
  const config = defaultConfig();
  for (const rule of RULES) config.rules[rule.meta.id] = { enabled: true, options: {} };
  return reviewSync(changeSet, { rules: RULES, simulator: false, config });
}

describe('dma/* mask rules on functions rebuilt from hunks', () => {
  it('report what the changed statements show', () => {
    const report = review(
      hunkDiff('drivers/iommu/dma-iommu.c', 1480, [
        ' static int demo_map_sg(struct device *dev, struct scatterlist *sg,',
        ' 		int nents, enum dma_data_direction dir, unsigned long attrs)',
        ' {',
        ' 	struct iommu_domain *domain = iommu_get_dma_domain(dev);',
        '-	u64 mask = dma_get_mask(dev);',
        '+	u32 mask = dma_get_mask(dev);',
        ' 	dma_addr_t iova;',
        ' ',
        '-	iova = iommu_dma_alloc_iova(domain, demo_len(sg, nents), dma_get_mask(dev), dev);',
        '+	iova = iommu_dma_alloc_iova(domain, demo_len(sg, nents), dev->coherent_dma_mask, dev);',
        '+	dma_set_mask(dev, DMA_BIT_MASK(24));',
        ' 	if (!iova)',
        ' 		return -ENOMEM;',
      ]),
    );
    const fn = report.functions.find((f) => f.name === 'demo_map_sg');
    expect(fn?.partial).toBe(true);
    expect(report.findings.map((f) => `${f.line} ${f.ruleId} ${f.messageId}`)).toEqual([
      '1484 dma/mask-truncation narrowStore',
      '1487 dma/mask-source coherentMask',
      '1488 dma/set-mask-unchecked ignored',
    ]);
  });

  it('leave out what unseen lines could make right', () => {
    const report = review(
      hunkDiff('drivers/iommu/dma-iommu.c', 200, [
        ' static unsigned long demo_alloc_pfn(struct device *dev, struct iova_domain *iovad,',
        ' 		unsigned long len, struct dma_iova_state *state, size_t size)',
        ' {',
        '+	int ret = dma_set_mask(dev, DMA_BIT_MASK(28));',
        '+	unsigned long pfn = alloc_iova_fast(iovad, len, DMA_BIT_MASK(32) >> 12, true);',
        '+	dma_addr_t base = iommu_dma_alloc_iova(iommu_get_dma_domain(dev), len, *dev->dma_mask, dev);',
        '+	if (state->addr > dma_get_mask(dev))',
        '+		return 0;',
        ' 	demo_check(dev);',
      ]),
    );
    expect(report.functions.find((f) => f.name === 'demo_alloc_pfn')?.partial).toBe(true);
    // the stored result may be read below, a guard may sit above: nothing to report
    expect(report.findings.map((f) => `${f.line} ${f.ruleId}`)).toEqual([]);
  });

  it('report the same lines when the whole function is known', () => {
    const whole = `static unsigned long demo_alloc_pfn(struct device *dev, struct iova_domain *iovad,
		unsigned long len, struct dma_iova_state *state, size_t size)
{
	int ret = dma_set_mask(dev, DMA_BIT_MASK(28));
	unsigned long pfn = alloc_iova_fast(iovad, len, DMA_BIT_MASK(32) >> 12, true);
	dma_addr_t base = iommu_dma_alloc_iova(iommu_get_dma_domain(dev), len, *dev->dma_mask, dev);
	if (state->addr > dma_get_mask(dev))
		return 0;
	demo_check(dev);
	return pfn;
}
`;
    expect(findingsFor(RULES, whole, 'drivers/iommu/dma-iommu.c').map((f) => `${f.line} ${f.ruleId}`)).toEqual([
      '4 dma/set-mask-unchecked',
      '5 dma/mask-source',
      '6 dma/mask-source',
      '7 dma/mask-check-end',
    ]);
  });
});
