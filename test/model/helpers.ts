// Shared scenario shorthand for the model tests.
import type { ScenarioSpec } from '../../model/index.js';
import { DEFAULT_SCENARIO } from '../../model/index.js';

export const G4K = 4096n;

/** The default scenario (64-bit, 4K granule, 64-bit masks, coherent trusted PCI device behind an IOMMU) with overrides. */
export function spec(over: Partial<ScenarioSpec> = {}): ScenarioSpec {
  return { ...DEFAULT_SCENARIO, ...over };
}

export function invariantsOf(breaches: ReadonlyArray<{ invariant: string }>): string[] {
  return [...new Set(breaches.map((b) => b.invariant))].sort();
}
