// Can an address be unmapped twice at all? In a function without IOVA state the path machine can
// report one thing only: an unmap of an address text it already unmapped on the path, with no
// store to a word of that text in between (machine.ts unmap() and forget()). This asks the same
// question of the CFG without path conditions, which over-approximates the machine's paths: when
// no unmap of a text reaches another unmap of the same text, the machine's search (thousands of
// path states on a long xmit or rx routine) cannot report anything and is skipped.
import { effectsOf, field, kids, printExpr, stripCasts, toExprM, type Cfg, type CfgNode, type Effect, type Mirror } from '../../c/index.js';
import { mentionsWord } from './keys.js';
import { lvalueText } from './values.js';
import { apiCall, isInert, wrapper } from './vocabulary.js';

/**
 * What one CFG node does to the unmapped texts, in order: unmap a text; forget the ones naming a
 * store's target (or an `&x` handed to an unknown call); forget every text read through memory
 * (`->`, `.`, `[`), which an unknown call may change.
 */
type Step = { unmap: string } | { forget: string } | { forgetWords: string[] } | { forgetStructured: true };

const STRUCTURED = /->|\.|\[/;

/** Calls the machine follows through a summary of the callee: they forget nothing here. */
export type SummarisedCall = (callee: string) => boolean;

/** Bounds the walk on generated or pathological CFGs; past it the answer is "possible". */
const MAX_VISITS = 200_000;

export function doubleUnmapPossible(cfg: Cfg, mirror: Mirror, summarised: SummarisedCall = () => true): boolean {
  const steps = cfg.nodes.map((n) => stepsOf(n, mirror, summarised));
  const texts = new Set<string>();
  for (const list of steps) for (const s of list) if ('unmap' in s) texts.add(s.unmap);
  let visits = 0;
  for (const text of texts) {
    // from just after each unmap of `text`: does another unmap of it come before a store that forgets it?
    const entered = new Set<number>();
    const queue: number[] = [];
    const follow = (from: CfgNode): void => {
      for (const succ of from.succ) {
        if (entered.has(succ)) continue;
        entered.add(succ);
        queue.push(succ);
      }
    };
    for (const node of cfg.nodes) {
      const list = steps[node.id]!;
      // every unmap of the text in the node is a start (only the last can run through to the successors)
      for (const [at, s] of list.entries()) {
        if (!('unmap' in s) || s.unmap !== text) continue;
        const rest = scan(list.slice(at + 1), text);
        if (rest === 'again') return true;
        if (rest === 'through') follow(node);
      }
    }
    for (let i = 0; i < queue.length; i++) {
      if (++visits > MAX_VISITS) return true;
      const node = cfg.nodes[queue[i]!]!;
      const result = scan(steps[node.id]!, text);
      if (result === 'again') return true;
      if (result === 'through') follow(node);
    }
  }
  return false;
}

function scan(list: readonly Step[], text: string): 'again' | 'forgotten' | 'through' {
  for (const s of list) {
    if ('unmap' in s) {
      if (s.unmap === text) return 'again';
    } else if ('forget' in s) {
      if (mentionsWord(text, s.forget)) return 'forgotten';
    } else if ('forgetWords' in s) {
      if (s.forgetWords.some((w) => mentionsWord(text, w))) return 'forgotten';
    } else if (STRUCTURED.test(text)) return 'forgotten';
  }
  return 'through';
}

/**
 * A statement's effects run in order, every one (as the machine applies them). A test's do not all
 * run (short circuits): its unmaps count, its stores do not forget. A loop macro forgets every
 * word it names each round.
 */
function stepsOf(node: CfgNode, mirror: Mirror, summarised: SummarisedCall): Step[] {
  const m = node.m;
  if (!m) return [];
  if (node.kind === 'statement') return effectsOf(m, mirror).flatMap((e) => effectStep(e, mirror, true, summarised));
  if (node.kind !== 'branch' || node.branch === 'preproc') return [];
  const out = effectsOf(m, mirror).flatMap((e) => effectStep(e, mirror, false, summarised));
  if (node.branch === 'loop-macro') out.push({ forgetWords: mirror.textOf(m).match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [] });
  return out;
}

function effectStep(e: Effect, mirror: Mirror, stores: boolean, summarised: SummarisedCall): Step[] {
  if (e.kind === 'call' && e.callee) {
    const args = kids(field(e.call, 'arguments') ?? e.call);
    const api = apiCall(e.callee);
    if (api) {
      if (api.role !== 'unmap' || api.addr < 0 || !args[api.addr]) return [];
      return [{ unmap: printExpr(stripCasts(toExprM(args[api.addr]!, mirror))) }];
    }
    // an unknown call (machine.ts unknownCall): it may write what it is given the address of and,
    // unless inert, anything reached through memory
    if (!stores || e.callee === 'memset' || wrapper(e.callee) || summarised(e.callee)) return [];
    const out: Step[] = [];
    for (const arg of args) {
      const raw = printExpr(stripCasts(toExprM(arg, mirror)));
      if (raw.startsWith('&')) out.push({ forget: raw.slice(1) });
    }
    if (!isInert(e.callee)) out.push({ forgetStructured: true });
    return out;
  }
  if (e.kind === 'assign' && stores) return [{ forget: lvalueText(stripCasts(toExprM(e.target, mirror))) }];
  return [];
}
