// --git A..B on a repository made in the test: post-images from git objects, commit-by-commit
// attribution on a linear range, one diff for a range with merges, and the errors.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, changeSetFromGit } from '../../patch/index.js';
import { fileOf, range, readFixture, scratchDir } from './helpers.js';

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Ada Fixture',
  GIT_AUTHOR_EMAIL: 'ada@example.org',
  GIT_COMMITTER_NAME: 'Ada Fixture',
  GIT_COMMITTER_EMAIL: 'ada@example.org',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: '/nonexistent',
};

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, '-c', 'init.defaultBranch=main', ...args], { env, encoding: 'utf8' });
}

let repo: { dir: string; cleanup: () => void };
let base: string;

beforeAll(() => {
  repo = scratchDir('trees/base');
  git(repo.dir, 'init', '-q');
  git(repo.dir, 'add', '-A');
  git(repo.dir, 'commit', '-q', '-m', 'base');
  base = git(repo.dir, 'rev-parse', 'HEAD').trim();
  // The series without its cover letter, applied in the order the mbox stores it (2/3, 1/3, 3/3).
  const mbox = readFixture('series.mbox');
  const second = mbox.indexOf('\nFrom ', 1) + 1;
  const scratch = scratchDir();
  try {
    writeFileSync(join(scratch.dir, 'series.mbox'), mbox.slice(second));
    git(repo.dir, 'am', '-q', join(scratch.dir, 'series.mbox'));
  } finally {
    scratch.cleanup();
  }
});
afterAll(() => repo.cleanup());

describe('--git on a linear range', () => {
  it('reads post-images and pre-images from the objects and credits each commit', async () => {
    const cs = await changeSetFromGit(`${base}..HEAD`, repo.dir);
    expect(cs.source).toBe(`git ${base}..HEAD`);
    expect(cs.patches.map((p) => p.subject)).toEqual([
      'block: map requests through the IOVA API when an IOMMU is present',
      'iommu/dma: add dma_iova_try_alloc()',
      'iommu/dma: reject zero and flag-sized IOVA allocations',
    ]);
    for (const f of cs.files) {
      expect(f.partial).toBe(false);
      expect(f.postImage).toBe(readFixture(`trees/after-series/${f.path}`));
      expect(f.preImage).toBe(readFixture(`trees/base/${f.path}`));
    }
    const dma = fileOf(cs, 'drivers/iommu/dma-iommu.c');
    expect(dma.lineOrigin.get(19)).toBe(2);
    expect(dma.lineOrigin.get(61)).toBe(2);
    expect(range(44, 73).filter((n) => n !== 61).every((n) => dma.lineOrigin.get(n) === 1)).toBe(true);
    expect([...fileOf(cs, 'block/blk-mq-dma.c').lineOrigin.values()].every((p) => p === 0)).toBe(true);
  });

  it('takes a single commit as its own range', async () => {
    const cs = await changeSetFromGit('HEAD', repo.dir);
    expect(cs.patches).toHaveLength(1);
    expect(cs.files.map((f) => f.path)).toEqual(['drivers/iommu/dma-iommu.c']);
    expect([...fileOf(cs, 'drivers/iommu/dma-iommu.c').changedLines]).toEqual([18, 19, 20, 61]);
  });
});

describe('--git on a range with a merge', () => {
  it('falls back to one diff from A to B', async () => {
    const { dir, cleanup } = scratchDir();
    try {
      git(dir, 'clone', '-q', repo.dir, 'r');
      const r = join(dir, 'r');
      git(r, 'checkout', '-q', '-b', 'side', base);
      const header = join(r, 'include/linux/dma-mapping.h');
      writeFileSync(header, readFileSync(header, 'utf8').replace('#include <linux/types.h>\n', '#include <linux/types.h>\n#include <linux/bug.h>\n'));
      git(r, 'commit', '-q', '-am', 'dma-mapping: include bug.h');
      git(r, 'checkout', '-q', 'main');
      git(r, 'merge', '-q', '--no-ff', '--no-edit', 'side');
      const cs = await changeSetFromGit(`${base}..HEAD`, r);
      expect(cs.patches.map((p) => p.subject)).toEqual([`git ${base}..HEAD`]);
      const h = fileOf(cs, 'include/linux/dma-mapping.h');
      expect(h.postImage).toBe(git(r, 'show', 'HEAD:include/linux/dma-mapping.h'));
      expect([...h.changedLines]).toEqual([7, 19, 20, 21, 22]);
    } finally {
      cleanup();
    }
  });
});

describe('--git errors', () => {
  const oneLine = async (promise: Promise<unknown>): Promise<string> => {
    try {
      await promise;
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      return (err as InputError).oneLine();
    }
    throw new Error('expected an InputError');
  };

  it('names a directory that is not a repository', async () => {
    const { dir, cleanup } = scratchDir();
    try {
      expect(await oneLine(changeSetFromGit('HEAD~1..HEAD', dir))).toBe(`not a git repository: ${dir}`);
    } finally {
      cleanup();
    }
  });

  it('names an unknown revision', async () => {
    expect(await oneLine(changeSetFromGit('v0-missing..HEAD', repo.dir))).toBe("git: unknown revision 'v0-missing' in 'v0-missing..HEAD'");
  });

  it('refuses revisions that read as options', async () => {
    expect(await oneLine(changeSetFromGit('--output=/tmp/x..HEAD', repo.dir))).toBe("bad git range '--output=/tmp/x..HEAD': expected A..B");
  });

  it('refuses an empty range', async () => {
    expect(await oneLine(changeSetFromGit('HEAD..HEAD', repo.dir))).toBe('git HEAD..HEAD: the range changes nothing');
  });

  it('stops output over the limit', async () => {
    expect(await oneLine(changeSetFromGit(`${base}..HEAD`, repo.dir, { maxBytes: 2000 }))).toMatch(/output over the size limit of 2000 bytes$/);
  });
});
