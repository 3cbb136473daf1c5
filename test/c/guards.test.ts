import { describe, expect, it } from 'vitest';
import { analyze, asComparison, printExpr, type Guard, type GuardOptions } from '../../c/index.js';
import { call, fixture, fn } from './helpers.js';

const file = fixture('guards.c');
const helpers = new Map(file.functions.map((f) => [f.name, f]));

/** Guards at the `nth` alloc_iova_fast() call of `name`, printed. */
function guards(name: string, options: GuardOptions = { helpers }, nth = 0): Guard[] {
  const f = fn(file, name);
  return analyze(f).guardsAt(call(f.node, 'alloc_iova_fast', nth), options);
}

function printed(name: string, options?: GuardOptions, nth = 0): string[] {
  return guards(name, options, nth).map((g) => printExpr(g.condition)).sort();
}

describe('guard query: the guard forms kernel code uses', () => {
  it('parses the fixture cleanly', () => {
    expect(file.errorCount).toBe(0);
  });

  it('combined: if (!size || size & FLAG) return → size and !(size & FLAG) on the fall-through', () => {
    expect(printed('guard_combined')).toEqual(['!(size & DMA_IOVA_USE_SWIOTLB)', 'size']);
    expect(guards('guard_combined').every((g) => g.via === 'if' && !g.outcome && g.line === 26)).toBe(true);
  });

  it('behind WARN_ON_ONCE, spread over two ifs, with the cast kept', () => {
    const g = guards('guard_warn');
    expect(g.map((x) => printExpr(x.condition))).toEqual(['!((u64)size & DMA_IOVA_USE_SWIOTLB)', 'size']);
    expect(g.map((x) => x.seenThrough)).toEqual([['WARN_ON_ONCE'], ['WARN_ON_ONCE']]);
    expect(g.map((x) => x.line)).toEqual([35, 33]);
    expect(printExpr(g[0].condition, { stripCasts: true })).toBe('!(size & DMA_IOVA_USE_SWIOTLB)');
  });

  it('behind unlikely, and an explicit comparison negated', () => {
    const g = guards('guard_unlikely');
    expect(g.map((x) => printExpr(x.condition))).toEqual(['size != 0']);
    expect(g[0].seenThrough).toEqual(['unlikely']);
  });

  it('!! and unlikely(!x) over several ifs', () => {
    expect(printed('guard_double_bang')).toEqual(['!(size & DMA_IOVA_USE_SWIOTLB)', 'size']);
  });

  it('a whole condition negated: if (!(a && !b)) return', () => {
    expect(printed('guard_negated_whole')).toEqual(['!(size & DMA_IOVA_USE_SWIOTLB)', 'size']);
  });

  it('reached through goto exits to an error label that returns', () => {
    expect(printed('guard_goto')).toEqual(['!(size & DMA_IOVA_USE_SWIOTLB)', 'size']);
  });

  it('a goto that loops back (retry) keeps the guard: the reassignment goes through the test again', () => {
    const g = guards('guard_goto_retry');
    expect(g.map((x) => printExpr(x.condition))).toEqual(['size']);
    expect(g[0].stale).toBe(false);
  });

  it('inside a small static helper: its return expression, with the argument substituted', () => {
    const g = guards('guard_helper');
    expect(g.map((x) => printExpr(x.condition)).sort()).toEqual(['!(size & DMA_IOVA_USE_SWIOTLB)', 'size']);
    expect(g.every((x) => x.helper === 'iova_size_ok')).toBe(true);
  });

  it('inside a helper that returns an errno, through a local: ret = check(size); if (ret) return', () => {
    const g = guards('guard_helper_errno');
    expect(g.map((x) => printExpr(x.condition)).sort()).toEqual(['!(size & DMA_IOVA_USE_SWIOTLB)', 'size']);
    expect(g.every((x) => x.helper === 'iova_check_size')).toBe(true);
  });

  it('a helper calling a helper', () => {
    expect(printed('guard_nested_helper')).toEqual(['!(size & DMA_IOVA_USE_SWIOTLB)', 'size', 'size <= SZ_1G']);
  });

  it('without the helper map, the call stays as written', () => {
    expect(printed('guard_helper', {})).toEqual(['iova_size_ok(size)']);
    expect(printed('guard_unknown_helper')).toEqual(['size_is_sane(size)']);
  });

  it('the left operands of && in the same condition', () => {
    const g = guards('guard_and_chain');
    expect(g.map((x) => printExpr(x.condition)).sort()).toEqual(['!(size & DMA_IOVA_USE_SWIOTLB)', 'size']);
    expect(g.every((x) => x.via === 'short-circuit')).toBe(true);
  });

  it('the test of ?: and of a loop', () => {
    expect(guards('guard_ternary').map((g) => [printExpr(g.condition), g.via])).toEqual([['size', 'ternary']]);
    expect(guards('guard_loop', { helpers, includeStale: true }).map((g) => [printExpr(g.condition), g.via])).toEqual([['size > SZ_4K', 'loop']]);
  });

  it('BUG_ON(!size): size holds after it', () => {
    expect(guards('guard_bug_on').map((g) => [printExpr(g.condition), g.via])).toEqual([['size', 'bug-on']]);
  });

  it('switch: the case taken, and the default excluding the listed cases', () => {
    expect(guards('guard_switch', { helpers }, 0).map((g) => printExpr(g.condition))).toEqual(['size', 'mode == 1']);
    expect(guards('guard_switch', { helpers }, 1).map((g) => printExpr(g.condition))).toEqual(['mode != 0', 'mode != 1']);
  });
});

describe('guard query: what does not count', () => {
  it('a guard after the allocation', () => {
    expect(guards('guard_after')).toEqual([]);
    const f = fn(file, 'guard_after');
    const a = analyze(f);
    const alloc = call(f.node, 'alloc_iova_fast');
    const test = f.node.descendantsOfType('if_statement')[0].childForFieldName('condition')!;
    expect(a.reachedOnlyAfter(test, alloc)).toBe(true);
    expect(a.reachedOnlyAfter(alloc, test)).toBe(false);
  });

  it('a guard on one branch only', () => {
    expect(guards('guard_one_branch')).toEqual([]);
  });

  it('a guard whose variable was reassigned since: dropped, or marked stale on request', () => {
    expect(guards('guard_stale')).toEqual([]);
    const g = guards('guard_stale', { helpers, includeStale: true });
    expect(g.map((x) => [printExpr(x.condition), x.stale])).toEqual([['size', true]]);
  });

  it('a guard that tests the wrong thing is returned as what it is', () => {
    const g = guards('guard_wrong');
    expect(g.map((x) => printExpr(x.condition))).toEqual(['size != DMA_IOVA_USE_SWIOTLB']);
    const cmp = asComparison(g[0].condition)!;
    expect(cmp.op).toBe('!=');
    expect(printExpr(cmp.left)).toBe('size');
    expect(printExpr(cmp.right)).toBe('DMA_IOVA_USE_SWIOTLB');
  });
});

describe('asComparison: conditions as comparisons with the variable on the left', () => {
  const cases: Array<[string, string]> = [
    ['guard_combined', 'size != 0|size & DMA_IOVA_USE_SWIOTLB == 0'],
    ['guard_unlikely', 'size != 0'],
  ];
  for (const [name, expected] of cases) {
    it(name, () => {
      const got = guards(name)
        .map((g) => asComparison(g.condition)!)
        .map((c) => `${printExpr(c.left)} ${c.op} ${printExpr(c.right)}`)
        .sort()
        .join('|');
      expect(got).toBe(expected);
    });
  }
});
