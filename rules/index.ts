// The rule registry: every rule of the catalog (DESIGN.md §6), in catalog order.
import type { Rule } from './types.js';
import maskSource from './mask-source.js';
import maskTruncation from './mask-truncation.js';
import maskCheckEnd from './mask-check-end.js';
import setMaskUnchecked from './set-mask-unchecked.js';
import bitMaskArg from './bit-mask-arg.js';
import { sizeZeroGuardRule } from './size-zero-guard.js';
import { swiotlbFlagGuardRule } from './swiotlb-flag-guard.js';
import { rawSizeAccessRule } from './raw-size-access.js';
import { offsetSizeRule } from './offset-size.js';
import { offsetAddrRule } from './offset-addr.js';
import { offsetFreeRule } from './offset-free.js';
import { offsetGranuleRule } from './offset-granule.js';
import { linkPadOffsetRule } from './link-pad-offset.js';
import { sizeOverflowRule } from './size-overflow.js';
import { LIFECYCLE_RULES } from './lifecycle/registry.js';

export const allRules: readonly Rule[] = [
  // iova/* mission rules (issue 4, part A)
  sizeZeroGuardRule,
  swiotlbFlagGuardRule,
  rawSizeAccessRule,
  offsetSizeRule,
  offsetAddrRule,
  offsetFreeRule,
  offsetGranuleRule,
  linkPadOffsetRule,
  sizeOverflowRule,
  // dma/* mask rules (issue 4, part B)
  maskSource,
  maskTruncation,
  maskCheckEnd,
  setMaskUnchecked,
  bitMaskArg,
  // lifecycle and layering rules (issue 6)
  ...LIFECYCLE_RULES,
];
