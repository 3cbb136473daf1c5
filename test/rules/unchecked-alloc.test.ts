// iova/unchecked-alloc: a false dma_iova_try_alloc() must lead to the dma_map_* fallback.
import rule from '../../rules/unchecked-alloc.js';
import { runRuleTests } from './rule-tester.js';

const useAfter = (callee: string, line: number, state = 'state') =>
  `dma_iova_try_alloc() can return false, yet ${callee}() at line ${line} still uses ${state} on that path: on false, map with dma_map_*() and call no dma_iova_*()`;
const unallocated = (callee: string, state: string) =>
  `${callee}() on ${state}, which no dma_iova_try_alloc() reserved on this path (it is zeroed, or holds the dma_map_* fallback)`;

runRuleTests(rule, {
  valid: [
    {
      name: 'a teardown guarded by the driver\'s own flag',
      code: `int demo_map(struct device *dev, struct demo_req *rq)
{
	rq->use_iova = dma_iova_try_alloc(dev, &rq->state, rq->phys, rq->len);
	if (!rq->use_iova)
		return demo_map_direct(dev, rq);
	return demo_link_all(dev, &rq->state, rq);
}

void demo_unmap(struct device *dev, struct demo_req *rq)
{
	if (rq->use_iova)
		dma_iova_destroy(dev, &rq->state, rq->len, DMA_TO_DEVICE, 0);
	else
		demo_unmap_direct(dev, rq);
}
`,
    },
    {
      name: 'if/else: the IOVA path on true, dma_map_phys() on false',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys,
	     size_t len, dma_addr_t *out)
{
	int ret;

	if (!dma_iova_try_alloc(dev, state, phys, len)) {
		*out = dma_map_phys(dev, phys, len, DMA_TO_DEVICE, 0);
		return dma_mapping_error(dev, *out);
	}
	ret = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);
	if (!ret)
		ret = dma_iova_sync(dev, state, 0, len);
	if (ret) {
		dma_iova_destroy(dev, state, 0, DMA_TO_DEVICE, 0);
		return ret;
	}
	*out = state->addr;
	return 0;
}
`,
    },
    {
      name: 'result ignored, dma_use_iova() decides later (dma-buf style)',
      code: `int demo_map_ranges(struct device *dev, struct dma_iova_state *state,
		    struct demo_range *r, int n, size_t size)
{
	size_t mapped = 0;
	int i, ret;

	dma_iova_try_alloc(dev, state, 0, size);
	for (i = 0; i < n; i++) {
		if (dma_use_iova(state)) {
			ret = dma_iova_link(dev, state, r[i].paddr, mapped, r[i].len, DMA_TO_DEVICE, 0);
			if (ret)
				return demo_unwind(dev, state, mapped, ret);
			mapped += r[i].len;
		} else {
			r[i].dma = dma_map_phys(dev, r[i].paddr, r[i].len, DMA_TO_DEVICE, 0);
		}
	}
	return 0;
}
`,
    },
    {
      name: 'the result kept in a bool and tested',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, struct page *page)
{
	bool use_iova = dma_iova_try_alloc(dev, state, 0, PAGE_SIZE);
	int ret;

	if (!use_iova)
		return demo_map_page(dev, page);
	ret = dma_iova_link(dev, state, page_to_phys(page), 0, PAGE_SIZE, DMA_BIDIRECTIONAL, 0);
	if (ret)
		goto err;
	ret = dma_iova_sync(dev, state, 0, PAGE_SIZE);
	if (ret)
		goto err;
	return 0;
err:
	dma_iova_destroy(dev, state, 0, DMA_BIDIRECTIONAL, 0);
	return ret;
}
`,
    },
    {
      name: 'reserving only (HMM alloc): a false return needs no mapping here',
      code: `int demo_map_alloc(struct device *dev, struct demo_map *map, size_t nr)
{
	bool use_iova = dma_iova_try_alloc(dev, &map->state, 0, nr * PAGE_SIZE);

	if (!use_iova && dma_need_unmap(dev)) {
		map->dma_list = kvcalloc(nr, sizeof(*map->dma_list), GFP_KERNEL);
		if (!map->dma_list)
			return -ENOMEM;
	}
	return 0;
}
`,
    },
    {
      name: 'a false return reported as an error is not a silent success',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	int ret;

	if (unlikely(!dma_iova_try_alloc(dev, state, phys, len)))
		return -EOPNOTSUPP;
	ret = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);
	if (!ret)
		ret = dma_iova_sync(dev, state, 0, len);
	if (ret)
		dma_iova_destroy(dev, state, 0, DMA_TO_DEVICE, 0);
	return ret;
}
`,
    },
    {
      name: 'a helper given an allocated state by its caller links without try_alloc',
      code: `static int demo_link_one(struct device *dev, struct dma_iova_state *state,
			 phys_addr_t phys, size_t off, size_t len)
{
	return dma_iova_link(dev, state, phys, off, len, DMA_TO_DEVICE, 0);
}
`,
    },
    {
      name: 'the fallback through goto',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys,
	     size_t len, dma_addr_t *out)
{
	int ret;

	if (!dma_iova_try_alloc(dev, state, phys, len))
		goto fallback;
	ret = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);
	if (ret)
		goto err;
	ret = dma_iova_sync(dev, state, 0, len);
	if (ret)
		goto err;
	*out = state->addr;
	return 0;
err:
	dma_iova_destroy(dev, state, 0, DMA_TO_DEVICE, 0);
	return ret;
fallback:
	*out = dma_map_phys(dev, phys, len, DMA_TO_DEVICE, 0);
	return dma_mapping_error(dev, *out);
}
`,
    },
  ],
  invalid: [
    {
      name: 'the IOVA helper of the change called whatever try_alloc said',
      code: `static int demo_link_all(struct device *dev, struct demo_req *rq)
{
	int err = dma_iova_link(dev, &rq->state, rq->phys, 0, rq->len, DMA_TO_DEVICE, 0);

	if (!err)
		err = dma_iova_sync(dev, &rq->state, 0, rq->len);
	if (err)
		dma_iova_destroy(dev, &rq->state, 0, DMA_TO_DEVICE, 0);
	return err;
}

int demo_map(struct device *dev, struct demo_req *rq)
{
	rq->use_iova = dma_iova_try_alloc(dev, &rq->state, rq->phys, rq->len);
	return demo_link_all(dev, rq);
}
`,
      errors: [{ messageId: 'useAfterFailedAlloc', message: useAfter('demo_link_all', 15, '&rq->state'), line: 14, column: 17 }],
    },
    {
      name: 'a teardown that never asks dma_use_iova() while the map side may fall back',
      code: `int demo_map(struct device *dev, struct demo_req *rq)
{
	if (!dma_iova_try_alloc(dev, &rq->state, rq->phys, rq->len))
		return demo_map_direct(dev, rq);
	return demo_link_all(dev, &rq->state, rq);
}

void demo_unmap(struct device *dev, struct demo_req *rq)
{
	dma_iova_destroy(dev, &rq->state, rq->len, DMA_TO_DEVICE, 0);
}
`,
      errors: [
        {
          messageId: 'teardownUnchecked',
          message:
            'dma_iova_destroy() on &rq->state without testing dma_use_iova(): demo_map() leaves it unreserved when dma_iova_try_alloc() fails, and the teardown then frees IOVA that was never reserved',
          line: 10,
          column: 2,
        },
      ],
    },
    {
      name: 'result thrown away, then linked',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	int ret;

	dma_iova_try_alloc(dev, state, phys, len);
	ret = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);
	if (ret)
		goto err;
	ret = dma_iova_sync(dev, state, 0, len);
	if (ret)
		goto err;
	return 0;
err:
	dma_iova_destroy(dev, state, 0, DMA_TO_DEVICE, 0);
	return ret;
}
`,
      errors: [{ messageId: 'useAfterFailedAlloc', message: useAfter('dma_iova_link', 6), line: 5, column: 2, endColumn: 43 }],
    },
    {
      name: 'the bool is kept but never tested',
      code: `int demo_map(struct device *dev, struct demo_buf *buf)
{
	bool use_iova = dma_iova_try_alloc(dev, &buf->iova, 0, buf->len);
	int ret;

	ret = dma_iova_link(dev, &buf->iova, buf->phys, 0, buf->len, DMA_FROM_DEVICE, 0);
	if (ret)
		return demo_fail(dev, buf, ret);
	return dma_iova_sync(dev, &buf->iova, 0, buf->len);
}
`,
      errors: [{ messageId: 'useAfterFailedAlloc', message: useAfter('dma_iova_link', 6, '&buf->iova'), line: 3, column: 18 }],
    },
    {
      name: 'a warning instead of a fallback, then the IOVA path anyway',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	int ret;

	if (!dma_iova_try_alloc(dev, state, phys, len))
		dev_warn(dev, "no IOVA\\n");
	ret = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);
	if (ret)
		return demo_fail(dev, state, ret);
	return dma_iova_sync(dev, state, 0, len);
}
`,
      errors: [{ messageId: 'useAfterFailedAlloc', line: 5, column: 7 }],
    },
    {
      name: 'false is reported as success with nothing mapped',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	int ret;

	if (!dma_iova_try_alloc(dev, state, phys, len))
		return 0;
	ret = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);
	if (!ret)
		ret = dma_iova_sync(dev, state, 0, len);
	if (ret)
		dma_iova_destroy(dev, state, 0, DMA_TO_DEVICE, 0);
	return ret;
}
`,
      errors: [
        {
          messageId: 'noFallback',
          message: 'when dma_iova_try_alloc() returns false, the success return at line 6 is reached without mapping anything: fall back to dma_map_*()',
          line: 5,
          column: 7,
        },
      ],
    },
    {
      name: 'a zeroed state linked with no reservation',
      code: `int demo_map_first(struct device *dev, struct demo_odp *odp, phys_addr_t paddr, size_t len)
{
	int ret;

	memset(&odp->state, 0, sizeof(odp->state));
	ret = dma_iova_link(dev, &odp->state, paddr, 0, len, DMA_BIDIRECTIONAL, 0);
	if (ret)
		return ret;
	return dma_iova_sync(dev, &odp->state, 0, len);
}
`,
      errors: [{ messageId: 'useUnallocated', message: unallocated('dma_iova_link', '&odp->state'), line: 6, column: 8 }],
    },
    {
      name: 'linking exactly when the caller mapped through the fallback',
      code: `int demo_extend(struct device *dev, struct dma_iova_state *state, phys_addr_t phys,
		size_t off, size_t len)
{
	if (!dma_use_iova(state))
		return dma_iova_link(dev, state, phys, off, len, DMA_TO_DEVICE, 0);
	return demo_map_more(dev, phys, len);
}
`,
      errors: [{ messageId: 'useUnallocated', message: unallocated('dma_iova_link', 'state'), line: 5, column: 10 }],
    },
    {
      name: 'a local state zeroed at declaration, destroyed without a reservation',
      code: `void demo_probe_iova(struct device *dev, size_t len)
{
	struct dma_iova_state st = {};

	if (demo_want_iova(dev))
		dma_iova_destroy(dev, &st, len, DMA_TO_DEVICE, 0);
}
`,
      errors: [{ messageId: 'useUnallocated', message: unallocated('dma_iova_destroy', '&st'), line: 6, column: 3 }],
    },
  ],
});
