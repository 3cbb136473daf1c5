// iova/stale-state: no state used after release, never initialised, or reused by a fallback uncleared.
import rule from '../../rules/stale-state.js';
import { runRuleTests } from './rule-tester.js';

const D1 = `bool demo_map_start(struct request *req, struct device *dev, struct dma_iova_state *state,
		    struct demo_iter *iter, unsigned int total)
{
	struct phys_vec vec;

	if (!demo_first_segment(req, iter, &vec))
		return false;
	if (demo_can_coalesce(req, dev) && dma_iova_try_alloc(dev, state, vec.paddr, total))
		return demo_map_iova(req, dev, state, iter, &vec);
	return demo_map_direct(req, dev, iter, &vec);
}
`;

runRuleTests(rule, {
  valid: [
    {
      name: 'memset before the fallback (the D1 fix)',
      code: D1.replace('\treturn demo_map_direct', '\tmemset(state, 0, sizeof(*state));\n\treturn demo_map_direct'),
    },
    {
      name: 'the fallback reached only through a failed try_alloc',
      code: `int demo_map(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t len, dma_addr_t *out)
{
	if (!dma_iova_try_alloc(dev, state, phys, len)) {
		*out = dma_map_phys(dev, phys, len, DMA_TO_DEVICE, 0);
		return dma_mapping_error(dev, *out);
	}
	return demo_link_all(dev, state, phys, len);
}
`,
    },
    {
      name: 'a state zeroed at its declaration',
      code: `bool demo_probe(struct device *dev, size_t len)
{
	struct dma_iova_state st = {};

	if (dma_use_iova(&st))
		return false;
	return dma_iova_try_alloc(dev, &st, 0, len);
}
`,
    },
    {
      name: 'destroyed once, on its own path',
      code: `void demo_unmap(struct device *dev, struct dma_iova_state *state, size_t len)
{
	if (dma_use_iova(state)) {
		dma_iova_destroy(dev, state, len, DMA_TO_DEVICE, 0);
		return;
	}
	demo_unmap_pages(dev, len);
}
`,
    },
    {
      name: 'a state in zeroed memory',
      code: `struct demo_buf *demo_buf_new(struct device *dev, size_t len)
{
	struct demo_buf *buf = kzalloc(sizeof(*buf), GFP_KERNEL);

	if (!buf)
		return NULL;
	if (dma_use_iova(&buf->state))
		demo_bug();
	return buf;
}
`,
    },
    {
      name: 'reserved again after the release',
      code: `int demo_remap(struct device *dev, struct dma_iova_state *state, phys_addr_t p, size_t len)
{
	dma_iova_destroy(dev, state, len, DMA_TO_DEVICE, 0);
	if (!dma_iova_try_alloc(dev, state, p, len))
		return -EOPNOTSUPP;
	return dma_iova_link(dev, state, p, 0, len, DMA_TO_DEVICE, 0);
}
`,
    },
  ],
  invalid: [
    {
      name: 'the coalescing check fails and the old state stays (D1)',
      code: D1,
      errors: [
        {
          messageId: 'staleFallback',
          message:
            'demo_map_direct() maps through the fallback, but on this path state was neither cleared nor passed to dma_iova_try_alloc(): dma_use_iova() still sees the previous mapping; memset() it first',
          line: 10,
          column: 9,
        },
      ],
    },
    {
      name: 'destroyed twice',
      code: `void demo_unmap(struct device *dev, struct dma_iova_state *state, size_t len, bool err)
{
	if (err)
		dma_iova_destroy(dev, state, 0, DMA_TO_DEVICE, 0);
	demo_quiesce(dev);
	dma_iova_destroy(dev, state, len, DMA_TO_DEVICE, 0);
}
`,
      errors: [{ messageId: 'releasedTwice', message: 'dma_iova_destroy() releases state again (already released at line 4)', line: 6, column: 2 }],
    },
    {
      name: 'linked after it was freed',
      code: `int demo_relink(struct device *dev, struct dma_iova_state *state, phys_addr_t p, size_t len)
{
	dma_iova_free(dev, state);
	return dma_iova_link(dev, state, p, 0, len, DMA_TO_DEVICE, 0);
}
`,
      errors: [
        {
          messageId: 'useAfterRelease',
          message: 'dma_iova_link() on state after it was released at line 3: the state is not cleared, dma_use_iova() stays true until a new dma_iova_try_alloc()',
          line: 4,
          column: 9,
        },
      ],
    },
    {
      name: 'dma_use_iova() asked after the destroy',
      code: `void demo_done(struct device *dev, struct demo_rq *rq)
{
	dma_iova_destroy(dev, &rq->dma_state, rq->len, DMA_TO_DEVICE, 0);
	if (!dma_use_iova(&rq->dma_state))
		demo_unmap_segments(dev, rq);
}
`,
      errors: [{ messageId: 'useAfterRelease', line: 4, column: 7 }],
    },
    {
      name: 'an uninitialised local state read',
      code: `void demo_unmap(struct device *dev, struct demo_rq *rq)
{
	struct dma_iova_state st;

	if (dma_use_iova(&st))
		dma_iova_destroy(dev, &st, rq->len, DMA_TO_DEVICE, 0);
}
`,
      errors: [
        {
          messageId: 'useUninit',
          message: 'dma_use_iova() reads &st, which was never initialised: memset() it or pass it to dma_iova_try_alloc() first',
          line: 5,
          column: 6,
        },
      ],
    },
    {
      name: 'destroyed after an explicit free',
      code: `void demo_teardown(struct device *dev, struct demo_buf *buf)
{
	if (dma_use_iova(&buf->iova))
		dma_iova_free(dev, &buf->iova);
	demo_release_pages(buf);
	if (dma_use_iova(&buf->iova))
		dma_iova_destroy(dev, &buf->iova, buf->len, DMA_TO_DEVICE, 0);
}
`,
      errors: [
        { messageId: 'useAfterRelease', line: 6, column: 6 },
        { messageId: 'releasedTwice', message: 'dma_iova_destroy() releases &buf->iova again (already released at line 4)', line: 7, column: 3 },
      ],
    },
  ],
});
