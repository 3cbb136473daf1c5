// --git A..B: the change between two commits, with pre-images from A's objects and post-images
// from B's. A linear range is applied commit by commit (git format-patch), so each changed line
// names the commit that wrote it; a range with merges is taken as one diff.
// git runs through execFile with argument arrays (no shell), a time limit and an output limit.

import { execFile } from 'node:child_process';
import { InputError, type ChangeSet } from './types.js';
import type { ParsedInput } from './parsed.js';
import { parsePatchInput, DEFAULT_MAX_INPUT_BYTES } from './input.js';
import { buildChangeSetFrom, type PreImageSource } from './changeset.js';

export interface GitOptions {
  /** Limit on any one git output (a diff, a blob). Default: the input size limit. */
  maxBytes?: number;
  /** Per git command. Default 60 s. */
  timeoutMs?: number;
  /** Most files whose objects are read. Default 20,000. */
  maxFiles?: number;
}

interface Runner {
  git(args: string[]): Promise<string>;
  tryGit(args: string[]): Promise<string | null>;
}

function runner(repoDir: string, opts: GitOptions): Runner {
  const maxBuffer = opts.maxBytes ?? DEFAULT_MAX_INPUT_BYTES;
  const timeout = opts.timeoutMs ?? 60_000;
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', GIT_OPTIONAL_LOCKS: '0' };
  const run = (args: string[]): Promise<{ ok: true; out: string } | { ok: false; why: string; tooBig: boolean }> =>
    new Promise((done) => {
      execFile('git', ['-C', repoDir, ...args], { maxBuffer, timeout, env, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (!err) return done({ ok: true, out: stdout });
        const code = (err as { code?: unknown }).code;
        const tooBig = code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER';
        const why = code === 'ENOENT' ? 'git is not installed' : (stderr.trim().split('\n')[0] ?? err.message);
        done({ ok: false, why, tooBig });
      });
    });
  return {
    async git(args) {
      const r = await run(args);
      if (r.ok) return r.out;
      if (r.tooBig) throw new InputError(`git ${args[0]}: output over the size limit of ${maxBuffer} bytes`);
      throw new InputError(`git ${args[0]} failed: ${r.why}`);
    },
    async tryGit(args) {
      const r = await run(args);
      if (r.ok) return r.out;
      if (r.tooBig) throw new InputError(`git ${args[0]}: output over the size limit of ${maxBuffer} bytes`);
      return null;
    },
  };
}

/** A revision as the user wrote it; anything that could read as an option is refused. */
function checkRevision(rev: string, range: string): string {
  if (rev === '' || rev.startsWith('-') || /[\s\0]/.test(rev)) throw new InputError(`bad git range '${range}': expected A..B`);
  return rev;
}

const DIFF_OPTIONS = ['--no-color', '--no-ext-diff', '--no-textconv', '-M', '--src-prefix=a/', '--dst-prefix=b/'];

export async function changeSetFromGit(range: string, repoDir: string, opts: GitOptions = {}): Promise<ChangeSet> {
  const git = runner(repoDir, opts);
  const inside = await git.tryGit(['rev-parse', '--is-inside-work-tree']);
  const bare = inside === null ? await git.tryGit(['rev-parse', '--git-dir']) : inside;
  if (bare === null) throw new InputError(`not a git repository: ${repoDir}`);

  const m = /^(.*?)(\.\.\.?)(.*)$/.exec(range);
  const resolve = async (rev: string): Promise<string> => {
    const sha = await git.tryGit(['rev-parse', '--verify', '--quiet', `${checkRevision(rev, range)}^{commit}`]);
    if (sha === null) throw new InputError(`git: unknown revision '${rev}' in '${range}'`);
    return sha.trim();
  };
  let base: string;
  let head: string;
  if (m) {
    const a = await resolve(m[1] || 'HEAD');
    head = await resolve(m[3] || 'HEAD');
    base = m[2] === '...' ? (await git.git(['merge-base', a, head])).trim() : a;
  } else {
    head = await resolve(range);
    const parent = await git.tryGit(['rev-parse', '--verify', '--quiet', `${head}^`]);
    if (parent === null) throw new InputError(`git: ${range} has no parent; give a range A..B`);
    base = parent.trim();
  }
  const source = `git ${range}`;
  if ((await git.tryGit(['diff', '--quiet', base, head, '--'])) !== null) {
    throw new InputError(`${source}: the range changes nothing`);
  }

  const merges = Number((await git.git(['rev-list', '--count', '--min-parents=2', `${base}..${head}`])).trim());
  if (merges === 0) {
    const series = await git.git(['format-patch', '--stdout', '-k', '--no-signature', '--no-binary', ...DIFF_OPTIONS, `${base}..${head}`]);
    const parsed = parsePatchInput(series, source, { maxBytes: opts.maxBytes ?? DEFAULT_MAX_INPUT_BYTES });
    const changeSet = await applyWithObjects(git, parsed, base, source, opts);
    if (changeSet && (await postImagesMatch(git, changeSet, head))) return changeSet;
  }
  // Merges in the range, or a series that does not replay to B: one diff from A to B.
  const diff = await git.git(['diff', ...DIFF_OPTIONS, base, head, '--']);
  const parsed = parsePatchInput(diff, source, { maxBytes: opts.maxBytes ?? DEFAULT_MAX_INPUT_BYTES });
  parsed.patches[0]!.info.subject = source;
  const changeSet = await applyWithObjects(git, parsed, base, source, opts);
  if (!changeSet) throw new InputError(`${source}: git's own diff does not apply to ${base.slice(0, 12)}`);
  return changeSet;
}

/** Apply to pre-images read from `base`; null when the series does not apply. */
async function applyWithObjects(git: Runner, parsed: ParsedInput, base: string, source: string, opts: GitOptions): Promise<ChangeSet | null> {
  const paths = new Set<string>();
  for (const p of parsed.patches) {
    for (const f of p.files) {
      if (f.binary) continue;
      if (f.oldPath !== null) paths.add(f.oldPath);
      if (f.newPath !== null) paths.add(f.newPath);
    }
  }
  const maxFiles = opts.maxFiles ?? 20_000;
  if (paths.size > maxFiles) throw new InputError(`${source}: touches ${paths.size} files, over the limit of ${maxFiles}`);
  const blobs = new Map<string, string | null>();
  for (const path of paths) blobs.set(path, await git.tryGit(['cat-file', 'blob', `${base}:${path}`]));
  const reader: PreImageSource = {
    read: (path) => blobs.get(path) ?? null,
    describe: (path) => `${base.slice(0, 12)}:${path}`,
  };
  try {
    return buildChangeSetFrom(parsed, reader, { source });
  } catch (err) {
    if (err instanceof InputError) return null;
    throw err;
  }
}

async function postImagesMatch(git: Runner, changeSet: ChangeSet, head: string): Promise<boolean> {
  for (const file of changeSet.files) {
    if (file.status === 'deleted' || file.binary) continue;
    const blob = await git.tryGit(['cat-file', 'blob', `${head}:${file.path}`]);
    if (blob === null || blob !== file.postImage) return false;
  }
  return true;
}
