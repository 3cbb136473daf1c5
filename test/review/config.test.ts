import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, findConfigFile, loadConfigFile, parseConfig } from '../../review/config.js';

const known = new Set(['iova/size-zero-guard', 'dma/mask-source']);

function errorOf(text: string, app = false): string {
  try {
    parseConfig(text, '.iovalint.yml', known, app);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).oneLine();
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('reads rule levels, options, globs, sim and ignores', () => {
    const config = parseConfig(
      [
        'rules:',
        '  iova/size-zero-guard: off',
        '  dma/mask-source:',
        '    severity: warning',
        '    options: { allow: [foo] }',
        'include: ["drivers/**"]',
        'exclude: drivers/staging/**',
        'sim:',
        '  implements: { iommu_dma_iova_alloc: dma_iova_try_alloc }',
        '  max-steps: 5000',
        'ignore:',
        '  - { path: "drivers/x/*.c", rule: dma/mask-source, fingerprint: abc }',
      ].join('\n'),
      '.iovalint.yml',
      known,
    );
    expect(config.rules['iova/size-zero-guard']).toEqual({ enabled: false, options: {} });
    expect(config.rules['dma/mask-source']).toEqual({ enabled: true, severity: 'warning', options: { allow: ['foo'] } });
    expect(config.include).toEqual(['drivers/**']);
    expect(config.exclude).toEqual(['drivers/staging/**']);
    expect(config.sim.implements).toEqual({ iommu_dma_iova_alloc: 'dma_iova_try_alloc' });
    expect(config.sim.maxSteps).toBe(5000);
    expect(config.ignore).toEqual([{ path: 'drivers/x/*.c', rule: 'dma/mask-source', fingerprint: 'abc' }]);
  });

  it('an empty file is the default config', () => {
    expect(parseConfig('', 'c.yml', known).rules).toEqual({});
  });

  it('names the unknown key, the file and the line', () => {
    expect(errorOf('rules:\n  iova/size-zero-guard: off\ncolour: red\n')).toBe(".iovalint.yml:3: unknown key 'colour'");
  });

  it('rejects unknown rules and bad levels with their line', () => {
    expect(errorOf('rules:\n  iova/nope: off\n')).toBe(".iovalint.yml:2: unknown rule 'iova/nope' in 'rules'");
    expect(errorOf('rules:\n  dma/mask-source: loud\n')).toBe(".iovalint.yml:2: 'rules.dma/mask-source' must be off, on, error, warning or note");
    expect(errorOf('rules:\n  dma/mask-source:\n    level: error\n')).toBe(".iovalint.yml:3: unknown key 'level' in 'rules.dma/mask-source'");
  });

  it('rejects bad values in sim, ignore and globs', () => {
    expect(errorOf('sim:\n  max-steps: -1\n')).toBe(".iovalint.yml:2: 'sim.max-steps' must be a positive integer");
    expect(errorOf('ignore:\n  - { rule: dma/mask-source }\n')).toBe(".iovalint.yml:2: each 'ignore' entry needs 'path' and 'rule'");
    expect(errorOf('include: [1]\n')).toBe(".iovalint.yml:1: 'include' entries must be strings");
    expect(errorOf('rules: [a]\n')).toBe(".iovalint.yml:1: 'rules' must be a mapping");
  });

  it('rejects YAML syntax errors with a line', () => {
    expect(errorOf('rules:\n  a: [\n')).toMatch(/^\.iovalint\.yml:\d+: not valid YAML/);
    expect(errorOf('rules: {}\nrules: {}\n')).toMatch(/not valid YAML/);
  });

  it('app keys only in the app config, validated there', () => {
    expect(errorOf('comments: off\n')).toBe(".iovalint.yml:1: key 'comments' is only valid in the GitHub App's .github/iovalint.yml");
    const app = parseConfig('comments: annotations-only\ndrafts: true\nconclusion: { warning: failure }\nlimits: { files: 10 }\n', 'x', known, true);
    expect(app.app.comments).toBe('annotations-only');
    expect(app.app.drafts).toBe(true);
    expect(app.app.conclusion.warning).toBe('failure');
    expect(app.app.limits.files).toBe(10);
    expect(errorOf('comments: loud\n', true)).toBe(".iovalint.yml:1: 'comments' must be review, annotations-only or off, not 'loud'");
  });

  it('finds .iovalint.yml in a directory and reports unreadable files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iovalint-config-'));
    expect(findConfigFile(dir)).toBeUndefined();
    writeFileSync(join(dir, '.iovalint.yml'), 'rules:\n  dma/mask-source: note\n');
    const path = findConfigFile(dir)!;
    expect(loadConfigFile(path, known).rules['dma/mask-source']!.severity).toBe('note');
    expect(() => loadConfigFile(join(dir, 'missing.yml'), known)).toThrow(/cannot read config: ENOENT/);
  });
});
