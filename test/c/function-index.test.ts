import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { functionAtLine, functionsTouching, linesKnown, parseFile } from '../../c/index.js';
import { FIXTURES, fixture, fn } from './helpers.js';

describe('function index', () => {
  const file = fixture('functions.c');

  it('finds every definition with its exact line range, in order', () => {
    expect(file.errorCount).toBe(0);
    expect(file.functions.map((f) => [f.name, f.lines.start, f.lines.end])).toEqual([
      ['plain_static', 5, 8],
      ['exported_fn', 10, 15],
      ['cookie_iovad', 18, 22],
      ['flag_set', 24, 27],
      ['demo_setup', 29, 32],
      ['alloc_ptr', 34, 37],
      ['name_of', 39, 39],
      ['demo_suspend', 42, 45],
      ['unsigned_params', 48, 50],
    ]);
  });

  it('reads parameters with their types, annotations left out', () => {
    expect(fn(file, 'exported_fn').params).toEqual([
      { name: 'dev', type: 'struct device *' },
      { name: 'phys', type: 'phys_addr_t' },
      { name: 'size', type: 'size_t' },
      { name: 'dir', type: 'enum dma_data_direction' },
      { name: 'attrs', type: 'unsigned long' },
    ]);
    expect(fn(file, 'demo_setup').params).toEqual([]);
    expect(fn(file, 'alloc_ptr').params).toEqual([
      { name: 'n', type: 'size_t' },
      { name: 'gfp', type: 'gfp_t' },
      { name: 'ctor', type: 'void (*)(void *)' },
      { name: 'buf', type: 'u8 [16]' },
      { name: '...', type: '...' },
    ]);
    expect(fn(file, 'unsigned_params').params).toEqual([
      { name: 'x', type: 'unsigned long long' },
      { name: 'ubuf', type: 'const void *' },
      { name: 'reg', type: 'u32 *' },
    ]);
  });

  it('reads return types, including pointers and qualifiers', () => {
    expect(fn(file, 'plain_static').returnType).toBe('int');
    expect(fn(file, 'exported_fn').returnType).toBe('dma_addr_t');
    expect(fn(file, 'cookie_iovad').returnType).toBe('struct iova_domain *');
    expect(fn(file, 'alloc_ptr').returnType).toBe('void *');
    expect(fn(file, 'name_of').returnType).toBe('const char *');
    expect(fn(file, 'flag_set').returnType).toBe('bool');
  });

  it('reads linkage and inlining', () => {
    expect(fn(file, 'plain_static')).toMatchObject({ isStatic: true, isInline: false });
    expect(fn(file, 'exported_fn')).toMatchObject({ isStatic: false });
    expect(fn(file, 'cookie_iovad')).toMatchObject({ isStatic: true, isInline: true });
    expect(fn(file, 'flag_set')).toMatchObject({ isStatic: true, isInline: true });
  });

  it('gives each function its body and no error', () => {
    for (const f of file.functions) {
      expect(f.hasError).toBe(false);
      expect(f.notCheckedReason).toBeUndefined();
      expect(f.body?.type).toBe('compound_statement');
      expect(f.partial).toBe(false);
    }
  });

  it('maps changed lines and deletion points to functions', () => {
    const names = (xs: Array<{ name: string }>) => xs.map((x) => x.name);
    expect(names(functionsTouching(file.functions, [7]))).toEqual(['plain_static']);
    expect(names(functionsTouching(file, [20]))).toEqual(['cookie_iovad']);
    expect(names(functionsTouching(file.functions, [9, 16, 17]))).toEqual([]);
    expect(names(functionsTouching(file.functions, [5, 26]))).toEqual(['plain_static', 'flag_set']);
    // a deletion right after line 7 is inside plain_static; right after its closing brace is not
    expect(names(functionsTouching(file.functions, [], [7]))).toEqual(['plain_static']);
    expect(names(functionsTouching(file.functions, [], [8]))).toEqual([]);
    expect(functionAtLine(file.functions, 20)?.name).toBe('cookie_iovad');
    expect(functionAtLine(file.functions, 16)).toBeUndefined();
  });

  it('marks functions partial when their lines are not all known', () => {
    const text = readFileSync(join(FIXTURES, 'functions.c'), 'utf8');
    const partial = parseFile('functions.c', text, { knownLines: [[1, 12], [18, 27]] });
    const flags = Object.fromEntries(partial.functions.map((f) => [f.name, f.partial]));
    expect(flags).toMatchObject({ plain_static: false, exported_fn: true, cookie_iovad: false, flag_set: false, demo_setup: true });
    expect(linesKnown({ start: 3, end: 9 }, [[1, 4], [5, 9]])).toBe(true);
    expect(linesKnown({ start: 3, end: 9 }, [[1, 4], [6, 9]])).toBe(false);
  });

  it('marks a function with a parse error as not checked, with the line', () => {
    const broken = parseFile('broken.c', `static int ok(void)\n{\n\treturn 0;\n}\n\nstatic int bad(int x)\n{\n\tif (x) {\n\t\tx = ;\n\t}\n\treturn x;\n}\n`);
    expect(fn(broken, 'ok').hasError).toBe(false);
    expect(fn(broken, 'bad')).toMatchObject({ hasError: true, notCheckedReason: 'parse error at line 9' });
    expect(broken.errorCount).toBeGreaterThan(0);
  });

  it('handles a file rebuilt from hunks (unknown lines are empty)', () => {
    const rebuilt = ['', '', '', 'static int shown(int a)', '{', '\tif (!a)', '\t\treturn -EINVAL;', '', '', ''].join('\n');
    const parsed = parseFile('rebuilt.c', rebuilt, { knownLines: [[4, 7]] });
    // the definition is cut after its first lines: tree-sitter closes it with a MISSING brace
    expect(parsed.functions.map((f) => [f.name, f.partial, f.hasError])).toEqual([['shown', true, true]]);
    expect(parsed.errorCount).toBeGreaterThan(0);
  });

  it('reads functions whose header a macro writes (SYSCALL_DEFINE, BPF_CALL)', () => {
    const file = parseFile('macros.c', `SYSCALL_DEFINE3(demo_call, int, fd, unsigned long, addr, size_t, len)
{
	return demo_do(fd, addr, len);
}

BPF_CALL_2(bpf_demo, u64, a, u32, b)
{
	return a + b;
}
`);
    expect(file.errorCount).toBe(0);
    expect(file.functions.map((f) => [f.name, f.definedBy, f.lines.start, f.lines.end])).toEqual([
      ['demo_call', 'SYSCALL_DEFINE3', 1, 4],
      ['bpf_demo', 'BPF_CALL_2', 6, 9],
    ]);
    expect(file.functions[0].params).toEqual([
      { name: 'fd', type: 'int' },
      { name: 'addr', type: 'unsigned long' },
      { name: 'len', type: 'size_t' },
    ]);
    expect(file.functions[1].node.text.startsWith('BPF_CALL_2(bpf_demo, u64, a, u32, b)')).toBe(true);
  });

  it('parses files beyond the 32 KiB string buffer with exact offsets', () => {
    const body = Array.from({ length: 3000 }, (_, i) => `static int f${i}(int a)\n{\n\treturn a + ${i};\n}\n`).join('\n');
    expect(body.length).toBeGreaterThan(100_000);
    const big = parseFile('big.c', body);
    expect(big.errorCount).toBe(0);
    expect(big.functions).toHaveLength(3000);
    const last = big.functions[2999];
    expect(last.name).toBe('f2999');
    expect(last.lines).toEqual({ start: 2999 * 5 + 1, end: 2999 * 5 + 4 });
    expect(last.node.text).toBe('static int f2999(int a)\n{\n\treturn a + 2999;\n}');
  });
});
