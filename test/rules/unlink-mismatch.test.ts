// iova/unlink-mismatch: unlink and destroy mirror the links (range, direction, attributes).
import rule from '../../rules/unlink-mismatch.js';
import { runRuleTests } from './rule-tester.js';

const D25_BUGGY = `int demo_map_ranges(struct device *dev, struct dma_iova_state *state, struct demo_range *r,
		    unsigned int nr, size_t size)
{
	size_t mapped_len = 0;
	unsigned int i;
	int ret;

	if (!dma_iova_try_alloc(dev, state, 0, size))
		return -EOPNOTSUPP;
	for (i = 0; i < nr; i++) {
		ret = dma_iova_link(dev, state, r[i].paddr, 0, r[i].len, DMA_TO_DEVICE, DMA_ATTR_MMIO);
		if (ret)
			goto err;
		mapped_len += r[i].len;
	}
	ret = dma_iova_sync(dev, state, 0, mapped_len);
	if (ret)
		goto err;
	return 0;
err:
	dma_iova_destroy(dev, state, mapped_len, DMA_TO_DEVICE, DMA_ATTR_MMIO);
	return ret;
}
`;

const SGL_HELPER = `static void demo_free_sgls(struct request *req, struct device *dev, struct demo_sgl *sge,
			   struct demo_sgl *sg_list, unsigned long attrs)
{
	unsigned int i, nr = le32_to_cpu(sge->length) / sizeof(*sg_list);

	if (sge->type == DEMO_SGL_DATA) {
		dma_unmap_phys(dev, le64_to_cpu(sge->addr), le32_to_cpu(sge->length), rq_dma_dir(req), attrs);
		return;
	}
	for (i = 0; i < nr; i++)
		dma_unmap_phys(dev, le64_to_cpu(sg_list[i].addr), le32_to_cpu(sg_list[i].length),
			       rq_dma_dir(req), attrs);
}
`;

