// Witnesses (model/witness.ts): the scenario, the inputs, the model calls in order with the
// post-image line of each, the path through the patched code, the broken invariant, what the
// function returned, a one-line picture of granules, reservation and buffer for range defects,
// and one sentence that says it all.
import { hex, type Breach, type DmaIovaStateObj, type RangePicture, type TraceEntry, type Witness } from '../model/index.js';
import { describeInputs, parameterObjects, type ExecuteResult } from './execute.js';
import { formatReturn } from './run-once.js';

const RANGE_INVARIANTS = new Set([
  'reservation-covers-buffer',
  'mapping-covers-buffer',
  'byte-address',
  'free-mirrors-alloc',
  'size-no-wrap',
  'reservation-in-limit',
  'link-in-reservation',
  'first-link-offset',
  'later-link-aligned',
  'alloc-nonzero',
]);

const MAX_TRACE = 80;

export function buildWitness(result: ExecuteResult, summary: string, breach?: Breach): Witness {
  const trace = trimTrace(result.world.trace);
  const witness: Witness = {
    scenario: result.plan.spec,
    inputs: {
      ...describeInputs(result.inputs.filter((b) => b.value.k === 'int' || b.value.k === 'ptr')),
      ...Object.fromEntries(result.run.invented.slice(0, 12).map((x) => [x.path, `${x.signed ? x.value.toString() : `0x${x.value.toString(16)}`} (invented)`])),
    },
    trace,
    path: result.run.path.map((p) => ({ ...p })),
    summary,
  };
  if (breach) witness.breach = { invariant: breach.invariant, message: breach.message, ...(breach.data ? { data: { ...breach.data } } : {}) };
  if (result.returned) {
    const v = result.returned;
    witness.returned = v.k === 'int' && v.t.bits === 1 ? (v.v ? 'true' : 'false') : (formatReturn(v) ?? 'void');
  } else if (result.stop) witness.returned = `did not return: ${result.stop.message}`;
  if (breach && RANGE_INVARIANTS.has(breach.invariant)) {
    const picture = pictureOf(result);
    if (picture) witness.picture = picture;
  }
  return witness;
}

function trimTrace(trace: readonly TraceEntry[]): TraceEntry[] {
  const copy = trace.map((t) => ({ ...t, args: { ...t.args }, events: t.events.map((e) => ({ ...e })) }));
  if (copy.length <= MAX_TRACE) return copy;
  const head = copy.slice(0, MAX_TRACE / 2);
  const tail = copy.slice(-MAX_TRACE / 2);
  const gap: TraceEntry = { fn: '…', args: {}, events: [{ kind: 'info', what: 'elided', message: `${copy.length - MAX_TRACE} calls not shown` }] };
  return [...head, gap, ...tail];
}

/**
 * Granule, reservation, buffer and mapped ranges: from the state the run used (or the one a
 * patched allocation wrote), else from the last reservation and the DMA address returned.
 */
function pictureOf(result: ExecuteResult): RangePicture | undefined {
  const w = result.world;
  const domain = w.dev.domain;
  if (!domain) return undefined;
  const g = BigInt(w.spec.granule);
  const pic: RangePicture = { granule: hex(g) };
  const states = [...parameterObjects(result.inputs).map((p) => p.obj), ...result.run.stateWrites].filter((o) => o.kind === 'dma_iova_state') as DmaIovaStateObj[];
  const state = states.find((s) => s.addr !== 0n) ?? (w.states as DmaIovaStateObj[]).find((s) => s.addr !== 0n);
  const sizeInput = result.inputs.find((b) => b.role === 'size' && b.value.k === 'int')?.value;
  const size = sizeInput?.k === 'int' ? sizeInput.v : undefined;
  let reservation = state ? w.reservation(state.reservationId) : undefined;
  if (state && !reservation) reservation = w.liveReservationHolding(domain, state.addr);
  reservation ??= w.reservations[w.reservations.length - 1];
  if (reservation) pic.reservation = [hex(reservation.base), hex(reservation.base + reservation.granules * g)];
  let start: bigint | undefined;
  let length: bigint | undefined;
  if (state) {
    start = state.addr;
    length = size ?? state.rawSize & ((1n << 63n) - 1n);
  } else if (result.returned?.k === 'int' && result.returned.t.name === 'dma_addr_t') {
    start = result.returned.v;
    length = size;
  }
  if (start !== undefined && length !== undefined && length > 0n && length < 1n << 40n) pic.buffer = [hex(start), hex(start + length)];
  if (reservation) {
    const mapped = domain.pageTable.overlapping(reservation.base, reservation.taken * g).map((e) => [hex(e.iova), hex(e.iova + e.size)] as [string, string]);
    // Without any mapping call, coverage is the reservation's (an allocation-only function).
    if (mapped.length > 0 || result.run.mapped) pic.mapped = mapped;
  }
  if (!pic.reservation && !pic.buffer) return undefined;
  return pic;
}

/** "size=0x0, phys=0x123400234" — the inputs a request fixed, for a summary. */
export function shortInputs(result: ExecuteResult, keys: readonly string[]): string {
  const shown = describeInputs(result.inputs);
  const names = keys.length ? keys.filter((k) => k in shown) : Object.keys(shown).filter((k) => result.inputs.find((b) => b.name === k)?.value.k === 'int');
  return names
    .slice(0, 4)
    .map((k) => `${k}=${shown[k]}`)
    .join(', ');
}
