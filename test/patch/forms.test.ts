// Each input form on our fixtures: what is recognised, and the ChangeSet rebuilt without a tree.

import { describe, expect, it } from 'vitest';
import { buildChangeSet, parsePatchInput } from '../../patch/index.js';
import { fileOf, knownLinesMismatches, lineOf, range, readFixture } from './helpers.js';

const build = (name: string, text = readFixture(name)) => buildChangeSet(parsePatchInput(text, name));

describe('git format-patch mail', () => {
  const parsed = parsePatchInput(readFixture('format-patch.patch'), 'format-patch.patch');
  const cs = buildChangeSet(parsed);

  it('reads the mail headers into the patch info', () => {
    expect(parsed.form).toBe('mail');
    expect(parsed.patches).toHaveLength(1);
    const info = parsed.patches[0]!.info;
    expect(info.subject).toBe('[PATCH] iommu: move IOVA helpers to iova-util.c and guard the span');
    expect(info.author).toBe('Ada Fixture <ada@example.org>');
    expect(info.date).toMatch(/^Sat, 28 Nov 2026/);
    expect(info.origin).toBe('format-patch.patch:2');
  });

  it('lists every file, C or not, binary or not, in diff order', () => {
    expect(cs.files.map((f) => [f.path, f.status, f.isC, f.binary])).toEqual([
      ['Documentation/core-api/dma-iova.rst', 'modified', false, false],
      ['drivers/iommu/iova-selftest.c', 'added', true, false],
      ['drivers/iommu/iova-util.c', 'renamed', true, false],
      ['drivers/iommu/old-iova.c', 'deleted', true, false],
      ['firmware/iova-table.bin', 'modified', false, true],
      ['include/linux/iova-last.h', 'modified', true, false],
      ['scripts/iova-check.sh', 'modified', false, false],
    ]);
  });

  it('knows a new file completely', () => {
    const added = fileOf(cs, 'drivers/iommu/iova-selftest.c');
    expect(added.partial).toBe(false);
    expect(added.preImage).toBeUndefined();
    expect(added.knownLines).toEqual([[1, 15]]);
    expect([...added.changedLines]).toEqual(range(1, 15));
    expect(added.postImage).toBe(readFixture('trees/after-move/drivers/iommu/iova-selftest.c'));
  });

  it('follows a rename and keeps the hunk lines at their numbers', () => {
    const renamed = fileOf(cs, 'drivers/iommu/iova-util.c');
    expect(renamed.oldPath).toBe('drivers/iommu/iova-helpers.c');
    expect(renamed.partial).toBe(true);
    expect([...renamed.changedLines]).toEqual([15, 16]);
    expect(lineOf(renamed.postImage, 15)).toBe('\tif (size > SIZE_MAX - iova_offset(iovad, phys))');
    expect(lineOf(renamed.postImage, 1)).toBe('');
    expect(knownLinesMismatches(renamed, readFixture('trees/after-move/drivers/iommu/iova-util.c'))).toEqual([]);
    expect(renamed.hunks[0]!.section).toBe('size_t fixture_iova_pad(struct iova_domain *iovad, phys_addr_t phys)');
  });

  it('gives a deleted file no post-image but its removed lines as pre-image', () => {
    const deleted = fileOf(cs, 'drivers/iommu/old-iova.c');
    expect(deleted.postImage).toBeUndefined();
    expect(deleted.changedLines.size).toBe(0);
    expect(deleted.preImage).toBe(readFixture('trees/after-series/drivers/iommu/old-iova.c'));
  });

  it('keeps a missing final newline and marks the replaced line', () => {
    const last = fileOf(cs, 'include/linux/iova-last.h');
    expect(last.postImage).toBe('/* SPDX-License-Identifier: GPL-2.0 */\n#define FIXTURE_IOVA_LAST 2');
    expect([...last.changedLines]).toEqual([2]);
    expect([...last.deletionPoints]).toEqual([1]);
  });

  it('records a mode change and a binary file without content', () => {
    const script = fileOf(cs, 'scripts/iova-check.sh');
    expect(script.hunks).toEqual([]);
    expect(script.changedLines.size).toBe(0);
    const blob = fileOf(cs, 'firmware/iova-table.bin');
    expect(blob.postImage).toBeUndefined();
    expect(parsed.patches[0]!.files.find((f) => f.newPath === 'scripts/iova-check.sh')).toMatchObject({ oldMode: '100644', newMode: '100755' });
  });

  it('undoes format=flowed space-stuffing of a mail', () => {
    const [head, body] = readFixture('format-patch.patch').split(/\n\n(.*)/s) as [string, string];
    const flowed = `${head}\nContent-Type: text/plain; charset=UTF-8; format=flowed\n\n${body.replace(/^ /gm, '  ')}`;
    expect(build('flowed.eml', flowed).files.map((f) => f.postImage)).toEqual(cs.files.map((f) => f.postImage));
  });

  it('reads CRLF mail exactly like LF mail', () => {
    const crlf = build('format-patch.patch', readFixture('format-patch.patch').replace(/\n/g, '\r\n'));
    expect(crlf.files.map((f) => [f.path, f.postImage, [...f.changedLines]])).toEqual(cs.files.map((f) => [f.path, f.postImage, [...f.changedLines]]));
    expect(crlf.patches[0]!.subject).toBe(cs.patches[0]!.subject);
  });
});

