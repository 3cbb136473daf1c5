// The rule registry: every rule of the catalog (DESIGN.md §6), in catalog order.
import type { Rule } from './types.js';

export const allRules: readonly Rule[] = [];
