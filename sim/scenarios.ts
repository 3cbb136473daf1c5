// Which scenarios a request runs in. A few representative scenarios first — together they take
// every value that matters of each axis of DESIGN.md §7 (64/32-bit, 4K/16K/64K granules, masks
// 64/48/39/32, a bus limit, non-coherent, PCI trusted/untrusted and platform devices) — with the
// request's constraints applied; they are what a refutation covers. The rest of the grid follows,
// searched for a confirmation while the budget lasts.
import { scenarioGrid, type ScenarioSpec } from '../model/index.js';

const REPRESENTATIVES: readonly ScenarioSpec[] = [
  { arch: 64, granule: 4096, mask: 64, coherentMask: 64, busLimit: 0, iommu: true, coherent: true, untrusted: false, pci: true },
  { arch: 64, granule: 4096, mask: 32, coherentMask: 32, busLimit: 0, iommu: true, coherent: true, untrusted: false, pci: false },
  { arch: 32, granule: 4096, mask: 32, coherentMask: 32, busLimit: 0, iommu: true, coherent: true, untrusted: false, pci: true },
  { arch: 64, granule: 65536, mask: 48, coherentMask: 48, busLimit: 36, iommu: true, coherent: false, untrusted: true, pci: true },
  { arch: 64, granule: 16384, mask: 39, coherentMask: 39, busLimit: 0, iommu: true, coherent: true, untrusted: false, pci: false },
];

export function scenarioKey(s: ScenarioSpec): string {
  return `${s.arch}/${s.granule}/${s.mask}/${s.coherentMask}/${s.busLimit}/${s.iommu}/${s.coherent}/${s.untrusted}/${s.pci}`;
}

function constrain(spec: ScenarioSpec, c: Partial<ScenarioSpec>): ScenarioSpec {
  const out: ScenarioSpec = { ...spec };
  for (const [k, v] of Object.entries(c) as Array<[keyof ScenarioSpec, never]>) if (v !== undefined) out[k] = v;
  // a mask constraint without a coherent one moves both, as the grid does
  if (c.mask !== undefined && c.coherentMask === undefined) out.coherentMask = c.mask;
  if (out.untrusted) out.pci = true;
  return out;
}

/** The representative scenarios under `constraints`, without duplicates. */
export function representativeScenarios(constraints: Partial<ScenarioSpec> = {}): ScenarioSpec[] {
  const seen = new Set<string>();
  const out: ScenarioSpec[] = [];
  for (const r of REPRESENTATIVES) {
    const s = constrain(r, constraints);
    const k = scenarioKey(s);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(s);
    }
  }
  return out;
}

/** Representatives first, then every other grid scenario under `constraints`. */
export function* candidateScenarios(constraints: Partial<ScenarioSpec> = {}): Generator<{ spec: ScenarioSpec; representative: boolean }> {
  const seen = new Set<string>();
  for (const s of representativeScenarios(constraints)) {
    seen.add(scenarioKey(s));
    yield { spec: s, representative: true };
  }
  for (const g of scenarioGrid()) {
    const s = constrain(g, constraints);
    const k = scenarioKey(s);
    if (seen.has(k)) continue;
    seen.add(k);
    yield { spec: s, representative: false };
  }
}
