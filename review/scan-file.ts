// One file of a tree scan: read, prefilter, cache, review. Runs in a worker or in-process.
import { readFileSync, statSync } from 'node:fs';
import { wholeFileChange } from '../patch/files.js';
import { InputError } from '../patch/types.js';
import type { Rule } from '../rules/types.js';
import type { ResultCache } from './cache.js';
import type { IovalintConfig } from './config.js';
import { reviewSync } from './index.js';
import type { Prefilter } from './prefilter.js';
import type { Report } from './types.js';

export interface ScanSettings {
  config: IovalintConfig;
  only: string[];
  disable: string[];
  sim: boolean;
  prefilter: boolean;
  cacheDir?: string;
  cacheSalt: string;
  maxFileBytes: number;
}

export type FileOutcome =
  | { kind: 'report'; report: Report; cached: boolean }
  | { kind: 'prefiltered' }
  | { kind: 'error'; message: string; file: string };

export interface ScanContext {
  settings: ScanSettings;
  rules: readonly Rule[];
  prefilter?: Prefilter;
  cache?: ResultCache;
}

/** `explicit`: named by the user (never prefiltered, so a file that is not C is still caught). */
export function scanOneFile(abs: string, rel: string, ctx: ScanContext, explicit = false): FileOutcome {
  let bytes: Buffer;
  try {
    const size = statSync(abs).size;
    if (size > ctx.settings.maxFileBytes) {
      return { kind: 'error', file: rel, message: `file is ${size} bytes, over the size limit of ${ctx.settings.maxFileBytes} bytes` };
    }
    bytes = readFileSync(abs);
  } catch (err) {
    return { kind: 'error', file: rel, message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  const text = bytes.toString('utf8');
  if (!explicit && ctx.prefilter && !ctx.prefilter.relevant(text)) return { kind: 'prefiltered' };
  const key = ctx.cache?.key(rel, text);
  if (ctx.cache && key) {
    const hit = ctx.cache.get(key);
    if (hit) return { kind: 'report', report: hit, cached: true };
  }
  try {
    const report = reviewSync(
      { files: [wholeFileChange(rel, bytes)], patches: [], source: rel, wholeFiles: true },
      {
        config: ctx.settings.config,
        rules: ctx.rules,
        only: ctx.settings.only,
        disable: ctx.settings.disable,
        ...(ctx.settings.sim ? {} : { simulator: false as const }),
        notCIsError: true,
      },
    );
    if (ctx.cache && key) ctx.cache.set(key, report);
    return { kind: 'report', report, cached: false };
  } catch (err) {
    if (err instanceof InputError) return { kind: 'error', file: rel, message: err.message };
    throw err;
  }
}
