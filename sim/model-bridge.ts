// Calls from interpreted code into the model: argument conversion by the callee's contract
// (integers converted to the parameter's C type, pointers bound to model objects), failure
// injection for contract mode, and the result back as an interpreter value. Also which struct
// types are model objects, and how a fresh one is made for memory the simulator invents.
import type { SNode } from './tree.js';
import {
  callModel,
  contractFor,
  hasModelFunction,
  intType,
  isModelObject,
  kindForPointerType,
  DMA_TO_DEVICE,
  PHYS_BASE,
  type DmaIovaStateObj,
  type ModelArg,
  type ModelObject,
} from '../model/index.js';
import { INT, intTypeNamed, VOID, type CType } from './ctype.js';
import { StopRun, unsupported } from './errors.js';
import type { Interpreter } from './interpreter.js';
import type { Run } from './run.js';
import { intValue, nullPointer, VOID_VALUE, type Value } from './values.js';

const MODEL_STRUCTS: Readonly<Record<string, true>> = {
  device: true,
  dma_iova_state: true,
  iommu_domain: true,
  iova_domain: true,
  iommu_dma_cookie: true,
  page: true,
  iommu_iotlb_gather: true,
  dev_iommu: true,
};

/** Whether `struct name` is an object of the model (a pointer to it must point at a model object). */
export function modelStructKind(name: string): boolean {
  return MODEL_STRUCTS[name] === true;
}

/** The model object a fresh `struct name` is in this run's world. */
export function newModelObjectFor(run: Run, name: string, _zeroed = false): ModelObject | undefined {
  const w = run.world;
  switch (name) {
    case 'device':
      return w.dev;
    case 'dma_iova_state':
      return w.newState();
    case 'iommu_domain':
      return w.dev.domain ?? undefined;
    case 'iova_domain':
      return w.dev.domain?.iovad;
    case 'iommu_dma_cookie':
      return w.dev.domain?.cookie;
    case 'dev_iommu':
      return w.dev.iommu;
    case 'iommu_iotlb_gather':
      return w.newGather();
    case 'page':
      run.approximate('a struct page the simulator could not trace was taken to be the page at PHYS_BASE');
      return w.newPage(PHYS_BASE);
    default:
      return undefined;
  }
}

/** Functions the model performs (not the macros the built-ins evaluate themselves). */
export function isModelCallee(name: string): boolean {
  return hasModelFunction(name);
}

/** Calls model function `name` with interpreter values; returns its result as a value. */
export function callModelFunction(ip: Interpreter, name: string, args: Value[], node: SNode): Value {
  const contract = contractFor(name);
  if (!contract) throw unsupported(`${name} has no contract`, ip.line(node));
  const run = ip.run;
  const w = run.world;
  const line = ip.line(node);
  if (args.length !== contract.params.length) throw unsupported(`${name} takes ${contract.params.length} arguments, called with ${args.length}`, line);
  flagInSize(ip, name, args, line);
  const modelArgs = contract.params.map((p, i) => toModelArg(ip, args[i]!, p.cType, node, `${name}: ${p.name}`));
  const shown = contract.params.map((p) => p.cType);
  const recorded = modelArgs.map((a) => (typeof a === 'bigint' ? a : typeof a === 'boolean' ? (a ? 1n : 0n) : a === null ? 0n : undefined));
  if (contract.failure && run.shouldFail(name)) {
    const result = injectedFailure(ip, name, modelArgs, node);
    run.calls.push({ fn: name, line, args: recorded, via: 'model', injected: true });
    const entry = {
      fn: name,
      args: Object.fromEntries(contract.params.map((p, i) => [p.name, formatArg(ip, modelArgs[i]!, shown[i]!)])),
      result: describeResult(result),
      events: [{ kind: 'info' as const, what: 'injected-failure', message: `${name} made to fail by the simulator (${contract.failure.value})` }],
      line,
    };
    run.addEntry(entry);
    return result;
  }
  if (unmapsInventedAddress(ip, name, contract, modelArgs, line)) return VOID_VALUE;
  linkAsReleased(ip, name, contract, modelArgs, line);
  run.calls.push({ fn: name, line, args: recorded, via: 'model', injected: false });
  if (contract.categories.some((c) => c === 'links' || c === 'maps')) run.mapped = true;
  const r = callModel(w, name, modelArgs, { line });
  if (!r.ok) {
    if (r.error.kind === 'oops') throw new StopRun('oops', `${r.error.message} (line ${line})`, line);
    throw unsupported(`${name}: ${r.error.message}`, line);
  }
  if (r.value === undefined || r.cType === 'void') return VOID_VALUE;
  if (typeof r.value === 'bigint') {
    const t = intTypeNamed(r.cType, ip.arch) ?? INT;
    return intValue(r.value, t);
  }
  const t = ip.typeFromText(r.cType);
  const to: CType = t.kind === 'ptr' ? t.to : VOID;
  if (r.value === null) return nullPointer(to);
  return { k: 'ptr', p: { k: 'obj', obj: r.value }, to };
}

