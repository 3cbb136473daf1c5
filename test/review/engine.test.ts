import { describe, expect, it } from 'vitest';
import { buildChangeSet, parsePatchInput } from '../../patch/index.js';
import type { ChangeSet, ChangedFile } from '../../patch/types.js';
import { defaultConfig, parseConfig } from '../../review/config.js';
import { reviewSync } from '../../review/index.js';
import type { SimulatorPort } from '../../review/simulator-port.js';
import { unguardedAllocRule } from './test-rule.js';

const rules = [unguardedAllocRule];

function wholeFile(path: string, text: string, changed?: number[], extra: Partial<ChangedFile> = {}): ChangeSet {
  const lines = text.split('\n').length;
  return {
    files: [
      {
        path,
        status: 'modified',
        isC: /\.[ch]$/.test(path),
        binary: false,
        postImage: text,
        partial: false,
        changedLines: new Set(changed ?? Array.from({ length: lines }, (_, i) => i + 1)),
        deletionPoints: new Set(),
        lineOrigin: new Map(),
        hunks: [],
        ...extra,
      },
    ],
    patches: [],
    source: 'test',
    wholeFiles: changed === undefined,
  };
}

const twoFunctions = [
  'static int a(size_t size)', // 1
  '{', // 2
  '\treturn guarded_alloc(size);', // 3
  '}', // 4
  '', // 5
  'static int b(size_t len)', // 6
  '{', // 7
  '\tif (!len)', // 8
  '\t\treturn -EINVAL;', // 9
  '\treturn guarded_alloc(len);', // 10
  '}', // 11
].join('\n');

