// Kernel helpers around the DMA API that drivers call instead of it, run on the model so a
// driver's lifecycle around them shows: the block layer's DMA iterator (reference/callers.md §1)
// — blk_rq_dma_map_iter_start() maps a request of one 2-granule segment either through the IOVA
// path (try_alloc, link, sync: one coalesced range) or through dma_map_phys(), or fails;
// blk_rq_dma_unmap() destroys the IOVA mapping when dma_use_iova(state), else tells the caller
// whether it must unmap the segments itself — and dma_need_unmap(), read from the model's device.
// The path the iterator takes is a choice of the run.
import { DMA_MAPPING_ERROR, DMA_TO_DEVICE, PHYS_BASE, type TraceEntry } from '../model/index.js';
import { BOOL, ulong, UINT, type IntT } from './ctype.js';
import { unsupported } from './errors.js';
import type { Interpreter } from './interpreter.js';
import { callModelFunction } from './model-bridge.js';
import type { SNode } from './tree.js';
import { SimStruct, intValue, type Value } from './values.js';

const BLK_STATUS: IntT = { kind: 'int', name: 'blk_status_t', bits: 8, signed: false };
const DMA_ADDR: IntT = { kind: 'int', name: 'dma_addr_t', bits: 64, signed: false };
const PHYS: IntT = { kind: 'int', name: 'phys_addr_t', bits: 64, signed: false };
const SIZE_OF_SEGMENT_GRANULES = 2n;
const BLK_STS_RESOURCE = 9n;

export const KERNEL_HELPERS = ['blk_rq_dma_map_iter_start', 'blk_rq_dma_unmap', 'blk_mq_rq_to_pdu', 'rq_dma_dir', 'dma_need_unmap'] as const;

export function isKernelHelper(name: string): boolean {
  return (KERNEL_HELPERS as readonly string[]).includes(name);
}

export function callKernelHelper(ip: Interpreter, name: string, call: SNode, args: SNode[]): Value {
  if (name === 'dma_need_unmap') return needUnmap(ip, call, args);
  if (name === 'blk_mq_rq_to_pdu') return requestPdu(ip, call, args);
  if (name === 'rq_dma_dir') {
    // a write request: the same direction the iterator helpers map with
    evalArgs(ip, call, args, 1, name);
    return intValue(BigInt(DMA_TO_DEVICE), { kind: 'int', name: 'dma_data_direction', bits: 32, signed: true });
  }
  return name === 'blk_rq_dma_map_iter_start' ? mapIterStart(ip, call, args) : dmaUnmap(ip, call, args);
}

/** The driver's per-request data behind a request: never NULL, the same memory for the same request. */
const pdus = new WeakMap<object, WeakMap<object, SimStruct>>();

function requestPdu(ip: Interpreter, call: SNode, args: SNode[]): Value {
  const [req] = evalArgs(ip, call, args, 1, 'blk_mq_rq_to_pdu');
  const target = req?.k === 'ptr' && req.p && (req.p.k === 'struct' || req.p.k === 'cell') ? (req.p.k === 'struct' ? req.p.s : req.p.cell) : undefined;
  if (!target) throw unsupported('blk_mq_rq_to_pdu() of a request the simulator cannot follow', ip.line(call));
  let byRun = pdus.get(ip.run);
  if (!byRun) pdus.set(ip.run, (byRun = new WeakMap()));
  let pdu = byRun.get(target);
  if (!pdu) byRun.set(target, (pdu = new SimStruct('?', `blk_mq_rq_to_pdu(${args[0]!.text})`, true)));
  return { k: 'ptr', p: { k: 'struct', s: pdu }, to: { kind: 'void' } };
}

function evalArgs(ip: Interpreter, call: SNode, args: SNode[], n: number, name: string): Value[] {
  if (args.length !== n) throw unsupported(`${name} takes ${n} arguments`, ip.line(call));
  return args.map((a) => ip.evalExpr(a));
}

function entryFor(ip: Interpreter, name: string, args: SNode[], call: SNode, message: string): TraceEntry {
  const entry: TraceEntry = {
    fn: name,
    args: Object.fromEntries(args.map((a, i) => [`arg${i + 1}`, a.text.replace(/\s+/g, ' ')])),
    events: [{ kind: 'info', what: 'kernel-helper', message }],
    line: ip.line(call),
  };
  ip.run.addEntry(entry);
  ip.run.calls.push({ fn: name, line: ip.line(call), args: [], via: 'builtin', injected: false });
  return entry;
}

function setField(ip: Interpreter, ptr: Value, field: string, v: Value, node: SNode): void {
  ip.write(ip.member(ip.deref(ptr, node), field, node), v, node);
}

function stateAddr(ip: Interpreter, state: Value, node: SNode): bigint {
  const v = ip.read(ip.member(ip.deref(state, node), 'addr', node), node);
  return v.k === 'int' ? v.v : 0n;
}

