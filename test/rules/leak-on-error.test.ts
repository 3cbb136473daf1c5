// iova/leak-on-error: error paths after try_alloc or a link release what they hold.
import rule from '../../rules/leak-on-error.js';
import { runRuleTests } from './rule-tester.js';

const DESTROY = 'dma_iova_destroy() or dma_iova_unlink() + dma_iova_free()';

runRuleTests(rule, {
  valid: [
    {
      name: 'goto out_destroy on every failure (the D2 fix)',
      code: `bool demo_map_iova(struct device *dev, struct dma_iova_state *state,
		   struct demo_seg *seg, int nr, size_t total)
{
	size_t mapped = 0;
	int i, error;

	if (!dma_iova_try_alloc(dev, state, seg[0].phys, total))
		return demo_map_direct(dev, seg, nr);
	for (i = 0; i < nr; i++) {
		error = dma_iova_link(dev, state, seg[i].phys, mapped, seg[i].len, DMA_TO_DEVICE, 0);
		if (error)
			goto out_destroy;
		mapped += seg[i].len;
	}
	error = dma_iova_sync(dev, state, 0, mapped);
	if (error)
		goto out_destroy;
	return true;

out_destroy:
	dma_iova_destroy(dev, state, mapped, DMA_TO_DEVICE, 0);
	return false;
}
`,
    },
    {
      name: 'unlink what was linked, then free (the D4-safe unwind)',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	int ret;

	if (!dma_iova_try_alloc(dev, state, phys, len))
		return demo_fallback(dev, phys, len);
	ret = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);
	if (ret)
		goto err_free;
	ret = dma_iova_sync(dev, state, 0, len);
	if (ret)
		goto err_unlink;
	return 0;

err_unlink:
	dma_iova_unlink(dev, state, 0, len, DMA_TO_DEVICE, 0);
err_free:
	dma_iova_free(dev, state);
	return ret;
}
`,
    },
    {
      name: 'a cleanup helper of the change releases on the error path',
      code: `static void demo_unmap(struct device *dev, struct dma_iova_state *state, size_t len)
{
	if (dma_use_iova(state))
		dma_iova_destroy(dev, state, len, DMA_TO_DEVICE, 0);
}

int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	int ret;

	if (!dma_iova_try_alloc(dev, state, phys, len))
		return demo_fallback(dev, phys, len);
	ret = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);
	if (!ret)
		ret = dma_iova_sync(dev, state, 0, len);
	if (ret)
		demo_unmap(dev, state, ret ? 0 : len);
	return ret;
}
`,
    },
    {
      name: 'the error path hands the state to an unknown teardown',
      code: `int demo_map(struct device *dev, struct demo_buf *buf)
{
	int ret;

	if (!dma_iova_try_alloc(dev, &buf->iova, 0, buf->len))
		return demo_fallback(dev, buf);
	ret = dma_iova_link(dev, &buf->iova, buf->phys, 0, buf->len, DMA_TO_DEVICE, 0);
	if (!ret)
		ret = dma_iova_sync(dev, &buf->iova, 0, buf->len);
	if (ret)
		demo_buf_teardown(dev, buf);
	return ret;
}
`,
    },
    {
      name: 'failures before the reservation hold nothing',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, struct demo_req *rq)
{
	int ret;

	rq->table = kcalloc(rq->nr, sizeof(*rq->table), GFP_KERNEL);
	if (!rq->table)
		return -ENOMEM;
	if (!dma_iova_try_alloc(dev, state, 0, rq->len))
		return -EOPNOTSUPP;
	ret = dma_iova_link(dev, state, rq->phys, 0, rq->len, DMA_TO_DEVICE, 0);
	if (ret) {
		dma_iova_free(dev, state);
		return ret;
	}
	ret = dma_iova_sync(dev, state, 0, rq->len);
	if (ret)
		dma_iova_destroy(dev, state, rq->len, DMA_TO_DEVICE, 0);
	return ret;
}
`,
    },
    {
      name: 'success keeps the mapping (it is torn down at completion)',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len,
	     dma_addr_t *out)
{
	int ret;

	if (!dma_iova_try_alloc(dev, state, phys, len))
		return -EOPNOTSUPP;
	ret = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);
	if (ret)
		goto err_free;
	ret = dma_iova_sync(dev, state, 0, len);
	if (ret)
		goto err_destroy;
	*out = state->addr;
	return 0;
err_destroy:
	dma_iova_destroy(dev, state, len, DMA_TO_DEVICE, 0);
	return ret;
