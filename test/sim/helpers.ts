// Shared helpers for the simulator tests: fixtures of fixtures/sim, environments as review/
// builds them, and requests as the rules send them (sim-requests.md).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseFile, type ParsedFile } from '../../c/index.js';
import type { SimRequest } from '../../model/index.js';
import { createSimulator, type SimEnvironment, type SimOutcome } from '../../sim/index.js';

export const fixtureDir = fileURLToPath(new URL('../../fixtures/sim/', import.meta.url));

const cache = new Map<string, ParsedFile>();

export function fixture(name: string): ParsedFile {
  let f = cache.get(name);
  if (!f) {
    f = parseFile(`drivers/sim/${name}`, readFileSync(`${fixtureDir}${name}`, 'utf8'));
    cache.set(name, f);
  }
  return f;
}

export function parseC(text: string, path = 'drivers/test.c'): ParsedFile {
  return parseFile(path, text);
}

export function envFor(file: ParsedFile, fnName: string, over: Partial<SimEnvironment> = {}): SimEnvironment {
  const functions = new Map(file.functions.map((fn) => [fn.name, { file, fn }]));
  const fn = file.functions.find((f) => f.name === fnName);
  if (!fn) throw new Error(`no function ${fnName} in ${file.path}`);
  return { functions, file, fn, implements: {}, maxSteps: 200_000, maxRuns: 64, deadline: Date.now() + 60_000, ...over };
}

export type RequestShape = Omit<SimRequest, 'function' | 'mode'> & { mode?: SimRequest['mode'] };

export const simulator = createSimulator();

export function confirmIn(file: ParsedFile, fnName: string, request: RequestShape, over: Partial<SimEnvironment> = {}): SimOutcome {
  const full: SimRequest = { mode: 'confirm', ...request, function: fnName };
  return simulator.confirm(full, envFor(file, fnName, over));
}