/** bool blk_rq_dma_map_iter_start(req, dma_dev, state, iter) */
function mapIterStart(ip: Interpreter, call: SNode, args: SNode[]): Value {
  const name = 'blk_rq_dma_map_iter_start';
  const [, dev, state, iter] = evalArgs(ip, call, args, 4, name);
  // the iterator's other members (its P2P state, attributes) are the helper's to fill: inputs
  if (iter?.k === 'ptr' && iter.p) ip.writtenByUnknown(iter.p);
  const g = BigInt(ip.run.spec.granule);
  const len = SIZE_OF_SEGMENT_GRANULES * g;
  const phys = intValue(PHYS_BASE, PHYS);
  const size = intValue(len, ulong(ip.arch));
  const dir = intValue(BigInt(DMA_TO_DEVICE), { kind: 'int', name: 'int', bits: 32, signed: true });
  const fail = (entry: TraceEntry, why: string): Value => {
    setField(ip, iter!, 'status', intValue(BLK_STS_RESOURCE, BLK_STATUS), call);
    entry.result = 'false';
    entry.events.push({ kind: 'info', what: 'kernel-helper', message: why });
    return intValue(0n, BOOL);
  };
  if (ip.run.shouldFail(name)) {
    const entry = entryFor(ip, name, args, call, `${name}() made to fail by the simulator`);
    entry.events[0]!.what = 'injected-failure';
    return fail(entry, 'iter->status = BLK_STS_RESOURCE');
  }
  const paths = ['the IOVA path (one coalesced range)', 'the dma_map_phys() path', 'no mapping (an invalid request)'];
  const choice = ip.run.choices.choose(paths.map((p) => `${name}() took ${p}`));
  const entry = entryFor(ip, name, args, call, `the block layer's helper, run on the model: it tries ${paths[choice]} for a request of one ${len}-byte segment`);
  if (choice === 2) return fail(entry, 'iter->status = BLK_STS_RESOURCE');
  setField(ip, iter!, 'status', intValue(0n, BLK_STATUS), call);
  if (choice === 0) {
    const reserved = callModelFunction(ip, 'dma_iova_try_alloc', [dev!, state!, phys, size], call);
    if (reserved.k === 'int' && reserved.v !== 0n) {
      const linked = callModelFunction(ip, 'dma_iova_link', [dev!, state!, phys, intValue(0n, ulong(ip.arch)), size, dir, intValue(0n, ulong(ip.arch))], call);
      if (linked.k === 'int' && linked.v !== 0n) {
        callModelFunction(ip, 'dma_iova_destroy', [dev!, state!, intValue(0n, ulong(ip.arch)), dir, intValue(0n, ulong(ip.arch))], call);
        return fail(entry, 'the link failed: the reservation was released');
      }
      const synced = callModelFunction(ip, 'dma_iova_sync', [dev!, state!, intValue(0n, ulong(ip.arch)), size], call);
      if (synced.k === 'int' && synced.v !== 0n) {
        callModelFunction(ip, 'dma_iova_destroy', [dev!, state!, size, dir, intValue(0n, ulong(ip.arch))], call);
        return fail(entry, 'the sync failed: the mapping was destroyed');
      }
      setField(ip, iter!, 'addr', intValue(stateAddr(ip, state!, call), DMA_ADDR), call);
      setField(ip, iter!, 'len', intValue(len, UINT), call);
      entry.result = 'true';
      return intValue(1n, BOOL);
    }
    entry.events.push({ kind: 'info', what: 'kernel-helper', message: 'dma_iova_try_alloc() returned false: the dma_map_phys() path' });
  }
  const dma = callModelFunction(ip, 'dma_map_phys', [dev!, phys, size, dir, intValue(0n, ulong(ip.arch))], call);
  if (dma.k !== 'int' || dma.v === DMA_MAPPING_ERROR) return fail(entry, 'dma_map_phys() failed');
  setField(ip, iter!, 'addr', intValue(dma.v, DMA_ADDR), call);
  setField(ip, iter!, 'len', intValue(len, UINT), call);
  entry.result = 'true';
  return intValue(1n, BOOL);
}

/**
 * dma_need_unmap(dev): true unless the device maps directly (no DMA-IOMMU domain) with syncs
 * skipped (coherent, no bouncing) — kernel/dma/mapping.c; CONFIG_DMA_API_DEBUG taken off.
 */
function needUnmap(ip: Interpreter, call: SNode, args: SNode[]): Value {
  evalArgs(ip, call, args, 1, 'dma_need_unmap');
  const dev = ip.world.dev;
  const need = dev.dmaIommu || !dev.coherent || ip.world.spec.untrusted;
  ip.run.calls.push({ fn: 'dma_need_unmap', line: ip.line(call), args: [], via: 'builtin', injected: false });
  const why = dev.dmaIommu ? 'the device maps through its DMA-IOMMU domain' : need ? 'direct mapping that syncs or bounces' : 'coherent direct mapping';
  ip.run.addEntry({ fn: 'dma_need_unmap', args: { dev: dev.id }, result: need ? 'true' : 'false', events: [{ kind: 'info', what: 'kernel-helper', message: why }], line: ip.line(call) });
  return intValue(need ? 1n : 0n, BOOL);
}

/** bool blk_rq_dma_unmap(req, dma_dev, state, mapped_len) */
function dmaUnmap(ip: Interpreter, call: SNode, args: SNode[]): Value {
  const name = 'blk_rq_dma_unmap';
  const [, dev, state, mapped] = evalArgs(ip, call, args, 4, name);
  const used = callModelFunction(ip, 'dma_use_iova', [state!], call);
  const entry = entryFor(ip, name, args, call, "the block layer's helper, run on the model");
  if (used.k === 'int' && used.v !== 0n) {
    const dir = intValue(BigInt(DMA_TO_DEVICE), { kind: 'int', name: 'int', bits: 32, signed: true });
    callModelFunction(ip, 'dma_iova_destroy', [dev!, state!, mapped!, dir, intValue(0n, ulong(ip.arch))], call);
    entry.result = 'true';
    return intValue(1n, BOOL);
  }
  // the direct path: the caller unmaps its segments itself when dma_need_unmap(dev)
  const need = needUnmap(ip, call, [args[1]!]);
  const done = need.k === 'int' && need.v === 0n;
  entry.result = done ? 'true' : 'false';
  return intValue(done ? 1n : 0n, BOOL);
}
