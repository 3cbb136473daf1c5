// The README is where a user learns the tool: it must stay in step with the code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../cli/main.js';
import { registeredRules } from '../review/defaults.js';
import { FORMATS } from '../report/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('has a quick start of exactly two commands: the example series, then the tests', () => {
    const section = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## Using it'));
    const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!.trim().split('\n');
    expect(block).toHaveLength(2);
    expect(block[0]).toMatch(/npx iovalint fixtures\/examples\/\S+/);
    expect(block[1]).toBe('npm test');
  });

  it('lists every rule with its default severity and doc', () => {
    const catalog = readme.slice(readme.indexOf('<!-- rules:begin -->'), readme.indexOf('<!-- rules:end -->'));
    for (const rule of registeredRules()) {
      expect(catalog).toContain(`| [\`${rule.meta.id}\`](${rule.meta.docs}) | ${rule.meta.severity} |`);
    }
  });

  it('documents every flag of the command and every format', () => {
    for (const option of buildProgram().options) {
      const flag = option.long!;
      expect(readme, flag).toContain(flag.replace(/^--no-/, '--no-'));
    }
    for (const format of FORMATS) expect(readme).toContain(`| \`${format}\` |`);
    for (const code of ['| 0 |', '| 1 |', '| 2 |']) expect(readme).toContain(code);
  });
});
