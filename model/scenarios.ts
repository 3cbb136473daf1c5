// The scenario grid of DESIGN.md §7 as data and a generator, the `iovalint sim --scenario
// KEY=VALUE` keys parsed into a ScenarioSpec, and the input values a run tries (sizes and phys
// offsets), written as C expressions over G and evaluated here.
import type { ScenarioSpec } from './witness.js';

export const SCENARIO_KEYS = ['arch', 'granule', 'page_size', 'mask', 'coherent_mask', 'bus_limit', 'iommu', 'coherent', 'untrusted', 'pci'] as const;
export type ScenarioKey = (typeof SCENARIO_KEYS)[number];

export const DEFAULT_SCENARIO: Readonly<ScenarioSpec> = {
  arch: 64,
  granule: 4096,
  mask: 64,
  coherentMask: 64,
  busLimit: 0,
  iommu: true,
  coherent: true,
  untrusted: false,
  pci: true,
};

export const GRANULES = [4096, 16384, 65536] as const;

export interface ScenarioAxes {
  arch: ReadonlyArray<64 | 32>;
  granule: readonly number[];
  mask: readonly number[];
  /** bus_dma_limit in bits; 0 = none. */
  busLimit: readonly number[];
  coherent: readonly boolean[];
  /** PCI and trust together: an untrusted device is always PCI (dev_is_untrusted). */
  device: ReadonlyArray<{ pci: boolean; untrusted: boolean }>;
  iommu: readonly boolean[];
}

/** DESIGN.md §7: granules 4K/16K/64K; masks 32/39/48/64 with and without a (36-bit) bus limit; coherent or not; trusted or not; 64/32-bit. */
export const SCENARIO_AXES: Readonly<ScenarioAxes> = {
  arch: [64, 32],
  granule: GRANULES,
  mask: [32, 39, 48, 64],
  busLimit: [0, 36],
  coherent: [true, false],
  device: [
    { pci: true, untrusted: false },
    { pci: true, untrusted: true },
    { pci: false, untrusted: false },
  ],
  iommu: [true],
};

/**
 * Every scenario of the grid that matches `constraints` (fields fixed by a SimRequest), in a
 * stable order: the default-like cases first. The coherent mask follows the streaming mask.
 */
export function* scenarioGrid(constraints: Partial<ScenarioSpec> = {}, axes: Readonly<ScenarioAxes> = SCENARIO_AXES): Generator<ScenarioSpec> {
  for (const arch of axes.arch)
    for (const granule of axes.granule)
      for (const mask of [...axes.mask].reverse())
        for (const busLimit of axes.busLimit)
          for (const coherent of axes.coherent)
            for (const device of axes.device)
              for (const iommu of axes.iommu) {
                const spec: ScenarioSpec = { arch, granule, mask, coherentMask: mask, busLimit, iommu, coherent, ...device };
                if (matches(spec, constraints)) yield spec;
              }
}

function matches(spec: ScenarioSpec, c: Partial<ScenarioSpec>): boolean {
  return (Object.keys(c) as Array<keyof ScenarioSpec>).every((k) => c[k] === undefined || spec[k] === c[k]);
}

export function scenarioGridSize(constraints: Partial<ScenarioSpec> = {}, axes: Readonly<ScenarioAxes> = SCENARIO_AXES): number {
  let n = 0;
  for (const _ of scenarioGrid(constraints, axes)) n++;
  return n;
}

/** Problems with a spec, as sentences; empty when it is valid. */
export function validateScenario(spec: ScenarioSpec): string[] {
  const errors: string[] = [];
  if (spec.arch !== 64 && spec.arch !== 32) errors.push(`arch=${spec.arch}: must be 64 or 32`);
  if (!(GRANULES as readonly number[]).includes(spec.granule)) errors.push(`granule=${spec.granule}: must be 4K, 16K or 64K`);
  if (spec.pageSize !== undefined) {
    if (!(GRANULES as readonly number[]).includes(spec.pageSize)) errors.push(`page_size=${spec.pageSize}: must be 4K, 16K or 64K`);
    else if (spec.pageSize < spec.granule) errors.push(`page_size=${spec.pageSize}: must not be below the granule (${spec.granule}): dma-iommu guarantees granule <= PAGE_SIZE`);
  }
  const bits = (name: string, v: number, allowZero: boolean): void => {
    if (!Number.isInteger(v) || v < (allowZero ? 0 : 1) || v > 64) errors.push(`${name}=${v}: must be ${allowZero ? '0 (unset) or ' : ''}1..64 bits`);
  };
  bits('mask', spec.mask, true);
  bits('coherent_mask', spec.coherentMask, true);
  bits('bus_limit', spec.busLimit, true);
  if (spec.untrusted && !spec.pci) errors.push('untrusted=1 needs pci=1: dev_is_untrusted() is false for non-PCI devices');
  return errors;
}