/**
 * A dma_unmap_*() of an address the simulator invented (read from memory nobody described) that
 * no mapping of the run ever returned: what the map side stored there is not in the change, so
 * the model's "unmaps what was never mapped" would be the simulator's own doing. Not called; the
 * run is marked not exhaustive, with this as its first reason.
 */
function unmapsInventedAddress(ip: Interpreter, name: string, contract: NonNullable<ReturnType<typeof contractFor>>, args: ModelArg[], line: number): boolean {
  if (!contract.categories.includes('unmaps')) return false;
  const i = contract.params.findIndex((p) => p.role === 'dma-addr');
  const addr = args[i];
  if (i < 0 || typeof addr !== 'bigint') return false;
  const invented = ip.run.invented.find((x) => BigInt.asUintN(64, x.value) === addr);
  if (!invented) return false;
  const w = ip.world;
  if (w.mappings.some((m) => m.dma === addr)) return false;
  ip.run.approximate(`${name}() at line ${line} unmaps ${invented.path} (0x${addr.toString(16)}), a value the simulator invented: what the map side stored there is not in the change`, true);
  ip.run.addEntry({ fn: name, args: { addr: `0x${addr.toString(16)}` }, events: [{ kind: 'info', what: 'skipped', message: `not run: the address is ${invented.path}, invented by the simulator` }], line });
  return true;
}

/**
 * The first release (or sync) of a state the caller linked in a shape the change does not show:
 * the caller's link is made now, exactly as this call expects it ([offset, offset + size) with its
 * direction and attributes, inside the reservation), and counted as the caller's. A function
 * whose releases disagree with each other, or reach past the reservation, still shows it.
 */
function linkAsReleased(ip: Interpreter, name: string, contract: NonNullable<ReturnType<typeof contractFor>>, args: ModelArg[], line: number): void {
  const run = ip.run;
  if (run.deferredLinks.size === 0) return;
  const at = (role: string): ModelArg | undefined => args[contract.params.findIndex((p) => p.role === role)];
  const state = at('state');
  if (!isModelObject(state) || state.kind !== 'dma_iova_state' || !run.deferredLinks.has(state as DmaIovaStateObj)) return;
  const st = state as DmaIovaStateObj;
  const phys = run.deferredLinks.get(st)!;
  // only a release or a sync says which range the caller linked (a query or a link says nothing)
  if (!['dma_iova_unlink', 'dma_iova_destroy', 'dma_iova_sync', 'dma_iova_free'].includes(name)) return;
  run.deferredLinks.delete(st);
  let offset = 0n;
  let size = 0n;
  let dir = DMA_TO_DEVICE;
  let attrs = 0n;
  const num = (v: ModelArg | undefined): bigint => (typeof v === 'bigint' ? v : 0n);
  if (name === 'dma_iova_unlink' || name === 'dma_iova_sync') {
    offset = num(at('offset'));
    size = num(at('size'));
  } else if (name === 'dma_iova_destroy') size = num(contract.params.findIndex((p) => p.name === 'mapped_len') >= 0 ? args[contract.params.findIndex((p) => p.name === 'mapped_len')] : at('size'));
  if (name !== 'dma_iova_sync') {
    dir = at('dir') === undefined ? DMA_TO_DEVICE : num(at('dir'));
    attrs = num(at('attrs'));
  }
  run.approximate(`the caller's link of ${st.id} was made as ${name}() at line ${line} releases it: the map side is not in the change`, true);
  const reserved = st.rawSize & ~(1n << 63n);
  if (offset >= reserved || size === 0n) return;
  if (offset + size > reserved) size = reserved - offset;
  const w = ip.world;
  const before = w.liveSnapshot();
  const from = w.trace.length;
  callModel(w, 'dma_iova_link', [w.dev, st, phys + offset, offset, size, dir, attrs], { line });
  callModel(w, 'dma_iova_sync', [w.dev, st, offset, size], { line });
  for (let i = from; i < w.trace.length; i++) {
    w.trace[i]!.events.push({ kind: 'info', what: 'setup', message: `the caller's link, as ${name}() at line ${line} releases it (the map side is not in the change)` });
    run.syntheticEntries.add(w.trace[i]!);
  }
  // what the caller linked is the caller's: not leaked by the function
  const after = w.liveSnapshot();
  if (run.keep) {
    run.keep = {
      reservations: run.keep.reservations,
      extents: new Set([...run.keep.extents, ...[...after.extents].filter((e) => !before.extents.has(e))]),
      slots: new Set([...run.keep.slots, ...[...after.slots].filter((e) => !before.slots.has(e))]),
      mappings: run.keep.mappings,
    };
  }
  run.setupBreaches = new Set([...(run.setupBreaches ?? []), ...w.breaches.filter((b) => Number(b.data.call) >= from)]);
}

/**
 * A length with DMA_IOVA_USE_SWIOTLB (bit 63) in it — raw `state->__size` passed as a size —
 * is a flag-not-in-size breach, unless the callee itself rejects it (try_alloc WARNs).
 */
