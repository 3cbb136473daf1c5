// Scope (issue 4, item 3) for the iova/* rules: a patch against a complete pre-image reports what
// it introduces, including unchanged lines its change breaks (a deleted guard makes the unchanged
// allocation below it a finding), and nothing that was already there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildChangeSet, buildChangeSetFrom, parsePatchInput } from '../../patch/index.js';
import { reviewSync } from '../../review/index.js';

const PATH = 'drivers/iommu/dma-iommu.c';
const mainline = readFileSync(join(import.meta.dirname, '../../fixtures/rules/two-step-mainline.c'), 'utf8');

/** A one-hunk unified diff from `pre` to `post` (3 lines of context). */
function unifiedDiff(pre: string, post: string): string {
  const a = pre.split('\n');
  const b = post.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length - 1;
  let endB = b.length - 1;
  while (endA >= start && endB >= start && a[endA] === b[endB]) {
    endA--;
    endB--;
  }
  const from = Math.max(0, start - 3);
  const toA = Math.min(a.length - 1, endA + 3);
  const toB = Math.min(b.length - 1, endB + 3);
  const lines = [
    ...a.slice(from, start).map((l) => ` ${l}`),
    ...a.slice(start, endA + 1).map((l) => `-${l}`),
    ...b.slice(start, endB + 1).map((l) => `+${l}`),
    ...a.slice(endA + 1, toA + 1).map((l) => ` ${l}`),
  ];
  return `diff --git a/${PATH} b/${PATH}\n--- a/${PATH}\n+++ b/${PATH}\n@@ -${from + 1},${toA - from + 1} +${from + 1},${toB - from + 1} @@\n${lines.join('\n')}\n`;
}

function review(pre: string, post: string, withTree = true) {
  const parsed = parsePatchInput(unifiedDiff(pre, post), 'change.diff');
  const changeSet = withTree ? buildChangeSetFrom(parsed, { read: (p) => (p === PATH ? pre : null), describe: (p) => p }) : buildChangeSet(parsed);
  return reviewSync(changeSet, { simulator: false });
}

const ids = (r: ReturnType<typeof review>): string[] => r.findings.filter((f) => f.ruleId.startsWith('iova/')).map((f) => `${f.ruleId}:${f.line}`);
const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

const ZERO_GUARD = '\tif (WARN_ON_ONCE(!size))\n\t\treturn false;\n\n';
const FLAG_GUARD = '\tif (WARN_ON_ONCE((u64)size & DMA_IOVA_USE_SWIOTLB))\n\t\treturn false;\n';

describe('what a patch introduces', () => {
  it('deleting the zero-size guard makes the unchanged allocation below it a finding', () => {
    const post = mainline.replace(ZERO_GUARD, '');
    expect(ids(review(mainline, post))).toEqual([`iova/size-zero-guard:${lineOf(post, 'addr = iommu_dma_alloc_iova(domain,')}`]);
  });

  it('deleting the flag guard makes the unchanged store a finding', () => {
    const post = mainline.replace(FLAG_GUARD, '');
    expect(ids(review(mainline, post))).toEqual([`iova/swiotlb-flag-guard:${lineOf(post, 'state->__size = size;')}`]);
  });

  it('a defect already in the pre-image is not the change\'s', () => {
    const pre = mainline.replace(ZERO_GUARD, '');
    const post = pre.replace('\tdomain = iommu_get_dma_domain(dev);\n\tcookie', '\tdomain = iommu_get_dma_domain(dev);\t/* the DMA domain */\n\tcookie');
    expect(post).not.toBe(pre);
    expect(ids(review(pre, post))).toEqual([]);
  });

  it('without the tree, a function the hunk only partly shows is not guessed at', () => {
    const post = mainline.replace(ZERO_GUARD, '');
    const report = review(mainline, post, false);
    expect(ids(report)).toEqual([]);
    expect(report.functions.filter((f) => f.name === 'dma_iova_try_alloc' && f.checked)).toEqual([]);
  });
});
