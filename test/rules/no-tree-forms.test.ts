// The mission's defect classes in patches reviewed without a tree, in every input form. Each
// fixture of fixtures/no-tree/ modifies an existing function that the patch shows only through
// hunks (three lines of context, git's section line), so the engine rebuilds it as a partial
// function. Each must yield exactly its rule ids as a plain diff, a format-patch mail, the middle
// patch of a 3-patch mbox series (also after a patch to the same file that moves its lines), and
// quoted at depth 1 and 2 in a reply with prose around it (at depth 2 with trailing blanks dropped,
// as mail programs do);
// its correct version (`.correct.diff`) and the negative controls must yield nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildChangeSet, parsePatchInput } from '../../patch/index.js';
import { PARTIAL_NOTE, reviewSync } from '../../review/index.js';

const DIR = join(import.meta.dirname, '../../fixtures/no-tree');

/** Fixture → the rule ids its defective version must yield (and nothing else). */
const CASES: Record<string, string[]> = {
  'size-zero-guard-deleted': ['iova/size-zero-guard'],
  'size-zero-guard-deleted-v1': ['iova/size-zero-guard'],
  'size-and-flag-guards-deleted-v1': ['iova/size-zero-guard', 'iova/swiotlb-flag-guard'],
  'size-zero-guard-weakened': ['iova/size-zero-guard'],
  'swiotlb-flag-guard-narrowed': ['iova/swiotlb-flag-guard'],
  'swiotlb-flag-guard-after-alloc': ['iova/swiotlb-flag-guard'],
  'offset-size-link-length': ['iova/offset-size'],
  'offset-addr-link-start': ['iova/offset-addr'],
  'mask-source-raw-mask': ['dma/mask-source'],
  'swiotlb-flag-guard-deleted': ['iova/swiotlb-flag-guard'],
  'swiotlb-flag-guard-deleted-v1': ['iova/swiotlb-flag-guard'],
  'swiotlb-flag-guard-wrong': ['iova/swiotlb-flag-guard'],
  'raw-size-access-caller': ['iova/raw-size-access'],
  'offset-size-dropped': ['iova/offset-size'],
  'offset-size-dropped-v1': ['iova/offset-size'],
  'offset-size-renamed-v1': ['iova/offset-size'],
  'offset-addr-dropped': ['iova/offset-addr'],
  'offset-addr-dropped-v1': ['iova/offset-addr'],
  'offset-addr-caller-twice': ['iova/offset-addr'],
  'offset-free-length': ['iova/offset-free'],
  'offset-free-unlink-start': ['iova/offset-free'],
  'offset-granule-page-align': ['iova/offset-granule'],
  'offset-granule-offset-in-page': ['iova/offset-granule'],
  'link-pad-offset-deleted': ['iova/link-pad-offset'],
  'size-overflow-cast': ['iova/size-overflow'],
  'size-overflow-u32-length': ['iova/size-overflow'],
  'mask-source-coherent': ['dma/mask-source'],
  'mask-source-coherent-v1': ['dma/mask-source'],
  'mask-source-constant': ['dma/mask-source'],
  'mask-truncation-u32': ['dma/mask-truncation'],
  'mask-truncation-u32-v1': ['dma/mask-truncation'],
  'mask-check-end-start-only': ['dma/mask-check-end'],
  'set-mask-unchecked-narrow': ['dma/set-mask-unchecked'],
  'bit-mask-arg-conditional': ['dma/bit-mask-arg'],
  // negative controls: a new allocation or link in the middle of a function, whose guards are in
  // lines the hunk does not show
  'control-new-allocation': [],
  'control-new-link': [],
  // the guards moved, not deleted: both still come before the allocation (in unseen lines)
  'control-guards-reordered': [],
};

const read = (name: string): string => readFileSync(join(DIR, name), 'utf8');

// ---- the input forms, generated from the one diff ------------------------------------------

function diffstat(diff: string): string[] {
  const files: Array<{ path: string; add: number; del: number }> = [];
  for (const line of diff.split('\n')) {
    const m = /^diff --git a\/\S+ b\/(\S+)$/.exec(line);
    if (m) files.push({ path: m[1]!, add: 0, del: 0 });
    else if (files.length && line.startsWith('+') && !line.startsWith('+++')) files.at(-1)!.add++;
    else if (files.length && line.startsWith('-') && !line.startsWith('---')) files.at(-1)!.del++;
  }
  const width = Math.max(...files.map((f) => f.path.length));
  const rows = files.map((f) => ` ${f.path.padEnd(width)} | ${String(f.add + f.del).padStart(2)} ${'+'.repeat(f.add)}${'-'.repeat(f.del)}`);
  const add = files.reduce((n, f) => n + f.add, 0);
  const del = files.reduce((n, f) => n + f.del, 0);
  const summary = ` ${files.length} file${files.length > 1 ? 's' : ''} changed${add ? `, ${add} insertion${add > 1 ? 's' : ''}(+)` : ''}${del ? `, ${del} deletion${del > 1 ? 's' : ''}(-)` : ''}`;
  return [...rows, summary];
}

