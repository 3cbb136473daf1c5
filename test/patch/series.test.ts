// A series applied in order, without a tree and with one (--tree): later patches move earlier
// patches' lines, and every changed line remembers the patch that last wrote it.

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError, applyToTree, buildChangeSet, parsePatchInput, type ChangeSet } from '../../patch/index.js';
import { fileOf, knownLinesMismatches, range, readFixture, scratchDir } from './helpers.js';

const series = parsePatchInput(readFixture('series.mbox'), 'series.mbox');
const DMA = 'drivers/iommu/dma-iommu.c';
// Patch 1 (index 0) adds dma_iova_try_alloc at its lines 42..71; patch 3 (index 2) adds three
// lines at 18..20 and drops one at 31, so the function ends up at 44..73, and rewrites line 61.
const expectedOrigin = new Map<number, number>([
  ...[18, 19, 20].map((n): [number, number] => [n, 2]),
  ...range(44, 73).map((n): [number, number] => [n, n === 61 ? 2 : 0]),
]);

function originOf(cs: ChangeSet, path: string): Map<number, number> {
  return fileOf(cs, path).lineOrigin;
}

describe('series without a tree', () => {
  const cs = buildChangeSet(series);

  it('rebuilds each file once, in final post-image coordinates', () => {
    expect(cs.files.map((f) => f.path)).toEqual([DMA, 'Documentation/core-api/dma-iova.rst', 'block/blk-mq-dma.c', 'include/linux/dma-mapping.h']);
    for (const f of cs.files) {
      expect(f.partial).toBe(true);
      expect(knownLinesMismatches(f, readFixture(`trees/after-series/${f.path}`))).toEqual([]);
    }
  });

  it("moves patch 1's lines by patch 3's shift and credits each line to its last writer", () => {
    expect([...originOf(cs, DMA)].sort((a, b) => a[0] - b[0])).toEqual([...expectedOrigin].sort((a, b) => a[0] - b[0]));
    expect([...fileOf(cs, DMA).changedLines].sort((a, b) => a - b)).toEqual([...expectedOrigin.keys()].sort((a, b) => a - b));
    expect([...originOf(cs, 'block/blk-mq-dma.c').values()].every((p) => p === 1)).toBe(true);
  });

  it('marks where lines were deleted', () => {
    expect([...fileOf(cs, DMA).deletionPoints].sort((a, b) => a - b)).toEqual([32, 60]);
  });

  it('keeps every hunk with the patch it came from', () => {
    expect(fileOf(cs, DMA).hunks.map((h) => [h.patch, h.oldStart, h.newStart])).toEqual([
      [0, 39, 39],
      [2, 15, 15],
      [2, 27, 30],
      [2, 56, 58],
    ]);
  });

  it('rebuilds the pre-image lines the hunks showed', () => {
    const pre = fileOf(cs, DMA).preImage!.split('\n');
    const base = readFixture(`trees/base/${DMA}`).split('\n');
    for (const n of [15, 16, 17, 27, 28, 29, 30, 39, 40, 41]) expect(pre[n - 1]).toBe(base[n - 1]);
    expect(pre[0]).toBe('');
  });

  it('rejects a series whose later patch contradicts an earlier one', () => {
    const broken = readFixture('series.mbox').replace('-\tif (!size)\n+\tif (WARN_ON_ONCE', '-\tif (size == 0)\n+\tif (WARN_ON_ONCE');
    expect(() => buildChangeSet(parsePatchInput(broken, 'broken.mbox'))).toThrowError(
      /^drivers\/iommu\/dma-iommu\.c: hunk #3 \(@@ -56,7 \+58,7 @@\) does not fit the file as the earlier patches left it: line 59 is '\tif \(!size\)', the hunk expects '\tif \(size == 0\)' \(patch 3\/3\)$/,
    );
  });
});

