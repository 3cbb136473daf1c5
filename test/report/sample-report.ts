// A hand-built Report used by the format tests (independent of rules and the simulator).
import type { Report } from '../../review/types.js';

export function sampleReport(): Report {
  return {
    tool: { name: 'iovalint', version: '0.1.0', modelVersion: 'test' },
    rules: [
      { id: 'iova/size-zero-guard', severity: 'error', description: 'IOVA allocation reachable with size 0', docs: 'rules/size-zero-guard.md', fixable: false, confidence: 'high' },
      { id: 'dma/mask-source', severity: 'error', description: 'IOVA limit not taken from dma_get_mask()', docs: 'rules/mask-source.md', fixable: true, confidence: 'high' },
    ],
    source: 'series.mbox',
    findings: [
      {
        ruleId: 'iova/size-zero-guard',
        severity: 'error',
        message: 'size reaches iommu_dma_alloc_iova() with no check for 0',
        file: 'drivers/iommu/dma-iommu.c',
        line: 40,
        column: 9,
        endLine: 41,
        endColumn: 37,
        function: 'iommu_dma_reserve_range',
        fingerprint: 'aaaabbbbccccddddeeeeffff',
        confirmation: 'confirmed',
        confirmationNote: 'size 0 reaches the allocation',
        witness: {
          scenario: { arch: 64, granule: 4096, mask: 64, coherentMask: 64, busLimit: 0, iommu: true, coherent: true, untrusted: false, pci: true },
          inputs: { phys: '0x0', size: '0x0' },
          trace: [
            { fn: 'iova_offset', args: { phys: '0x0' }, result: '0x0', events: [], line: 36 },
            { fn: 'iommu_dma_alloc_iova', args: { size: '0x0', dma_limit: '0xffffffffffffffff' }, result: '0x0', events: [{ kind: 'breach', what: 'alloc-nonzero', message: 'zero-length reservation requested' }], line: 40 },
          ],
          path: [
            { file: 'drivers/iommu/dma-iommu.c', line: 36, text: '\tsize_t iova_off = iova_offset(iovad, phys);' },
            { file: 'drivers/iommu/dma-iommu.c', line: 40, text: '\taddr = iommu_dma_alloc_iova(domain, iova_align(iovad, size),' },
          ],
          breach: { invariant: 'alloc-nonzero', message: 'a zero-length reservation reached the allocator' },
          returned: 'false',
          picture: { granule: '0x1000', reservation: ['0xfffff000', '0x100001000'], buffer: ['0xfffff234', '0x100001234'] },
          summary: 'size 0 reaches iommu_dma_alloc_iova (line 40)',
        },
      },
      {
        ruleId: 'dma/mask-source',
        severity: 'error',
        message: 'IOVA limit taken from dev->coherent_dma_mask; use dma_get_mask(dev)',
        file: 'drivers/iommu/dma-iommu.c',
        line: 41,
        column: 9,
        endLine: 41,
        endColumn: 32,
        function: 'iommu_dma_reserve_range',
        fingerprint: '111122223333444455556666',
        fix: { startLine: 41, startColumn: 9, endLine: 41, endColumn: 32, text: 'dma_get_mask(dev)', verified: true },
        confirmation: 'unconfirmed',
        confirmationNote: 'step budget used up',
      },
    ],
    refuted: [
      {
        ruleId: 'iova/size-zero-guard',
        severity: 'error',
        message: 'size reaches iommu_dma_alloc_iova() with no check for 0',
        file: 'drivers/misc/x.c',
        line: 10,
        column: 2,
        endLine: 10,
        endColumn: 20,
        fingerprint: 'refutedrefutedrefuted000',
        confirmation: 'refuted',
        confirmationNote: 'the guard in x_size_ok() rejects size 0',
      },
    ],
    unusedSuppressions: [],
    files: [
      { path: 'drivers/iommu/dma-iommu.c', status: 'modified', analysed: true },
      { path: 'Documentation/core-api/dma-api.rst', status: 'modified', analysed: false, reason: 'not C' },
    ],
    functions: [
      { file: 'drivers/iommu/dma-iommu.c', name: 'iommu_dma_reserve_range', startLine: 28, endLine: 50, partial: false, checked: true },
      { file: 'drivers/iommu/dma-iommu.c', name: 'broken_fn', startLine: 60, endLine: 70, partial: false, checked: false, reason: 'parse error at line 62' },
    ],
    notChecked: [{ file: 'drivers/iommu/dma-iommu.c', function: 'broken_fn', line: 60, reason: 'parse error at line 62' }],
    timings: { parseMs: 1, rulesMs: 1, simMs: 1, totalMs: 3 },
  };
}
