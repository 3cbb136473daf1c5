// What a run's return means for the model: the caller-side facts the simulator asserts when the
// function returns (a patched try_alloc left a sound state; a DMA address returned is buffer byte
// 0 and the buffer is mapped; success published only synced links; a failure leaves nothing
// behind), so that defects show as invariant breaches in the model's own terms.
import {
  assertBufferCovered,
  assertByteAddress,
  assertFailedLinksRedone,
  assertNoStaleState,
  assertPublished,
  assertTryAllocOutcome,
  DMA_IOVA_USE_SWIOTLB,
  DMA_MAPPING_ERROR,
  hex,
  type DmaIovaStateObj,
} from '../model/index.js';
import type { CType } from './ctype.js';
import type { ExecuteResult } from './execute.js';
import { Cell, type Value } from './values.js';

export type FinishMode = 'confirm' | 'contract' | 'once';

/** Success as the kernel convention reads a return value of type `t`. */
export function judgeSuccess(t: CType, v: Value | undefined): boolean {
  if (!v || v.k === 'void' || t.kind === 'void') return true;
  if (v.k === 'ptr') return v.p !== null && v.p.k !== 'err';
  if (v.k !== 'int') return true;
  if (v.t.bits === 1) return v.v !== 0n;
  if (v.t.signed) return v.v >= 0n;
  if (v.t.name === 'blk_status_t') return v.v === 0n; // BLK_STS_OK
  if (v.t.name === 'dma_addr_t') return v.v !== DMA_MAPPING_ERROR && v.v !== 0n;
  return v.v !== 0n;
}

function intInput(result: ExecuteResult, role: string): bigint | undefined {
  const found = result.inputs.filter((b) => b.role === role && b.value.k === 'int');
  return found.length === 1 && found[0]!.value.k === 'int' ? found[0]!.value.v : undefined;
}

/**
 * Runs the return-time assertions on the run's world. `teardown`: also check that nothing stays
 * reserved, mapped or bounced (contract mode, and when a request expects no-leak) on failure.
 */
export function finishRun(result: ExecuteResult, mode: FinishMode, opts: { teardownOnFailure?: boolean } = {}): void {
  const { world: w, run, returned } = result;
  if (returned === undefined) return;
  const success = judgeSuccess(result.retType, returned);
  const dev = w.dev;
  const phys = intInput(result, 'phys');
  const size = intInput(result, 'size');
  const line = result.plan.cf.fn.lines.end;
  // what the caller held before the call (its setup) is not the function's to release
  const held = run.keep && (run.keep.reservations.size > 0 || run.keep.extents.size > 0 || run.keep.slots.size > 0 || run.keep.mappings.size > 0);
  const keep = held ? { keep: run.keep! } : {};
  // A function that wrote state->addr/__size itself: a patched try_alloc or its allocation half.
  if (phys !== undefined && size !== undefined) {
    for (const state of run.stateWrites) assertTryAllocOutcome(w, dev, state, phys, size, success, { sinceCall: 0, line });
  }
  // DMA_IOVA_USE_SWIOTLB is the swiotlb path's flag, never part of a size a try_alloc stores.
  for (const state of run.stateWrites) {
    if (success && (state.rawSize & DMA_IOVA_USE_SWIOTLB) !== 0n) {
      w.recordBreach('flag-not-in-size', `${state.id}->__size is ${hex(state.rawSize)}: DMA_IOVA_USE_SWIOTLB (bit 63) is set, so dma_iova_size() is ${hex(state.rawSize & ~DMA_IOVA_USE_SWIOTLB)}, not the size stored`, { stored: hex(state.rawSize) }, line);
    }
  }
  // A DMA address handed back: byte 0 of the buffer, and (when something was mapped) all of it mapped.
  const dmaOut: bigint[] = [];
  if (returned.k === 'int' && returned.t.name === 'dma_addr_t' && success) dmaOut.push(returned.v);
  for (const b of result.inputs) {
    const v = b.value;
    if (v.k === 'ptr' && v.p?.k === 'cell' && v.p.cell instanceof Cell && v.p.cell.written && v.p.cell.t.kind === 'int' && v.p.cell.t.name === 'dma_addr_t') {
      const out = v.p.cell.v;
      if (out?.k === 'int' && success) dmaOut.push(out.v);
    }
  }
  if (phys !== undefined) {
    for (const dma of dmaOut) {
      assertByteAddress(w, dev, dma, phys, { line });
      if (size !== undefined && run.mapped && size > 0n) assertBufferCovered(w, dev, dma, phys, size, { line });
    }
  }
  if (mode === 'contract' || mode === 'once') {
    if (success && mode === 'contract') {
      assertPublished(w, dev, { line });
      assertFailedLinksRedone(w, dev, { line, since: run.setupEnd });
      assertNoStaleState(w, dev, { line, before: run.setupEnd });
      if (phys !== undefined && size !== undefined && size > 0n) {
        for (const st of w.states as DmaIovaStateObj[]) {
          const r = w.stateLifecycle(st, dev).reservation;
          if (r?.live && run.mapped) assertBufferCovered(w, dev, st.addr, phys, size, { line });
        }
      }
    }
    if (!success && (mode === 'contract' || opts.teardownOnFailure)) w.teardown(keep);
  } else if (!success && opts.teardownOnFailure) w.teardown(keep);
}