describe('plain diffs', () => {
  it('reads a git diff of several files with function context', () => {
    const cs = build('plain.diff');
    expect(cs.files.map((f) => f.path)).toEqual(['block/blk-mq-dma.c', 'drivers/iommu/dma-iommu.c', 'include/linux/dma-mapping.h']);
    const dma = fileOf(cs, 'drivers/iommu/dma-iommu.c');
    expect(dma.hunks.map((h) => h.section)).toEqual([
      'static dma_addr_t fixture_alloc_iova(struct iommu_domain *domain,',
      'static void fixture_free_iova(struct iommu_domain *domain,',
      'static size_t fixture_max_mapping_size(struct device *dev)',
    ]);
    for (const f of cs.files) {
      expect(knownLinesMismatches(f, readFixture(`trees/after-series/${f.path}`))).toEqual([]);
    }
    expect([...dma.deletionPoints]).toEqual([32]);
  });

  it('reads `git show` output with its commit header', () => {
    const show = `commit 134085ff9b8bf4509e26e98fa53efcb5492c99e4\nAuthor: Ada Fixture <ada@example.org>\nDate:   Sat Nov 28 01:35:16 2026 +0000\n\n    iommu/dma: reject zero and flag-sized IOVA allocations\n\n    Signed-off-by: Ada Fixture <ada@example.org>\n\n${readFixture('plain.diff')}`;
    const info = parsePatchInput(show, 'show.txt').patches[0]!.info;
    expect(info).toMatchObject({ subject: 'iommu/dma: reject zero and flag-sized IOVA allocations', author: 'Ada Fixture <ada@example.org>', date: 'Sat Nov 28 01:35:16 2026 +0000' });
  });

  it('ignores colour codes of `git diff --color`', () => {
    const coloured = readFixture('plain.diff').replace(/^([+-].*)$/gm, '\x1b[32m$1\x1b[m').replace(/^(@@.*@@)/gm, '\x1b[36m$1\x1b[m');
    expect(build('coloured.diff', coloured).files.map((f) => f.postImage)).toEqual(build('plain.diff').files.map((f) => f.postImage));
  });

  it('reads a non-git -p1 diff with timestamps and omitted hunk counts', () => {
    const parsed = parsePatchInput(readFixture('quilt.diff'), 'quilt.diff');
    expect(parsed.form).toBe('diff');
    const cs = buildChangeSet(parsed);
    expect(cs.files.map((f) => f.path)).toEqual(['include/linux/iova-version.h', 'drivers/iommu/iova-version.c']);
    const header = fileOf(cs, 'include/linux/iova-version.h');
    expect(header.hunks[0]).toMatchObject({ oldStart: 1, oldLines: 1, newStart: 1, newLines: 1 });
    expect(header.postImage).toBe('#define FIXTURE_IOVA_VERSION 2\n');
    const source = fileOf(cs, 'drivers/iommu/iova-version.c');
    expect([...source.changedLines]).toEqual([6, 7]);
    expect(source.postImage!.endsWith('\t\tFIXTURE_IOVA_VERSION_MINOR;\n}')).toBe(true);
  });
});

describe('quoted-printable mail', () => {
  it('decodes the body before reading the diff', () => {
    const raw = readFixture('qp-mail.eml');
    expect(raw).toContain('=3D');
    const cs = build('qp-mail.eml', raw);
    const dma = fileOf(cs, 'drivers/iommu/dma-iommu.c');
    expect([...dma.changedLines]).toEqual(range(42, 71));
    expect(lineOf(dma.postImage, 62)).toBe('\taddr = fixture_alloc_iova(domain, iova_align(iovad, size + iova_off),');
    expect(lineOf(dma.postImage, 50)).toBe('bool dma_iova_try_alloc(struct device *dev, struct dma_iova_state *state,');
  });
});

describe('mbox series', () => {
  const parsed = parsePatchInput(readFixture('series.mbox'), 'series.mbox');

  it('orders by [PATCH n/m], skips the cover letter, unfolds subjects', () => {
    expect(parsed.form).toBe('mbox');
    expect(parsed.patches.map((p) => p.info.subject)).toEqual([
      '[PATCH 1/3] iommu/dma: add dma_iova_try_alloc()',
      '[PATCH 2/3] block: map requests through the IOVA API when an IOMMU is present',
      '[PATCH 3/3] iommu/dma: reject zero and flag-sized IOVA allocations',
    ]);
    expect(parsed.patches.map((p) => p.info.index)).toEqual([0, 1, 2]);
    expect(parsed.patches.map((p) => p.info.origin)).toEqual(['series.mbox:81', 'series.mbox:23', 'series.mbox:135']);
    expect(parsed.notes.some((n) => /cover letter skipped: \[PATCH 0\/3\]/.test(n))).toBe(true);
  });

  it('reads a CRLF mbox exactly like an LF one', () => {
    const crlf = parsePatchInput(readFixture('series.mbox').replace(/\n/g, '\r\n'), 'series.mbox');
    expect(buildChangeSet(crlf)).toEqual(buildChangeSet(parsed));
  });

  it('keeps file order when the patches are not numbered', () => {
    const unnumbered = readFixture('series.mbox').replace(/\[PATCH (\d)\/3\]/g, '[PATCH]').replace('[PATCH 0/3]', '[PATCH]');
    const order = parsePatchInput(unnumbered, 'x.mbox').patches.map((p) => p.info.subject.slice(8, 20));
    expect(order).toEqual(['block: map r', 'iommu/dma: a', 'iommu/dma: r']);
  });
});
