// The simulator's door: callModel by C name, object fields by C name, error values, traces.
import { describe, expect, it } from 'vitest';
import type { ModelObject } from '../../model/index.js';
import {
  CONTRACT_FUNCTION_NAMES,
  DMA_BIDIRECTIONAL,
  MODEL_FUNCTION_NAMES,
  callModel,
  contractFor,
  createWorld,
  hasModelFunction,
  isModelObject,
} from '../../model/index.js';
import { spec } from './helpers.js';

function ok<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function field(o: ModelObject, name: string): unknown {
  const r = o.getField(name);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('callModel', () => {
  it('runs the patched-try_alloc path the way interpreted C walks it: domain → cookie → iovad → granule', () => {
    const w = createWorld(spec());
    const dev = w.dev;
    const domain = ok(callModel(w, 'iommu_get_dma_domain', [dev])) as ModelObject;
    const cookie = field(domain, 'iova_cookie') as ModelObject;
    const iovad = field(cookie, 'iovad') as ModelObject;
    expect(field(iovad, 'granule')).toBe(4096n);
    const off = ok(callModel(w, 'iova_offset', [iovad, 0x1234_5234n]));
    expect(off).toBe(0x234n);
    const len = ok(callModel(w, 'iova_align', [iovad, 0x2000n + 0x234n]));
    const mask = ok(callModel(w, 'dma_get_mask', [dev]));
    const base = ok(callModel(w, 'iommu_dma_alloc_iova', [domain, len as bigint, mask as bigint, dev], { line: 42 })) as bigint;
    expect(base).toBe(0xffffc000n);
    const st = w.newState();
    expect(st.setField('addr', base + 0x234n).ok).toBe(true);
    expect(st.setField('__size', 0x2000n).ok).toBe(true);
    // The model binds the written state to the reservation by address and links through it.
    expect(ok(callModel(w, 'dma_iova_link', [dev, st, 0x1234_5234n, 0n, 0x2000n, DMA_BIDIRECTIONAL, 0n]))).toBe(0n);
    expect(w.breaches).toEqual([]);
    expect(w.trace.find((t) => t.fn === 'iommu_dma_alloc_iova')!.line).toBe(42);
    expect(w.reservations[0]!.owner).toBe(st.id);
  });

  it('returns bool as 0/1 with its C type, and void as undefined', () => {
    const w = createWorld(spec());
    const st = w.newState();
    expect(callModel(w, 'dma_iova_try_alloc', [w.dev, st, 0n, 0x1000n])).toEqual({ ok: true, value: 1n, cType: 'bool' });
    expect(callModel(w, 'dma_iova_free', [w.dev, st])).toEqual({ ok: true, value: undefined, cType: 'void' });
    expect(callModel(w, 'dma_use_iova', [st])).toEqual({ ok: true, value: 1n, cType: 'bool' });
  });

  it('converts integer arguments to the parameter\'s C type (32-bit size_t truncates)', () => {
    const w = createWorld(spec({ arch: 32, mask: 32, coherentMask: 32 }));
    const st = w.newState();
    ok(callModel(w, 'dma_iova_try_alloc', [w.dev, st, 0n, 0x1_0000_1000n]));
    expect(st.rawSize).toBe(0x1000n);
    expect(w.trace[0]!.args.size).toBe('0x1000');
  });

  it('gives error values for unknown functions, contract-only functions, bad arguments and NULL dereferences', () => {
    const w = createWorld(spec());
    expect(callModel(w, 'kmalloc', [])).toMatchObject({ ok: false, error: { kind: 'unknown-function' } });
    expect(callModel(w, 'dma_map_sg', [w.dev, null, 1n, 0n])).toMatchObject({ ok: false, error: { kind: 'unsupported' } });
    expect(callModel(w, 'dma_iova_free', [w.dev])).toMatchObject({ ok: false, error: { kind: 'bad-arguments' } });
    expect(callModel(w, 'dma_iova_free', [w.dev, w.dev])).toMatchObject({ ok: false, error: { kind: 'bad-arguments' } });
    expect(callModel(w, 'dma_iova_size', [null])).toMatchObject({ ok: false, error: { kind: 'oops' } });
    expect(w.trace.at(-1)).toMatchObject({ fn: 'dma_iova_size', result: 'oops' });
  });

  it('a device without a DMA domain oopses in dma_iova_link, after the state-live breach', () => {
    const w = createWorld(spec({ iommu: false }));
    const st = w.newState();
    const r = callModel(w, 'dma_iova_link', [w.dev, st, 0n, 0n, 0x1000n, 0n, 0n]);
    expect(r).toMatchObject({ ok: false, error: { kind: 'oops' } });
    expect(w.primaryInvariants()).toEqual(['state-live']);
    expect(callModel(w, 'iommu_get_dma_domain', [w.dev])).toEqual({ ok: true, value: null, cType: 'struct iommu_domain *' });
  });

  it('accepts a page as an object or as its physical address', () => {
    const w = createWorld(spec());
    const a = ok(callModel(w, 'dma_map_page', [w.dev, w.newPage(0x1000_0000n), 0x10n, 0x10n, 1n])) as bigint;
    const b = ok(callModel(w, 'dma_map_page', [w.dev, 0x2000_0000n, 0x10n, 0x10n, 1n])) as bigint;
    expect([a & 0xfffn, b & 0xfffn]).toEqual([0x10n, 0x10n]);
  });

  it('every dispatchable function has a contract, and every contract without notes is dispatchable', () => {
    for (const fn of MODEL_FUNCTION_NAMES) expect(contractFor(fn), fn).toBeDefined();
    for (const fn of CONTRACT_FUNCTION_NAMES) {
      if (!hasModelFunction(fn)) expect(contractFor(fn)!.notes, fn).toMatch(/contract only/);
    }
  });
});

describe('object fields by C name', () => {
  it('exposes device, domain, cookie, iovad and state fields with their C types', () => {
    const w = createWorld(spec({ busLimit: 36 }));
    const dev = w.dev;
    const names = dev.fields().map((f) => `${f.name}:${f.cType}`);
    expect(names).toEqual(expect.arrayContaining(['coherent_dma_mask:u64', 'bus_dma_limit:u64', 'dma_mask:u64 *', 'iommu:struct dev_iommu *']));
    expect(field(dev, 'bus_dma_limit')).toBe((1n << 36n) - 1n);
    const cell = field(dev, 'dma_mask') as ModelObject;
    expect(field(cell, '*')).toBe((1n << 64n) - 1n);
    expect(field(field(dev, 'iommu') as ModelObject, 'pci_32bit_workaround')).toBe(1n);
    const st = w.newState();
    expect(st.fields().map((f) => `${f.name}:${f.cType}`)).toEqual(['addr:dma_addr_t', '__size:u64']);
    expect(isModelObject(field(field(dev.domain!, 'iova_cookie') as ModelObject, 'iovad'))).toBe(true);
  });

  it('writes wrap to the field type and read-only or unknown fields refuse', () => {
    const w = createWorld(spec({ arch: 32 }), { features: { stateSizeIsSizeT: true } });
    const st = w.newState();
    expect(st.setField('__size', (1n << 63n) | 5n)).toEqual({ ok: true, value: 5n, cType: 'size_t' });
    expect(w.dev.domain!.iovad.setField('granule', 1n).ok).toBe(false);
    expect(st.getField('size').ok).toBe(false);
    expect(st.setField('addr', w.dev).ok).toBe(false);
  });

  it('a write to the mask cell is what dma_get_mask then reads', () => {
    const w = createWorld(spec());
    const cell = field(w.dev, 'dma_mask') as ModelObject;
    cell.setField('*', 0xffffffffn);
    expect(ok(callModel(w, 'dma_get_mask', [w.dev]))).toBe(0xffffffffn);
    cell.setField('*', 0n);
    expect(ok(callModel(w, 'dma_get_mask', [w.dev]))).toBe(0xffffffffn);
  });
});
