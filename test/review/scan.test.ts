// Tree scans: same findings on one thread or many, the prefilter never hides a finding, the
// cache returns what a fresh run computes.
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../review/config.js';
import { registeredRules } from '../../review/defaults.js';
import { prefilterFor } from '../../review/prefilter.js';
import { scanTree } from '../../review/scan.js';
import type { Report } from '../../review/types.js';
import { docExamples, findingsFor } from '../rules/rule-tester.js';

const repo = new URL('../..', import.meta.url).pathname;

function cFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...cFilesUnder(path));
    else if (/\.[ch]$/.test(name)) out.push(path);
  }
  return out;
}

const settings = (overrides: Partial<Parameters<typeof scanTree>[0]['settings']> = {}) => ({
  config: defaultConfig(),
  only: [],
  disable: [],
  sim: false,
  prefilter: true,
  maxFileBytes: 1 << 26,
  ...overrides,
});

const key = (r: Report): string[] => r.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.fingerprint}`);

describe('tree scans', () => {
  it('the prefilter never skips a file a rule would report on (every C fixture and doc example)', () => {
    const rules = registeredRules();
    const prefilter = prefilterFor(rules);
    const corpus: Array<{ name: string; code: string; path?: string }> = cFilesUnder(join(repo, 'fixtures')).map((p) => ({
      name: relative(repo, p),
      code: readFileSync(p, 'utf8'),
    }));
    for (const rule of rules) {
      const doc = join(repo, rule.meta.docs);
      try {
        docExamples(readFileSync(doc, 'utf8')).forEach((e, i) => corpus.push({ name: `${rule.meta.docs}#${i + 1}`, code: e.code, ...(e.path ? { path: e.path } : {}) }));
      } catch {
        // a missing doc is the docs test's business
      }
    }
    expect(corpus.length).toBeGreaterThan(10);
    let skipped = 0;
    for (const item of corpus) {
      if (prefilter.relevant(item.code)) continue;
      skipped++;
      expect(findingsFor(rules, item.code, item.path).map((f) => f.ruleId), `${item.name} was skipped but has findings`).toEqual([]);
    }
    // The check is only meaningful if some files are actually skipped and some are not.
    expect(skipped).toBeLessThan(corpus.length);
  });

  it('matches whole identifiers only', () => {
    const p = prefilterFor([{ meta: { prefilter: ['dma_iova_link'] } } as never]);
    expect(p.relevant('x = dma_iova_link(dev);')).toBe(true);
    expect(p.relevant('x = my_dma_iova_link2(dev);')).toBe(false);
    expect(p.relevant('/* dma_iova_linked */ int y;')).toBe(false);
  });

  it("lets a file through on a rule's pattern when it names none of the words", () => {
    const p = prefilterFor([{ meta: { prefilter: ['dma_iova_link'], prefilterPattern: /\bu64\s+\w*limit\s*[,)]/ } } as never]);
    expect(p.relevant('static int f(u64 addr, u64 dma_limit)\n{\n\treturn addr > dma_limit;\n}\n')).toBe(true);
    expect(p.relevant('static int f(u64 addr, u64 *dma_limit);')).toBe(false);
    // a global pattern's lastIndex does not carry over from one file to the next
    const g = prefilterFor([{ meta: { prefilter: [], prefilterPattern: /\bu64 limit\b/g } } as never]);
    expect(g.relevant('u64 limit')).toBe(true);
    expect(g.relevant('u64 limit')).toBe(true);
  });

  it('finds the same on one thread and on a pool, in the same order', async () => {
    const dir = join(repo, 'fixtures');
    const one = await scanTree({ paths: [dir], root: repo, jobs: 1, settings: settings() });
    const pool = await scanTree({ paths: [dir], root: repo, jobs: 3, settings: settings() });
    expect(pool.scan!.files).toBe(one.scan!.files);
    expect(key(pool)).toEqual(key(one));
    expect(pool.functions.map((f) => `${f.file}:${f.name}`)).toEqual(one.functions.map((f) => `${f.file}:${f.name}`));
    expect(one.scan!.prefiltered).toBeGreaterThan(0);
    const unfiltered = await scanTree({ paths: [dir], root: repo, jobs: 1, settings: settings({ prefilter: false }) });
    expect(unfiltered.scan!.prefiltered).toBe(0);
    expect(key(unfiltered)).toEqual(key(one));
  });

  it('reuses cached results, and recomputes a changed file', async () => {
    const tree = mkdtempSync(join(tmpdir(), 'iovalint-scan-'));
    const cache = join(tree, '.cache');
    mkdirSync(join(tree, 'drivers'));
    const code = 'static int f(struct device *dev)\n{\n\treturn dma_set_mask(dev, DMA_BIT_MASK(64)) ? 0 : 1;\n}\n';
    writeFileSync(join(tree, 'drivers/a.c'), code);
    writeFileSync(join(tree, 'drivers/b.c'), code.replace('f(', 'g('));
    const first = await scanTree({ paths: [join(tree, 'drivers')], root: tree, jobs: 1, settings: settings({ cacheDir: cache, prefilter: false }) });
    expect(first.scan!.cached).toBe(0);
    const second = await scanTree({ paths: [join(tree, 'drivers')], root: tree, jobs: 2, settings: settings({ cacheDir: cache, prefilter: false }) });
    expect(second.scan!.cached).toBe(2);
    expect(key(second)).toEqual(key(first));
    expect(second.functions).toEqual(first.functions);
    writeFileSync(join(tree, 'drivers/b.c'), code.replace('f(', 'h('));
    const third = await scanTree({ paths: [join(tree, 'drivers')], root: tree, jobs: 1, settings: settings({ cacheDir: cache, prefilter: false }) });
    expect(third.scan!.cached).toBe(1);
    expect(third.functions.map((f) => f.name)).toEqual(['f', 'h']);
    const otherConfig = await scanTree({ paths: [join(tree, 'drivers')], root: tree, jobs: 1, settings: settings({ cacheDir: cache, prefilter: false, sim: true }) });
    expect(otherConfig.scan!.cached).toBe(0);
  });

  it('a walked file that is not C is listed as not checked; a named one is an error', async () => {
    const tree = mkdtempSync(join(tmpdir(), 'iovalint-scan-'));
    writeFileSync(join(tree, 'notes.c'), 'These are notes about dma_iova_link, in prose.\nNot C at all!\nNot one line of it.\n');
    const walked = await scanTree({ paths: [tree], root: tree, jobs: 1, settings: settings() });
    expect(walked.notChecked).toEqual([{ file: 'notes.c', reason: expect.stringMatching(/^not C/) }]);
    await expect(scanTree({ paths: [join(tree, 'notes.c')], root: tree, jobs: 1, settings: settings() })).rejects.toThrow(/not C/);
  });
});
