// Pull requests built from fixtures/app (our own kernel-style C) and loaded into a FakeGitHub:
// the base and each push's post-image as commits, GitHub's per-file patch, the PR's full diff.
import { readFileSync } from 'node:fs';
import type { FakeFile, FakeGitHub, FakePull } from './fake-github.js';

export const XFER_PATH = 'drivers/misc/xfer/xfer-dma.c';
export const BULK_PATH = 'drivers/misc/xfer/xfer-bulk.c';
export const CRASH_PATH = 'drivers/misc/xfer/xfer-crash.c';
export const README_PATH = 'Documentation/misc/xfer.rst';

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/app/${name}`, import.meta.url), 'utf8');

export const xfer = {
  base: fixture('xfer/base/xfer-dma.c'),
  push: [1, 2, 3].map((n) => ({ text: fixture(`xfer/push${n}/xfer-dma.c`), patch: fixture(`xfer/push${n}/xfer-dma.c.patch`) })),
};

/** A SHA-like id per name, stable across runs. */
export function sha(name: string): string {
  let h = 0x811c9dc5;
  const out: string[] = [];
  for (let round = 0; round < 5; round++) {
    for (const ch of `${name}/${round}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out.push(h.toString(16).padStart(8, '0'));
  }
  return out.join('');
}

/** The full `git diff` text for files given as per-file patches (what Accept: diff returns). */
export function fullDiff(files: Array<{ path: string; patch: string; added?: boolean }>): string {
  return files
    .map(({ path, patch, added }) =>
      [`diff --git a/${path} b/${path}`, ...(added ? ['new file mode 100644'] : []), `--- ${added ? '/dev/null' : `a/${path}`}`, `+++ b/${path}`, patch.replace(/\n$/, '')].join('\n'),
    )
    .join('\n') + '\n';
}

/** An added file's per-file patch: every line added. */
export function additionPatch(text: string): string {
  const lines = text.replace(/\n$/, '').split('\n');
  return `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}\n`;
}

/**
 * PR #1 on the xfer driver: push `n` (1..3) as head. Push 1 adds two ignored dma_iova_link()
 * results (errors, on diff lines) and a link in xfer_prepare() that is never unlinked (a warning
 * at its closing brace, off the diff). Push 2 checks the first link; push 3 fixes everything.
 */
export function loadXferPull(gh: FakeGitHub, push: 1 | 2 | 3, extra: Partial<FakePull> = {}): FakePull {
  const baseSha = sha('xfer-base');
  gh.addCommit(baseSha, { [XFER_PATH]: xfer.base, [README_PATH]: 'xfer\n====\n' });
  const readme = '@@ -1,2 +1,3 @@\n xfer\n ====\n+Maps requests through the IOVA API when it can.\n';
  for (const n of [1, 2, 3] as const) {
    gh.addCommit(sha(`xfer-push${n}`), { [XFER_PATH]: xfer.push[n - 1]!.text, [README_PATH]: 'xfer\n====\nMaps requests through the IOVA API when it can.\n' });
  }
  const files: FakeFile[] = [
    { filename: README_PATH, status: 'modified', patch: readme },
    { filename: XFER_PATH, status: 'modified', patch: xfer.push[push - 1]!.patch },
  ];
  const pull: FakePull = {
    number: 1,
    title: 'xfer: map two-segment requests through the IOVA API',
    draft: false,
    state: 'open',
    headSha: sha(`xfer-push${push}`),
    baseSha,
    files,
    diff: fullDiff([
      { path: README_PATH, patch: readme },
      { path: XFER_PATH, patch: xfer.push[push - 1]!.patch },
    ]),
    ...extra,
  };
  gh.setPull(pull);
  return pull;
}

/** A new file whose one function ignores the result of `count` dma_iova_link() calls. */
export function bulkSource(count: number): string {
  const lines = [
    '// SPDX-License-Identifier: GPL-2.0',
    '/* xfer-bulk: scatter a request over many IOVA links (fixture). */',
    '#include <linux/dma-mapping.h>',
    '',
    'static void xfer_bulk_link(struct device *dev, struct dma_iova_state *state,',
    '\t\t\t   phys_addr_t phys, enum dma_data_direction dir)',
    '{',
  ];
  for (let i = 0; i < count; i++) {
    lines.push(`\tdma_iova_link(dev, state, phys + ${i} * SZ_4K, ${i} * SZ_4K, SZ_4K, dir, 0);`);
  }
  lines.push('\tdma_iova_destroy(dev, state, ' + count + ' * SZ_4K, dir, 0);', '}', '');
  return lines.join('\n');
}

/** PR #2: adds xfer-bulk.c with `count` findings. */
export function loadBulkPull(gh: FakeGitHub, count: number): FakePull {
  const text = bulkSource(count);
  const head = sha(`bulk-${count}`);
  gh.addCommit(sha('bulk-base'), {});
  gh.addCommit(head, { [BULK_PATH]: text });
  const patch = additionPatch(text);
  const pull: FakePull = {
    number: 2,
    title: 'xfer: bulk linking',
    draft: false,
    state: 'open',
    headSha: head,
    baseSha: sha('bulk-base'),
    files: [{ filename: BULK_PATH, status: 'added', patch }],
    diff: fullDiff([{ path: BULK_PATH, patch, added: true }]),
  };
  gh.setPull(pull);
  return pull;
}

/** PR #3: a file the crash test rule throws on. */
export function loadCrashPull(gh: FakeGitHub): FakePull {
  const text = ['#include <linux/dma-mapping.h>', '', 'static int xfer_crash(void)', '{', '\treturn IOVALINT_TEST_CRASH;', '}', ''].join('\n');
  const head = sha('crash');
  gh.addCommit(head, { [CRASH_PATH]: text });
  const patch = additionPatch(text);
  const pull: FakePull = {
    number: 3,
    title: 'xfer: crash the analysis',
    draft: false,
    state: 'open',
    headSha: head,
    baseSha: sha('crash-base'),
    files: [{ filename: CRASH_PATH, status: 'added', patch }],
    diff: fullDiff([{ path: CRASH_PATH, patch, added: true }]),
  };
  gh.setPull(pull);
  return pull;
}
