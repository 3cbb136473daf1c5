// Traces and model data as JSON: TraceEntry values are already strings; anything else the model
// holds goes through bigintReplacer (bigints as "0x..." strings). parseTrace validates the shape.
import { hex } from './ctypes.js';
import type { DmaIovaStateObj } from './objects.js';
import type { World } from './world.js';
import type { ModelEvent, RangePicture, TraceEntry } from './witness.js';

/** JSON.stringify replacer: bigint → "0x..." (negative: "-0x..."). */
export function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? hex(value) : value;
}

export function traceToJson(trace: readonly TraceEntry[], indent = 0): string {
  return JSON.stringify(trace, bigintReplacer, indent || undefined);
}

export type TraceParse = { ok: true; trace: TraceEntry[] } | { ok: false; error: string };

/** Parses and checks a trace written by traceToJson (or by hand, for fixtures). */
export function parseTrace(text: string): TraceParse {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` };
  }
  if (!Array.isArray(data)) return { ok: false, error: 'a trace is a JSON array of entries' };
  const out: TraceEntry[] = [];
  for (const [i, raw] of data.entries()) {
    const where = `entry ${i}`;
    if (typeof raw !== 'object' || raw === null) return { ok: false, error: `${where}: not an object` };
    const e = raw as Record<string, unknown>;
    if (typeof e.fn !== 'string') return { ok: false, error: `${where}: fn must be a string` };
    if (typeof e.args !== 'object' || e.args === null || Object.values(e.args).some((v) => typeof v !== 'string')) {
      return { ok: false, error: `${where}: args must map names to strings` };
    }
    if (e.result !== undefined && typeof e.result !== 'string') return { ok: false, error: `${where}: result must be a string` };
    if (e.line !== undefined && typeof e.line !== 'number') return { ok: false, error: `${where}: line must be a number` };
    if (!Array.isArray(e.events)) return { ok: false, error: `${where}: events must be an array` };
    const events: ModelEvent[] = [];
    for (const ev of e.events as unknown[]) {
      const m = ev as Record<string, unknown>;
      if (typeof m !== 'object' || m === null || !['warn', 'breach', 'info'].includes(m.kind as string) || typeof m.what !== 'string' || typeof m.message !== 'string') {
        return { ok: false, error: `${where}: malformed event` };
      }
      events.push({ kind: m.kind as ModelEvent['kind'], what: m.what, message: m.message });
    }
    const entry: TraceEntry = { fn: e.fn, args: e.args as Record<string, string>, events };
    if (e.result !== undefined) entry.result = e.result as string;
    if (e.line !== undefined) entry.line = e.line as number;
    out.push(entry);
  }
  return { ok: true, trace: out };
}

/** The one-line picture of granule, reservation, buffer and mapped ranges for a witness. */
export function rangePicture(w: World, state?: DmaIovaStateObj): RangePicture {
  const dev = w.dev;
  const pic: RangePicture = { granule: hex(BigInt(w.spec.granule)) };
  const domain = dev.domain;
  if (!state || !domain) return pic;
  const { reservation } = w.stateLifecycle(state, dev);
  if (reservation) pic.reservation = [hex(reservation.base), hex(reservation.base + reservation.granules * domain.granule)];
  const size = state.rawSize & ((1n << 63n) - 1n);
  if (size > 0n) pic.buffer = [hex(state.addr), hex(state.addr + size)];
  if (reservation) {
    pic.mapped = domain.pageTable
      .overlapping(reservation.base, reservation.taken * domain.granule)
      .map((e) => [hex(e.iova), hex(e.iova + e.size)] as [string, string]);
  }
  return pic;
}