function flagInSize(ip: Interpreter, name: string, args: Value[], line: number): void {
  const contract = contractFor(name)!;
  // Only the state's own lengths (link, sync, unlink, destroy) can carry the flag; try_alloc rejects it.
  if (!contract.params.some((p) => p.role === 'state')) return;
  if (contract.guards.some((g) => g.invariant === 'flag-not-in-size' && g.kernelPerforms)) return;
  contract.params.forEach((p, i) => {
    const v = args[i];
    if (p.role !== 'size' || v?.k !== 'int' || v.t.bits !== 64) return;
    if ((BigInt.asUintN(64, v.v) & (1n << 63n)) === 0n) return;
    ip.world.recordBreach(
      'flag-not-in-size',
      `${name}(): ${p.name} is 0x${BigInt.asUintN(64, v.v).toString(16)}, with DMA_IOVA_USE_SWIOTLB (bit 63) set: a raw __size used as a length (use dma_iova_size())`,
      { fn: name, size: `0x${BigInt.asUintN(64, v.v).toString(16)}`, line: String(line) },
      line,
    );
  });
}

function toModelArg(ip: Interpreter, v: Value, cType: string, node: SNode, what: string): ModelArg {
  const dm = { arch: ip.arch, longBits: ip.arch };
  const it = intType(cType, dm);
  if (it) {
    if (v.k === 'ptr') {
      if (v.p === null) return 0n;
      if (v.p.k === 'raw') return v.p.addr;
    }
    return ip.convertInt(v, intTypeNamed(cType, ip.arch)!, node).v;
  }
  const bare = cType.replace(/\bconst\b/g, '').replace(/\s+/g, ' ').trim();
  if (bare === 'void *') {
    if (v.k === 'ptr' && v.p === null) return 0n;
    if (v.k === 'ptr' && v.p?.k === 'raw') return v.p.addr;
    if (v.k === 'int') return v.v;
    throw unsupported(`${what}: a pointer the model cannot use as an address`, ip.line(node));
  }
  const kind = kindForPointerType(bare);
  if (kind) {
    if (v.k === 'lazy') v = ip.materializePointer(v.cell, { kind: 'struct', name: bare.replace(/^struct\s+/, '').replace(/\s*\*$/, '') });
    if (v.k === 'int') {
      if (v.v === 0n) return null;
      if (kind === 'page') return v.v;
      throw unsupported(`${what}: an integer where a ${bare} is expected`, ip.line(node));
    }
    if (v.k === 'agg' && isModelObject(v.slot)) return v.slot;
    if (v.k !== 'ptr') throw unsupported(`${what}: not a pointer`, ip.line(node));
    if (v.p === null) return null;
    if (kind === 'page' && v.p.k === 'raw') return v.p.addr;
    const structName = bare.replace(/^struct\s+/, '').replace(/\s*\*$/, '');
    const bound = kind === 'u64_cell' ? v.p : ip.bindPointer(v.p, structName);
    if (bound.k === 'obj' && bound.obj.kind === kind) return bound.obj;
    throw unsupported(`${what}: the simulator cannot tell which ${bare.replace(/ \*$/, '')} this points to`, ip.line(node));
  }
  throw unsupported(`${what}: the model has no ${bare}`, ip.line(node));
}

/** The failure value a contract names, with the side effects the kernel has on failure. */
function injectedFailure(ip: Interpreter, name: string, args: ModelArg[], node: SNode): Value {
  const contract = contractFor(name)!;
  const failure = contract.failure!;
  const t = ip.typeFromText(contract.returns.cType);
  if (name === 'dma_iova_try_alloc') {
    // try_alloc clears the state before anything can fail.
    const state = args[1];
    if (isModelObject(state) && state.kind === 'dma_iova_state') {
      (state as DmaIovaStateObj).addr = 0n;
      (state as DmaIovaStateObj).rawSize = 0n;
    }
  }
  if (t.kind === 'ptr') return nullPointer(t.to);
  if (t.kind !== 'int') return VOID_VALUE;
  switch (failure.value) {
    case 'false':
    case '0':
    case 'NULL':
      return intValue(0n, t);
    case 'DMA_MAPPING_ERROR':
      return intValue((1n << 64n) - 1n, t);
    default: {
      const errnos = failure.errnos ?? ['ENOMEM'];
      const errno = errnos.includes('ENOMEM') ? 'ENOMEM' : errnos[0]!;
      const values: Record<string, bigint> = { EIO: 5n, ENOMEM: 12n, EINVAL: 22n, EEXIST: 17n, EPERM: 1n, EOPNOTSUPP: 95n };
      void node;
      return intValue(-(values[errno] ?? 12n), t);
    }
  }
}

function formatArg(ip: Interpreter, a: ModelArg, cType: string): string {
  if (typeof a === 'boolean') return a ? 'true' : 'false';
  return ip.world.fmt(a, cType);
}

function describeResult(v: Value): string {
  if (v.k === 'int') return v.t.bits === 1 ? (v.v ? 'true' : 'false') : v.t.signed ? v.v.toString() : `0x${v.v.toString(16)}`;
  if (v.k === 'ptr') return v.p === null ? 'NULL' : 'pointer';
  return 'void';
}
