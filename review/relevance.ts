// Which functions a rule needs to look at. A rule can report only where its words are: in the
// function itself, or in a function of the change it calls (helpers are summarised into their
// callers). Everything else is skipped before any tree walk, which is where scans spend their
// time: most functions of a DMA-using file never touch the API. test/review/relevance.test.ts
// holds the gate to that: findings are the same with it on and off.
import type { FunctionInfo, ParsedFile } from '../c/types.js';
import type { Rule } from '../rules/types.js';
import { MODEL_ANCHORS } from './prefilter.js';

/**
 * Words that let any rule in: the model's contract identifiers (dma_iova_state, the mask fields,
 * the API's calls). A rule's prefilter adds its own; its `gate` replaces both.
 */
const FUNCTION_WORDS: readonly string[] = MODEL_ANCHORS;

const tokenCache = new WeakMap<Rule, readonly string[]>();

/** The identifiers a rule is gated on: its own gate, else its prefilter and the shared words. */
export function gateTokens(rule: Rule): readonly string[] {
  let tokens = tokenCache.get(rule);
  if (!tokens) {
    tokens = [...new Set(rule.meta.gate ?? [...FUNCTION_WORDS, ...(rule.meta.prefilter ?? [])])].sort();
    tokenCache.set(rule, tokens);
  }
  return tokens;
}

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;

interface Indexed {
  fn: FunctionInfo;
  ids: Set<string>;
}

/** Per rule, the set of relevant functions; rules with the same tokens share one computation. */
export class RelevanceGate {
  private readonly byTokens = new Map<string, Set<FunctionInfo>>();
  private readonly byRule = new Map<Rule, Set<FunctionInfo>>();
  private index: { functions: Indexed[]; callers: Map<string, Indexed[]>; byId: Map<string, Indexed[]> } | undefined;

  constructor(private readonly files: readonly ParsedFile[]) {}

  allows(rule: Rule, fn: FunctionInfo): boolean {
    // a function rebuilt from hunks may have its words in the lines not shown
    if (fn.partial) return true;
    let set = this.byRule.get(rule);
    if (!set) {
      const tokens = gateTokens(rule);
      const key = tokens.join('\u0000');
      set = this.byTokens.get(key) ?? this.relevantFunctions(tokens);
      this.byTokens.set(key, set);
      this.byRule.set(rule, set);
    }
    return set.has(fn);
  }

  /** The identifiers of each function (comments included: a mention there only lets more in). */
  private build(): { functions: Indexed[]; callers: Map<string, Indexed[]>; byId: Map<string, Indexed[]> } {
    const functions: Indexed[] = [];
    const names = new Set<string>();
    for (const file of this.files) {
      for (const fn of file.functions) {
        const text = file.text.slice(fn.node.startIndex, fn.node.endIndex);
        functions.push({ fn, ids: new Set(text.match(IDENTIFIER) ?? []) });
        names.add(fn.name);
      }
    }
    // which functions name each identifier: a token set is judged once per distinct identifier
    const byId = new Map<string, Indexed[]>();
    for (const f of functions) {
      for (const id of f.ids) {
        let list = byId.get(id);
        if (!list) byId.set(id, (list = []));
        list.push(f);
      }
    }
    // who names each function of the files: its possible callers
    const callers = new Map<string, Indexed[]>();
    for (const name of names) {
      const list = byId.get(name)?.filter((f) => f.fn.name !== name);
      if (list && list.length > 0) callers.set(name, list);
    }
    return { functions, callers, byId };
  }

  /** The functions that name one of `tokens` (`x_*`: a prefix; `*x*`: a part, any case), or name (transitively) a function that does. */
  private relevantFunctions(tokens: readonly string[]): Set<FunctionInfo> {
    this.index ??= this.build();
    const wanted = new Set(tokens.filter((t) => !t.includes('*')));
    const prefixes = tokens.filter((t) => /^[^*]+\*$/.test(t)).map((t) => t.slice(0, -1));
    const parts = tokens.filter((t) => /^\*[^*]+\*$/.test(t)).map((t) => t.slice(1, -1).toLowerCase());
    const names = (id: string): boolean =>
      wanted.has(id) || prefixes.some((p) => id.startsWith(p)) || (parts.length > 0 && parts.some((p) => id.toLowerCase().includes(p)));
    const relevant = new Set<FunctionInfo>();
    const queue: Indexed[] = [];
    for (const [id, holders] of this.index.byId) {
      if (!names(id)) continue;
      for (const f of holders) {
        if (relevant.has(f.fn)) continue;
        relevant.add(f.fn);
        queue.push(f);
      }
    }
    // callers of relevant functions, breadth first; each function enters the queue once
    for (let i = 0; i < queue.length; i++) {
      for (const caller of this.index.callers.get(queue[i]!.fn.name) ?? []) {
        if (relevant.has(caller.fn)) continue;
        relevant.add(caller.fn);
        queue.push(caller);
      }
    }
    return relevant;
  }
}
