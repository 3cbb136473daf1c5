// The engine in a worker thread: parsing, rules and simulation are synchronous CPU work, and on the
// main thread they would hold up every webhook (GitHub gives a delivery 10 s). One review at a
// time per worker; the ChangeSet and the Report cross by structured clone (Sets and Maps included).
import { parentPort } from 'node:worker_threads';
import type { ChangeSet } from '../patch/types.js';
import type { IovalintConfig } from '../review/config.js';

export interface WorkerRequest {
  id: number;
  kind: 'review' | 'rule-ids';
  changeSet?: ChangeSet;
  config?: IovalintConfig;
}

export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

parentPort?.on('message', (request: WorkerRequest) => {
  void (async () => {
    try {
      let value: unknown;
      if (request.kind === 'rule-ids') {
        const { registeredRules } = await import('../review/defaults.js');
        value = registeredRules().map((r) => r.meta.id);
      } else {
        const { review } = await import('../review/index.js');
        value = await review(request.changeSet!, { config: request.config! });
      }
      parentPort!.postMessage({ id: request.id, ok: true, value } satisfies WorkerReply);
    } catch (err) {
      const error = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
      parentPort!.postMessage({ id: request.id, ok: false, error } satisfies WorkerReply);
    }
  })();
});
