// `iovalint sim`: one run, printed as text or JSON; bad input is one line and exit code 2.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { fixtureDir } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'iovalint-sim-'));
const write = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const fixture = (name: string): string => join(fixtureDir, name);

describe('iovalint sim', () => {
  it('prints the JSON run: return, trace with events, breaches, pointer arguments', () => {
    const r = runCli(['sim', fixture('size-overflow.c'), '--function', 'waldo_iova_alloc', '--scenario', 'arch=32', '--arg', 'phys=0x234', '--arg', 'size=0xffffffff', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1); // the run breached invariants
    const out = JSON.parse(r.stdout);
    expect(out.return).toBe('1');
    expect(out.trace.map((t: { fn: string }) => t.fn)).toEqual(['iommu_get_dma_domain', 'iova_offset', 'iova_align', 'dma_get_mask', 'iommu_dma_alloc_iova']);
    expect(out.trace[2]).toMatchObject({ fn: 'iova_align', args: { size: '0x233' }, result: '0x1000', events: [] });
    expect(out.breaches.map((b: { invariant: string }) => b.invariant)).toEqual(['size-no-wrap', 'reservation-covers-buffer']);
    expect(out.pointers.state).toEqual({ addr: '0xfffff234', __size: '0xffffffff' });
    expect(out.scenario).toMatchObject({ arch: 32, granule: 4096 });
  });

  it('shows a WARN_ON_ONCE as an event of kind warn, and a negative return in decimal', () => {
    const src = write('warn.c', 'static int w(struct device *dev, size_t size)\n{\n\tif (WARN_ON_ONCE(!size))\n\t\treturn -EINVAL;\n\treturn 0;\n}\n');
    const r = runCli(['sim', src, '--function', 'w', '--arg', 'size=0', '--format', 'json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.return).toBe('-22');
    expect(out.trace).toEqual([{ fn: 'WARN_ON_ONCE', args: { condition: '!size' }, result: 'true', events: [{ kind: 'warn', what: '!size', message: 'WARN_ON_ONCE(!size) fired at line 3' }], line: 3 }]);
  });

  it('prints text by default', () => {
    const r = runCli(['sim', fixture('offset-addr.c'), '--function', 'quux_map_one', '--arg', 'phys=0x12345234', '--arg', 'size=0x2000']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^quux_map_one \(.*offset-addr\.c\) on arch=64,granule=4K/);
    expect(r.stdout).toMatch(/line \d+: iommu_map\(domain=dev0\.domain, iova=0x[0-9a-f]+, paddr=0x12345000, size=0x3000, prot=3\) = 0/);
    expect(r.stdout).not.toMatch(/note:/);
    expect(r.stdout).toMatch(/byte-address \(line \d+\): 0x[0-9a-f]+ is not the DMA address of byte 0x0 of 0x12345234/);
  });

  it('reads a patch (the post-image of its C files)', () => {
    const patch = write(
      'p.diff',
      [
        'diff --git a/drivers/x.c b/drivers/x.c',
        'new file mode 100644',
        'index 0000000..1111111',
        '--- /dev/null',
        '+++ b/drivers/x.c',
        '@@ -0,0 +1,4 @@',
        '+static u64 m(struct device *dev)',
        '+{',
        '+\treturn dma_get_mask(dev);',
        '+}',
        '',
      ].join('\n'),
    );
    const r = runCli(['sim', patch, '--function', 'm', '--scenario', 'mask=39', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).return).toBe('0x7fffffffff');
  });

  const bad: Array<[string, string[], RegExp]> = [
    ['an unknown function', ['--function', 'nope'], /no function 'nope' in .*size-zero-guard\.c \(functions: foo_iova_alloc/],
    ['a missing integer argument', ['--function', 'foo_iova_alloc', '--arg', 'phys=0'], /integer parameter 'size' \(size_t\) needs --arg size=VALUE/],
    ['an argument the function does not have', ['--function', 'foo_iova_alloc', '--arg', 'len=1'], /--arg len: foo_iova_alloc has no parameter 'len'/],
    ['a malformed --arg', ['--function', 'foo_iova_alloc', '--arg', 'size'], /--arg size: expected NAME=VALUE/],
    ['a bad scenario', ['--function', 'foo_iova_alloc', '--scenario', 'granule=8K'], /--scenario: granule=8K: must be 4K, 16K or 64K/],
    ['an argument that is not C', ['--function', 'foo_iova_alloc', '--arg', 'phys=0', '--arg', 'size=zz('], /input size: 'zz\(' is not a C expression/],
  ];
  for (const [what, args, message] of bad) {
    it(`rejects ${what} in one line, exit 2`, () => {
      const r = runCli(['sim', fixture('size-zero-guard.c'), ...args]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    });
  }
  it('rejects a missing file in one line', () => {
    const r = runCli(['sim', join(dir, 'missing.c'), '--function', 'f']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/missing\.c: no such file or directory/);
  });
});
