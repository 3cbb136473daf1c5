// The app's handle on the engine: the same review() as the command line, plus the rule ids the
// config may name. Tests build an engine with their own rules; production uses the registry.
import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker } from '../review/worker-spawn.js';
import type { ChangeSet } from '../patch/types.js';
import type { IovalintConfig } from '../review/config.js';
import type { ReviewOptions } from '../review/index.js';
import type { Report } from '../review/types.js';
import type { WorkerReply, WorkerRequest } from './review-worker.js';

export interface ReviewEngine {
  /** Rule ids `.github/iovalint.yml` may name (rules:, ignore:). */
  knownRuleIds(): Promise<ReadonlySet<string>>;
  review(changeSet: ChangeSet, config: IovalintConfig): Promise<Report>;
}

type EngineOptions = Omit<ReviewOptions, 'config'>;

/** The ids of the rule set: the given rules, else review/'s registry. */
async function ruleIdsOf(options: EngineOptions): Promise<Set<string>> {
  const rules = options.rules ?? (await import('../review/defaults.js')).registeredRules();
  return new Set(rules.map((r) => r.meta.id));
}

/**
 * An engine over explicit options (rules, simulator); without them, the installed defaults.
 * The engine (tree-sitter, rules, simulator) loads on first use, not when the server starts.
 */
export function createEngine(options: EngineOptions = {}): ReviewEngine {
  let ids: Promise<Set<string>> | undefined;
  return {
    knownRuleIds: () => (ids ??= ruleIdsOf(options)),
    review: async (changeSet, config) => {
      const { review } = await import('../review/index.js');
      return review(changeSet, { ...options, config });
    },
  };
}

export interface WorkerEngineOptions {
  /** Worker threads (default 2): reviews beyond that wait for a free one. */
  workers?: number;
  /**
   * Wall-clock limit of one review, past the engine's own budgets (which stop the simulator
   * cleanly): a worker over it is stopped and the review fails, so no check run waits forever.
   */
  hardLimitMs?: (config: IovalintConfig) => number;
}

interface Slot {
  worker?: Worker;
  busy: boolean;
}

/** The worker script beside this module (review-worker.js when built, .ts from source). */
function spawnReviewWorker(): Worker {
  return spawnModuleWorker(new URL('./review-worker.js', import.meta.url), undefined);
}

/** The production engine: review() with the registry's rules, in a pool of worker threads. */
export function createWorkerEngine(options: WorkerEngineOptions = {}): ReviewEngine & { close(): Promise<void> } {
  const slots: Slot[] = Array.from({ length: Math.max(1, options.workers ?? 2) }, () => ({ busy: false }));
  const waiting: Array<(slot: Slot) => void> = [];
  const hardLimit = options.hardLimitMs ?? ((config: IovalintConfig) => config.sim.maxMillis + 120_000);
  let nextId = 1;

  const acquire = (): Promise<Slot> => {
    const free = slots.find((s) => !s.busy);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (slot: Slot): void => {
    const next = waiting.shift();
    if (next) next(slot);
    else {
      slot.busy = false;
      slot.worker?.unref();
    }
  };

  const call = async (request: Omit<WorkerRequest, 'id'>, limitMs: number): Promise<unknown> => {
    const slot = await acquire();
    try {
      const worker = (slot.worker ??= spawnReviewWorker());
      worker.ref();
      const id = nextId++;
      return await new Promise<unknown>((resolve, reject) => {
        const fail = (message: string) => {
          cleanup();
          void worker.terminate();
          slot.worker = undefined;
          reject(new Error(message));
        };
        const onMessage = (reply: WorkerReply) => {
          if (reply.id !== id) return;
          cleanup();
          if (reply.ok) resolve(reply.value);
          else reject(new Error(reply.error));
        };
        const onError = (err: Error) => fail(`review worker failed: ${err.message}`);
        const onExit = (code: number) => fail(`review worker exited (code ${code})`);
        const timer = setTimeout(() => fail(`the analysis ran over ${Math.round(limitMs / 1000)} s and was stopped`), limitMs);
        const cleanup = () => {
          clearTimeout(timer);
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
        };
        worker.on('message', onMessage);
        worker.once('error', onError);
        worker.once('exit', onExit);
        worker.postMessage({ ...request, id } satisfies WorkerRequest);
      });
    } finally {
      release(slot);
    }
  };

  let ids: Promise<Set<string>> | undefined;
  return {
    knownRuleIds: () => (ids ??= call({ kind: 'rule-ids' }, 60_000).then((list) => new Set(list as string[]))),
    review: async (changeSet, config) => (await call({ kind: 'review', changeSet, config }, hardLimit(config))) as Report,
    close: async () => {
      await Promise.all(slots.map((s) => s.worker?.terminate()));
      for (const s of slots) s.worker = undefined;
    },
  };
}