runRuleTests(rule, {
  valid: [
    {
      name: 'the error unwind unlinks exactly the entry it linked',
      code: `int demo_map_entry(struct device *dev, struct dma_iova_state *state, phys_addr_t p, size_t idx, size_t sz)
{
	int ret = dma_iova_link(dev, state, p, idx * sz, sz, DMA_BIDIRECTIONAL, 0);

	if (ret)
		return ret;
	ret = dma_iova_sync(dev, state, idx * sz, sz);
	if (ret)
		dma_iova_unlink(dev, state, idx * sz, sz, DMA_BIDIRECTIONAL, 0);
	return ret;
}
`,
    },
    {
      name: 'destroy with the direction and attributes of the links',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	int ret;

	if (!dma_iova_try_alloc(dev, state, phys, len))
		return -EOPNOTSUPP;
	ret = dma_iova_link(dev, state, phys, 0, len, DMA_FROM_DEVICE, DMA_ATTR_MMIO);
	if (!ret)
		ret = dma_iova_sync(dev, state, 0, len);
	if (ret)
		dma_iova_destroy(dev, state, ret ? 0 : len, DMA_FROM_DEVICE, DMA_ATTR_MMIO);
	return ret;
}
`,
    },
    D25_BUGGY.replace('r[i].paddr, 0, r[i].len', 'r[i].paddr, mapped_len, r[i].len'),
    {
      name: 'per-entry unlink of exactly the link (HMM), attrs kept per entry',
      code: `int demo_map_pfn(struct device *dev, struct demo_map *map, size_t idx, phys_addr_t p, unsigned long attrs)
{
	return dma_iova_link(dev, &map->state, p, idx * map->entry_size, map->entry_size, DMA_BIDIRECTIONAL, attrs);
}

void demo_unmap_pfn(struct device *dev, struct demo_map *map, size_t idx)
{
	dma_iova_unlink(dev, &map->state, idx * map->entry_size, map->entry_size, DMA_BIDIRECTIONAL,
			map->attrs[idx]);
}
`,
    },
    {
      name: 'attributes stored at map time and passed at unmap',
      code: `int demo_map(struct device *dev, struct demo_rq *rq, unsigned long attrs)
{
	int ret = dma_iova_link(dev, &rq->dma_state, rq->phys, 0, rq->len, rq->dir, attrs);

	if (!ret)
		rq->attrs = attrs;
	return ret;
}

void demo_unmap(struct device *dev, struct demo_rq *rq)
{
	dma_iova_destroy(dev, &rq->dma_state, rq->len, rq->dir, rq->attrs);
}
`,
    },
    {
      name: 'offset 0 outside any loop',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	int ret = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);

	if (!ret)
		ret = dma_iova_sync(dev, state, 0, len);
	return ret;
}
`,
    },
    {
      name: 'the SGL helper with its arguments in order (the D13 fix)',
      code: `${SGL_HELPER}
void demo_unmap_data(struct request *req, struct device *dev, struct demo_iod *iod)
{
	demo_free_sgls(req, dev, &iod->cmd.sgl, iod->descriptors[0], iod->attrs);
}
`,
    },
    {
      name: 'destroy of the linked length after a partial link',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, struct demo_seg *seg, int nr, size_t total)
{
	size_t mapped = 0;
	int i, ret;

	if (!dma_iova_try_alloc(dev, state, 0, total))
		return -EOPNOTSUPP;
	for (i = 0; i < nr; i++) {
		ret = dma_iova_link(dev, state, seg[i].phys, mapped, seg[i].len, DMA_TO_DEVICE, 0);
		if (ret)
			goto err;
		mapped += seg[i].len;
	}
	return dma_iova_sync(dev, state, 0, mapped);
err:
	dma_iova_destroy(dev, state, mapped, DMA_TO_DEVICE, 0);
	return ret;
}
`,
    },
  ],
  invalid: [
    {
      name: 'a page unlinked out of the middle of a 2 MiB link (D20)',
      code: `int demo_trim(struct device *dev, struct dma_iova_state *state, phys_addr_t phys)
{
	int ret;

	if (!dma_iova_try_alloc(dev, state, phys, SZ_2M))
		return -EOPNOTSUPP;
	ret = dma_iova_link(dev, state, phys, 0, SZ_2M, DMA_TO_DEVICE, 0);
	if (!ret)
		ret = dma_iova_sync(dev, state, 0, SZ_2M);
	if (ret) {
		dma_iova_destroy(dev, state, ret ? 0 : SZ_2M, DMA_TO_DEVICE, 0);
		return ret;
	}
	dma_iova_unlink(dev, state, SZ_4K, SZ_4K, DMA_TO_DEVICE, 0);
	return 0;
}
`,
      errors: [
        {
          messageId: 'splitsLink',
          message:
            'dma_iova_unlink() of [SZ_4K, +SZ_4K) lies inside the range linked at line 7 ([0, +SZ_2M)) without being it: a partial unmap of a (possibly huge) IOMMU mapping is not supported; unlink what was linked',
          line: 14,
          column: 2,
        },
      ],
    },
    {
      name: 'a different direction at destroy',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	int ret;

	if (!dma_iova_try_alloc(dev, state, phys, len))
		return -EOPNOTSUPP;
	ret = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);
	if (ret) {
		dma_iova_free(dev, state);
		return ret;
	}
	ret = dma_iova_sync(dev, state, 0, len);
	if (ret)
		dma_iova_destroy(dev, state, len, DMA_FROM_DEVICE, 0);
	return ret;
}
`,
      errors: [
        {
          messageId: 'dirMismatch',
          message: 'dma_iova_destroy() with direction DMA_FROM_DEVICE, but the range was linked with DMA_TO_DEVICE (line 7)',
          line: 14,
          column: 37,
          severity: 'warning',
        },
      ],
      output: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	int ret;

	if (!dma_iova_try_alloc(dev, state, phys, len))
		return -EOPNOTSUPP;
	ret = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, 0);
	if (ret) {
		dma_iova_free(dev, state);
		return ret;
	}
	ret = dma_iova_sync(dev, state, 0, len);
	if (ret)
		dma_iova_destroy(dev, state, len, DMA_TO_DEVICE, 0);
	return ret;
}
`,
    },
    {
      name: 'MMIO linked, destroyed as ordinary memory (D7)',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	int ret;

	if (!dma_iova_try_alloc(dev, state, phys, len))
		return -EOPNOTSUPP;
	ret = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, DMA_ATTR_MMIO);
	if (ret) {
		dma_iova_free(dev, state);
		return ret;
	}
	ret = dma_iova_sync(dev, state, 0, len);
	if (ret)
		dma_iova_destroy(dev, state, len, DMA_TO_DEVICE, 0);
	return ret;
}
`,
      errors: [
        {
          messageId: 'attrsMismatch',
          message: 'dma_iova_destroy() with attrs 0, but the range was linked with DMA_ATTR_MMIO (line 7): unmap with the attributes of the link',
          line: 14,
          column: 52,
          severity: 'warning',
        },
      ],
      output: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len)
{
	int ret;

	if (!dma_iova_try_alloc(dev, state, phys, len))
		return -EOPNOTSUPP;
	ret = dma_iova_link(dev, state, phys, 0, len, DMA_TO_DEVICE, DMA_ATTR_MMIO);
	if (ret) {
		dma_iova_free(dev, state);
		return ret;
	}
	ret = dma_iova_sync(dev, state, 0, len);
	if (ret)
		dma_iova_destroy(dev, state, len, DMA_TO_DEVICE, DMA_ATTR_MMIO);
	return ret;
}
`,
    },
    {
      name: 'attrs chosen at map time, recomputed as 0 at unmap (D11/D12)',
      code: `int demo_map(struct device *dev, struct demo_rq *rq, unsigned long attrs)
{
	return dma_iova_link(dev, &rq->dma_state, rq->phys, 0, rq->len, rq->dir, attrs);
}

