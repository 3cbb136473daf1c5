// What a helper of the change does to the states its caller hands it, once per way it can return:
// the caller applies these outcomes at each call instead of re-reading the helper.
import type { Expr } from '../../c/index.js';
import type { Phase } from './state.js';
import type { ReturnKind, Val } from './values.js';

export interface ObjEffect {
  /** The state, in the helper's parameter names (`*state`, `map->state`). */
  expr: Expr;
  /** What the helper found with dma_use_iova(): the outcome holds only for such a state. */
  pre?: 'iova' | 'direct';
  /** Where the state is when the helper returns. */
  phase: Phase;
  /** The helper reserved it (the caller now owns the reservation). */
  owned: boolean;
  holdsDirect: boolean;
  links: Array<{ synced: boolean; owned: boolean; mustSync: boolean }>;
  /** Every live link was synced. */
  syncedAny: boolean;
  unlinkedAll: boolean;
  partial: boolean;
}

export interface HelperOutcome {
  /** The class of the returned value (undefined: not known, or void). */
  ret: Val | undefined;
  effects: ObjEffect[];
  /** A dma_map_* (or mapping helper) ran on this way through. */
  mapped: boolean;
  /** Some dma_unmap_*() ran on this way through (a fallback mapping was unmapped). */
  unmapped: boolean;
  /** A link or sync failed on this way through. */
  failure: boolean;
  /** The helper returned failure. */
  failed: boolean;
}

export interface HelperSummary {
  name: string;
  params: string[];
  retKind: ReturnKind;
  outcomes: HelperOutcome[];
}
