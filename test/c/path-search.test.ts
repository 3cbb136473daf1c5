// Path exploration, evaluation order and linear forms (c/path-search.ts, c/evaluation.ts, c/linear.ts).
import { describe, expect, it } from 'vitest';
import {
  analyze,
  certainlyPositive,
  effectsOf,
  evaluationPaths,
  explorePaths,
  linearForm,
  printForm,
  subtractForms,
  substituteAtom,
  toExpr,
  type CfgNode,
} from '../../c/index.js';
import { fn, parseClean } from './helpers.js';

function analysisOf(src: string, name = 'f') {
  const file = parseClean(src);
  return analyze(fn(file, name));
}

describe('explorePaths', () => {
  it('follows every path of an if/else chain to the exit, with the node it left by', () => {
    const a = analysisOf('int f(int a, int b)\n{\n\tif (a)\n\t\tb++;\n\telse\n\t\tb--;\n\tif (b)\n\t\treturn 1;\n\treturn 0;\n}\n');
    const exits: string[] = [];
    const result = explorePaths(
      a.cfg!,
      {
        initial: () => [[] as number[]],
        key: (s) => s.join(','),
        step: (node: CfgNode, s) => [node.kind === 'statement' ? [...s, node.id] : s],
        atExit: (s, from) => exits.push(`${from.syntax?.text ?? from.kind}:${s.length}`),
      },
      {},
    );
    expect(result.complete).toBe(true);
    // two arms times two returns
    expect(exits.sort()).toEqual(['return 0;:2', 'return 0;:2', 'return 1;:2', 'return 1;:2']);
  });

  it('stops a loop once its state repeats, and kills infeasible paths', () => {
    const a = analysisOf('int f(int n)\n{\n\tint i;\n\tfor (i = 0; i < n; i++)\n\t\tg(i);\n\treturn 0;\n}\n');
    let exits = 0;
    const result = explorePaths(
      a.cfg!,
      {
        initial: () => ['start'],
        key: (s) => s,
        step: (node, s) => (node.kind === 'assume' && node.assume?.kind === 'truth' && node.assume.value === false && s === 'start' ? [] : [node.kind === 'statement' && /g\(i\)/.test(node.syntax?.text ?? '') ? 'looped' : s]),
        atExit: () => exits++,
      },
      {},
    );
    expect(result.complete).toBe(true);
    // the first test cannot be false (killed); after one round the state is 'looped' and repeats
    expect(exits).toBe(1);
  });

  it('reports an incomplete search when the budget is hit (never hangs)', () => {
    const a = analysisOf('int f(int n)\n{\n\twhile (n)\n\t\tn--;\n\treturn n;\n}\n');
    let counter = 0;
    const result = explorePaths(
      a.cfg!,
      { initial: () => [0], key: (s) => String(s), step: () => [++counter], atExit: () => undefined },
      { maxStates: 50 },
    );
    expect(result.complete).toBe(false);
    expect(result.explored).toBe(50);
  });
});

describe('evaluationPaths', () => {
  const pathsOf = (test: string) => {
    const a = analysisOf(`int f(void)\n{\n\tif (${test})\n\t\treturn 1;\n\treturn 0;\n}\n`);
    const branch = a.cfg!.nodes.find((n) => n.kind === 'branch')!;
    const cond = a.cfg!.nodes[branch.succ[0]].assume as { test: Parameters<typeof evaluationPaths>[0] };
    return evaluationPaths(cond.test, a.mirror)!.map(
      (p) => `${p.steps.map((s) => `${a.mirror.textOf(s.atom)}=${s.value ? 'T' : 'F'}`).join(' ')} -> ${p.result ? 'T' : 'F'}`,
    );
  };

  it('splits && and || by short-circuit, through ! and unlikely()', () => {
    expect(pathsOf('can(x) && dma_iova_try_alloc(d, s, p, n)')).toEqual([
      'can(x)=T dma_iova_try_alloc(d, s, p, n)=T -> T',
      'can(x)=T dma_iova_try_alloc(d, s, p, n)=F -> F',
      'can(x)=F -> F',
    ]);
    expect(pathsOf('!a || unlikely(b)')).toEqual(['a=T b=T -> T', 'a=T b=F -> F', 'a=F -> T']);
  });

  it('sees through WARN_ON_ONCE and keeps comparisons as leaves', () => {
    expect(pathsOf('WARN_ON_ONCE(ret < 0)')).toEqual(['ret < 0=T -> T', 'ret < 0=F -> F']);
  });
});

describe('effectsOf', () => {
  it('lists calls before the assignment or return that uses them, skipping sizeof', () => {
    const a = analysisOf('int f(struct s *p)\n{\n\tint ret = link(a(p), b(sizeof(g(p))));\n\tp->x = sync(ret);\n\treturn done(p->x);\n}\n');
    const shown = a.cfg!.nodes
      .filter((n) => n.kind === 'statement')
      .flatMap((n) => effectsOf(n.m!, a.mirror))
      .map((e) => (e.kind === 'call' ? `call ${e.callee}` : e.kind === 'assign' ? `assign ${a.mirror.textOf(e.target)}${e.declaration ? ' (decl)' : ''}` : 'return'));
    expect(shown).toEqual(['call a', 'call b', 'call link', 'assign ret (decl)', 'call sync', 'assign p->x', 'call done', 'return']);
  });

  it('reads declarations without initialiser and ++ as stores', () => {
    const a = analysisOf('void f(void)\n{\n\tstruct dma_iova_state st;\n\tint i;\n\ti++;\n}\n');
    const stores = a.cfg!.nodes.filter((n) => n.kind === 'statement').flatMap((n) => effectsOf(n.m!, a.mirror)).map((e) => (e.kind === 'assign' ? `${a.mirror.textOf(e.target)}${e.op}` : e.kind));
    expect(stores).toEqual(['st=', 'i=', 'i++']);
  });
});

describe('linearForm', () => {
  const form = (s: string) => linearForm(toExpr(parseClean(`int x = ${s};\n`).tree.rootNode.descendantsOfType('init_declarator')[0].childForFieldName('value')))!;

  it('distributes products and folds constants', () => {
    expect(printForm(form('(n + 1) * PAGE_SIZE'))).toBe('PAGE_SIZE*n + PAGE_SIZE');
    expect(printForm(form('SZ_4K * 2 + (i << 12)'))).toBe('8192 + 4096*i');
  });

  it('proves an end past a reservation only when every term says so', () => {
    const reserved = form('n * PAGE_SIZE');
    // i <= n: the largest i is n
    const end = substituteAtom(form('i * PAGE_SIZE + PAGE_SIZE'), 'i', form('n'))!;
    expect(certainlyPositive(subtractForms(end, reserved))).toBe(true);
    // i < n: the largest i is n - 1, the end is exactly the reservation
    const inside = substituteAtom(form('i * PAGE_SIZE + PAGE_SIZE'), 'i', form('n - 1'))!;
    expect(certainlyPositive(subtractForms(inside, reserved))).toBe(false);
    // unknown sizes prove nothing
    expect(certainlyPositive(subtractForms(form('mapped + len'), reserved))).toBe(false);
  });
});
