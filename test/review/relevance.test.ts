// The relevance gate skips a rule on functions that name none of its words and call no function
// that does. It is a speed-up only: on every fixture, doc example and patch fixture the findings
// are the same with it on and off.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildChangeSet, parsePatchInput } from '../../patch/index.js';
import type { ChangeSet } from '../../patch/types.js';
import { parseFile } from '../../c/index.js';
import { defaultConfig } from '../../review/config.js';
import { registeredRules } from '../../review/defaults.js';
import { reviewSync } from '../../review/index.js';
import { RelevanceGate } from '../../review/relevance.js';
import type { Report } from '../../review/types.js';
import type { Rule } from '../../rules/types.js';
import { changeSetFor, docExamples } from '../rules/rule-tester.js';

const repo = new URL('../..', import.meta.url).pathname;

function filesUnder(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path, pattern));
    else if (pattern.test(name)) out.push(path);
  }
  return out;
}

const rendered = (r: Report): string[] => r.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.severity} ${f.message}`);

function allRulesConfig() {
  const config = defaultConfig();
  // opt-in options too, so the gate is tried on every report a rule can make
  for (const rule of registeredRules()) config.rules[rule.meta.id] = { enabled: true, options: { ...(config.rules[rule.meta.id]?.options ?? {}), latent: true } };
  return config;
}

function both(changeSet: () => ChangeSet): { on: string[]; off: string[] } {
  const config = allRulesConfig();
  const on = rendered(reviewSync(changeSet(), { simulator: false, config }));
  const off = rendered(reviewSync(changeSet(), { simulator: false, config, relevanceGate: false }));
  return { on, off };
}

describe('the relevance gate', () => {
  it('changes no finding on any C fixture or rule doc example', () => {
    const corpus: Array<{ name: string; code: string; path?: string }> = filesUnder(join(repo, 'fixtures'), /\.[ch]$/).map((p) => ({
      name: relative(repo, p),
      code: readFileSync(p, 'utf8'),
    }));
    for (const rule of registeredRules()) {
      docExamples(readFileSync(join(repo, rule.meta.docs), 'utf8')).forEach((e, i) =>
        corpus.push({ name: `${rule.meta.docs}#${i + 1}`, code: e.code, ...(e.path ? { path: e.path } : {}) }),
      );
    }
    expect(corpus.length).toBeGreaterThan(100);
    let withFindings = 0;
    for (const item of corpus) {
      const { on, off } = both(() => changeSetFor(item.code, item.path));
      expect(on, item.name).toEqual(off);
      if (off.length) withFindings++;
    }
    // meaningful only when many of them report
    expect(withFindings).toBeGreaterThan(50);
  });

  it('changes no finding on any patch fixture (partial functions, baselines of the pre-image)', () => {
    const patches = [
      ...filesUnder(join(repo, 'fixtures/no-tree'), /\.diff$/),
      ...filesUnder(join(repo, 'fixtures/patch'), /\.(patch|diff|mbox|eml)$/).filter((p) => !/bad-count|binary-only/.test(p)),
      join(repo, 'fixtures/examples/xfer-series.mbox'),
    ];
    expect(patches.length).toBeGreaterThan(20);
    let withFindings = 0;
    for (const path of patches) {
      const text = readFileSync(path, 'utf8');
      const { on, off } = both(() => buildChangeSet(parsePatchInput(text, relative(repo, path))));
      expect(on, relative(repo, path)).toEqual(off);
      if (off.length) withFindings++;
    }
    expect(withFindings).toBeGreaterThan(10);
  });

  it('lets in the functions that name a word, and their callers, transitively; keeps others out', () => {
    const file = parseFile(
      'drivers/demo.c',
      [
        'static int leaf(struct device *dev, void *s) { return dma_iova_link(dev, s, 0, 0, 4096, 0, 0); }',
        'static int middle(struct device *dev, void *s) { return leaf(dev, s); }',
        'int top(struct device *dev, void *s) { return middle(dev, s) + 1; }',
        'int unrelated(int a) { return a * 2; }',
        'int mentions_in_comment(int a) { /* dma_iova_link */ return a; }',
        'int own_word(int a) { return special_word(a); }',
        '',
      ].join('\n'),
    );
    const gate = new RelevanceGate([file]);
    const names = (rule: Rule): string[] => file.functions.filter((fn) => gate.allows(rule, fn)).map((fn) => fn.name);
    // the model's identifiers let every rule in; a rule's own prefilter adds its words
    expect(names({ meta: {} } as unknown as Rule)).toEqual(['leaf', 'middle', 'top', 'mentions_in_comment']);
    expect(names({ meta: { prefilter: ['special_word'] } } as unknown as Rule)).toEqual(['leaf', 'middle', 'top', 'mentions_in_comment', 'own_word']);
  });
});