err_free:
	dma_iova_free(dev, state);
	return ret;
}
`,
    },
    {
      name: 'an HMM entry unlinked when its sync fails (the D16 fix)',
      code: `dma_addr_t demo_map_pfn(struct device *dev, struct demo_map *map, size_t idx, phys_addr_t paddr)
{
	size_t off = idx * map->entry_size;
	int ret;

	ret = dma_iova_link(dev, &map->state, paddr, off, map->entry_size, DMA_BIDIRECTIONAL, 0);
	if (ret)
		return DMA_MAPPING_ERROR;
	ret = dma_iova_sync(dev, &map->state, off, map->entry_size);
	if (ret) {
		dma_iova_unlink(dev, &map->state, off, map->entry_size, DMA_BIDIRECTIONAL, 0);
		return DMA_MAPPING_ERROR;
	}
	return map->state.addr + off;
}
`,
    },
  ],
  invalid: [
    {
      name: 'a failed link returns with the IOVA still reserved',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	int ret;

	if (!dma_iova_try_alloc(dev, state, phys, len))
		return demo_fallback(dev, phys, len);
	ret = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);
	if (ret)
		return ret;
	ret = dma_iova_sync(dev, state, 0, len);
	if (ret)
		dma_iova_destroy(dev, state, len, DMA_TO_DEVICE, 0);
	return ret;
}
`,
      errors: [
        {
          messageId: 'leak',
          message: `error return leaks the IOVA reserved at line 5 (state): call ${DESTROY} before returning`,
          line: 9,
          column: 3,
        },
      ],
    },
    {
      name: 'a failed sync returns with the links and the reservation (D2)',
      code: `bool demo_map_iova(struct device *dev, struct dma_iova_state *state, struct demo_seg *seg,
		   int nr, size_t total, blk_status_t *status)
{
	size_t mapped = 0;
	int i, error;

	if (!dma_iova_try_alloc(dev, state, seg[0].phys, total))
		return demo_map_direct(dev, seg, nr);
	for (i = 0; i < nr; i++) {
		error = dma_iova_link(dev, state, seg[i].phys, mapped, seg[i].len, DMA_TO_DEVICE, 0);
		if (error)
			goto out_destroy;
		mapped += seg[i].len;
	}
	error = dma_iova_sync(dev, state, 0, mapped);
	if (error) {
		*status = errno_to_blk_status(error);
		return false;
	}
	return true;

out_destroy:
	dma_iova_destroy(dev, state, mapped, DMA_TO_DEVICE, 0);
	return false;
}
`,
      errors: [
        {
          messageId: 'leak',
          message: `error return leaks the IOVA reserved at line 7 (state): call ${DESTROY} before returning`,
          line: 18,
          column: 3,
        },
      ],
    },
    {
      name: 'unlink without free (the first D2 patch)',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	int ret;

	if (!dma_iova_try_alloc(dev, state, phys, len))
		return demo_fallback(dev, phys, len);
	ret = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);
	if (ret)
		goto err_free;
	ret = dma_iova_sync(dev, state, 0, len);
	if (ret) {
		dma_iova_unlink(dev, state, 0, len, DMA_TO_DEVICE, 0);
		return ret;
	}
	return 0;
err_free:
	dma_iova_free(dev, state);
	return ret;
}
`,
      errors: [{ messageId: 'leak', message: `error return leaks the IOVA reserved at line 5 (state): call ${DESTROY} before returning`, line: 13, column: 3 }],
    },
    {
      name: 'a failed allocation after the mapping (D8)',
      code: `blk_status_t demo_map_data(struct request *req, struct device *dev)
{
	struct demo_iod *iod = blk_mq_rq_to_pdu(req);
	struct blk_dma_iter iter;

	if (!blk_rq_dma_map_iter_start(req, dev, &iod->dma_state, &iter))
		return iter.status;
	iod->descs = dma_pool_alloc(demo_pool, GFP_ATOMIC, &iod->descs_dma);
	if (!iod->descs)
		return BLK_STS_RESOURCE;
	demo_fill_sgl(iod, &iter);
	return BLK_STS_OK;
}
`,
      errors: [
        {
          messageId: 'leak',
          message: 'error return leaks the mapping made at line 6 (&iod->dma_state): call blk_rq_dma_unmap() before returning',
          line: 10,
          column: 3,
        },
      ],
    },
    {
      name: 'an HMM entry left linked when its sync fails (D16)',
      code: `dma_addr_t demo_map_pfn(struct device *dev, struct demo_map *map, size_t idx, phys_addr_t paddr)
{
	size_t off = idx * map->entry_size;
	int ret;

	ret = dma_iova_link(dev, &map->state, paddr, off, map->entry_size, DMA_BIDIRECTIONAL, 0);
	if (ret)
		return DMA_MAPPING_ERROR;
	ret = dma_iova_sync(dev, &map->state, off, map->entry_size);
	if (ret)
		return DMA_MAPPING_ERROR;
	return map->state.addr + off;
}
`,
      errors: [
        {
          messageId: 'leak',
          message: 'error return leaks the ranges linked at line 6 (&map->state): call dma_iova_unlink() of those ranges (or dma_iova_destroy()) before returning',
          line: 11,
          column: 3,
        },
      ],
    },
    {
      name: 'the reservation freed while still linked',
      code: `void demo_teardown(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	if (!dma_iova_try_alloc(dev, state, phys, len))
		return;
	if (dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0))
		goto out;
	demo_use(state->addr);
out:
	dma_iova_free(dev, state);
}
`,
      errors: [
        {
          messageId: 'freeWhileLinked',
          message: 'dma_iova_free() frees state while the range linked at line 5 is still linked: unlink it first, or destroy the linked length',
          line: 9,
          column: 2,
        },
      ],
    },
    {
      name: 'destroy(0) after a successful link: only the IOVA is freed',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	int ret;

	if (!dma_iova_try_alloc(dev, state, phys, len))
		return -EOPNOTSUPP;
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
      errors: [
        {
          messageId: 'freeWhileLinked',
          message: 'dma_iova_destroy() frees state while the range linked at line 7 is still linked: unlink it first, or destroy the linked length',
          line: 15,
          column: 2,
        },
      ],
    },
    {
      name: 'a loop that reserves again while the last reservation is live',
      code: `int demo_map_all(struct device *dev, struct demo_chunk *c, int n)
{
	struct dma_iova_state st;
	int i;

	for (i = 0; i < n; i++) {
		if (!dma_iova_try_alloc(dev, &st, 0, c[i].len))
			return -ENOMEM;
		c[i].dma = st.addr;
	}
	return 0;
}
`,
      errors: [
        {
          messageId: 'reallocLive',
          message: 'dma_iova_try_alloc() on &st while its reservation from line 7 is still live: that IOVA is leaked',
          line: 7,
          column: 8,
        },
      ],
    },
  ],
});
