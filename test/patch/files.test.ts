// --file PATH…: whole files; directories walked for .c/.h files in a fixed order, once each.

import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, changeSetFromFiles, walkSourceFiles } from '../../patch/index.js';
import { fixturePath, range, readFixture, scratchDir } from './helpers.js';

async function collect(dir: string, opts = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const path of walkSourceFiles(dir, opts)) out.push(path);
  return out;
}

describe('--file', () => {
  it('counts every line of a file as changed', async () => {
    const path = fixturePath('trees/base/drivers/iommu/dma-iommu.c');
    const cs = await changeSetFromFiles([path], { root: fixturePath('trees/base') });
    expect(cs.wholeFiles).toBe(true);
    expect(cs.patches).toEqual([]);
    const [file] = cs.files;
    expect(file!.path).toBe('drivers/iommu/dma-iommu.c');
    expect(file!.partial).toBe(false);
    expect(file!.postImage).toBe(readFixture('trees/base/drivers/iommu/dma-iommu.c'));
    expect([...file!.changedLines]).toEqual(range(1, 41));
    expect(file!.knownLines).toEqual([[1, 41]]);
  });

  it('walks a directory for C files only, sorted, and lists a non-C file named explicitly', async () => {
    const root = fixturePath('trees/after-move');
    const cs = await changeSetFromFiles([root, join(root, 'Documentation/core-api/dma-iova.rst')], { root });
    expect(cs.files.map((f) => [f.path, f.isC])).toEqual([
      ['block/blk-mq-dma.c', true],
      ['drivers/iommu/dma-iommu.c', true],
      ['drivers/iommu/iova-selftest.c', true],
      ['drivers/iommu/iova-util.c', true],
      ['include/linux/dma-mapping.h', true],
      ['include/linux/iova-last.h', true],
      ['Documentation/core-api/dma-iova.rst', false],
    ]);
    // No final newline: the last line still counts.
    expect([...cs.files[5]!.changedLines]).toEqual([1, 2]);
  });

  it('names a path that cannot be read', async () => {
    await expect(changeSetFromFiles(['/nonexistent/x.c'])).rejects.toThrowError(new InputError('cannot read: no such file or directory', '/nonexistent/x.c'));
    await expect(changeSetFromFiles(['/nonexistent/x.c'])).rejects.toSatisfy((e: InputError) => e.oneLine() === '/nonexistent/x.c: cannot read: no such file or directory');
  });
});

describe('walkSourceFiles', () => {
  it('enters each directory once, so symlink loops end, and follows links to files', async () => {
    const { dir, cleanup } = scratchDir();
    try {
      mkdirSync(join(dir, 'a/b'), { recursive: true });
      writeFileSync(join(dir, 'a/b/z.c'), 'int z;\n');
      writeFileSync(join(dir, 'a/y.h'), 'int y;\n');
      writeFileSync(join(dir, 'a/notes.txt'), 'no\n');
      symlinkSync('..', join(dir, 'a/b/up'));
      symlinkSync(join(dir, 'a'), join(dir, 'again'));
      symlinkSync(join(dir, 'a/y.h'), join(dir, 'link.h'));
      symlinkSync(join(dir, 'missing.c'), join(dir, 'dangling.c'));
      expect(await collect(dir)).toEqual([join(dir, 'a/b/z.c'), join(dir, 'a/y.h'), join(dir, 'link.h')]);
    } finally {
      cleanup();
    }
  });

  it('is lazy and bounded', async () => {
    const walk = walkSourceFiles(fixturePath('trees/after-move'));
    const first = await walk.next();
    expect(first.value).toMatch(/block\/blk-mq-dma\.c$/);
    await walk.return(undefined);
    await expect(collect(fixturePath('trees/after-move'), { maxFiles: 2 })).rejects.toThrowError(/more than 2 source files/);
  });
});
