// Shared helpers for the patch/ tests: fixture access and post-image line lookups.

import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChangeSet, ChangedFile } from '../../patch/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'patch');

export function fixturePath(name: string): string {
  return join(FIXTURES, name);
}

export function readFixture(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

/** 1-based line of a text. */
export function lineOf(text: string | undefined, n: number): string | undefined {
  return text?.split('\n')[n - 1];
}

export function fileOf(changeSet: ChangeSet, path: string): ChangedFile {
  const file = changeSet.files.find((f) => f.path === path);
  if (!file) throw new Error(`no ${path} in ${changeSet.files.map((f) => f.path).join(', ')}`);
  return file;
}

/** Every line the post-image knows must equal the same line of the expected full file. */
export function knownLinesMismatches(file: ChangedFile, expected: string): string[] {
  const got = file.postImage!.split('\n');
  const want = expected.split('\n');
  const bad: string[] = [];
  for (const [from, to] of file.knownLines ?? []) {
    for (let n = from; n <= to; n++) {
      if (got[n - 1] !== want[n - 1]) bad.push(`${file.path}:${n}: ${JSON.stringify(got[n - 1])} != ${JSON.stringify(want[n - 1])}`);
    }
  }
  return bad;
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, k) => from + k);
}

/** A scratch directory, optionally seeded with a copy of a fixture tree. */
export function scratchDir(copyOf?: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'iovalint-patch-'));
  if (copyOf) cpSync(fixturePath(copyOf), dir, { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
