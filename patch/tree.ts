// --tree DIR: pre-images from a kernel tree, so post-images are whole files and functions are
// complete. Hunks must match exactly (no fuzz); a hunk whose code moved is found at an offset.

import { readFileSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { InputError, type ChangeSet } from './types.js';
import type { ParsedInput } from './parsed.js';
import { buildChangeSetFrom, type BuildOptions, type PreImageSource } from './changeset.js';

/** Reads pre-images from a directory; paths are repository-relative and stay inside it. */
export function treeSource(treeDir: string): PreImageSource {
  const root = resolve(treeDir);
  let isDir = false;
  try {
    isDir = statSync(root).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new InputError(`tree directory not found: ${treeDir}`);
  const inside = (path: string): string => {
    const full = resolve(root, path);
    if (full !== root && !full.startsWith(root + sep)) throw new InputError(`${path}: outside the tree ${treeDir}`);
    return full;
  };
  return {
    read(path: string): string | null {
      const full = inside(path);
      try {
        return readFileSync(full, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return null;
        throw new InputError(`cannot read ${full}: ${code ?? String(err)}`);
      }
    },
    describe(path: string): string {
      return resolve(root, path);
    },
  };
}

/** The ChangeSet of a parsed input applied to the files of `treeDir`. */
export function applyToTree(parsed: ParsedInput, treeDir: string, opts: BuildOptions = {}): ChangeSet {
  return buildChangeSetFrom(parsed, treeSource(treeDir), opts);
}
