// The production engine runs review() in worker threads: same report as on the main thread, a
// hard wall-clock stop that frees the worker, and a fresh worker afterwards.
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, createWorkerEngine } from '../../app/engine.js';
import { changedFileFromPatch } from '../../app/pr-changeset.js';
import type { ChangeSet } from '../../patch/types.js';
import { defaultConfig } from '../../review/config.js';
import { registeredRules } from '../../review/defaults.js';
import { XFER_PATH, xfer } from './helpers/scenarios.js';

function xferChange(): ChangeSet {
  const built = changedFileFromPatch({ path: XFER_PATH, status: 'modified' }, xfer.push[0]!.patch, xfer.push[0]!.text);
  if (!built.ok) throw new Error(built.reason);
  return { files: [built.file], patches: [{ index: 0, subject: 'x', origin: 'PR #1' }], source: 'PR #1', wholeFiles: false };
}

const engines: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const e of engines) await e.close();
});

describe('the worker-thread engine', () => {
  it('gives the same report as review() on the main thread', async () => {
    const worker = createWorkerEngine({ workers: 1 });
    engines.push(worker);
    const config = defaultConfig();
    const [inWorker, inThread] = await Promise.all([worker.review(xferChange(), config), createEngine().review(xferChange(), config)]);
    const strip = (r: typeof inWorker) => ({ ...r, timings: undefined });
    expect(strip(inWorker)).toEqual(strip(inThread));
    // The worker really parsed the file: its functions are listed.
    expect(inWorker.functions.map((f) => f.name)).toEqual(expect.arrayContaining(['xfer_map_pair', 'xfer_prepare']));
    expect([...(await worker.knownRuleIds())].sort()).toEqual(registeredRules().map((r) => r.meta.id).sort());
  });

  it('stops a review over the hard limit and serves the next one with a fresh worker', async () => {
    let limit = 1;
    const worker = createWorkerEngine({ workers: 1, hardLimitMs: () => limit });
    engines.push(worker);
    await expect(worker.review(xferChange(), defaultConfig())).rejects.toThrow(/ran over 0 s and was stopped/);
    limit = 60_000;
    const report = await worker.review(xferChange(), defaultConfig());
    expect(report.files[0]).toMatchObject({ path: XFER_PATH, analysed: true });
  });

  it('queues reviews beyond the pool size instead of failing them', async () => {
    const worker = createWorkerEngine({ workers: 1 });
    engines.push(worker);
    const reports = await Promise.all([1, 2, 3].map(() => worker.review(xferChange(), defaultConfig())));
    expect(reports.map((r) => r.files[0]!.analysed)).toEqual([true, true, true]);
  });
});
