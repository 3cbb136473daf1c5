// The helper summaries behind the interprocedural lifecycle checks (rules/lifecycle/analysis.ts):
// one summary per helper of the change, per way it can return, reused at every call.
import { describe, expect, it } from 'vitest';
import { parseFile, printExpr } from '../../c/index.js';
import { helperSummary, lifecycleOf } from '../../rules/lifecycle/analysis.js';
import type { ChangeFunction } from '../../rules/types.js';

function change(code: string): Map<string, ChangeFunction> {
  const file = parseFile('drivers/misc/demo.c', code);
  return new Map(file.functions.map((fn) => [fn.name, { file, fn }]));
}

const HELPERS = `static void demo_unmap(struct device *dev, struct dma_iova_state *state, size_t len)
{
	if (dma_use_iova(state)) {
		dma_iova_destroy(dev, state, len, DMA_TO_DEVICE, 0);
		return;
	}
	demo_unmap_pages(dev, len);
}

static int demo_map(struct device *dev, struct demo_buf *buf)
{
	int ret;

	if (!dma_iova_try_alloc(dev, &buf->state, 0, buf->len))
		return demo_map_pages(dev, buf);
	ret = dma_iova_link(dev, &buf->state, buf->phys, 0, buf->len, DMA_TO_DEVICE, 0);
	if (ret)
		return ret;
	return dma_iova_sync(dev, &buf->state, 0, buf->len);
}

int demo_start(struct device *dev, struct demo_buf *buf)
{
	int ret = demo_map(dev, buf);

	if (ret)
		return ret;
	ret = demo_submit(buf);
	if (ret)
		demo_unmap(dev, &buf->state, buf->len);
	return ret;
}
`;

const shape = (s: ReturnType<typeof helperSummary>) =>
  (s?.outcomes ?? []).map((o) => `${o.ret ?? '?'}${o.failed ? ' failed' : ''}: ${o.effects.map((e) => `${printExpr(e.expr)} ${e.pre ?? '-'}→${e.phase}${e.owned ? ' owned' : ''}${e.links.length ? ` links=${e.links.length}` : ''}`).join('; ')}`).sort();

describe('helper summaries', () => {
  it('a teardown helper: released when it held IOVA, untouched on the fallback', () => {
    const fns = change(HELPERS);
    expect(shape(helperSummary('demo_unmap', fns))).toEqual(['?: *state direct→entry-direct', '?: *state iova→released']);
  });

  it('a map helper: the reservation handed to the caller on success, and on failure with the link live', () => {
    const fns = change(HELPERS);
    expect(shape(helperSummary('demo_map', fns))).toEqual([
      'err failed: buf->state -→allocated owned',
      'err failed: buf->state -→allocated owned links=1',
      'zero: buf->state -→allocated owned links=1',
      '?: buf->state -→cleared',
    ].sort());
  });

  it('is computed once per change and reused', () => {
    const fns = change(HELPERS);
    expect(helperSummary('demo_map', fns)).toBe(helperSummary('demo_map', fns));
  });

  it('the caller answers for what a failed helper leaves (here: the failure of demo_map is returned, its reservation leaked)', () => {
    const fns = change(HELPERS);
    // demo_map leaks on its own failure paths; it has a caller in the change, so the report is there
    expect(lifecycleOf(fns.get('demo_map')!.fn, fns).observations.filter((o) => o.rule === 'iova/leak-on-error')).toEqual([]);
    const caller = lifecycleOf(fns.get('demo_start')!.fn, fns).observations.map((o) => `${o.rule} ${o.messageId} ${o.data.state}`);
    expect(caller).toEqual(['iova/leak-on-error leak &buf->state']);
  });

  it('a recursive helper is summarised without following itself (never loops)', () => {
    const fns = change(`int demo_walk(struct device *dev, struct dma_iova_state *state, int depth)
{
	if (depth > 0)
		return demo_walk(dev, state, depth - 1);
	return dma_iova_sync(dev, state, 0, PAGE_SIZE);
}
`);
    // the recursive call is an unknown call inside its own summary: only the sync's outcomes are known
    expect(shape(helperSummary('demo_walk', fns))).toEqual(['?: ', 'err failed: ', 'zero: *state -→entry']);
    expect(lifecycleOf(fns.get('demo_walk')!.fn, fns).observations).toEqual([]);
  });
});