export type ScenarioParse = { ok: true; spec: ScenarioSpec } | { ok: false; errors: string[] };

/**
 * Parses `KEY=VALUE` assignments (each argument may hold several, comma-separated) over `base`.
 * Keys: arch (64|32), granule (4K|16K|64K or bytes), page_size (the same, >= granule), mask / coherent_mask / bus_limit (bits
 * 1..64, or 0/none/unset), iommu / coherent / untrusted / pci (1/0, true/false, yes/no, on/off).
 */
export function parseScenario(assignments: string | readonly string[], base: Readonly<ScenarioSpec> = DEFAULT_SCENARIO): ScenarioParse {
  const items = (typeof assignments === 'string' ? [assignments] : assignments)
    .flatMap((a) => a.split(','))
    .map((a) => a.trim())
    .filter((a) => a.length > 0);
  const spec: ScenarioSpec = { ...base };
  const errors: string[] = [];
  const seen = new Set<string>();
  let coherentMaskGiven = false;
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      errors.push(`"${item}": expected KEY=VALUE (keys: ${SCENARIO_KEYS.join(', ')})`);
      continue;
    }
    const key = item.slice(0, eq).trim().toLowerCase().replace(/-/g, '_');
    const value = item.slice(eq + 1).trim();
    if (!(SCENARIO_KEYS as readonly string[]).includes(key)) {
      errors.push(`unknown scenario key "${key}" (keys: ${SCENARIO_KEYS.join(', ')})`);
      continue;
    }
    if (seen.has(key)) {
      errors.push(`scenario key "${key}" given twice`);
      continue;
    }
    seen.add(key);
    const fail = (why: string): void => void errors.push(`${key}=${value}: ${why}`);
    switch (key as ScenarioKey) {
      case 'arch': {
        const v = value.replace(/-?bit$/i, '');
        if (v === '64' || v === '32') spec.arch = Number(v) as 64 | 32;
        else fail('must be 64 or 32');
        break;
      }
      case 'granule': {
        const n = parseByteSize(value);
        if (n === undefined) fail('not a size (use 4K, 16K, 64K or a byte count)');
        else if (!(GRANULES as readonly number[]).includes(n)) fail(`must be 4K, 16K or 64K (got ${n} bytes)`);
        else spec.granule = n;
        break;
      }
      case 'page_size': {
        const n = parseByteSize(value);
        if (n === undefined) fail('not a size (use 4K, 16K, 64K or a byte count)');
        else spec.pageSize = n;
        break;
      }
      case 'mask':
      case 'coherent_mask':
      case 'bus_limit': {
        const n = parseBits(value);
        if (n === undefined) fail('must be a bit count 1..64, or 0/none/unset');
        else if (key === 'mask') spec.mask = n;
        else if (key === 'coherent_mask') {
          spec.coherentMask = n;
          coherentMaskGiven = true;
        } else spec.busLimit = n;
        break;
      }
      default: {
        const v = parseBool(value);
        if (v === undefined) fail('must be 1/0, true/false, yes/no or on/off');
        else if (key === 'iommu') spec.iommu = v;
        else if (key === 'coherent') spec.coherent = v;
        else if (key === 'untrusted') spec.untrusted = v;
        else spec.pci = v;
      }
    }
  }
  // A mask given without a coherent mask sets both, as dma_set_mask_and_coherent would.
  if (seen.has('mask') && !coherentMaskGiven) spec.coherentMask = spec.mask;
  if (errors.length === 0) errors.push(...validateScenario(spec));
  return errors.length ? { ok: false, errors } : { ok: true, spec };
}

function parseByteSize(s: string): number | undefined {
  const m = /^(0x[0-9a-f]+|\d+)\s*([kmg](?:i?b)?)?$/i.exec(s.trim());
  if (!m) return undefined;
  const n = Number(m[1]!.toLowerCase().startsWith('0x') ? parseInt(m[1]!, 16) : m[1]);
  const unit = (m[2] ?? '').toLowerCase()[0];
  return unit === 'k' ? n * 1024 : unit === 'm' ? n * 1024 * 1024 : unit === 'g' ? n * 1024 ** 3 : n;
}

function parseBits(s: string): number | undefined {
  const v = s.trim().toLowerCase();
  if (v === 'none' || v === 'unset' || v === 'no') return 0;
  const m = /^(?:dma_bit_mask\()?(\d+)\)?(?:-?bits?)?$/.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n >= 0 && n <= 64 ? n : undefined;
}

function parseBool(s: string): boolean | undefined {
  const v = s.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on', 'y'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', 'n'].includes(v)) return false;
  return undefined;
}