function mail(diff: string, subject: string, sha: string): string {
  return [
    `From ${sha} Mon Sep 17 00:00:00 2001`,
    'From: Ada Fixture <ada@example.org>',
    'Date: Tue, 2 Dec 2026 10:00:00 +0100',
    `Subject: ${subject}`,
    '',
    'Rework this path; no functional change intended.',
    '',
    'Signed-off-by: Ada Fixture <ada@example.org>',
    '---',
    ...diffstat(diff),
    '',
    diff.replace(/\n+$/, ''),
    '-- ',
    '2.47.1',
    '',
  ].join('\n');
}

const DOC_PATCH = [
  'diff --git a/Documentation/core-api/dma-api.rst b/Documentation/core-api/dma-api.rst',
  'index 1a2b3c4..5d6e7f8 100644',
  '--- a/Documentation/core-api/dma-api.rst',
  '+++ b/Documentation/core-api/dma-api.rst',
  '@@ -10,3 +10,5 @@ Part I - DMA API',
  ' ',
  ' The DMA API maps memory for devices.',
  ' ',
  '+Mappings made through the two-step IOVA API are described in their own section.',
  '+',
  '',
].join('\n');

const HEADER_PATCH = [
  'diff --git a/include/linux/acme-dma.h b/include/linux/acme-dma.h',
  'index 2b3c4d5..6e7f809 100644',
  '--- a/include/linux/acme-dma.h',
  '+++ b/include/linux/acme-dma.h',
  '@@ -3,4 +3,5 @@',
  ' #define _LINUX_ACME_DMA_H',
  ' ',
  ' #define ACME_DMA_ALIGN\t64',
  '+#define ACME_DMA_MAX_SEGS\t128',
  ' #endif',
  '',
].join('\n');

function series(diff: string): string {
  return [
    mail(DOC_PATCH, '[PATCH 1/3] Documentation: point to the two-step IOVA API', '1111111111111111111111111111111111111111'),
    mail(diff, '[PATCH 2/3] iommu/dma: rework the reservation path', '2222222222222222222222222222222222222222'),
    mail(HEADER_PATCH, '[PATCH 3/3] acme: bound the segment count', '3333333333333333333333333333333333333333'),
  ].join('\n');
}

/** A first patch that adds a line at the top of the same file (the fixture's hunks move down by one). */
function sameFileSeries(diff: string): string {
  const path = /^diff --git a\/\S+ b\/(\S+)$/m.exec(diff)![1]!;
  const first = [
    `diff --git a/${path} b/${path}`,
    'index 0a1b2c3..3f2a1c9 100644',
    `--- a/${path}`,
    `+++ b/${path}`,
    '@@ -1,3 +1,4 @@',
    ' // SPDX-License-Identifier: GPL-2.0-only',
    ' /*',
    '+ * Copyright (C) 2026 Ada Fixture',
    ' * Helpers for DMA through an IOMMU.',
    '',
  ].join('\n');
  const moved = diff.replace(/^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@/gm, (_, a: string, b: string | undefined, c: string, d: string | undefined) => `@@ -${+a + 1}${b ?? ''} +${+c + 1}${d ?? ''} @@`);
  return [
    mail(first, '[PATCH 1/3] iommu/dma: add a copyright line', '6666666666666666666666666666666666666666'),
    mail(moved, '[PATCH 2/3] iommu/dma: rework the reservation path', '7777777777777777777777777777777777777777'),
    mail(HEADER_PATCH, '[PATCH 3/3] acme: bound the segment count', '8888888888888888888888888888888888888888'),
  ].join('\n');
}

