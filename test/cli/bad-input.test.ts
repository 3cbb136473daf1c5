// Every bad input: exit 2, one clear line on stderr, no stack trace, no partial output file.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'iovalint-cli-bad-'));
const write = (name: string, text: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

function expectOneLineError(args: string[], pattern: RegExp, input?: string): void {
  const output = join(dir, `out-${Math.random().toString(36).slice(2)}.sarif`);
  const result = runCli([...args, '--output', output, '--format', 'sarif'], input === undefined ? {} : { input });
  expect(result.code).toBe(2);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^iovalint: /);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stdout).toBe('');
  expect(existsSync(output)).toBe(false);
}

const cFile = ['int f(int x)', '{', '\treturn x;', '}', ''].join('\n');
const goodPatch = [
  'diff --git a/drivers/x.c b/drivers/x.c',
  '--- a/drivers/x.c',
  '+++ b/drivers/x.c',
  '@@ -1,4 +1,5 @@',
  ' int f(int x)',
  ' {',
  '+\tx++;',
  ' \treturn x;',
  ' }',
  '',
].join('\n');

describe('bad input', () => {
  it('empty input', () => expectOneLineError([write('empty.patch', '')], /empty\.patch: empty input$/));
  it('empty stdin', () => expectOneLineError(['-'], /<stdin>: empty input$/, ''));
  it('a file that is not a patch', () => expectOneLineError([write('notes.txt', 'Just some notes.\nNothing else.\n')], /notes\.txt: not a patch/));
  it('a hunk whose line counts are wrong names the file and hunk', () =>
    expectOneLineError([write('count.patch', goodPatch.replace('@@ -1,4 +1,5 @@', '@@ -1,4 +1,7 @@'))], /count\.patch:\d+: .*drivers\/x\.c.*@@ -1,4 \+1,7 @@/));
  it('a patch that does not apply to --tree names the hunk', () => {
    const tree = join(dir, 'tree');
    write('tree-marker', '');
    const treeFile = join(tree, 'drivers');
    mkdirSync(treeFile, { recursive: true });
    writeFileSync(join(treeFile, 'x.c'), cFile.replace('return x;', 'return x + 1;'));
    expectOneLineError([write('noapply.patch', goodPatch), '--tree', tree], /drivers\/x\.c: hunk #1 \(@@ -1,4 \+1,5 @@\) does not apply/);
  });
  it('a binary diff', () =>
    expectOneLineError([write('bin.patch', 'diff --git a/fw.bin b/fw.bin\nindex 1111111..2222222 100644\nBinary files a/fw.bin and b/fw.bin differ\n')], /binary/));
  it('an input over the size limit', () => expectOneLineError([write('big.patch', goodPatch), '--max-bytes', '100'], /big\.patch: input is \d+ bytes, over the size limit of 100 bytes/));
  it('a bad --max-bytes value', () => expectOneLineError([write('ok.patch', goodPatch), '--max-bytes', 'lots'], /--max-bytes: 'lots' is not a size/));
  it('an unreadable path', () => expectOneLineError([join(dir, 'missing.patch')], /missing\.patch: .*(no such file|ENOENT)/));
  it('an unreadable file (permissions)', () => {
    if (process.getuid?.() === 0) return; // root reads everything; the missing-file case covers it
    const path = write('secret.patch', goodPatch);
    chmodSync(path, 0o000);
    expectOneLineError([path], /secret\.patch: .*permission denied/i);
  });
  it('a .c file that is not C', () =>
    expectOneLineError(['--file', write('readme.c', 'This file only has prose in it.\nIt was named .c by mistake, and it is not C!\nNo code here.\n')], /readme\.c: not C/));
  it('an unknown option and an unknown rule', () => {
    expectOneLineError(['--frobnicate'], /unknown option '--frobnicate'/);
    expectOneLineError([write('ok2.patch', goodPatch), '--rule', 'iova/nope'], /unknown rule 'iova\/nope'/);
  });
  it('a bad config file names the key, the file and the line', () => {
    const config = write('bad.yml', 'rules: {}\nflavour: strong\n');
    expectOneLineError([write('ok3.patch', goodPatch), '--config', config], /bad\.yml:2: unknown key 'flavour'/);
  });
  it('conflicting inputs', () => expectOneLineError([write('ok4.patch', goodPatch), '--git', 'A..B'], /not several of them/));
});