/** "arch=64,granule=4K,mask=64,..." — the same keys parseScenario reads. */
export function formatScenario(spec: ScenarioSpec): string {
  const g = spec.granule % 1024 === 0 ? `${spec.granule / 1024}K` : String(spec.granule);
  const flag = (b: boolean): string => (b ? '1' : '0');
  return [
    `arch=${spec.arch}`,
    `granule=${g}`,
    ...(spec.pageSize !== undefined && spec.pageSize !== spec.granule ? [`page_size=${spec.pageSize / 1024}K`] : []),
    `mask=${spec.mask || 'unset'}`,
    `coherent_mask=${spec.coherentMask || 'unset'}`,
    `bus_limit=${spec.busLimit || 'none'}`,
    `iommu=${flag(spec.iommu)}`,
    `coherent=${flag(spec.coherent)}`,
    `untrusted=${flag(spec.untrusted)}`,
    `pci=${flag(spec.pci)}`,
  ].join(',');
}

// ---- input values -------------------------------------------------------------------------

export interface InputCase {
  /** The C expression over G as SimRequests and witnesses write it ("G-1"). */
  expr: string;
  value: bigint;
}

/** Sizes of DESIGN.md §7: 0, 1, G-1, G, G+1, large, bit 63 set, SIZE_MAX; values as size_t holds them. */
export function sizeCases(spec: ScenarioSpec): InputCase[] {
  const large = spec.arch === 64 ? '1ULL<<32' : 'SIZE_MAX-G+2';
  return ['0', '1', 'G-1', 'G', 'G+1', large, '1ULL<<63', 'SIZE_MAX'].map((expr) => ({ expr, value: evalSized(expr, spec) }));
}

/** In-granule offsets of phys: 0, 1, G-1. */
export function physOffsetCases(spec: ScenarioSpec): InputCase[] {
  return ['0', '1', 'G-1'].map((expr) => ({ expr, value: evalInput(expr, spec) as bigint }));
}

/** A page-aligned physical address (at any granule) the offsets are added to. */
export const PHYS_BASE = 0x1_2340_0000n;

function evalSized(expr: string, spec: ScenarioSpec): bigint {
  const v = evalInput(expr, spec) as bigint;
  return BigInt.asUintN(spec.arch, v);
}

/**
 * Evaluates a small C integer expression over G (granule), PAGE_SIZE, SIZE_MAX and ULONG_MAX:
 * literals (with U/L suffixes), + - * / % << >> & | ^ ~ and parentheses, in arbitrary precision.
 * Returns undefined for anything else.
 */
export function evalInput(expr: string, spec: ScenarioSpec): bigint | undefined {
  const names: Record<string, bigint> = {
    G: BigInt(spec.granule),
    PAGE_SIZE: BigInt(spec.pageSize ?? spec.granule),
    SIZE_MAX: (1n << BigInt(spec.arch)) - 1n,
    ULONG_MAX: (1n << BigInt(spec.arch)) - 1n,
    U64_MAX: (1n << 64n) - 1n,
  };
  const toks = (expr.replace(/(0x[0-9a-f]+|\d+)(ull|llu|ul|lu|ll|u|l)\b/gi, '$1').match(/0x[0-9a-f]+|\d+|[A-Za-z_]\w*|<<|>>|[-+*/%&|^~()]|\S/gi) ?? []) as string[];
  let i = 0;
  const peek = (): string | undefined => toks[i];
  const take = (): string | undefined => toks[i++];
  const BIN: Array<string[]> = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];
  const binary = (level: number): bigint | undefined => {
    if (level === BIN.length) return unary();
    let left = binary(level + 1);
    while (left !== undefined && BIN[level]!.includes(peek() ?? '')) {
      const op = take()!;
      const right = binary(level + 1);
      if (right === undefined) return undefined;
      left = apply(op, left, right);
    }
    return left;
  };
  const unary = (): bigint | undefined => {
    const t = take();
    if (t === undefined) return undefined;
    if (t === '-') {
      const v = unary();
      return v === undefined ? undefined : -v;
    }
    if (t === '~') {
      const v = unary();
      return v === undefined ? undefined : BigInt.asUintN(64, ~v);
    }
    if (t === '(') {
      const v = binary(0);
      return take() === ')' ? v : undefined;
    }
    if (/^(0x[0-9a-f]+|\d+)$/i.test(t)) return BigInt(t.toLowerCase());
    if (t in names) return names[t];
    return undefined;
  };
  const apply = (op: string, a: bigint, c: bigint): bigint | undefined => {
    switch (op) {
      case '+':
        return a + c;
      case '-':
        return a - c;
      case '*':
        return a * c;
      case '/':
        return c === 0n ? undefined : a / c;
      case '%':
        return c === 0n ? undefined : a % c;
      case '<<':
        return c > 128n ? undefined : a << c;
      case '>>':
        return a >> c;
      case '&':
        return a & c;
      case '|':
        return a | c;
      case '^':
        return a ^ c;
      default:
        return undefined;
    }
  };
  const v = binary(0);
  return i === toks.length ? v : undefined;
}
