// The two-step API as mainline implements it (fixtures/rules/two-step-mainline.c, written from
// reference/iova-api.md): no issue-4 rule reports it, and each single slip in it yields exactly
// the rule that owns it. A precision check on the code the 6.12 tree does not have yet.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registeredRules } from '../../review/defaults.js';
import { findingsFor } from './rule-tester.js';

const code = readFileSync(join(import.meta.dirname, '../../fixtures/rules/two-step-mainline.c'), 'utf8');
const PATH = 'drivers/iommu/dma-iommu.c';
const issue4 = (): ReturnType<typeof registeredRules> => registeredRules().filter((r) => /^(iova\/(size-zero-guard|swiotlb-flag-guard|raw-size-access|offset-size|offset-addr|offset-free|offset-granule|link-pad-offset|size-overflow)|dma\/)/.test(r.meta.id));

function ids(text: string): string[] {
  return [...new Set(findingsFor(issue4(), text, PATH).map((f) => f.ruleId))];
}

function mutate(from: string, to: string): string {
  const at = code.indexOf(from);
  if (at < 0 || code.indexOf(from, at + 1) >= 0) throw new Error(`the fixture does not hold exactly one ${JSON.stringify(from)}`);
  return code.slice(0, at) + to + code.slice(at + from.length);
}

const MUTATIONS: Array<[string, string, string, string]> = [
  ['the unlink unmaps from the unrewound address', '\taddr -= iova_start_pad;\n\tunmapped', '\tunmapped', 'iova/offset-free'],
  ['dma_iova_free() reads the raw __size', 'size_t size = dma_iova_size(state);\n\n\tiommu_dma_free_iova', 'size_t size = state->__size;\n\n\tiommu_dma_free_iova', 'iova/raw-size-access'],
  ['dma_iova_link() without the pad check', '\tif (WARN_ON_ONCE(iova_start_pad && offset > 0))\n\t\treturn -EIO;\n', '', 'iova/link-pad-offset'],
  ['the aligned middle linked without if (size) (D5)', '\tif (size) {\n\t\terror = __dma_iova_link(', '\t{\n\t\terror = __dma_iova_link(', 'iova/size-zero-guard'],
  ['the unlink re-aligns without the pad', 'size = iova_align(iovad, size + iova_start_pad);\n\taddr -= iova_start_pad;', 'size = iova_align(iovad, size);\n\taddr -= iova_start_pad;', 'iova/offset-free'],
  ['dma_iova_link() maps at an unrewound IOVA', 'state->addr + offset - iova_start_pad,\n\t\t\tphys - iova_start_pad', 'state->addr + offset,\n\t\t\tphys - iova_start_pad', 'iova/offset-addr'],
  ['try_alloc takes the offset in CPU pages', 'iova_off = iova_offset(iovad, phys);', 'iova_off = offset_in_page(phys);', 'iova/offset-granule'],
  ['try_alloc reserves without the offset', 'iova_align(iovad, size + iova_off)', 'iova_align(iovad, size)', 'iova/offset-size'],
];

describe('the two-step API as mainline writes it', () => {
  it('parses, and no issue-4 rule reports it', () => {
    expect(findingsFor(issue4(), code, PATH).map((f) => `${f.line}:${f.column} ${f.ruleId} ${f.message}`)).toEqual([]);
  });
  for (const [name, from, to, rule] of MUTATIONS) {
    it(`${name} → exactly ${rule}`, () => {
      expect(ids(mutate(from, to))).toEqual([rule]);
    });
  }
});
