// The seed patch (a quoted reply to [PATCH 05/18]): its iommu_dma_iova_alloc runs in the
// simulator, shows the kernel's arithmetic call by call, and agrees with the model's reference of
// the same function over the whole input grid. Skipped (with a message) when the seed is absent.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFile, type ParsedFile } from '../../c/index.js';
import { DEFAULT_SCENARIO } from '../../model/index.js';
import { buildChangeSet, parsePatchInput } from '../../patch/index.js';
import { createSimulator, runOnce } from '../../sim/index.js';
import { envFor } from './helpers.js';

const SEED = '/work/shared/seeds/000_93dc69e07112f92d.txt';
const present = existsSync(SEED);
if (!present) console.warn(`seed ${SEED} not found: the seed tests are skipped`);

function seedFile(): ParsedFile {
  const cs = buildChangeSet(parsePatchInput(readFileSync(SEED, 'utf8'), SEED));
  const f = cs.files.find((x) => x.path === 'drivers/iommu/dma-iommu.c')!;
  return parseFile(f.path, f.postImage!, f.partial && f.knownLines ? { knownLines: f.knownLines } : {});
}

describe.skipIf(!present)('the seed patch', () => {
  it('runs iommu_dma_iova_alloc as the kernel computes it (phys 0x234, size 0x2000, 4 KiB granule)', () => {
    const r = runOnce([seedFile()], { functionName: 'iommu_dma_iova_alloc', spec: { ...DEFAULT_SCENARIO, granule: 4096 }, args: { phys: '0x234', size: '0x2000' } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const { trace, pointers, breaches } = r.report;
    expect(r.report.return).toBe('1');
    const offset = trace.find((t) => t.fn === 'iova_offset')!;
    expect(offset.result).toBe('0x234');
    const mask = trace.find((t) => t.fn === 'dma_get_mask')!;
    const alloc = trace.find((t) => t.fn === 'iommu_dma_alloc_iova')!;
    expect(alloc.args.size).toBe('0x3000');
    expect(alloc.args.dma_limit).toBe(mask.result);
    expect(BigInt(pointers.state!.addr!)).toBe(BigInt(alloc.result!) + 0x234n);
    expect(pointers.state!.__size).toBe('0x2000');
    expect(breaches).toEqual([]);
    // every model call carries the post-image line of the call
    expect(trace.every((t) => typeof t.line === 'number' && t.line >= 1748 && t.line <= 1771)).toBe(true);
  });

  it('WARNs and returns false for size 0, as the kernel does', () => {
    const r = runOnce([seedFile()], { functionName: 'iommu_dma_iova_alloc', spec: DEFAULT_SCENARIO, args: { phys: '0x234', size: '0' } });
    expect(r.ok && r.report.return).toBe('0');
    expect(r.ok && r.report.trace.filter((t) => t.events.some((e) => e.kind === 'warn')).map((t) => t.args.condition)).toEqual(['!size']);
  });

  it('shows the 32-bit wrap of size + iova_off (D23) as size-no-wrap and reservation-covers-buffer', () => {
    const r = runOnce([seedFile()], { functionName: 'iommu_dma_iova_alloc', spec: { ...DEFAULT_SCENARIO, arch: 32 }, args: { phys: '0x234', size: '0xffffffff' } });
    expect(r.ok && r.report.breaches.map((b) => b.invariant)).toEqual(['size-no-wrap', 'reservation-covers-buffer']);
  });

  it('agrees with the model over the differential grid (no sim/model-divergence)', () => {
    const file = seedFile();
    const env = envFor(file, 'iommu_dma_iova_alloc', { maxRuns: 1000 });
    const sim = createSimulator();
    expect(sim.differential(env.fn, env)).toEqual([]);
    const out = sim.confirm({ mode: 'differential', function: 'iommu_dma_iova_alloc', expect: { description: 'behaves as the model' } }, env);
    expect(out.confirmation, out.note).toBe('refuted');
    expect(out.note).toMatch(/^(\d+) cases agree with the model$/);
    expect(Number(/^(\d+)/.exec(out.note)![1])).toBeGreaterThanOrEqual(100);
  });
});
