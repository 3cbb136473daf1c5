import { describe, expect, it } from 'vitest';
import { analyze, buildCfg, dominatorTree, type FunctionAnalysis, type SyntaxNode } from '../../c/index.js';
import { call, fn, parseClean } from './helpers.js';
import { parseFile } from '../../c/index.js';

/** Analyse the single function of `src`; `at(name)` is the first call of `name()` in it. */
function setup(src: string): { a: FunctionAnalysis; at: (callee: string, nth?: number) => SyntaxNode } {
  const file = parseClean(src);
  const f = file.functions[0];
  return { a: analyze(fn(file, f.name)), at: (callee, nth = 0) => call(f.node, callee, nth) };
}

describe('CFG: structure', () => {
  it('if/else: the join is dominated by the test, not by either arm', () => {
    const { a, at } = setup(`
static int demo(int x)
{
	before();
	if (x > 1)
		then_arm();
	else
		else_arm();
	after();
	return 0;
}
`);
    expect(a.dominates(at('before'), at('after'))).toBe(true);
    expect(a.dominates(at('then_arm'), at('after'))).toBe(false);
    expect(a.dominates(at('else_arm'), at('after'))).toBe(false);
    expect(a.canReach(at('then_arm'), at('else_arm'))).toBe(false);
    expect(a.postDominates(at('after'), at('then_arm'))).toBe(true);
    expect(a.postDominates(at('then_arm'), at('before'))).toBe(false);
    const cfg = a.cfg!;
    expect(cfg.nodes.filter((n) => n.kind === 'branch').map((n) => n.branch)).toEqual(['if']);
    expect(cfg.nodes.filter((n) => n.kind === 'assume').map((n) => n.assume?.kind === 'truth' && n.assume.value)).toEqual([true, false]);
  });

  it('early return: what follows is reached only past the test', () => {
    const { a, at } = setup(`
static int demo(int x)
{
	if (!x)
		return -EINVAL;
	work();
	return 0;
}
`);
    expect(a.cfg!.nodes.filter((n) => n.jump === 'return')).toHaveLength(2);
    expect(a.isReachable(at('work'))).toBe(true);
    expect(a.guardsAt(at('work')).map((g) => g.outcome)).toEqual([false]);
  });

  it('switch: cases, fallthrough, default and break', () => {
    const { a, at } = setup(`
static int demo(int x)
{
	switch (x) {
	case 1:
		one();
		fallthrough;
	case 2:
		two();
		break;
	case 3:
		three();
		return 3;
	default:
		other();
	}
	after();
	return 0;
}
`);
    expect(a.canReach(at('one'), at('two'))).toBe(true); // fallthrough
    expect(a.canReach(at('two'), at('three'))).toBe(false);
    expect(a.canReach(at('two'), at('after'))).toBe(true); // break
    expect(a.canReach(at('three'), at('after'))).toBe(false); // return
    expect(a.canReach(at('other'), at('after'))).toBe(true);
    expect(a.dominates(at('one'), at('two'))).toBe(false); // case 2 is also entered directly
    const assumes = a.cfg!.nodes.filter((n) => n.kind === 'assume').map((n) => n.assume!.kind);
    expect(assumes).toEqual(['case', 'case', 'case', 'default']);
  });

  it('switch without default: falling past it is an outcome of its own', () => {
    const { a, at } = setup(`
static int demo(int x)
{
	switch (x) {
	case 1:
		return 1;
	}
	after();
	return 0;
}
`);
    const g = a.guardsAt(at('after'));
    expect(g).toHaveLength(1);
    expect(g[0]).toMatchObject({ via: 'switch', outcome: false });
  });

  it('loops: while, for, do-while, break and continue', () => {
    const { a, at } = setup(`
static int demo(int n)
{
	int i;

	while (more()) {
		if (skip())
			continue;
		if (stop())
			break;
		body_w();
	}
	for (i = 0; i < n; i++) {
		body_f();
	}
	do {
		body_d();
	} while (again());
	after();
	return 0;
}
`);
    expect(a.canReach(at('body_w'), at('more'))).toBe(true); // back edge
    expect(a.canReach(at('skip'), at('more'))).toBe(true); // continue
    expect(a.canReach(at('stop'), at('body_f'))).toBe(true); // break leaves the loop
    expect(a.dominates(at('body_w'), at('body_f'))).toBe(false); // zero iterations
    expect(a.dominates(at('body_d'), at('after'))).toBe(true); // do runs at least once
    expect(a.canReach(at('body_f'), at('body_f'))).toBe(true);
    expect(a.canReach(at('after'), at('after'))).toBe(false);
    const kinds = a.cfg!.nodes.filter((n) => n.kind === 'branch').map((n) => n.branch);
    expect(kinds).toEqual(['while', 'if', 'if', 'for', 'do']);
  });

  it('constant tests: while (1) only leaves by break, do-while (0) runs once', () => {
    const { a, at } = setup(`
static int demo(void)
{
	do {
		once();
	} while (0);
	while (1) {
		if (done())
			break;
	}
	after();
	return 0;
}
`);
    expect(a.canReach(at('once'), at('once'))).toBe(false);
    expect(a.dominates(at('done'), at('after'))).toBe(true);
    expect(a.guardsAt(at('after')).map((g) => g.outcome)).toEqual([true]); // only via done() true
  });

  it('goto and labels: an error label that returns is an exit', () => {
    const { a, at } = setup(`
static int demo(int x)
{
	int ret;

	ret = first();
	if (ret)
		goto out;
	ret = second();
	if (ret)
		goto undo_first;
	return 0;

undo_first:
	undo();
out:
	return ret;
}
`);
    expect(a.canReach(at('second'), at('undo'))).toBe(true);
    expect(a.canReach(at('first'), at('undo'))).toBe(true);
    expect(a.dominates(at('second'), at('undo'))).toBe(true);
    expect(a.postDominates(at('undo'), at('second'))).toBe(false);
    const labels = a.cfg!.nodes.filter((n) => n.kind === 'label').map((n) => n.label);
    expect(labels.sort()).toEqual(['out', 'undo_first']);
  });

  it('calls that do not return end the path; BUG_ON(x) leaves only !x', () => {
    const { a, at } = setup(`
static int demo(int x, void *p)
{
	if (!p)
		BUG();
	use(p);
	if (x < 0)
		panic("negative");
	BUG_ON(x > 100);
	after(x);
	return 0;
}
`);
    const guards = a.guardsAt(at('after')).map((g) => g.via);
    expect(guards).toEqual(['bug-on', 'if', 'if']);
    expect(a.cfg!.nodes.filter((n) => n.jump === 'noreturn')).toHaveLength(2);
    expect(a.canReach(at('panic'), at('after'))).toBe(false);
  });

  it('balanced #ifdef inside a body: either arm may run', () => {
    const { a, at } = setup(`
static int demo(int x)
{
#ifdef CONFIG_DEMO
	if (!x)
		return -EINVAL;
#endif
	after(x);
	return 0;
}
`);
    expect(a.guardsAt(at('after'))).toEqual([]);
    expect(a.cfg!.nodes.find((n) => n.branch === 'preproc')).toBeDefined();
  });

  it('an ERROR region may jump anywhere: guards before it stay, labels become reachable from it', () => {
    const file = parseFile('broken.c', `
static int demo(int x)
{
	if (!x)
		return -EINVAL;
	x = ;
	after(x);
	return 0;
out:
	late();
	return 1;
}
`);
    const f = file.functions[0];
    expect(f.hasError).toBe(true);
    const a = analyze(f);
    expect(a.cfg!.hasUnknown).toBe(true);
    expect(a.guardsAt(call(f.node, 'after')).map((g) => g.outcome)).toEqual([false]);
    expect(a.isReachable(call(f.node, 'late'))).toBe(true);
  });

  it('budgets: an over-large function gives a reason, not a hang', () => {
    const body = `static int demo(int x)\n{\n${'\tx++;\n'.repeat(300)}\treturn x;\n}\n`;
    const file = parseClean(body);
    const result = buildCfg(file.functions[0].body!, { maxNodes: 100 });
    expect(result).toEqual({ ok: false, reason: 'more than 100 CFG nodes' });
  });

  it('unreachable code has no dominator and no guards', () => {
    const { a, at } = setup(`
static int demo(int x)
{
	return x;
	dead();
}
`);
    expect(a.isReachable(at('dead'))).toBe(false);
    expect(a.guardsAt(at('dead'))).toEqual([]);
    const tree = dominatorTree(a.cfg!);
    expect(tree.depth[a.cfg!.exit]).toBeGreaterThan(0);
  });
});
