import { describe, expect, it } from 'vitest';
import { analyze, argumentOf, printExpr } from '../../c/index.js';
import { call, fixture, fn, parseClean } from './helpers.js';

const file = fixture('defuse.c');

/** The identifier node that is argument `index` of the `nth` call of `callee` in function `name`. */
function arg(name: string, callee: string, index = 0, nth = 0) {
  const node = argumentOf(call(fn(file, name).node, callee, nth), index);
  if (!node) throw new Error('no argument');
  return node;
}

describe('def-use of locals', () => {
  it('parses cleanly', () => expect(file.errorCount).toBe(0));

  it('finds the initialiser and copy-propagates through locals', () => {
    const a = analyze(fn(file, 'demo_map'));
    expect(a.initializerOf('len')?.text).toBe('size + iova_off');
    const lenUse = argumentOf(call(fn(file, 'demo_map').node, 'iova_align'), 1)!;
    expect(printExpr(a.resolve(lenUse))).toBe('size + iova_offset(iovad, phys)');
    expect(a.mentions(lenUse, 'iova_off', { throughLocals: true })).toBe(true);
    expect(a.mentions(lenUse, 'phys', { throughLocals: true })).toBe(true);
    expect(a.mentions(lenUse, 'phys')).toBe(false);
    const ret = fn(file, 'demo_map').node.descendantsOfType('return_statement')[1].namedChildren[0];
    expect(printExpr(a.resolve(ret))).toBe('alloc_iova_fast(iovad, iova_align(iovad, size + iova_offset(iovad, phys)), 0, true) + iova_offset(iovad, phys)');
  });

  it('reports every definition that may reach a use', () => {
    const a = analyze(fn(file, 'demo_branches'));
    const defs = a.reaching(arg('demo_branches', 'demo_use'));
    expect(defs.map((d) => [d.kind, d.value?.text])).toEqual([
      ['init', 'size'],
      ['assign', 'size * 2'],
    ]);
    expect(printExpr(a.resolve(arg('demo_branches', 'demo_use')))).toBe('len');
  });

  it('does not propagate a value whose inputs changed in between', () => {
    const a = analyze(fn(file, 'demo_changed'));
    const use = arg('demo_changed', 'demo_use');
    expect(a.reaching(use).map((d) => d.kind)).toEqual(['init']);
    expect(printExpr(a.resolve(use))).toBe('len');
  });

  it('treats &local passed to a call as a possible change', () => {
    const a = analyze(fn(file, 'demo_out_param'));
    const defs = a.reaching(arg('demo_out_param', 'demo_use'));
    expect(defs.map((d) => d.kind)).toEqual(['init', 'address-taken']);
    expect(a.variable('mask')?.addressTaken).toBe(true);
  });

  it('follows loops: the compound assignment reaches the use with the initialiser', () => {
    const a = analyze(fn(file, 'demo_loop'));
    const defs = a.reaching(arg('demo_loop', 'demo_use'));
    expect(defs.map((d) => [d.kind, d.operator ?? ''])).toEqual([
      ['init', ''],
      ['compound', '+='],
    ]);
  });

  it('resolves names by scope and gives declared types', () => {
    const a = analyze(fn(file, 'demo_shadow'));
    const inner = arg('demo_shadow', 'demo_use', 0, 0);
    const outer = arg('demo_shadow', 'demo_use', 0, 1);
    expect(a.reaching(inner).map((d) => [d.kind, d.variable.type])).toEqual([['init', 'u64']]);
    expect(a.reaching(inner)[0].variable.isParam).toBe(false);
    expect(a.reaching(outer).map((d) => [d.kind, d.variable.type, d.value?.text])).toEqual([['init', 'u32', 'mask']]);
    expect(a.variable('mask', 0)?.isParam).toBe(true);
    expect(a.variable('narrow')?.type).toBe('u32');
    expect(analyze(fn(file, 'demo_map')).variable('iovad')?.type).toBe('struct iova_domain *');
  });
});

describe('def-use at scale', () => {
  it('converges with more than 32 definitions (bit 31 of the sets) and stays precise', () => {
    const assignments = Array.from({ length: 40 }, (_, i) => `\tv${i} = ${i};\n\tif (v${i} > limit)\n\t\tv${i} = limit;`).join('\n');
    const decls = Array.from({ length: 40 }, (_, i) => `\tint v${i};`).join('\n');
    const file = parseClean(`static int demo(int limit)\n{\n${decls}\n${assignments}\n\treturn demo_use(v39);\n}\n`);
    const a = analyze(file.functions[0]);
    expect(a.defUse?.incomplete).toBeUndefined();
    expect(a.defUse!.definitions.length).toBeGreaterThan(64);
    const use = argumentOf(call(file.functions[0].node, 'demo_use'), 0)!;
    expect(a.reaching(use).map((d) => d.value?.text)).toEqual(['39', 'limit']);
  });
});
