// iova/link-unchecked: link and sync results are tested, and a failure never reaches success.
import rule from '../../rules/link-unchecked.js';
import { runRuleTests } from './rule-tester.js';

const ignored = (callee: string) => `the result of ${callee}() is ignored: on failure the range is not mapped, and the caller is told it is`;
const swallowed = (callee: string, line: number) =>
  `a failure of ${callee}() here still reaches the success return at line ${line}: the partial mapping is reported as mapped`;

/** A map function around `body` (the reservation is made and destroyed by the caller). */
const around = (body: string) => `int demo_map(struct device *dev, struct dma_iova_state *state, struct demo_seg *seg, int nr)
{
	size_t mapped = 0;
	int i, ret = 0;

${body}
}
`;

runRuleTests(rule, {
  valid: [
    around(`	for (i = 0; i < nr; i++) {
		ret = dma_iova_link(dev, state, seg[i].phys, mapped, seg[i].len, DMA_TO_DEVICE, 0);
		if (ret)
			goto err;
		mapped += seg[i].len;
	}
	ret = dma_iova_sync(dev, state, 0, mapped);
	if (ret)
		goto err;
	return 0;
err:
	dma_iova_destroy(dev, state, mapped, DMA_TO_DEVICE, 0);
	return ret;`),
    around(`	ret = dma_iova_link(dev, state, seg[0].phys, 0, seg[0].len, DMA_TO_DEVICE, 0);
	if (ret < 0)
		return ret;
	ret = dma_iova_sync(dev, state, 0, seg[0].len);
	if (WARN_ON_ONCE(ret)) {
		dma_iova_unlink(dev, state, 0, seg[0].len, DMA_TO_DEVICE, 0);
		return ret;
	}
	return 0;`),
    around(`	ret = dma_iova_link(dev, state, seg[0].phys, 0, seg[0].len, DMA_TO_DEVICE, 0);
	if (!ret)
		ret = dma_iova_sync(dev, state, 0, seg[0].len);
	if (ret)
		dma_iova_destroy(dev, state, 0, DMA_TO_DEVICE, 0);
	return ret;`),
    around(`	ret = dma_iova_link(dev, state, seg[0].phys, 0, seg[0].len, DMA_TO_DEVICE, 0);
	if (ret)
		return ret;
	return dma_iova_sync(dev, state, 0, seg[0].len);`),
    {
      name: 'a bool map function that returns false on failure',
      code: `bool demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	if (dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0))
		return false;
	if (dma_iova_sync(dev, state, 0, len)) {
		dma_iova_unlink(dev, state, 0, len, DMA_TO_DEVICE, 0);
		return false;
	}
	return true;
}
`,
    },
    {
      name: 'the failure counted and turned into an error after the loop',
      code: around(`	for (i = 0; i < nr; i++) {
		ret = dma_iova_link(dev, state, seg[i].phys, mapped, seg[i].len, DMA_TO_DEVICE, 0);
		if (ret)
			break;
		mapped += seg[i].len;
	}
	if (ret)
		goto err;
	ret = dma_iova_sync(dev, state, 0, mapped);
	if (ret)
		goto err;
	return 0;
err:
	dma_iova_destroy(dev, state, mapped, DMA_TO_DEVICE, 0);
	return ret;`),
    },
  ],
  invalid: [
    {
      name: 'link result thrown away',
      code: around(`	dma_iova_link(dev, state, seg[0].phys, 0, seg[0].len, DMA_TO_DEVICE, 0);
	return dma_iova_sync(dev, state, 0, seg[0].len);`),
      errors: [{ messageId: 'ignored', message: ignored('dma_iova_link'), line: 6, column: 2, endColumn: 73 }],
    },
    {
      name: 'sync result thrown away (D16)',
      code: around(`	ret = dma_iova_link(dev, state, seg[0].phys, 0, seg[0].len, DMA_TO_DEVICE, 0);
	if (ret)
		return ret;
	dma_iova_sync(dev, state, 0, seg[0].len);
	return 0;`),
      errors: [{ messageId: 'ignored', message: ignored('dma_iova_sync'), line: 9, column: 2 }],
    },
    {
      name: 'sync result cast away',
      code: around(`	ret = dma_iova_link(dev, state, seg[0].phys, 0, seg[0].len, DMA_TO_DEVICE, 0);
	if (ret)
		return ret;
	(void)dma_iova_sync(dev, state, 0, seg[0].len);
	return 0;`),
      errors: [{ messageId: 'ignored', message: ignored('dma_iova_sync'), line: 9, column: 8 }],
    },
    {
      name: 'break out of the link loop, then sync and success (D2)',
      code: around(`	for (i = 0; i < nr; i++) {
		ret = dma_iova_link(dev, state, seg[i].phys, mapped, seg[i].len, DMA_TO_DEVICE, 0);
		if (ret)
			break;
		mapped += seg[i].len;
	}
	ret = dma_iova_sync(dev, state, 0, mapped);
	if (ret) {
		dma_iova_destroy(dev, state, mapped, DMA_TO_DEVICE, 0);
		return ret;
	}
	return 0;`),
      errors: [{ messageId: 'swallowed', message: swallowed('dma_iova_link', 17), line: 7, column: 9 }],
    },
    {
      name: 'a failed link skipped with continue',
      code: around(`	for (i = 0; i < nr; i++) {
		if (dma_iova_link(dev, state, seg[i].phys, mapped, seg[i].len, DMA_TO_DEVICE, 0))
			continue;
		mapped += seg[i].len;
	}
	ret = dma_iova_sync(dev, state, 0, mapped);
	if (ret)
		dma_iova_destroy(dev, state, mapped, DMA_TO_DEVICE, 0);
	return ret;`),
      errors: [{ messageId: 'swallowed', message: swallowed('dma_iova_link', 14), line: 7, column: 7 }],
    },
    {
      name: 'the link error overwritten by the sync result',
      code: around(`	ret = dma_iova_link(dev, state, seg[0].phys, 0, seg[0].len, DMA_TO_DEVICE, 0);
	ret = dma_iova_sync(dev, state, 0, seg[0].len);
	if (ret) {
		dma_iova_destroy(dev, state, 0, DMA_TO_DEVICE, 0);
		return ret;
	}
	return 0;`),
      errors: [{ messageId: 'swallowed', message: swallowed('dma_iova_link', 12), line: 6, column: 8 }],
    },
    {
      name: 'a failed sync remembered in a flag but success returned',
      code: `bool demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	bool degraded = false;

	if (dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0))
		return false;
	if (dma_iova_sync(dev, state, 0, len))
		degraded = true;
	demo_note(degraded);
	return true;
}
`,
      errors: [{ messageId: 'swallowed', message: swallowed('dma_iova_sync', 10), line: 7, column: 6 }],
    },
  ],
});
