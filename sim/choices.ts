// Nondeterministic choices, enumerated depth-first by replay: a run follows a prefix of choice
// indexes and takes the first option beyond it; the next run bumps the deepest choice that still
// has options left. Runs are independent, so no interpreter state is ever copied.

export interface ChoiceMade {
  index: number;
  of: number;
  /** What was chosen, in words ("dma_map_page() returned -12"). */
  label: string;
}

export class ChoiceTracker {
  readonly made: ChoiceMade[] = [];
  constructor(private readonly prefix: readonly number[] = []) {}

  /** Picks one of `labels` (first = the most ordinary). */
  choose(labels: readonly string[]): number {
    const pos = this.made.length;
    const n = Math.max(1, labels.length);
    const index = pos < this.prefix.length ? Math.min(this.prefix[pos]!, n - 1) : 0;
    this.made.push({ index, of: n, label: labels[index] ?? '' });
    return index;
  }

  /** The prefix of the next run, or undefined when every combination was run. */
  nextPrefix(): number[] | undefined {
    for (let j = this.made.length - 1; j >= 0; j--) {
      const c = this.made[j]!;
      if (c.index + 1 < c.of) return [...this.made.slice(0, j).map((m) => m.index), c.index + 1];
    }
    return undefined;
  }
}