describe('review engine', () => {
  it('runs a rule, fills the message, positions and the fix', () => {
    const report = reviewSync(wholeFile('drivers/x.c', twoFunctions), { rules, simulator: false });
    expect(report.findings).toHaveLength(1);
    const [f] = report.findings;
    expect(f).toMatchObject({
      ruleId: 'test/unguarded-alloc',
      severity: 'warning',
      message: 'guarded_alloc(size) without a check for 0',
      file: 'drivers/x.c',
      line: 3,
      column: 9,
      endLine: 3,
      endColumn: 28,
      function: 'a',
      confirmation: 'unconfirmed',
      confirmationNote: 'simulation disabled',
    });
    expect(f!.fix).toEqual({ startLine: 3, startColumn: 9, endLine: 3, endColumn: 28, text: 'guarded_alloc_nonzero(size)', verified: false });
    expect(f!.fingerprint).toMatch(/^[0-9a-f]{24}$/);
    expect(report.functions.map((fn) => [fn.name, fn.startLine, fn.endLine, fn.checked])).toEqual([
      ['a', 1, 4, true],
      ['b', 6, 11, true],
    ]);
    expect(report.rules.map((r) => r.id)).toEqual(['test/unguarded-alloc']);
  });

  it('keeps fingerprints when code moves, and numbers repeats', () => {
    const first = reviewSync(wholeFile('drivers/x.c', twoFunctions), { rules, simulator: false }).findings[0]!;
    const moved = reviewSync(wholeFile('drivers/x.c', '\n\n/* moved */\n' + twoFunctions.replace('\treturn guarded_alloc(size);', '\treturn  guarded_alloc( size );')), { rules, simulator: false }).findings[0]!;
    expect(moved.line).toBe(6);
    expect(moved.fingerprint).toBe(first.fingerprint);
    const twice = 'int c(size_t n)\n{\n\tguarded_alloc(n);\n\tguarded_alloc(n);\n\treturn 0;\n}\n';
    const both = reviewSync(wholeFile('x.c', twice), { rules, simulator: false }).findings;
    expect(both).toHaveLength(2);
    expect(both[0]!.fingerprint).not.toBe(both[1]!.fingerprint);
  });

  it('reports only what the change introduces: changed lines, or new relative to the pre-image', () => {
    // Only line 10 changed: function a (untouched) is not reviewed at all.
    const touched = reviewSync(wholeFile('drivers/x.c', twoFunctions, [10]), { rules, simulator: false });
    expect(touched.findings).toEqual([]);
    expect(touched.functions.map((f) => f.name)).toEqual(['b']);

    // The change deletes b's guard: the unchanged call on line 8 becomes a finding.
    const post = twoFunctions.split('\n').filter((_, i) => i !== 7 && i !== 8).join('\n');
    const deleted = wholeFile('drivers/x.c', post, [], { deletionPoints: new Set([7]), preImage: twoFunctions });
    const report = reviewSync(deleted, { rules, simulator: false });
    expect(report.findings.map((f) => [f.function, f.line])).toEqual([['b', 8]]);

    // A pre-existing defect on an unchanged line of a touched function stays out.
    const preExisting = 'int a(size_t size)\n{\n\tint x = 1;\n\treturn guarded_alloc(size);\n}\n';
    const edited = preExisting.replace('int x = 1;', 'int x = 2;');
    const kept = reviewSync(wholeFile('drivers/x.c', edited, [3], { preImage: preExisting }), { rules, simulator: false });
    expect(kept.findings).toEqual([]);
  });

  it('honours suppression comments and reports unused ones', () => {
    const text = twoFunctions.replace('\treturn guarded_alloc(size);', '\t/* iovalint-disable-next-line test/unguarded-alloc -- size is never 0 here */\n\treturn guarded_alloc(size);') + '\n/* iovalint-disable-next-line test/unguarded-alloc */\nint z;\n';
    const report = reviewSync(wholeFile('drivers/x.c', text), { rules, simulator: false });
    expect(report.findings).toEqual([]);
    expect(report.unusedSuppressions).toEqual([{ file: 'drivers/x.c', line: 13, reason: 'unused suppression for test/unguarded-alloc' }]);
  });

  it('applies config: severity, off, ignores, include/exclude', () => {
    const known = new Set(['test/unguarded-alloc']);
    const asError = parseConfig('rules:\n  test/unguarded-alloc: error\n', 'c', known);
    expect(reviewSync(wholeFile('drivers/x.c', twoFunctions), { rules, config: asError, simulator: false }).findings[0]!.severity).toBe('error');
    const off = parseConfig('rules:\n  test/unguarded-alloc: off\n', 'c', known);
    expect(reviewSync(wholeFile('drivers/x.c', twoFunctions), { rules, config: off, simulator: false }).findings).toEqual([]);
    const fingerprint = reviewSync(wholeFile('drivers/x.c', twoFunctions), { rules, simulator: false }).findings[0]!.fingerprint;
    const ignore = parseConfig(`ignore:\n  - { path: "drivers/*.c", rule: test/unguarded-alloc, fingerprint: ${fingerprint} }\n`, 'c', known);
    expect(reviewSync(wholeFile('drivers/x.c', twoFunctions), { rules, config: ignore, simulator: false }).findings).toEqual([]);
    const exclude = parseConfig('exclude: ["drivers/**"]\n', 'c', known);
    const excluded = reviewSync(wholeFile('drivers/x.c', twoFunctions), { rules, config: exclude, simulator: false });
    expect(excluded.files[0]).toMatchObject({ analysed: false, reason: 'excluded by config' });
    expect(reviewSync(wholeFile('drivers/x.c', twoFunctions), { rules, only: [], disable: ['test/unguarded-alloc'], simulator: false }).findings).toEqual([]);
  });

  it('lists non-C, binary and not-C files, and functions with parse errors as not checked', () => {
    const cs = wholeFile('drivers/x.c', 'int broken(void)\n{\n\treturn guarded_alloc(n) +;\n}\n');
    cs.files.push({ ...cs.files[0]!, path: 'Documentation/x.rst', isC: false, postImage: 'text' });
    cs.files.push({ ...cs.files[0]!, path: 'firmware/x.c', binary: true });
    cs.files.push({ ...cs.files[0]!, path: 'drivers/notc.c', postImage: 'This is a README that someone named .c by mistake.\nIt has no C in it at all!\n' });
    const report = reviewSync(cs, { rules, simulator: false, config: defaultConfig() });
    expect(report.files.map((f) => [f.path, f.analysed, f.reason])).toEqual([
      ['drivers/x.c', true, undefined],
      ['Documentation/x.rst', false, 'not C'],
      ['firmware/x.c', false, 'binary'],
      ['drivers/notc.c', false, expect.stringMatching(/^not C: /)],
    ]);
    expect(report.functions[0]).toMatchObject({ name: 'broken', checked: false });
    expect(report.notChecked.some((n) => n.function === 'broken')).toBe(true);
    expect(() => reviewSync(cs, { rules, simulator: false, notCIsError: true })).toThrow(/not C/);
  });

  it('hands simulation requests to the simulator and sets refuted findings aside', () => {
    const calls: string[] = [];
    const simulator: SimulatorPort = {
      confirm(request, env) {
        calls.push(`${request.function}:${env.fn.name}`);
        return request.function === 'a'
          ? { confirmation: 'confirmed', note: 'size 0 reached', witness: { scenario: { arch: 64, granule: 4096, mask: 64, coherentMask: 64, busLimit: 0, iommu: true, coherent: true, untrusted: false, pci: false }, inputs: { size: '0' }, trace: [], path: [], summary: 'size 0 reaches guarded_alloc' } }
          : { confirmation: 'refuted', note: 'the guard holds' };
      },
    };
    const text = twoFunctions + '\nint c(size_t n)\n{\n\treturn guarded_alloc(n);\n}\n';
    const report = reviewSync(wholeFile('drivers/x.c', text), { rules, simulator });
    expect(calls).toEqual(['a:a', 'c:c']);
    expect(report.findings.map((f) => [f.function, f.confirmation])).toEqual([['a', 'confirmed']]);
    expect(report.findings[0]!.witness?.summary).toBe('size 0 reaches guarded_alloc');
    expect(report.refuted.map((f) => [f.function, f.confirmationNote])).toEqual([['c', 'the guard holds']]);
  });

  it('a simulator crash leaves the finding unconfirmed with the reason', () => {
    const simulator: SimulatorPort = { confirm: () => { throw new Error('boom'); } };
    const report = reviewSync(wholeFile('drivers/x.c', twoFunctions), { rules, simulator });
    expect(report.findings[0]).toMatchObject({ confirmation: 'unconfirmed', confirmationNote: 'simulator error: boom' });
  });

  it('reviews a real patch end to end (parse → ChangeSet → rules)', () => {
    const patch = [
      'diff --git a/drivers/x.c b/drivers/x.c',
      'new file mode 100644',
      'index 0000000..1111111',
      '--- /dev/null',
      '+++ b/drivers/x.c',
      '@@ -0,0 +1,4 @@',
      '+int a(size_t size)',
      '+{',
      '+\treturn guarded_alloc(size);',
      '+}',
      '',
    ].join('\n');
    const report = reviewSync(buildChangeSet(parsePatchInput(patch, 'p.diff')), { rules, simulator: false });
    expect(report.findings.map((f) => [f.file, f.line, f.function])).toEqual([['drivers/x.c', 3, 'a']]);
    expect(report.files).toEqual([{ path: 'drivers/x.c', status: 'added', analysed: true }]);
  });
});
