// The queries the IOVA rules will ask, on an implementation and a caller of the API.
import { describe, expect, it } from 'vitest';
import {
  analyze,
  argumentOf,
  assignmentsTo,
  asComparison,
  callsIn,
  expressionType,
  fieldType,
  printExpr,
  stripCasts,
} from '../../c/index.js';
import { call, fixture, fn } from './helpers.js';

const file = fixture('iova-api.c');

describe('an IOVA allocation implementation', () => {
  const impl = fn(file, 'demo_iova_alloc');
  const a = analyze(impl);
  const alloc = call(impl.node, 'iommu_dma_alloc_iova');

  it('parses and indexes', () => {
    expect(file.errorCount).toBe(0);
    expect(impl.params.map((p) => `${p.type} ${p.name}`)).toEqual([
      'struct device * dev',
      'struct dma_iova_state * state',
      'phys_addr_t phys',
      'size_t size',
    ]);
  });

  it('sees both mainline guards before the allocation, through WARN_ON_ONCE', () => {
    const guards = a.guardsAt(alloc);
    const shown = guards.map((g) => asComparison(stripCasts(g.condition))!).map((c) => `${printExpr(c.left)} ${c.op} ${printExpr(c.right)}`);
    expect(shown.sort()).toEqual(['size != 0', 'size & DMA_IOVA_USE_SWIOTLB == 0']);
    expect(guards.every((g) => g.seenThrough.includes('WARN_ON_ONCE'))).toBe(true);
  });

  it('reads the allocation length and limit through the locals', () => {
    expect(printExpr(a.resolve(argumentOf(alloc, 1)!))).toBe('iova_align(iovad, size + iova_offset(iovad, phys))');
    expect(a.mentions(argumentOf(alloc, 1)!, 'iova_off', { throughLocals: true })).toBe(true);
    expect(printExpr(a.resolve(argumentOf(alloc, 2)!))).toBe('dma_get_mask(dev)');
  });

  it('finds what is stored in the state, and what it is made of', () => {
    const [addr] = assignmentsTo(impl.node, 'state->addr');
    expect(printExpr(a.resolve(addr.childForFieldName('right')!))).toBe(
      'iommu_dma_alloc_iova(domain, iova_align(iovad, size + iova_offset(iovad, phys)), dma_get_mask(dev), dev) + iova_offset(iovad, phys)',
    );
    const [size] = assignmentsTo(impl.node, 'state->__size');
    expect(size.childForFieldName('right')!.text).toBe('size');
    expect(a.guardsAt(size).map((g) => printExpr(g.condition))).toContain('addr');
  });
});

describe('a caller of the API', () => {
  const caller = fn(file, 'demo_map_request');
  const a = analyze(caller);

  it('the fallback runs when try_alloc fails, the links only when it succeeds', () => {
    const fallback = call(caller.node, 'demo_map_fallback');
    const link = call(caller.node, 'dma_iova_link');
    expect(a.guardsAt(fallback).map((g) => printExpr(g.condition))).toEqual([
      '!dma_iova_try_alloc(dev, &iod->state, bvec_phys(&bv[0]), iod->total_len)',
    ]);
    expect(a.guardsAt(link).map((g) => printExpr(g.condition))).toEqual([
      'i < nr',
      'dma_iova_try_alloc(dev, &iod->state, bvec_phys(&bv[0]), iod->total_len)',
    ]);
  });

  it('every error exit after a link goes through the destroy label', () => {
    const link = call(caller.node, 'dma_iova_link');
    const destroy = call(caller.node, 'dma_iova_destroy');
    const [linkFail, syncFail] = callsIn(caller.node, 'dma_iova_link').length ? caller.node.descendantsOfType('goto_statement') : [];
    expect(a.canReach(link, destroy)).toBe(true);
    expect(a.dominates(linkFail, destroy)).toBe(false);
    expect(a.canReach(linkFail, destroy) && a.canReach(syncFail, destroy)).toBe(true);
    expect(a.guardsAt(destroy).map((g) => printExpr(g.condition))).toEqual([
      'dma_iova_try_alloc(dev, &iod->state, bvec_phys(&bv[0]), iod->total_len)',
    ]);
  });

  it('knows where the link result comes from and what the loop accumulates', () => {
    const ifs = caller.node.descendantsOfType('if_statement');
    const test = ifs[1].childForFieldName('condition')!.namedChildren[0];
    expect(a.reaching(test).map((d) => d.value?.text.split('(')[0])).toEqual(['dma_iova_link']);
    const syncLen = argumentOf(call(caller.node, 'dma_iova_sync'), 3)!;
    expect(a.reaching(syncLen).map((d) => [d.kind, d.operator ?? ''])).toEqual([['init', ''], ['compound', '+=']]);
  });

  it('types fields of structs defined in the file', () => {
    expect(fieldType(file, 'demo_iod', 'mask32')).toBe('u32');
    expect(fieldType(file, 'struct demo_iod', 'state')).toBe('struct dma_iova_state');
    const total = argumentOf(call(caller.node, 'dma_iova_try_alloc'), 3)!;
    expect(expressionType(a, total, file)).toBe('size_t');
    expect(expressionType(a, argumentOf(call(caller.node, 'dma_iova_try_alloc'), 0)!, file)).toBe('struct device *');
  });
});
