// Starting a worker thread on one of our modules, built (dist/*.js) or from source (tsx, vitest).
// From source, the worker registers tsx's ESM hooks itself first: hooks given to the parent
// through --import do not apply to a worker's first import on Node 20.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** `moduleUrl` is the worker module beside the caller, named with .js (its built name). */
export function spawnModuleWorker(moduleUrl: URL, workerData: unknown): Worker {
  if (!moduleUrl.href.endsWith('.ts') && !import.meta.url.endsWith('.ts')) return new Worker(moduleUrl, { workerData });
  const script = moduleUrl.href.replace(/\.js$/, '.ts');
  const tsxApi = new URL('./esm/api/index.mjs', pathToFileURL(createRequire(import.meta.url).resolve('tsx'))).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(script)}); })`;
  return new Worker(`${boot}.catch((err) => { console.error(err); process.exit(1); });`, { eval: true, workerData });
}
