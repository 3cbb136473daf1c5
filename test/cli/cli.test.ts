import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './run-cli.js';

const require = createRequire(import.meta.url);
const SEED = '/work/shared/seeds/000_93dc69e07112f92d.txt';
const seedPresent = existsSync(SEED);
if (!seedPresent) console.warn(`skipped: the seed tests need ${SEED}`);
const example = join(repoRoot, 'fixtures/examples/xfer-series.mbox');

function sarifValidator() {
  const Ajv = require('ajv-draft-04') as new (opts: object) => { compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown[] } };
  const addFormats = require('ajv-formats') as (ajv: unknown) => void;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(join(repoRoot, 'fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8')));
}

describe('the iovalint command', () => {
  it.runIf(seedPresent)('prints valid SARIF for the seed email and exits 0', () => {
    const result = runCli(['--format', 'sarif', SEED]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const validate = sarifValidator();
    expect(validate(JSON.parse(result.stdout))).toBe(true);
  });

  it.runIf(seedPresent)('lists both files of the seed and the function its hunk adds, at post-image lines', () => {
    const result = runCli(['--format', 'json', SEED]);
    const report = JSON.parse(result.stdout);
    expect(report.files.map((f: { path: string }) => f.path)).toEqual(['drivers/iommu/dma-iommu.c', 'include/linux/dma-mapping.h']);
    expect(report.files[1].analysed).toBe(false);
    // @@ -1745,6 +1745,85 @@: two context lines and the blank line the archive dropped, then the function.
    expect(report.functions).toEqual([
      { file: 'drivers/iommu/dma-iommu.c', name: 'iommu_dma_iova_alloc', startLine: 1748, endLine: 1771, partial: false, checked: true },
    ]);
  });

  it('reviews the bundled example series (text, with a summary line)', () => {
    const result = runCli([example]);
    expect([0, 1]).toContain(result.code);
    expect(result.stdout).toMatch(/^iovalint: \d+ errors?, \d+ warnings?, \d+ notes? in 3 files/m);
  });

  it('reads stdin, and several patch files as one series', () => {
    const text = readFileSync(example, 'utf8');
    const viaStdin = runCli(['--format', 'json', '-'], { input: text });
    expect(JSON.parse(viaStdin.stdout).source).toBe('<stdin>');
    const viaFile = JSON.parse(runCli(['--format', 'json', example]).stdout);
    expect(JSON.parse(viaStdin.stdout).functions).toEqual(viaFile.functions);
  });

  it('writes --output whole and prints nothing', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'iovalint-cli-')), 'report.json');
    const result = runCli([example, '--format', 'json', '--output', out]);
    expect(result.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).tool.name).toBe('iovalint');
  });

  it('with --tree, functions are whole and lines exact', () => {
    const tree = join(repoRoot, 'fixtures/examples/tree');
    const report = JSON.parse(runCli([example, '--tree', tree, '--format', 'json']).stdout);
    const reserve = report.functions.find((f: { name: string }) => f.name === 'iommu_dma_reserve_range');
    expect(reserve).toMatchObject({ file: 'drivers/iommu/dma-iommu.c', startLine: 29, endLine: 49, partial: false });
  });

  it('--version and --help exit 0', () => {
    expect(runCli(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--fail-on');
  });
});
