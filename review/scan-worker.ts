// Worker thread of tree scans: receives {id, abs, rel}, answers {id, outcome}.
import { parentPort, workerData } from 'node:worker_threads';
import { registeredRules } from './defaults.js';
import { ResultCache } from './cache.js';
import { prefilterFor } from './prefilter.js';
import { selectRules } from './registry.js';
import { scanOneFile, type ScanContext, type ScanSettings } from './scan-file.js';

const settings = workerData as ScanSettings;
const rules = registeredRules();
const active = selectRules(rules, settings.config, settings).map((a) => a.rule);
const ctx: ScanContext = {
  settings,
  rules,
  ...(settings.prefilter ? { prefilter: prefilterFor(active) } : {}),
  ...(settings.cacheDir ? { cache: new ResultCache(settings.cacheDir, settings.cacheSalt) } : {}),
};

parentPort!.on('message', (message: { id: number; abs: string; rel: string; explicit: boolean }) => {
  let outcome;
  try {
    outcome = scanOneFile(message.abs, message.rel, ctx, message.explicit);
  } catch (err) {
    outcome = { kind: 'error' as const, file: message.rel, message: `internal error: ${(err as Error).message}` };
  }
  parentPort!.postMessage({ id: message.id, outcome });
});
