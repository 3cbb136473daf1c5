// Tree scans (issue 8): walk .c/.h files, review each on a pool of worker threads, stream the
// per-file reports back in path order, and merge them into one Report. Memory stays bounded:
// at most a few files per worker are in flight and no syntax tree outlives its file.
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import type { Worker } from 'node:worker_threads';
import { displayPath, walkSourceFiles } from '../patch/files.js';
import { InputError } from '../patch/types.js';
import { MODEL_VERSION } from '../model/version.js';
import { registeredRules } from './defaults.js';
import { ResultCache, cacheSalt } from './cache.js';
import { prefilterFor } from './prefilter.js';
import { describeRules, selectRules } from './registry.js';
import { scanOneFile, type FileOutcome, type ScanContext, type ScanSettings } from './scan-file.js';
import type { Report } from './types.js';
import { TOOL_VERSION } from './version.js';
import { spawnModuleWorker } from './worker-spawn.js';

export interface ScanOptions {
  /** Files and directories; directories are walked for .c/.h files. */
  paths: string[];
  /** Paths in the report are relative to this directory (a tree root) when inside it. */
  root?: string;
  /** Worker threads (default: the number of cores). 1 scans in this thread. */
  jobs?: number;
  settings: Omit<ScanSettings, 'cacheSalt'>;
  /** Called after each file, in walk order. */
  onProgress?: (done: number, current: string) => void;
  /** Each file's report, in walk order (for streaming output). */
  onFile?: (report: Report) => void;
}

interface Item {
  seq: number;
  abs: string;
  rel: string;
  /** Named on the command line (errors are fatal) rather than found by walking. */
  explicit: boolean;
}

async function* items(paths: string[], root: string | undefined): AsyncGenerator<Item> {
  let seq = 0;
  for (const given of paths) {
    let info;
    try {
      info = await stat(given);
    } catch (err) {
      throw new InputError(`cannot read: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String(err)}`, given);
    }
    if (info.isDirectory()) {
      for await (const path of walkSourceFiles(given)) yield { seq: seq++, abs: resolve(path), rel: displayPath(path, root), explicit: false };
    } else {
      yield { seq: seq++, abs: resolve(given), rel: displayPath(given, root), explicit: true };
    }
  }
}

export async function scanTree(options: ScanOptions): Promise<Report> {
  const started = performance.now();
  const rules = registeredRules();
  const active = selectRules(rules, options.settings.config, options.settings);
  const settings: ScanSettings = {
    ...options.settings,
    cacheSalt: cacheSalt({
      tool: TOOL_VERSION,
      model: MODEL_VERSION,
      config: { ...options.settings.config, source: undefined },
      only: options.settings.only,
      disable: options.settings.disable,
      sim: options.settings.sim,
    }),
  };
  const jobs = Math.max(1, options.jobs ?? cpus().length);
  const merged: Report = {
    tool: { name: 'iovalint', version: TOOL_VERSION, modelVersion: MODEL_VERSION },
    rules: describeRules(active),
    source: options.paths.join(' '),
    findings: [],
    refuted: [],
    unusedSuppressions: [],
    files: [],
    functions: [],
    notChecked: [],
    timings: { parseMs: 0, rulesMs: 0, simMs: 0, totalMs: 0 },
    scan: { files: 0, prefiltered: 0, cached: 0, jobs },
  };

  const absorb = (item: Item, outcome: FileOutcome): void => {
    merged.scan!.files++;
    if (outcome.kind === 'prefiltered') {
      merged.scan!.prefiltered++;
    } else if (outcome.kind === 'error') {
      if (item.explicit) throw new InputError(outcome.message, outcome.file);
      merged.files.push({ path: outcome.file, status: 'modified', analysed: false, reason: outcome.message });
      merged.notChecked.push({ file: outcome.file, reason: outcome.message });
    } else {
      const r = outcome.report;
      if (outcome.cached) merged.scan!.cached++;
      merged.findings.push(...r.findings);
      merged.refuted.push(...r.refuted);
      merged.unusedSuppressions.push(...r.unusedSuppressions);
      merged.files.push(...r.files);
      merged.functions.push(...r.functions);
      merged.notChecked.push(...r.notChecked);
      merged.timings.parseMs += r.timings.parseMs;
      merged.timings.rulesMs += r.timings.rulesMs;
      merged.timings.simMs += r.timings.simMs;
      options.onFile?.(r);
    }
    options.onProgress?.(merged.scan!.files, item.rel);
  };

  if (jobs === 1) {
    const ctx: ScanContext = {
      settings,
      rules,
      ...(settings.prefilter ? { prefilter: prefilterFor(active.map((a) => a.rule)) } : {}),
      ...(settings.cacheDir ? { cache: new ResultCache(settings.cacheDir, settings.cacheSalt) } : {}),
    };
    for await (const item of items(options.paths, options.root)) absorb(item, scanOneFile(item.abs, item.rel, ctx, item.explicit));
  } else {
    await runPool(jobs, settings, items(options.paths, options.root), absorb);
  }
  merged.timings.totalMs = Math.round(performance.now() - started);
  for (const key of ['parseMs', 'rulesMs', 'simMs'] as const) merged.timings[key] = Math.round(merged.timings[key]);
  return merged;
}

/** Feeds items to `jobs` workers, at most `2 × jobs` in flight, and absorbs outcomes in order. */
async function runPool(
  jobs: number,
  settings: ScanSettings,
  source: AsyncGenerator<Item>,
  absorb: (item: Item, outcome: FileOutcome) => void,
): Promise<void> {
  const workers: Worker[] = Array.from({ length: jobs }, () => spawnModuleWorker(new URL('./scan-worker.js', import.meta.url), settings));
  const idle: Worker[] = [...workers];
  const pending = new Map<number, Item>();
  const done = new Map<number, FileOutcome>();
  let nextToAbsorb = 0;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const signal = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  for (const worker of workers) {
    worker.on('message', (message: { id: number; outcome: FileOutcome }) => {
      done.set(message.id, message.outcome);
      idle.push(worker);
      signal();
    });
    worker.on('error', (err) => {
      failure ??= err;
      signal();
    });
  }
  const drain = (): void => {
    while (done.has(nextToAbsorb)) {
      const outcome = done.get(nextToAbsorb)!;
      done.delete(nextToAbsorb);
      const item = pending.get(nextToAbsorb)!;
      pending.delete(nextToAbsorb);
      nextToAbsorb++;
      absorb(item, outcome);
    }
  };
  const waitForWork = (): Promise<void> => new Promise((resolveWait) => (wake = resolveWait));
  try {
    for await (const item of source) {
      // Drain before deciding to wait: a reply may have come while the walk was awaited. After a
      // drain, a blocked pool always has its oldest item in flight, whose reply will wake us.
      drain();
      while (idle.length === 0 || pending.size >= jobs * 2) {
        if (failure) throw failure;
        await waitForWork();
        drain();
      }
      if (failure) throw failure;
      pending.set(item.seq, item);
      idle.pop()!.postMessage({ id: item.seq, abs: item.abs, rel: item.rel, explicit: item.explicit });
    }
    while (pending.size > 0) {
      if (failure) throw failure;
      drain();
      if (pending.size > 0) await waitForWork();
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
