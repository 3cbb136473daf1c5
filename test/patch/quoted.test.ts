// Patches quoted in replies: the quote level that holds the diff, reviewer prose around and
// inside hunks, snips, format=flowed stuffing, lost blank lines, and the seed email itself.

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildChangeSet, parsePatchInput } from '../../patch/index.js';
import { extractQuoteLevel, findQuotedDiffLevel, isSnipMark, splitQuotePrefix } from '../../patch/quote.js';
import { fileOf, knownLinesMismatches, lineOf, range, readFixture } from './helpers.js';

describe('quote prefixes', () => {
  it('counts levels through every common spelling', () => {
    expect(splitQuotePrefix('> > +foo')).toEqual({ level: 2, rest: ' +foo' });
    expect(splitQuotePrefix('>>+foo')).toEqual({ level: 2, rest: '+foo' });
    expect(splitQuotePrefix('>> +foo')).toEqual({ level: 2, rest: ' +foo' });
    expect(splitQuotePrefix('> >   }')).toEqual({ level: 2, rest: '   }' });
    expect(splitQuotePrefix('> >')).toEqual({ level: 2, rest: '' });
    expect(splitQuotePrefix('>')).toEqual({ level: 1, rest: '' });
    expect(splitQuotePrefix(' +a > b')).toEqual({ level: 0, rest: ' +a > b' });
  });

  it('recognises snip marks but not code', () => {
    for (const mark of ['[...]', '[ ... ]', '<snip>', '[snip]', '...', '8<', '--8<--']) expect(isSnipMark(mark)).toBe(true);
    for (const text of ['+\treturn 0;', ' ...args', 'see [1]']) expect(isSnipMark(text)).toBe(false);
  });

  it('picks the level with the diff, strips exactly that level, and marks interruptions', () => {
    const lines = ['On Monday Ada wrote:', '> > diff --git a/x.c b/x.c', '> > @@ -1,2 +1,3 @@', '> >  a', '', 'why?', '', '> > +b', '> >  c'];
    expect(findQuotedDiffLevel(lines)).toBe(2);
    const quoted = extractQuoteLevel(lines, 1, 2);
    expect(quoted.lines.length).toBe(5);
    expect(quoted.lines.text(2)).toBe(' a');
    expect(quoted.lines.text(3)).toBe('+b');
    expect(quoted.lines.lineNo(3)).toBe(8);
    expect(quoted.lines.breakBefore(3)).toBe('prose');
    expect(quoted.unstuffed).toBe(false);
  });

  it('removes format=flowed space-stuffing only when every context line carries it', () => {
    const stuffed = ['> @@ -5,3 +5,4 @@ f', '>   \tint a;', '>   }', '> +x', '>  ', '>    * comment'];
    const q = extractQuoteLevel(stuffed, 1, 1);
    expect(q.unstuffed).toBe(true);
    expect([0, 1, 2, 3, 4, 5].map((i) => q.lines.text(i))).toEqual(['@@ -5,3 +5,4 @@ f', ' \tint a;', ' }', '+x', ' ', '  * comment']);
    const clean = ['> @@ -5,3 +5,4 @@ f', '>  \tint a;', '>   * comment', '> +x'];
    const c = extractQuoteLevel(clean, 1, 1);
    expect(c.unstuffed).toBe(false);
    expect(c.lines.text(2)).toBe('  * comment');
  });
});

