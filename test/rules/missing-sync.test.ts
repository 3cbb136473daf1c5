// iova/missing-sync: linked ranges are synced before the mapping is reported as done.
import rule from '../../rules/missing-sync.js';
import { runRuleTests } from './rule-tester.js';

const unsynced = (line: number) => `the range linked here reaches the success return at line ${line} without a dma_iova_sync() covering it`;

runRuleTests(rule, {
  valid: [
    {
      name: 'one sync after the link loop',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, struct page **pages, u32 n)
{
	size_t mapped = 0;
	u32 i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = dma_iova_link(dev, state, page_to_phys(pages[i]), mapped, PAGE_SIZE, DMA_TO_DEVICE, 0);
		if (ret)
			goto err;
		mapped += PAGE_SIZE;
	}
	ret = dma_iova_sync(dev, state, 0, mapped);
	if (ret)
		goto err;
	return 0;
err:
	dma_iova_destroy(dev, state, mapped, DMA_TO_DEVICE, 0);
	return ret;
}
`,
    },
    {
      name: 'a sync per entry (HMM)',
      code: `dma_addr_t demo_map_pfn(struct device *dev, struct demo_map *map, size_t idx, phys_addr_t paddr)
{
	size_t off = idx * map->entry_size;

	if (dma_iova_link(dev, &map->state, paddr, off, map->entry_size, DMA_BIDIRECTIONAL, 0))
		return DMA_MAPPING_ERROR;
	if (dma_iova_sync(dev, &map->state, off, map->entry_size)) {
		dma_iova_unlink(dev, &map->state, off, map->entry_size, DMA_BIDIRECTIONAL, 0);
		return DMA_MAPPING_ERROR;
	}
	return map->state.addr + off;
}
`,
    },
    {
      name: 'the error paths publish nothing',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	int ret = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);

	if (ret)
		return ret;
	ret = dma_iova_sync(dev, state, 0, len);
	if (ret)
		dma_iova_unlink(dev, state, 0, len, DMA_TO_DEVICE, 0);
	return ret;
}
`,
    },
    {
      name: 'a link helper of the change whose caller syncs',
      code: `static int demo_link_page(struct device *dev, struct dma_iova_state *state, struct page *page, size_t off)
{
	return dma_iova_link(dev, state, page_to_phys(page), off, PAGE_SIZE, DMA_TO_DEVICE, 0);
}

int demo_map(struct device *dev, struct dma_iova_state *state, struct page **pages, u32 n)
{
	u32 i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = demo_link_page(dev, state, pages[i], i * PAGE_SIZE);
		if (ret)
			goto err;
	}
	ret = dma_iova_sync(dev, state, 0, n * PAGE_SIZE);
	if (ret)
		goto err;
	return 0;
err:
	dma_iova_destroy(dev, state, i * PAGE_SIZE, DMA_TO_DEVICE, 0);
	return ret;
}
`,
    },
    {
      name: 'a sync helper of the change',
      code: `static int demo_flush(struct device *dev, struct dma_iova_state *state, size_t len)
{
	return dma_iova_sync(dev, state, 0, len);
}

int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	int ret = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);

	if (!ret)
		ret = demo_flush(dev, state, len);
	if (ret)
		dma_iova_destroy(dev, state, 0, DMA_TO_DEVICE, 0);
	return ret;
}
`,
    },
    {
      name: 'the sync result returned directly',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	if (dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0))
		return -EIO;
	return dma_iova_sync(dev, state, 0, len);
}
`,
    },
  ],
  invalid: [
    {
      name: 'pages linked and the MTT published with no sync (D22)',
      code: `int demo_register(struct device *dev, struct dma_iova_state *state, struct page **pages, u32 n, __be64 *mtt)
{
	size_t mapped = 0;
	u32 i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = dma_iova_link(dev, state, page_to_phys(pages[i]), mapped, PAGE_SIZE, DMA_TO_DEVICE, 0);
		if (ret)
			goto err;
		*mtt++ = cpu_to_be64(state->addr + mapped);
		mapped += PAGE_SIZE;
	}
	return 0;
err:
	dma_iova_destroy(dev, state, mapped, DMA_TO_DEVICE, 0);
	return ret;
}
`,
      errors: [{ messageId: 'unsynced', message: unsynced(14), line: 8, column: 9 }],
    },
    {
      name: 'a single link handed out as an address',
      code: `dma_addr_t demo_map_one(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	if (dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0))
		return DMA_MAPPING_ERROR;
	return state->addr;
}
`,
      errors: [{ messageId: 'unsynced', message: unsynced(5), line: 3, column: 6 }],
    },
    {
      name: 'synced on one branch only',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len, bool flush)
{
	int ret = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);

	if (ret)
		return ret;
	if (flush) {
		ret = dma_iova_sync(dev, state, 0, len);
		if (ret)
			dma_iova_unlink(dev, state, 0, len, DMA_TO_DEVICE, 0);
	}
	return ret;
}
`,
      errors: [{ messageId: 'unsynced', message: unsynced(12), line: 3, column: 12 }],
    },
    {
      name: 'a link after the sync',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t a, phys_addr_t b)
{
	int ret = dma_iova_link(dev, state, a, 0, PAGE_SIZE, DMA_TO_DEVICE, 0);

	if (ret)
		return ret;
	ret = dma_iova_sync(dev, state, 0, PAGE_SIZE);
	if (ret)
		goto err;
	ret = dma_iova_link(dev, state, b, PAGE_SIZE, PAGE_SIZE, DMA_TO_DEVICE, 0);
	if (ret)
		goto err;
	return 0;
err:
	dma_iova_destroy(dev, state, PAGE_SIZE, DMA_TO_DEVICE, 0);
	return ret;
}
`,
      errors: [{ messageId: 'unsynced', message: unsynced(13), line: 10, column: 8 }],
    },
    {
      name: 'a helper of the change links, nobody syncs',
      code: `static int demo_link_page(struct device *dev, struct dma_iova_state *state, struct page *page, size_t off)
{
	return dma_iova_link(dev, state, page_to_phys(page), off, PAGE_SIZE, DMA_TO_DEVICE, 0);
}

int demo_map(struct device *dev, struct dma_iova_state *state, struct page **pages, u32 n)
{
	u32 i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = demo_link_page(dev, state, pages[i], i * PAGE_SIZE);
		if (ret)
			goto err;
	}
	return 0;
err:
	dma_iova_destroy(dev, state, i * PAGE_SIZE, DMA_TO_DEVICE, 0);
	return ret;
}
`,
      errors: [
        {
          messageId: 'unsyncedHelper',
          message: 'demo_link_page() links ranges of state that reach the success return at line 16 without a dma_iova_sync() covering them',
          line: 12,
          column: 9,
        },
      ],
    },
    {
      name: 'a bool map reporting true before the sync',
      code: `bool demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	if (dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0))
		return false;
	demo_write_table(state->addr, len);
	return true;
}
`,
      errors: [{ messageId: 'unsynced', message: unsynced(6), line: 3, column: 6 }],
    },
  ],
});
