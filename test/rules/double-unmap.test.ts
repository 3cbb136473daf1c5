// iova/double-unmap: no address unmapped twice, no per-segment unmap of a coalesced IOVA mapping.
import rule from '../../rules/double-unmap.js';
import { runRuleTests } from './rule-tester.js';

const SAVE = (guard: string) => `blk_status_t demo_setup_prp(struct request *req, struct device *dev, struct blk_dma_iter *iter)
{
	struct demo_iod *iod = blk_mq_rq_to_pdu(req);

	if (${guard}) {
		iod->dma_vecs[iod->nr_dma_vecs].addr = iter->addr;
		iod->dma_vecs[iod->nr_dma_vecs].len = iter->len;
		iod->nr_dma_vecs++;
	}
	iod->prp1 = cpu_to_le64(iter->addr);
	return BLK_STS_OK;
}
`;

runRuleTests(rule, {
  valid: [
    {
      name: 'bookkeeping only for the dma_map_* fallback (the D9 fix)',
      code: SAVE('!dma_use_iova(&iod->dma_state) && dma_need_unmap(dev)'),
    },
    {
      name: 'a loop unmaps each saved address once',
      code: `void demo_free_prps(struct device *dev, struct demo_iod *iod, enum dma_data_direction dir)
{
	unsigned int i;

	for (i = 0; i < iod->nr_dma_vecs; i++)
		dma_unmap_page(dev, iod->dma_vecs[i].addr, iod->dma_vecs[i].len, dir);
}
`,
    },
    {
      name: 'the address is remapped between the unmaps',
      code: `int demo_bounce(struct device *dev, struct demo_buf *b)
{
	dma_addr_t addr = dma_map_single(dev, b->cpu, b->len, DMA_TO_DEVICE);

	if (dma_mapping_error(dev, addr))
		return -ENOMEM;
	demo_send(b, addr);
	dma_unmap_single(dev, addr, b->len, DMA_TO_DEVICE);
	addr = dma_map_single(dev, b->cpu, b->len, DMA_FROM_DEVICE);
	if (dma_mapping_error(dev, addr))
		return -ENOMEM;
	demo_recv(b, addr);
	dma_unmap_single(dev, addr, b->len, DMA_FROM_DEVICE);
	return 0;
}
`,
    },
    {
      name: 'exclusive arms of the same test',
      code: `void demo_unmap(struct device *dev, struct demo_desc *d)
{
	if (d->is_page)
		dma_unmap_page(dev, d->addr, d->len, DMA_TO_DEVICE);
	else
		dma_unmap_single(dev, d->addr, d->len, DMA_TO_DEVICE);
}
`,
    },
    {
      name: 'the same test twice (correlated) unmaps once',
      code: `void demo_unmap(struct device *dev, struct demo_desc *d)
{
	if (d->mapped)
		dma_unmap_single(dev, d->addr, d->len, DMA_TO_DEVICE);
	demo_log(d->len);
	if (!d->mapped)
		return;
	demo_count_unmap(d->len);
}
`,
    },
    {
      name: 'a function given the descriptor may store a new address in it',
      code: `void demo_recycle(struct device *dev, struct demo_desc *d)
{
	dma_unmap_single(dev, d->addr, d->len, DMA_FROM_DEVICE);
	demo_refill(dev, d);
	dma_unmap_single(dev, d->addr, d->len, DMA_FROM_DEVICE);
}
`,
    },
    {
      name: 'a local refilled through memcpy(&addr, ...)',
      code: `void demo_drain(struct device *dev, struct demo_ring *r)
{
	dma_addr_t pa;

	while (demo_has_buffer(r)) {
		struct sk_buff *skb = demo_next(r);

		memcpy(&pa, skb->cb, sizeof(pa));
		dma_unmap_single(dev, pa, r->buf_len, DMA_FROM_DEVICE);
	}
}
`,
    },
    {
      name: 'an enum state decides which unwind runs',
      code: `int demo_test(struct device *dev, struct page *p)
{
	dma_addr_t d = dma_map_page(dev, p, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	int op = DEMO_OP_A;

	if (dma_mapping_error(dev, d))
		return -ENOMEM;
	if (demo_run(dev, d))
		goto unwind;
	dma_unmap_page(dev, d, PAGE_SIZE, DMA_FROM_DEVICE);
	op = DEMO_OP_B;
	if (demo_run2(dev))
		goto unwind;
	return 0;
unwind:
	if (op == DEMO_OP_A)
		dma_unmap_page(dev, d, PAGE_SIZE, DMA_FROM_DEVICE);
	return -EIO;
}
`,
    },
    {
      name: 'IOVA destroyed, fallback segments unmapped, on different paths',
      code: `void demo_unmap(struct device *dev, struct demo_iod *iod)
{
	unsigned int i;

	if (dma_use_iova(&iod->dma_state)) {
		dma_iova_destroy(dev, &iod->dma_state, iod->total_len, DMA_TO_DEVICE, 0);
		return;
	}
	for (i = 0; i < iod->nr_dma_vecs; i++)
		dma_unmap_phys(dev, iod->dma_vecs[i].addr, iod->dma_vecs[i].len, DMA_TO_DEVICE, 0);
}
`,
    },
  ],
  invalid: [
    {
      name: 'saved whenever the device needs unmapping, IOVA or not (D9)',
      code: SAVE('dma_need_unmap(dev)'),
      errors: [
        {
          messageId: 'savedCoalesced',
          message:
            'per-segment address saved in `iod->dma_vecs[iod->nr_dma_vecs].addr` for a later dma_unmap_*() although `iter->addr` may be the coalesced IOVA mapping, which dma_iova_destroy() unmaps: save it only when !dma_use_iova()',
          line: 6,
          column: 3,
        },
      ],
    },
    {
      name: 'saved unconditionally from a local iterator',
      code: `blk_status_t demo_map(struct request *req, struct device *dev, struct demo_iod *iod)
{
	struct blk_dma_iter iter;

	if (!blk_rq_dma_map_iter_start(req, dev, &iod->dma_state, &iter))
		return iter.status;
	iod->vec[0].addr = iter.addr;
	iod->vec[0].len = iter.len;
	return BLK_STS_OK;
}
`,
      errors: [{ messageId: 'savedCoalesced', line: 7, column: 2 }],
    },
    {
      name: 'one unmap call in a loop, the address the same every round',
      code: `void demo_free_all(struct device *dev, struct demo_desc *d, int n)
{
	int i;

	for (i = 0; i < n; i++)
		dma_unmap_page(dev, d->addr, d->len, DMA_TO_DEVICE);
}
`,
      errors: [{ messageId: 'unmappedTwice', line: 6, column: 3 }],
    },
    {
      name: 'one unmap call run twice by a retry through a backward goto',
      code: `int demo_retry(struct device *dev, struct demo_ring *r, void *buf, size_t len)
{
	dma_addr_t addr = dma_map_single(dev, buf, len, DMA_TO_DEVICE);
	int ret;

	if (dma_mapping_error(dev, addr))
		return -ENOMEM;
again:
	ret = demo_post(r, addr, len);
	dma_unmap_single(dev, addr, len, DMA_TO_DEVICE);
	if (ret == -EAGAIN)
		goto again;
	return ret;
}
`,
      errors: [{ messageId: 'unmappedTwice', line: 10, column: 2 }],
    },
    {
      name: 'unmapped on the error path and again in the common exit',
      code: `int demo_xmit(struct device *dev, struct demo_ring *r, void *buf, size_t len)
{
	dma_addr_t addr = dma_map_single(dev, buf, len, DMA_TO_DEVICE);
	int ret;

	if (dma_mapping_error(dev, addr))
		return -ENOMEM;
	ret = demo_post(r, addr, len);
	if (ret) {
		dma_unmap_single(dev, addr, len, DMA_TO_DEVICE);
		goto out;
	}
	ret = demo_wait(r);
out:
	dma_unmap_single(dev, addr, len, DMA_TO_DEVICE);
	return ret;
}
`,
      errors: [
        {
          messageId: 'unmappedTwice',
          message: 'dma_unmap_single() unmaps `addr`, already unmapped at line 10 on this path',
          line: 15,
          column: 2,
        },
      ],
    },
    {
      name: 'the coalesced IOVA address unmapped as one page, then destroyed',
      code: `void demo_unmap(struct device *dev, struct demo_rq *rq)
{
	if (dma_use_iova(&rq->dma_state)) {
		dma_unmap_page(dev, rq->dma_state.addr, rq->len, DMA_TO_DEVICE);
		dma_iova_destroy(dev, &rq->dma_state, rq->len, DMA_TO_DEVICE, 0);
	}
}
`,
      errors: [
        {
          messageId: 'coalescedUnmap',
          message:
            'dma_unmap_page() unmaps per segment `rq->dma_state.addr`, an address of the coalesced IOVA mapping of &rq->dma_state: dma_iova_destroy()/dma_iova_unlink() unmaps it',
          line: 4,
          column: 3,
        },
      ],
    },
    {
      name: 'an unconditional unmap after a conditional one',
      code: `void demo_complete(struct device *dev, struct demo_cmd *c)
{
	if (c->status)
		dma_unmap_single(dev, c->dma, c->len, DMA_FROM_DEVICE);
	c->done = true;
	dma_unmap_single(dev, c->dma, c->len, DMA_FROM_DEVICE);
}
`,
      errors: [{ messageId: 'unmappedTwice', line: 6, column: 2 }],
    },
    {
      name: 'the IOVA address unmapped through a pointer to the state',
      code: `void demo_unmap(struct device *dev, struct dma_iova_state *state, size_t len)
{
	if (!dma_use_iova(state))
		return;
	dma_unmap_phys(dev, state->addr, len, DMA_TO_DEVICE, 0);
}
`,
      errors: [{ messageId: 'coalescedUnmap', line: 5, column: 2 }],
    },
  ],
});
