import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { formatReport } from '../../report/index.js';
import { renderPicture } from '../../report/witness.js';
import { sampleReport } from './sample-report.js';

const require = createRequire(import.meta.url);

function sarifValidator() {
  // The official OASIS schema is draft-04; ajv-draft-04 validates it with Ajv 8.
  const Ajv = require('ajv-draft-04') as new (opts: object) => { compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown[] } };
  const addFormats = require('ajv-formats') as (ajv: unknown) => void;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const schema = JSON.parse(readFileSync(new URL('../../fixtures/sarif/sarif-schema-2.1.0.json', import.meta.url), 'utf8'));
  return ajv.compile(schema);
}

describe('report formats', () => {
  it('text is gcc style with the witness indented and a summary', () => {
    const out = formatReport(sampleReport(), 'text');
    const lines = out.split('\n');
    expect(lines[0]).toBe('drivers/iommu/dma-iommu.c:40:9: error: size reaches iommu_dma_alloc_iova() with no check for 0 [iova/size-zero-guard]');
    expect(out).toContain('    witness: size 0 reaches iommu_dma_alloc_iova (line 40)');
    expect(out).toContain('broken: alloc-nonzero');
    expect(out).toContain('fix (verified by simulation): dma_get_mask(dev)');
    expect(out).not.toContain('drivers/misc/x.c');
    expect(out).toMatch(/iovalint: 2 errors, 0 warnings, 0 notes in 1 file \(1 function checked; 1 confirmed by simulation, 1 refuted\)/);
    expect(out).toContain('drivers/iommu/dma-iommu.c:60 broken_fn(): parse error at line 62');
  });

  it('text shows refuted findings only on request', () => {
    expect(formatReport(sampleReport(), 'text', { showRefuted: true })).toContain('drivers/misc/x.c:10:2: error');
  });

  it('terse prints one checkpatch-like line per finding', () => {
    const out = formatReport(sampleReport(), 'terse');
    expect(out.trim().split('\n')).toEqual([
      'drivers/iommu/dma-iommu.c:40: ERROR: size reaches iommu_dma_alloc_iova() with no check for 0 [iova/size-zero-guard] (confirmed)',
      'drivers/iommu/dma-iommu.c:41: ERROR: IOVA limit taken from dev->coherent_dma_mask; use dma_get_mask(dev) [dma/mask-source]',
    ]);
  });

  it('json round-trips the whole report, functions and files included', () => {
    const parsed = JSON.parse(formatReport(sampleReport(), 'json'));
    expect(parsed.functions).toHaveLength(2);
    expect(parsed.files[1]).toEqual({ path: 'Documentation/core-api/dma-api.rst', status: 'modified', analysed: false, reason: 'not C' });
    expect(parsed.refuted).toHaveLength(1);
  });

  it('sarif validates against the official 2.1.0 schema', () => {
    const validate = sarifValidator();
    for (const showRefuted of [false, true]) {
      const log = JSON.parse(formatReport(sampleReport(), 'sarif', { showRefuted }));
      const ok = validate(log);
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('the schema check can fail (a broken log is rejected)', () => {
    const validate = sarifValidator();
    const log = JSON.parse(formatReport(sampleReport(), 'sarif'));
    log.runs[0].results[0].level = 'fatal';
    expect(validate(log)).toBe(false);
  });

  it('sarif carries repository-relative URIs, post-image lines, fingerprints, confirmation and codeFlows', () => {
    const log = JSON.parse(formatReport(sampleReport(), 'sarif'));
    const [first, second] = log.runs[0].results;
    expect(first.locations[0].physicalLocation.artifactLocation.uri).toBe('drivers/iommu/dma-iommu.c');
    expect(first.locations[0].physicalLocation.region.startLine).toBe(40);
    expect(first.partialFingerprints['iovalint/v1']).toBe('aaaabbbbccccddddeeeeffff');
    expect(first.properties.confirmation).toBe('confirmed');
    expect(first.codeFlows[0].threadFlows[0].locations).toHaveLength(2);
    expect(first.codeFlows[0].threadFlows[0].locations[1].location.message.text).toContain('iommu_dma_alloc_iova = 0x0');
    expect(second.fixes[0].artifactChanges[0].replacements[0].insertedContent.text).toBe('dma_get_mask(dev)');
    expect(log.runs[0].tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(['iova/size-zero-guard', 'dma/mask-source']);
    expect(first.ruleIndex).toBe(0);
    expect(log.runs[0].results).toHaveLength(2);
    const withRefuted = JSON.parse(formatReport(sampleReport(), 'sarif', { showRefuted: true }));
    expect(withRefuted.runs[0].results[2].suppressions[0].kind).toBe('external');
  });

  it('github emits escaped workflow commands', () => {
    const out = formatReport(sampleReport(), 'github');
    const first = out.split('\n')[0]!;
    expect(first.startsWith('::error file=drivers/iommu/dma-iommu.c,line=40,endLine=41,title=iova/size-zero-guard::')).toBe(true);
    expect(first).toContain('%0Aconfirmed: size 0 reaches');
    expect(out.split('\n')[1]).toContain('col=9,endColumn=32');
  });

  it('markdown has counts per rule, witness details and the not-checked list', () => {
    const out = formatReport(sampleReport(), 'markdown');
    expect(out).toContain('### iovalint: 2 errors, 0 warnings, 0 notes');
    expect(out).toContain('| `dma/mask-source` | 1 |');
    expect(out).toContain('<details><summary>witness</summary>');
    expect(out).toContain('broken invariant: `alloc-nonzero`');
    expect(out).toContain('Not checked (1)');
    expect(out).toContain('`granules [');
  });

  it('the range picture marks buffer, reservation and gaps per granule', () => {
    const pic = renderPicture({ granule: '0x1000', reservation: ['0x10000', '0x12000'], buffer: ['0x10234', '0x12235'] });
    expect(pic?.line).toBe('granules [##!] 0x10000..0x12235');
    expect(renderPicture({ granule: '0x1000', reservation: ['0x0', '0x100000000'] })).toBeUndefined();
  });
});
