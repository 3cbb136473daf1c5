// Bad input (DESIGN.md §3, issue 2 item 7): each is an InputError with one line naming file and
// line. A patch that does not apply to --tree is tested in series.test.ts, git errors in git.test.ts.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InputError, buildChangeSet, parsePatchInput, readPatchSource } from '../../patch/index.js';
import { fixturePath, readFixture, scratchDir } from './helpers.js';

function errorOf(run: () => unknown): InputError {
  try {
    run();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

async function asyncErrorOf(promise: Promise<unknown>): Promise<InputError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

const parse = (text: string, origin = 'input.patch') => () => parsePatchInput(text, origin);

describe('bad input is one clear line', () => {
  it('empty input', () => {
    expect(errorOf(parse('')).oneLine()).toBe('input.patch: empty input');
    expect(errorOf(parse(' \n\n\t\n')).oneLine()).toBe('input.patch: empty input');
  });

  it('a file that is not a patch', () => {
    expect(errorOf(parse(readFixture('not-a-patch.txt'), 'not-a-patch.txt')).oneLine()).toBe(
      "not-a-patch.txt: not a patch: no 'diff --git', '---'/'+++' header or '@@' hunk at any quote level",
    );
    const mbox = 'From 1 Mon Sep 17 00:00:00 2001\nSubject: hello\n\nno diff\n\nFrom 2 Mon Sep 17 00:00:00 2001\nSubject: again\n\nnone\n';
    expect(errorOf(parse(mbox, 'thread.mbox')).oneLine()).toBe('thread.mbox: not a patch: none of the 2 message(s) holds a diff');
  });

  it('a hunk with fewer lines than its header says', () => {
    expect(errorOf(parse(readFixture('bad-count.mbox'), 'bad-count.mbox')).oneLine()).toBe(
      'bad-count.mbox:15: drivers/iommu/dma-iommu.c: hunk @@ -15,6 +15,10 @@ has 9 new lines, header says 10',
    );
  });

  it('a hunk with more lines than its header says', () => {
    const text = readFixture('plain.diff').replace('@@ -15,6 +15,9 @@', '@@ -15,6 +15,8 @@');
    expect(errorOf(parse(text, 'plain.diff')).oneLine()).toBe('plain.diff:23: drivers/iommu/dma-iommu.c: hunk @@ -15,6 +15,8 @@ has 9 new lines, header says 8');
    const old = readFixture('plain.diff').replace('@@ -27,7 +30,6 @@', '@@ -27,6 +30,6 @@');
    expect(errorOf(parse(old, 'plain.diff')).oneLine()).toBe('plain.diff:33: drivers/iommu/dma-iommu.c: hunk @@ -27,6 +30,6 @@ has 7 old lines, header says 6');
  });

  it('a hunk with no file header', () => {
    expect(errorOf(parse('intro\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n', 'x.diff')).oneLine()).toBe('x.diff:2: hunk @@ -1,2 +1,2 @@ has no file header (---/+++ lines) above it');
  });

  it('a lone binary diff, while a binary file among text changes is listed, not refused', () => {
    expect(errorOf(parse(readFixture('binary-only.diff'), 'binary-only.diff')).oneLine()).toBe(
      'binary-only.diff:1: firmware/iova-table.bin: binary diff, and the input holds nothing but binary diffs to review',
    );
    const cs = buildChangeSet(parsePatchInput(readFixture('format-patch.patch'), 'format-patch.patch'));
    expect(cs.files.filter((f) => f.binary).map((f) => f.path)).toEqual(['firmware/iova-table.bin']);
  });

  it('paths that leave the tree', () => {
    const text = 'diff --git a/../etc/passwd b/../etc/passwd\n--- a/../etc/passwd\n+++ b/../etc/passwd\n@@ -1 +1 @@\n-a\n+b\n';
    expect(errorOf(parse(text, 'evil.diff')).oneLine()).toBe("evil.diff:1: unusable path '../etc/passwd' in diff header ('..' in path)");
  });

  it('line numbers no file has', () => {
    const text = 'diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1 +999999999 @@\n-a\n+b\n';
    expect(errorOf(parse(text, 'huge.diff')).oneLine()).toBe('huge.diff:4: x.c: hunk @@ -1 +999999999 @@ reaches line 1000000000, beyond the limit of 5000000');
  });

  it('input over the size limit', async () => {
    expect(errorOf(() => parsePatchInput(readFixture('plain.diff'), 'plain.diff', { maxBytes: 100 })).oneLine()).toMatch(
      /^plain\.diff: input is \d+ bytes, over the size limit of 100 bytes$/,
    );
    const fromFile = await asyncErrorOf(readPatchSource(fixturePath('plain.diff'), { maxBytes: 100 }));
    expect(fromFile.oneLine()).toMatch(/plain\.diff: input is \d+ bytes, over the size limit of 100 bytes$/);
    const stdin = Readable.from([Buffer.alloc(60, 'a'), Buffer.alloc(60, 'b')]);
    expect((await asyncErrorOf(readPatchSource('-', { maxBytes: 100, stdin }))).oneLine()).toBe('<stdin>: input is over the size limit of 100 bytes');
  });

  it('an unreadable path', async () => {
    expect((await asyncErrorOf(readPatchSource('/nonexistent/series.mbox'))).oneLine()).toBe('/nonexistent/series.mbox: cannot read: no such file or directory');
    expect((await asyncErrorOf(readPatchSource(fixturePath('trees')))).oneLine()).toMatch(/trees: is a directory, not a patch file$/);
  });

  it('reads stdin and files within the limit', async () => {
    const stdin = Readable.from([Buffer.from(readFixture('plain.diff'))]);
    const source = await readPatchSource('-', { stdin });
    expect(source.origin).toBe('<stdin>');
    expect(parsePatchInput(source.text, source.origin).patches[0]!.files).toHaveLength(3);
    const { dir, cleanup } = scratchDir();
    try {
      writeFileSync(join(dir, 'p.diff'), readFixture('quilt.diff'));
      expect((await readPatchSource(join(dir, 'p.diff'))).text).toBe(readFixture('quilt.diff'));
    } finally {
      cleanup();
    }
  });

  it('messages are single lines without stack traces', () => {
    for (const text of ['', readFixture('not-a-patch.txt'), readFixture('bad-count.mbox'), readFixture('binary-only.diff')]) {
      const line = errorOf(parse(text)).oneLine();
      expect(line).not.toContain('\n');
      expect(line).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });
});