describe('a two-level reply with prose between files, inside a hunk, and a snip', () => {
  const parsed = parsePatchInput(readFixture('reply-two-level.eml'), 'reply-two-level.eml');
  const cs = buildChangeSet(parsed);

  it('describes the quoted patch, not the reply', () => {
    expect(parsed.form).toBe('quoted');
    const info = parsed.patches[0]!.info;
    expect(info.subject).toBe('[PATCH 2/3] block: map requests through the IOVA API when an IOMMU is present');
    expect(info.author).toBe('Ada Fixture');
    expect(info.messageId).toBe('20261202102045.GA1234@example.org');
  });

  it('reads every quoted file and only the patch lines', () => {
    expect(cs.files.map((f) => f.path)).toEqual(['Documentation/core-api/dma-iova.rst', 'block/blk-mq-dma.c', 'include/linux/dma-mapping.h']);
    for (const f of cs.files) {
      expect(knownLinesMismatches(f, readFixture(`trees/after-series/${f.path}`))).toEqual([]);
      expect(f.postImage).not.toMatch(/stale state|who frees|Looks fine/);
    }
  });

  it('continues a hunk after a comment inside it', () => {
    const blk = fileOf(cs, 'block/blk-mq-dma.c');
    expect(parsed.patches[0]!.files[1]!.hunks[0]!.truncated).toBe(false);
    expect([...blk.changedLines]).toEqual(range(24, 33));
    expect(lineOf(blk.postImage, 30)).toBe('\titer->addr = iter->state.addr;');
  });

  it('stops a hunk at a snip and keeps what was shown', () => {
    const header = fileOf(cs, 'include/linux/dma-mapping.h');
    expect(parsed.patches[0]!.files[2]!.hunks[0]!.truncated).toBe(true);
    expect(header.knownLines).toEqual([[15, 19]]);
    expect([...header.changedLines]).toEqual([18, 19]);
    expect(header.partial).toBe(true);
  });

  it('reads an empty quoted line ("> >") as blank context', () => {
    const doc = fileOf(cs, 'Documentation/core-api/dma-iova.rst');
    expect(doc.knownLines).toEqual([[4, 9]]);
    expect(lineOf(doc.postImage, 4)).toBe('');
  });
});

describe('an archive page with flowed quoting and a lost blank line', () => {
  const parsed = parsePatchInput(readFixture('reply-archive-page.txt'), 'reply-archive-page.txt');
  const dma = fileOf(buildChangeSet(parsed), 'drivers/iommu/dma-iommu.c');

  it('takes the subject from the page and the author from the quoted From:, "at" undone', () => {
    expect(parsed.patches[0]!.info.subject).toBe('[PATCH 1/3] iommu/dma: add dma_iova_try_alloc()');
    expect(parsed.patches[0]!.info.author).toBe('Ada Fixture <ada@example.org>');
  });

  it('undoes the stuffing and puts the lost blank line back where it was', () => {
    expect(parsed.notes.some((n) => n.includes('space-stuffing removed'))).toBe(true);
    expect(parsed.notes.some((n) => n.includes('lost 1 blank context line(s) in the quoting; restored as hunk line(s) 1'))).toBe(true);
    expect(dma.knownLines).toEqual([[39, 60]]);
    expect(lineOf(dma.postImage, 39)).toBe('');
    expect(lineOf(dma.postImage, 40)).toBe('\treturn SIZE_MAX;');
    expect(lineOf(dma.postImage, 41)).toBe('}');
    expect(lineOf(dma.postImage, 50)).toBe('bool dma_iova_try_alloc(struct device *dev, struct dma_iova_state *state,');
    expect(lineOf(dma.postImage, 59)).toBe('\tif (!size)');
    expect([...dma.changedLines]).toEqual(range(42, 60));
  });
});

describe('a quoted hunk shown to its end but short of its blank lines', () => {
  it('puts the lost blank context lines back and keeps the hunk whole', () => {
    const original = readFixture('reply-gtgt.txt');
    const damaged = original
      .replace('>> \tunsigned long shift, iova_len;\n>>\n', '>> \tunsigned long shift, iova_len;\n')
      .replace('>> \tiova_len = size >> shift;\n>> \n>\n> Why drop the blank line here?\n>\n', '>> \tiova_len = size >> shift;\n');
    expect(damaged.length).toBe(original.length - 43);
    const parsed = parsePatchInput(damaged, 'damaged.txt');
    expect(parsed.patches[0]!.files[0]!.hunks[0]!.truncated).toBe(false);
    expect(parsed.notes.some((n) => n.includes('lost 2 blank context line(s) in the quoting; restored as hunk line(s) 3, 9'))).toBe(true);
    const dma = fileOf(buildChangeSet(parsed), 'drivers/iommu/dma-iommu.c');
    expect(dma.knownLines).toEqual([[15, 23], [30, 35], [58, 64]]);
    expect(knownLinesMismatches(dma, readFixture('trees/after-series/drivers/iommu/dma-iommu.c'))).toEqual([]);
  });
});

