// Not a test: measures reading, parsing and building a ChangeSet for a generated ~50 MB series.
//   node --import tsx test/patch/measure-large-series.ts [MB]
// Prints the input size, time per stage and peak RSS, so memory stays a measured figure.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildChangeSet, parsePatchInput, readPatchSource } from '../../patch/index.js';

const targetBytes = Number(process.argv[2] === '--measure' ? 0 : (process.argv[2] ?? 50)) * 1024 * 1024;
const PATCHES = 20;
const FILES = 10;
const HUNKS = 8;
const ADDED = 340;

/** Original (pre-series) hunk positions already applied, per file: later hunks shift past them. */
const applied = new Map<string, number[]>();

/**
 * One kernel-style patch: FILES files, each with HUNKS hunks adding ADDED lines. Every patch
 * touches the same files, so the series is applied on top of itself and lines keep moving.
 */
function patch(n: number, round: number): string {
  const serial = round * PATCHES + n;
  const out: string[] = [
    `From ${n.toString(16).padStart(40, '0')} Mon Sep 17 00:00:00 2001`,
    'From: Ada Fixture <ada@example.org>',
    `Subject: [PATCH ${serial + 1}/${PATCHES}] drivers: generated change ${serial + 1}`,
    '',
    'Generated for a memory measurement.',
    '---',
  ];
  for (let f = 0; f < FILES; f++) {
    const path = `drivers/gen/file${f}.c`;
    out.push(`diff --git a/${path} b/${path}`, `--- a/${path}`, `+++ b/${path}`);
    const before = applied.get(path) ?? [];
    let delta = 0;
    for (let h = 0; h < HUNKS; h++) {
      const original = 100 + h * 10_000 + serial * 40;
      const at = original + before.filter((p) => p < original).length * ADDED;
      out.push(`@@ -${at},3 +${at + delta},${ADDED + 3} @@ static int gen_fn_${h}(struct device *dev)`);
      delta += ADDED;
      out.push(' \tint ret;', ' ');
      for (let k = 0; k < ADDED; k++) out.push(`+\tret = dma_iova_link(dev, &state, phys + ${k} * PAGE_SIZE, PAGE_SIZE, dir, 0); /* ${n}.${h}.${k} */`);
      out.push(' \treturn ret;');
    }
    for (let h = 0; h < HUNKS; h++) before.push(100 + h * 10_000 + serial * 40);
    applied.set(path, before);
  }
  out.push('-- ', '2.39.5', '', '');
  return out.join('\n');
}

const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** In a fresh process, so the baseline is not the generator's garbage. */
async function measure(file: string): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const source = await readPatchSource(file);
  const t1 = performance.now();
  const parsed = parsePatchInput(source.text, source.origin);
  const t2 = performance.now();
  const cs = buildChangeSet(parsed);
  const t3 = performance.now();
  const changed = cs.files.reduce((sum, f) => sum + f.changedLines.size, 0);
  console.log(`input ${mb(source.text.length)} in ${parsed.patches.length} patches, ${cs.files.length} files, ${changed} changed lines`);
  console.log(`read ${(t1 - t0).toFixed(0)} ms, parse ${(t2 - t1).toFixed(0)} ms, build ${(t3 - t2).toFixed(0)} ms`);
  console.log(`rss at start ${mb(rssBefore)}, peak rss ${mb(process.resourceUsage().maxRSS * 1024)}`);
}

if (process.argv[2] === '--measure') {
  await measure(process.argv[3]!);
} else {
  const parts: string[] = [];
  let size = 0;
  for (let round = 0; size < targetBytes; round++) {
    for (let n = 0; n < PATCHES && size < targetBytes; n++) {
      const text = patch(n, round);
      parts.push(text);
      size += text.length;
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'iovalint-measure-'));
  const file = join(dir, 'large.mbox');
  try {
    writeFileSync(file, parts.join(''));
    process.stdout.write(execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--measure', file], { encoding: 'utf8' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
