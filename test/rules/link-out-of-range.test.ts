// iova/link-out-of-range: links, syncs, unlinks and destroys stay inside the reservation.
import rule from '../../rules/link-out-of-range.js';
import { runRuleTests } from './rule-tester.js';

const beyond = (callee: string, end: string, reserved: string, excess: string, line: number) =>
  `${callee}() reaches ${end} bytes into a reservation of ${reserved} (dma_iova_try_alloc() at line ${line}): ${excess} past its end, in IOVA space that is not this state's`;

/** Reserve n pages, then run `body` (n, pages, state, dev in scope). */
const pages = (body: string) => `int demo_map(struct device *dev, struct dma_iova_state *state, struct page **pages, u32 n)
{
	u32 i;
	int ret;

	if (!dma_iova_try_alloc(dev, state, 0, n * PAGE_SIZE))
		return demo_map_pages(dev, pages, n);
${body}
	return 0;
err:
	dma_iova_destroy(dev, state, 0, DMA_TO_DEVICE, 0);
	return ret;
}
`;

runRuleTests(rule, {
  valid: [
    pages(`	for (i = 0; i < n; i++) {
		ret = dma_iova_link(dev, state, page_to_phys(pages[i]), i * PAGE_SIZE, PAGE_SIZE, DMA_TO_DEVICE, 0);
		if (ret)
			goto err;
	}
	ret = dma_iova_sync(dev, state, 0, n * PAGE_SIZE);
	if (ret)
		goto err;`),
    pages(`	for (i = 0; i <= n - 1; i++) {
		ret = dma_iova_link(dev, state, page_to_phys(pages[i]), i * PAGE_SIZE, PAGE_SIZE, DMA_TO_DEVICE, 0);
		if (ret)
			goto err;
	}`),
    pages(`	ret = dma_iova_link(dev, state, page_to_phys(pages[0]), 0, n * PAGE_SIZE, DMA_TO_DEVICE, 0);
	if (ret)
		goto err;`),
    {
      name: 'a running offset: nothing provable, nothing reported',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, struct demo_seg *seg, int nr, size_t total)
{
	size_t mapped = 0;
	int i, ret;

	if (!dma_iova_try_alloc(dev, state, seg[0].phys, total))
		return -EOPNOTSUPP;
	for (i = 0; i < nr; i++) {
		ret = dma_iova_link(dev, state, seg[i].phys, mapped, seg[i].len, DMA_TO_DEVICE, 0);
		if (ret)
			break;
		mapped += seg[i].len;
	}
	dma_iova_destroy(dev, state, mapped, DMA_TO_DEVICE, 0);
	return ret;
}
`,
    },
    {
      name: 'constants that fit exactly',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t a, phys_addr_t b)
{
	int ret;

	if (!dma_iova_try_alloc(dev, state, 0, SZ_8K))
		return -EOPNOTSUPP;
	ret = dma_iova_link(dev, state, a, 0, SZ_4K, DMA_TO_DEVICE, 0);
	if (!ret)
		ret = dma_iova_link(dev, state, b, SZ_4K, SZ_4K, DMA_TO_DEVICE, 0);
	if (ret)
		dma_iova_destroy(dev, state, 0, DMA_TO_DEVICE, 0);
	return ret;
}
`,
    },
    {
      name: 'no reservation in this function (HMM per-entry)',
      code: `int demo_map_pfn(struct device *dev, struct demo_map *map, size_t idx, phys_addr_t paddr)
{
	return dma_iova_link(dev, &map->state, paddr, idx * map->entry_size, map->entry_size, DMA_BIDIRECTIONAL, 0);
}
`,
    },
  ],
  invalid: [
    {
      name: 'an off-by-one loop bound (i <= n)',
      code: pages(`	for (i = 0; i <= n; i++) {
		ret = dma_iova_link(dev, state, page_to_phys(pages[i]), i * PAGE_SIZE, PAGE_SIZE, DMA_TO_DEVICE, 0);
		if (ret)
			goto err;
	}`),
      errors: [
        {
          messageId: 'beyondReservation',
          message: beyond('dma_iova_link', 'PAGE_SIZE*n + PAGE_SIZE', 'PAGE_SIZE*n', 'PAGE_SIZE', 6),
          line: 9,
          column: 9,
        },
      ],
    },
    {
      name: 'a length one page longer than the reservation',
      code: pages(`	ret = dma_iova_link(dev, state, page_to_phys(pages[0]), 0, (n + 1) * PAGE_SIZE, DMA_TO_DEVICE, 0);
	if (ret)
		goto err;`),
      errors: [{ messageId: 'beyondReservation', line: 8, column: 8 }],
    },
    {
      name: 'constants past the end',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t a, phys_addr_t b)
{
	int ret;

	if (!dma_iova_try_alloc(dev, state, 0, SZ_4K))
		return -EOPNOTSUPP;
	ret = dma_iova_link(dev, state, a, 0, SZ_4K, DMA_TO_DEVICE, 0);
	if (!ret)
		ret = dma_iova_link(dev, state, b, SZ_4K, SZ_4K, DMA_TO_DEVICE, 0);
	if (ret)
		dma_iova_destroy(dev, state, 0, DMA_TO_DEVICE, 0);
	return ret;
}
`,
      errors: [{ messageId: 'beyondReservation', message: beyond('dma_iova_link', '8192', '4096', '4096', 5), line: 9, column: 9 }],
    },
    {
      name: 'a sync over more than was reserved',
      code: pages(`	for (i = 0; i < n; i++) {
		ret = dma_iova_link(dev, state, page_to_phys(pages[i]), i * PAGE_SIZE, PAGE_SIZE, DMA_TO_DEVICE, 0);
		if (ret)
			goto err;
	}
	ret = dma_iova_sync(dev, state, 0, (n + 1) * PAGE_SIZE);
	if (ret)
		goto err;`),
      errors: [{ messageId: 'beyondReservation', message: beyond('dma_iova_sync', 'PAGE_SIZE*n + PAGE_SIZE', 'PAGE_SIZE*n', 'PAGE_SIZE', 6), line: 13, column: 8 }],
    },
    {
      name: 'the whole size linked at a page offset',
      code: pages(`	ret = dma_iova_link(dev, state, page_to_phys(pages[0]), PAGE_SIZE, n * PAGE_SIZE, DMA_TO_DEVICE, 0);
	if (ret)
		goto err;`),
      errors: [{ messageId: 'beyondReservation', message: beyond('dma_iova_link', 'PAGE_SIZE + PAGE_SIZE*n', 'PAGE_SIZE*n', 'PAGE_SIZE', 6), line: 8, column: 8 }],
    },
    {
      name: 'an unlink past the end, through a local',
      code: `void demo_unmap_tail(struct device *dev, struct dma_iova_state *state, phys_addr_t p, size_t len)
{
	size_t tail = len + SZ_4K;

	if (!dma_iova_try_alloc(dev, state, 0, len))
		return;
	if (dma_iova_link(dev, state, p, 0, len, DMA_TO_DEVICE, 0))
		goto out;
	dma_iova_unlink(dev, state, 0, tail, DMA_TO_DEVICE, 0);
out:
	dma_iova_free(dev, state);
}
`,
      errors: [{ messageId: 'beyondReservation', message: beyond('dma_iova_unlink', 'len + 4096', 'len', '4096', 5), line: 9, column: 2 }],
    },
  ],
});
