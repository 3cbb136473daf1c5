// Types of the machine-readable contracts (model/contracts.ts): what rules read instead of
// hard-coding function names.
import type { InvariantName } from './witness.js';

export type ParamRole =
  | 'device'
  | 'state'
  | 'phys'
  | 'size'
  | 'offset'
  | 'mask'
  | 'dir'
  | 'attrs'
  | 'domain'
  | 'iovad'
  | 'iova'
  | 'dma-addr'
  | 'pfn'
  | 'granules'
  | 'limit-pfn'
  | 'prot'
  | 'gather'
  | 'flag'
  | 'page'
  | 'cpu-addr'
  | 'sg'
  | 'nents'
  | 'bits'
  | 'gfp'
  | 'align-mask'
  | 'iova-node'
  | 'pad'
  | 'number';

export type FunctionCategory =
  | 'allocates-iova'
  | 'frees-iova'
  | 'links'
  | 'unlinks'
  | 'syncs'
  | 'maps'
  | 'unmaps'
  | 'sets-mask'
  | 'reads-mask'
  | 'builds-mask'
  | 'checks-error'
  | 'query'
  | 'iova-arithmetic'
  | 'bounce'
  | 'cpu-sync'
  | 'translates'
  | 'domain-access'
  | 'bit-helper';

export type ApiLayer = 'dma-api' | 'dma-iommu' | 'iova' | 'iommu' | 'swiotlb' | 'arch' | 'helper';

export interface ParamContract {
  name: string;
  cType: string;
  role: ParamRole;
  /** NULL is a legitimate value (e.g. the gather of iommu_dma_free_iova). */
  nullable?: boolean;
  /** Where a correct caller takes the value from (C text), e.g. "dma_get_mask(dev)". */
  expectedSource?: string;
  /** Values or expressions known to be wrong here (C text). */
  wrongSources?: string[];
  note?: string;
}

export interface GuardContract {
  id: string;
  /** What must hold for the call to proceed (C, over parameter names). */
  condition: string;
  /** What an implementation does when it does not hold ("WARN_ON_ONCE → return false"). */
  onViolation: string;
  /** Whether the kernel's own implementation performs it; false = a known gap (callers must). */
  kernelPerforms: boolean;
  invariant?: InvariantName;
  /** Reference defect ids (defects.md) the guard is about. */
  defects?: string[];
  /** The rule that checks it, when one does. */
  rule?: string;
}

export type ObligationKind = 'check-result' | 'fallback' | 'release' | 'precede' | 'follow' | 'argument' | 'must-not' | 'pair-args';

export interface CallerObligation {
  id: string;
  kind: ObligationKind;
  text: string;
  /** Functions the obligation names (the fallback, the release, what must come before/after). */
  functions?: string[];
  /** The parameter the obligation is about. */
  param?: string;
  invariant?: InvariantName;
  defects?: string[];
  rule?: string;
}

export interface FailureContract {
  /** The failure value as C text ("false", "0", "DMA_MAPPING_ERROR", "negative errno"). */
  value: string;
  /** A C condition over RET that is true on failure ("!RET", "dma_mapping_error(dev, RET)", "RET < 0"). */
  test: string;
  errnos?: string[];
}

export interface FunctionContract {
  name: string;
  layer: ApiLayer;
  /** Header or source that declares it. */
  declaredIn: string;
  /** A function-like macro rather than a function. */
  macro?: boolean;
  returns: { cType: string; meaning: string };
  params: ParamContract[];
  categories: FunctionCategory[];
  failure?: FailureContract;
  guards: GuardContract[];
  callerMust: CallerObligation[];
  /** Functions that undo a successful call. */
  releasedBy?: string[];
  /** Path prefixes outside which calling it is a layering mistake (D18). */
  restrictedTo?: string[];
  /** Kernel version or commit that introduced the behaviour described. */
  since?: string;
  notes?: string;
}