describe('a ">>" quote with no space after the marks', () => {
  it('reads the patch at the right lines, hunks after prose included', () => {
    const cs = buildChangeSet(parsePatchInput(readFixture('reply-gtgt.txt'), 'reply-gtgt.txt'));
    const dma = fileOf(cs, 'drivers/iommu/dma-iommu.c');
    expect(dma.hunks).toHaveLength(3);
    expect([...dma.changedLines]).toEqual([18, 19, 20, 61]);
    expect([...dma.deletionPoints].sort((a, b) => a - b)).toEqual([32, 60]);
    expect(knownLinesMismatches(dma, readFixture('trees/after-series/drivers/iommu/dma-iommu.c'))).toEqual([]);
  });
});

const SEED = new URL('../../../shared/seeds/000_93dc69e07112f92d.txt', import.meta.url);

describe.skipIf(!existsSync(SEED))('the seed email (shared/seeds)', () => {
  if (!existsSync(SEED)) console.log('skipped: ../shared/seeds/ is not present');
  const text = existsSync(SEED) ? readFileSync(SEED, 'utf8') : '';
  const parsed = existsSync(SEED) ? parsePatchInput(text, 'seed.txt') : null;

  it('finds the patch quoted two levels deep and names its author', () => {
    expect(parsed!.form).toBe('quoted');
    expect(parsed!.patches[0]!.info.subject).toBe('[PATCH 05/18] dma: Provide an interface to allow allocate IOVA');
    expect(parsed!.patches[0]!.info.author).toBe('Leon Romanovsky <leonro@nvidia.com>');
  });

  it('shows only dma-iommu.c; dma-mapping.h is in the diffstat but its diff is not quoted', () => {
    expect(text).toContain('include/linux/dma-mapping.h | 15 +++++++');
    expect(text).not.toContain('diff --git a/include/linux/dma-mapping.h');
    const cs = buildChangeSet(parsed!);
    expect(cs.files.map((f) => f.path)).toEqual(['drivers/iommu/dma-iommu.c']);
    expect(cs.omittedFiles).toEqual([
      { path: 'include/linux/dma-mapping.h', reason: 'named in the diffstat; the reply does not quote its diff' },
    ]);
  });

  it('puts iommu_dma_iova_alloc at its post-image lines after the +1745 header', () => {
    const dma = fileOf(buildChangeSet(parsed!), 'drivers/iommu/dma-iommu.c');
    expect(dma.partial).toBe(true);
    expect(dma.hunks[0]).toMatchObject({ oldStart: 1745, oldLines: 6, newStart: 1745, newLines: 85, section: 'size_t iommu_dma_max_mapping_size(struct device *dev)' });
    expect(lineOf(dma.postImage, 1745)).toBe('\treturn SIZE_MAX;');
    expect(lineOf(dma.postImage, 1746)).toBe('}');
    expect(lineOf(dma.postImage, 1747)).toBe('');
    expect(lineOf(dma.postImage, 1748)).toBe('static bool iommu_dma_iova_alloc(struct device *dev,');
    expect(lineOf(dma.postImage, 1771)).toBe('}');
    expect(lineOf(dma.postImage, 1757)).toBe('\tif (WARN_ON_ONCE(!size))');
    expect(dma.knownLines).toEqual([[1745, 1777]]);
    expect([...dma.changedLines]).toEqual(range(1748, 1777));
    // Reviewer prose never becomes code.
    expect(dma.postImage).not.toContain('curious');
  });
});
