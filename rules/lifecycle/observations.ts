// What the lifecycle analysis saw, for the rules to report: one observation per rule, message and
// site (deduplicated over paths). Each rule of rules/ picks its own.
import type { MNode } from '../../c/index.js';

export type LifecycleRuleId =
  | 'iova/unchecked-alloc'
  | 'iova/leak-on-error'
  | 'iova/link-unchecked'
  | 'iova/missing-sync'
  | 'iova/link-out-of-range'
  | 'iova/unlink-mismatch'
  | 'iova/stale-state'
  | 'iova/double-unmap';

export interface Observation {
  rule: LifecycleRuleId;
  messageId: string;
  /** Where to report (a call, a return, a store). */
  node: MNode;
  data: Record<string, string | number>;
  severity?: 'error' | 'warning' | 'note';
  /** A replacement of `node`'s text (or of `fixNode`'s), when the fix is local and certain. */
  fix?: { node: MNode; text: string };
  /** Callees the simulator should make fail to show it (contract mode). */
  failing?: string[];
  /** Functions of the change a caller runs first (the map side of an unmap finding). */
  before?: string[];
}

export class ObservationSink {
  private readonly byKey = new Map<string, Observation>();

  add(o: Observation): void {
    const key = `${o.rule}|${o.messageId}|${o.node.start}|${o.data.state ?? ''}`;
    if (!this.byKey.has(key)) this.byKey.set(key, o);
  }

  all(): Observation[] {
    return [...this.byKey.values()].sort((a, b) => a.node.start - b.node.start || a.rule.localeCompare(b.rule));
  }
}

/** A state key as C (`iod->dma_state` → `&iod->dma_state`, `*state` → `state`). */
export function describeState(key: string): string {
  if (key.startsWith('*')) return key.slice(1);
  return `&${key}`;
}
