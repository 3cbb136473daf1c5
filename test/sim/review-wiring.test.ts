// The simulator wired into review(): every finding with a request leaves with a confirmation, a
// patched API implementation that disagrees with the model is a sim/model-divergence finding, and
// a fix is verified by re-running the finding's scenario on the fixed function.
import { describe, expect, it } from 'vitest';
import type { SyntaxNode } from '../../c/types.js';
import type { ChangeSet } from '../../patch/types.js';
import { defaultConfig } from '../../review/config.js';
import { reviewSync } from '../../review/index.js';
import { createRule } from '../../rules/types.js';

function changeSet(path: string, text: string): ChangeSet {
  const n = text.split('\n').length;
  return {
    files: [{ path, status: 'added', isC: true, binary: false, postImage: text, partial: false, changedLines: new Set(Array.from({ length: n }, (_, i) => i + 1)), deletionPoints: new Set(), lineOrigin: new Map(), hunks: [] }],
    patches: [],
    source: 'test',
    wholeFiles: true,
  };
}

function calls(node: SyntaxNode, name: string, out: SyntaxNode[] = []): SyntaxNode[] {
  if (node.type === 'call_expression' && node.childForFieldName('function')?.text === name) out.push(node);
  for (const c of node.namedChildren) calls(c, name, out);
  return out;
}

/** Test rule: `iova_align(iovad, size)` as an allocation length, fixed by adding the offset. */
function offsetRule(fixText: string) {
  return createRule<'noOffset'>({
    meta: { id: 'test/offset-size', severity: 'error', confidence: 'high', description: 'test', docs: 'test', appliesTo: 'implementation', fixable: true, messages: { noOffset: 'the reservation leaves out the offset' } },
    check(fn, context) {
      for (const call of calls(fn.node, 'iova_align')) {
        if (call.childForFieldName('arguments')?.namedChildren[1]?.text !== 'size') continue;
        context.report({
          node: call,
          messageId: 'noOffset',
          fix: { node: call, text: fixText },
          sim: { mode: 'confirm', function: fn.name, inputs: { phys: 'G-1', size: 'G+1' }, expect: { invariants: ['reservation-covers-buffer', 'mapping-covers-buffer'], description: 'the buffer does not fit the reservation' } },
        });
      }
    },
  });
}

const ALLOC = `static bool qux_alloc(struct device *dev, struct dma_iova_state *state, phys_addr_t phys, size_t size)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	struct iova_domain *iovad = &domain->iova_cookie->iovad;
	size_t iova_off = iova_offset(iovad, phys);
	dma_addr_t addr;

	if (WARN_ON_ONCE(!size || (size & DMA_IOVA_USE_SWIOTLB)))
		return false;
	addr = iommu_dma_alloc_iova(domain, iova_align(iovad, size), dma_get_mask(dev), dev);
	if (!addr)
		return false;
	state->addr = addr + iova_off;
	state->__size = size;
	return true;
}
`;

describe('review with the default simulator', () => {
  it('confirms a finding with a witness and verifies a fix that removes the defect', () => {
    const report = reviewSync(changeSet('drivers/x.c', ALLOC), { rules: [offsetRule('iova_align(iovad, size + iova_off)')] });
    const [f] = report.findings;
    expect(f).toMatchObject({ ruleId: 'test/offset-size', confirmation: 'confirmed' });
    expect(f!.witness?.breach?.invariant).toBe('reservation-covers-buffer');
    expect(f!.fix?.verified).toBe(true);
    expect(report.timings.simMs).toBeGreaterThan(0);
  });

  it('does not verify a fix that leaves the defect', () => {
    const report = reviewSync(changeSet('drivers/x.c', ALLOC), { rules: [offsetRule('iova_align(iovad, size + 1)')] });
    expect(report.findings[0]).toMatchObject({ confirmation: 'confirmed', fix: { verified: false } });
  });

  it('lists what the simulator could not run as not checked', () => {
    const src = ALLOC.replace('\tif (!addr)\n\t\treturn false;\n', '\tif (!addr)\n\t\treturn false;\n\tlist_for_each_entry(pos, &domain->list, node) {\n\t\tcount++;\n\t}\n');
    const report = reviewSync(changeSet('drivers/x.c', src), { rules: [offsetRule('iova_align(iovad, size + iova_off)')] });
    expect(report.findings[0]).toMatchObject({ confirmation: 'unconfirmed', confirmationNote: expect.stringMatching(/^unsupported construct: iterator macro list_for_each_entry\(\)/) });
    expect(report.notChecked).toEqual([expect.objectContaining({ file: 'drivers/x.c', function: 'qux_alloc', reason: expect.stringMatching(/^simulator: iterator macro list_for_each_entry\(\)/) })]);
  });

  it('reports a patched dma_iova_try_alloc that disagrees with the model as sim/model-divergence', () => {
    const patched = ALLOC.replace('static bool qux_alloc(', 'bool dma_iova_try_alloc(');
    const report = reviewSync(changeSet('drivers/iommu/dma-iommu.c', patched), { rules: [] });
    const d = report.findings.find((f) => f.ruleId === 'sim/model-divergence');
    expect(d).toMatchObject({ severity: 'error', confirmation: 'confirmed', function: 'dma_iova_try_alloc', line: 1 });
    expect(d!.message).toMatch(/^dma_iova_try_alloc differs from the model's dma_iova_try_alloc with phys=0x[0-9a-f]+, size=/);
    expect(d!.witness?.summary).toBeTruthy();
    expect(d!.fingerprint).not.toBe('');
    expect(report.rules.map((r) => r.id)).toContain('sim/model-divergence');
  });

  it('sim.implements names the model function a patched helper stands for', () => {
    const config = defaultConfig();
    config.sim.implements = { qux_alloc: 'dma_iova_try_alloc' };
    const report = reviewSync(changeSet('drivers/iommu/dma-iommu.c', ALLOC), { rules: [], config });
    expect(report.findings.map((f) => f.ruleId)).toEqual(['sim/model-divergence']);
    config.sim.enabled = false;
    expect(reviewSync(changeSet('drivers/iommu/dma-iommu.c', ALLOC), { rules: [], config }).findings).toEqual([]);
  });
});
