// The rules of issue 6 (lifecycle and layering), in catalog order, for the registry and tests.
import type { Rule } from '../types.js';
import uncheckedAlloc from '../unchecked-alloc.js';
import leakOnError from '../leak-on-error.js';
import linkUnchecked from '../link-unchecked.js';
import missingSync from '../missing-sync.js';
import linkOutOfRange from '../link-out-of-range.js';
import unlinkMismatch from '../unlink-mismatch.js';
import staleState from '../stale-state.js';
import doubleUnmap from '../double-unmap.js';
import iommuInternalApi from '../iommu-internal-api.js';

export const LIFECYCLE_RULES: readonly Rule[] = [
  uncheckedAlloc,
  leakOnError,
  linkUnchecked,
  missingSync,
  linkOutOfRange,
  unlinkMismatch,
  staleState,
  doubleUnmap,
  iommuInternalApi,
] as Rule[];
