// The rule registry: every rule of the catalog (DESIGN.md §6), in catalog order.
import type { Rule } from './types.js';
import maskSource from './mask-source.js';
import maskTruncation from './mask-truncation.js';
import maskCheckEnd from './mask-check-end.js';
import setMaskUnchecked from './set-mask-unchecked.js';
import bitMaskArg from './bit-mask-arg.js';

export const allRules: readonly Rule[] = [
  // dma/* mask rules (issue 4, part B)
  maskSource,
  maskTruncation,
  maskCheckEnd,
  setMaskUnchecked,
  bitMaskArg,
];