void demo_unmap(struct device *dev, struct demo_rq *rq)
{
	if (dma_use_iova(&rq->dma_state))
		dma_iova_destroy(dev, &rq->dma_state, rq->len, rq->dir, 0);
}
`,
      errors: [{ messageId: 'attrsMismatch', message: /with attrs 0, but the range was linked with attrs \(line 3\)/, line: 9, column: 59 }],
      output: null,
    },
    {
      name: 'destroy of the whole reservation after a partial link',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, struct demo_seg *seg, int nr, size_t total)
{
	size_t mapped = 0;
	int i, ret;

	if (!dma_iova_try_alloc(dev, state, 0, total))
		return -EOPNOTSUPP;
	for (i = 0; i < nr; i++) {
		ret = dma_iova_link(dev, state, seg[i].phys, mapped, seg[i].len, DMA_TO_DEVICE, 0);
		if (ret)
			goto err;
		mapped += seg[i].len;
	}
	return dma_iova_sync(dev, state, 0, mapped);
err:
	dma_iova_destroy(dev, state, total, DMA_TO_DEVICE, 0);
	return ret;
}
`,
      errors: [
        {
          messageId: 'destroyPartial',
          message:
            'dma_iova_destroy() of total after a failed link: only the bytes linked before the failure are mapped, and unmapping the rest warns and frees the wrong size; destroy the linked length',
          line: 16,
          column: 31,
        },
      ],
    },
    {
      name: 'every range linked at offset 0 (D25), fixed to the running sum',
      code: D25_BUGGY,
      errors: [
        {
          messageId: 'constantOffset',
          message:
            'dma_iova_link() in a loop at the constant offset 0 while mapped_len sums the lengths: every range lands at IOVA offset 0 and the later links do not mirror what is unlinked; link at mapped_len',
          line: 11,
          column: 47,
          endColumn: 48,
        },
      ],
      output: D25_BUGGY.replace('r[i].paddr, 0, r[i].len', 'r[i].paddr, mapped_len, r[i].len'),
    },
    {
      name: 'the descriptor and the list swapped into the SGL unmap helper (D13)',
      code: `${SGL_HELPER}
void demo_unmap_data(struct request *req, struct device *dev, struct demo_iod *iod)
{
	demo_free_sgls(req, dev, iod->descriptors[0], &iod->cmd.sgl, iod->attrs);
}
`,
      errors: [
        {
          messageId: 'swappedArgs',
          message:
            'argument 4 of demo_free_sgls(), `&iod->cmd.sgl`, is one descriptor but demo_free_sgls() walks `sg_list` as an array: arguments 4 and 3 look swapped, so it unmaps what was not mapped',
          line: 17,
          column: 2,
        },
      ],
      output: null,
    },
    {
      name: 'a constant direction at link, another at unlink, in two functions',
      code: `int demo_map_pfn(struct device *dev, struct demo_map *map, size_t idx, phys_addr_t p)
{
	return dma_iova_link(dev, &map->state, p, idx * PAGE_SIZE, PAGE_SIZE, DMA_BIDIRECTIONAL, 0);
}

void demo_unmap_pfn(struct device *dev, struct demo_map *map, size_t idx)
{
	dma_iova_unlink(dev, &map->state, idx * PAGE_SIZE, PAGE_SIZE, DMA_TO_DEVICE, 0);
}
`,
      errors: [
        {
          messageId: 'dirMismatch',
          message: 'dma_iova_unlink() with direction DMA_TO_DEVICE, but the range was linked with DMA_BIDIRECTIONAL (line 3)',
          line: 8,
          column: 64,
        },
      ],
    },
  ],
});