describe('series with --tree', () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());

  function tree(): string {
    const scratch = scratchDir('trees/base');
    cleanup = scratch.cleanup;
    return scratch.dir;
  }

  it('gives whole post-images and pre-images, and the same changed lines as without a tree', () => {
    const dir = tree();
    const cs = applyToTree(series, dir);
    for (const f of cs.files) {
      const expected = readFixture(`trees/after-series/${f.path}`);
      expect(f.partial).toBe(false);
      expect(f.postImage).toBe(expected);
      expect(f.preImage).toBe(readFixture(`trees/base/${f.path}`));
      expect(f.knownLines).toEqual([[1, expected.split('\n').length - 1]]);
    }
    const sparse = buildChangeSet(series);
    for (const f of cs.files) {
      expect([...f.lineOrigin]).toEqual([...fileOf(sparse, f.path).lineOrigin]);
      expect([...f.deletionPoints]).toEqual([...fileOf(sparse, f.path).deletionPoints]);
    }
  });

  it('finds hunks whose code moved, like patch does, and numbers lines in the real file', () => {
    const dir = tree();
    const file = join(dir, DMA);
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('#include <linux/swiotlb.h>\n', '#include <linux/swiotlb.h>\n#include <linux/bug.h>\n#include <linux/err.h>\n'));
    const dma = fileOf(applyToTree(series, dir), DMA);
    expect(dma.partial).toBe(false);
    expect([...dma.changedLines].sort((a, b) => a - b)).toEqual([...expectedOrigin.keys()].map((n) => n + 2).sort((a, b) => a - b));
    expect(dma.postImage!.split('\n')[62]).toBe('\tif (WARN_ON_ONCE(size & DMA_IOVA_USE_SWIOTLB))');
  });

  it('names the file and hunk that do not apply', () => {
    const dir = tree();
    const file = join(dir, DMA);
    writeFileSync(file, readFileSync(file, 'utf8').replace('\tunsigned long shift, iova_len;\n', '\tunsigned long shift;\n\tunsigned long iova_len;\n'));
    let error: unknown;
    try {
      applyToTree(series, dir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    const line = (error as InputError).oneLine();
    expect(line).toBe(
      `series.mbox:148: drivers/iommu/dma-iommu.c: hunk #1 (@@ -15,6 +15,9 @@) does not apply to ${file}: its lines are not found within 1000 lines of line 15 (patch 3/3)`,
    );
  });

  it('refuses a patch to a file the tree does not have', () => {
    const scratch = scratchDir('trees/after-series');
    cleanup = scratch.cleanup;
    const dir = scratch.dir;
    rmSync(join(dir, 'drivers/iommu/iova-helpers.c'));
    const parsed = parsePatchInput(readFixture('format-patch.patch'), 'format-patch.patch');
    expect(() => applyToTree(parsed, dir)).toThrowError(/drivers\/iommu\/iova-helpers\.c: not found in .*drivers\/iommu\/iova-helpers\.c, but the patch changes it/);
  });

  it('refuses a missing tree directory', () => {
    expect(() => applyToTree(series, '/nonexistent/tree')).toThrowError(/^tree directory not found: \/nonexistent\/tree$/);
  });
});

describe('a rename, new, deleted, binary and mode-only change with --tree', () => {
  it('applies exactly and leaves binary files alone', () => {
    const { dir, cleanup } = scratchDir('trees/after-series');
    try {
      const cs = applyToTree(parsePatchInput(readFixture('format-patch.patch'), 'format-patch.patch'), dir);
      for (const f of cs.files) {
        if (f.status === 'deleted') {
          expect(f.preImage).toBe(readFixture(`trees/after-series/${f.path}`));
          expect(f.partial).toBe(false);
        } else if (!f.binary) {
          expect(f.postImage).toBe(readFixture(`trees/after-move/${f.path}`));
          expect(f.partial).toBe(false);
        }
      }
      expect(fileOf(cs, 'drivers/iommu/iova-util.c').preImage).toBe(readFixture('trees/after-series/drivers/iommu/iova-helpers.c'));
      expect(fileOf(cs, 'firmware/iova-table.bin').postImage).toBeUndefined();
      expect(fileOf(cs, 'include/linux/iova-last.h').postImage!.endsWith('2')).toBe(true);
    } finally {
      cleanup();
    }
  });

  it('refuses to create a file the tree already has', () => {
    const { dir, cleanup } = scratchDir('trees/after-series');
    try {
      writeFileSync(join(dir, 'drivers/iommu/iova-selftest.c'), '// already here\n');
      expect(() => applyToTree(parsePatchInput(readFixture('format-patch.patch'), 'format-patch.patch'), dir)).toThrowError(
        /drivers\/iommu\/iova-selftest\.c: created by the patch, but it already exists/,
      );
    } finally {
      cleanup();
    }
  });
});

describe('a copy', () => {
  const copy = [
    'diff --git a/drivers/iommu/iova-helpers.c b/drivers/iommu/iova-copy.c',
    'similarity index 93%',
    'copy from drivers/iommu/iova-helpers.c',
    'copy to drivers/iommu/iova-copy.c',
    '--- a/drivers/iommu/iova-helpers.c',
    '+++ b/drivers/iommu/iova-copy.c',
    '@@ -1,5 +1,5 @@',
    ' // SPDX-License-Identifier: GPL-2.0',
    ' /*',
    '- * Small IOVA helpers (iovalint test fixture).',
    '+ * A copy of the small IOVA helpers (iovalint test fixture).',
    '  */',
    ' #include <linux/iova.h>',
    '',
  ].join('\n');

  it('is an added file that remembers its source, with the copy applied to the source text', () => {
    const parsed = parsePatchInput(copy, 'copy.diff');
    expect(parsed.patches[0]!.files[0]).toMatchObject({ kind: 'copy', oldPath: 'drivers/iommu/iova-helpers.c', newPath: 'drivers/iommu/iova-copy.c', similarity: 93 });
    const sparse = fileOf(buildChangeSet(parsed), 'drivers/iommu/iova-copy.c');
    expect(sparse).toMatchObject({ status: 'added', oldPath: 'drivers/iommu/iova-helpers.c', partial: true });
    expect([...sparse.changedLines]).toEqual([3]);
    const { dir, cleanup } = scratchDir('trees/after-series');
    try {
      const cs = applyToTree(parsed, dir);
      expect(cs.files.map((f) => f.path)).toEqual(['drivers/iommu/iova-copy.c']);
      const full = fileOf(cs, 'drivers/iommu/iova-copy.c');
      const source = readFixture('trees/after-series/drivers/iommu/iova-helpers.c');
      expect(full.partial).toBe(false);
      expect(full.postImage).toBe(source.replace(' * Small IOVA', ' * A copy of the small IOVA'));
    } finally {
      cleanup();
    }
  });
});