/** The format-patch mail quoted `depth` levels deep in a reply, with reviewer prose around and between hunks. */
function reply(diff: string, depth: 1 | 2): string {
  const quote = (lines: string[], level: number): string[] => lines.map((l) => (l === '' ? '>'.repeat(level).split('').join(' ') : `${'> '.repeat(level)}${l}`));
  const body: string[] = [];
  const patchLines = mail(diff, '[PATCH] iommu/dma: rework the reservation path', '4444444444444444444444444444444444444444').split('\n').slice(4);
  let hunks = 0;
  for (const line of patchLines) {
    if (line.startsWith('@@') && hunks++ > 0) {
      // a reviewer's comment between two hunks, at the level of the reply
      body.push(...(depth === 2 ? ['>', '> Both hunks should go into one patch.', '>'] : ['', 'Both hunks should go into one patch.', '']));
    }
    body.push(...quote([line], depth));
  }
  const head = [
    'From: Carol Maintainer <carol@example.org>',
    'To: Ada Fixture <ada@example.org>',
    'Cc: iommu@lists.linux.dev',
    'Subject: Re: [PATCH] iommu/dma: rework the reservation path',
    'Date: Wed, 3 Dec 2026 09:12:00 +0100',
    'Message-ID: <20261203081200.GA42@example.org>',
    'In-Reply-To: <20261202090000.GA7@example.org>',
    'Content-Type: text/plain; charset=us-ascii',
    '',
  ];
  const intro = depth === 2 ? ['On Tue, Dec 02, 2026 at 05:40:00PM +0000, Dan Reviewer wrote:', '> On Tue, Dec 02, 2026 at 10:00:00AM +0100, Ada Fixture wrote:'] : ['On Tue, Dec 02, 2026 at 10:00:00AM +0100, Ada Fixture wrote:'];
  const outro = depth === 2 ? ['>', '> I would like a second opinion on this one.', '', 'Agreed, this needs another look before it is applied.', ''] : ['', 'I will look at it again after the merge window.', ''];
  const text = [...head, ...intro, ...body, ...outro].join('\n');
  // mail programs often drop trailing blanks, and with them the space of a blank context line
  return depth === 2 ? text.replace(/[ \t]+$/gm, '') : text;
}

const FORMS: Record<string, (diff: string) => string> = {
  'plain diff': (diff) => diff,
  'format-patch mail': (diff) => mail(diff, '[PATCH] iommu/dma: rework the reservation path', '5555555555555555555555555555555555555555'),
  'patch 2/3 of an mbox series': series,
  'patch 2/3 of a series whose 1/3 changes the same file': sameFileSeries,
  'a reply quoting it at depth 1': (diff) => reply(diff, 1),
  'a reply quoting it at depth 2': (diff) => reply(diff, 2),
};

function review(text: string, origin: string) {
  return reviewSync(buildChangeSet(parsePatchInput(text, origin)), { simulator: false });
}

const ids = (report: ReturnType<typeof review>): string[] => [...new Set(report.findings.map((f) => f.ruleId))].sort();

describe('mission defects in patches reviewed without a tree', () => {
  for (const [name, expected] of Object.entries(CASES)) {
    const diff = read(`${name}.diff`);
    describe(name, () => {
      it('shows an existing function only through hunks (partial, checked)', () => {
        const report = review(diff, `${name}.diff`);
        expect(report.functions.length).toBeGreaterThan(0);
        for (const fn of report.functions) expect([fn.name, fn.partial, fn.checked]).toEqual([fn.name, true, true]);
        expect(report.notChecked.filter((n) => !/^partial:/.test(n.reason))).toEqual([]);
      });
      for (const [form, make] of Object.entries(FORMS)) {
        it(`as ${form} yields ${expected.join(', ') || 'nothing'}`, () => {
          const report = review(make(diff), `${name}.${form.replace(/\W+/g, '-')}`);
          expect(report.files.find((f) => f.path === report.files.find((x) => x.analysed)?.path)?.analysed).toBe(true);
          expect(ids(report)).toEqual([...expected].sort());
        });
      }
      const correct = `${name}.correct.diff`;
      // controls (and defects with no single right version) have no .correct.diff
      if (existsSync(join(DIR, correct))) {
        it('its correct version yields nothing, in every form', () => {
          const good = read(correct);
          for (const [form, make] of Object.entries(FORMS)) expect([form, ids(review(make(good), `${correct}.${form}`))]).toEqual([form, []]);
        });
      }
    });
  }

  it('with the simulator every finding stays, unconfirmed, with the reason (partial functions are not run)', () => {
    const outcomes: Record<string, number> = {};
    for (const [name, expected] of Object.entries(CASES)) {
      const report = reviewSync(buildChangeSet(parsePatchInput(read(`${name}.diff`), `${name}.diff`)));
      expect([name, report.refuted]).toEqual([name, []]);
      expect([name, ids(report)]).toEqual([name, [...expected].sort()]);
      for (const f of report.findings) {
        expect(f.confirmationNote).toBe(PARTIAL_NOTE);
        outcomes[f.confirmation!] = (outcomes[f.confirmation!] ?? 0) + 1;
      }
    }
    expect(outcomes).toEqual({ unconfirmed: 36 });
  });

  it('every fixture is in the table', () => {
    const listed = new Set(Object.keys(CASES).flatMap((n) => [`${n}.diff`, `${n}.correct.diff`]));
    expect(readdirSync(DIR).filter((f) => f.endsWith('.diff') && !listed.has(f))).toEqual([]);
  });
});
