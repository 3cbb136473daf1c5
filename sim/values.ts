// Runtime values of the interpreter. Integers carry their C type; pointers point at storage the
// interpreter owns (cells, structs, arrays), at model objects (devices, states, domains), or at a
// raw address (a CPU virtual address the model treats as physical). A field whose type nobody
// declared holds a lazy value that becomes an integer or an object on first use.
import type { ModelObject } from '../model/index.js';
import { isModelObject } from '../model/index.js';
import type { CType, IntT } from './ctype.js';

export type Value =
  | { k: 'int'; v: bigint; t: IntT }
  | { k: 'ptr'; p: Pointer | null; to: CType }
  | { k: 'agg'; slot: SimStruct | ModelObject; t: CType }
  | { k: 'void' }
  | { k: 'lazy'; cell: Cell };

export type Pointer =
  | { k: 'cell'; cell: Cell }
  | { k: 'obj'; obj: ModelObject }
  | { k: 'struct'; s: SimStruct }
  | { k: 'elem'; arr: SimArray; index: number }
  | { k: 'raw'; addr: bigint }
  | { k: 'str'; text: string }
  | { k: 'fn'; name: string }
  | { k: 'err'; errno: bigint };

/** Storage of one scalar (a local, a field, an array element). */
export class Cell {
  /** Set when the cell was read before any write and its value was invented (an input). */
  written = false;
  /** An unknown-typed field that became a model object (e.g. `&iod->dma_state` passed as a state). */
  bound: ModelObject | undefined;
  /** An unknown-typed field used as a struct (`p->x.y`): its members. */
  asStruct: SimStruct | undefined;
  /** The result of this unknown function, typed by its first use (enumerated, not invented). */
  unknownResultOf: string | undefined;
  /** Set when that call site ran more often than the simulator follows: only a falsy result. */
  unknownSite: string | undefined;
  /** An unknown-typed member memset to 0: still free to turn out to be a (zeroed) model object. */
  zeroFilled = false;
  constructor(
    public t: CType,
    public v: Value | undefined,
    public readonly path: string,
    /**
     * Memory the simulator did not create (a parameter's pointee), or a local an unknown function
     * was handed a pointer to: a first read is an input.
     */
    public external = false,
  ) {}
}

/** A struct the interpreter owns: a local, a parameter's pointee, a field of one. */
export class SimStruct {
  readonly fields = new Map<string, Slot>();
  /** The model object this struct turned out to be (a `struct device *` parameter passed on). */
  bound: ModelObject | undefined;
  /** Zero-initialised (`= {}`, kzalloc, memset): fields not yet written read as 0. */
  zeroed = false;
  /** Memory from an allocator: it may be an array of these (`kcalloc(n, sizeof(*p))`, a mempool element array). */
  allocated = false;
  constructor(
    /** Struct tag, or '?' while unknown (memory from kmalloc or an unknown function). */
    public name: string,
    public readonly path: string,
    /** Created by the simulator for memory it does not know (contents are inputs). */
    public external: boolean,
  ) {}
}

export class SimArray {
  readonly elems: Slot[] = [];
  zeroed = false;
  constructor(
    public readonly of: CType,
    public readonly len: number | undefined,
    public readonly path: string,
    public external: boolean,
  ) {}
}

export type Slot = Cell | SimStruct | SimArray | ModelObject;

export type LValue =
  | { k: 'cell'; cell: Cell }
  | { k: 'field'; obj: ModelObject; name: string }
  | { k: 'struct'; s: SimStruct }
  | { k: 'obj'; obj: ModelObject }
  | { k: 'array'; arr: SimArray };

export function intValue(v: bigint, t: IntT): Value {
  return { k: 'int', v, t };
}

export const VOID_VALUE: Value = { k: 'void' };

export function nullPointer(to: CType): Value {
  return { k: 'ptr', p: null, to };
}

export function slotLValue(slot: Slot): LValue {
  if (slot instanceof Cell) return { k: 'cell', cell: slot };
  if (slot instanceof SimStruct) return slot.bound ? { k: 'obj', obj: slot.bound } : { k: 'struct', s: slot };
  if (slot instanceof SimArray) return { k: 'array', arr: slot };
  return { k: 'obj', obj: slot };
}

export function isSlotModelObject(slot: Slot): slot is ModelObject {
  return isModelObject(slot);
}

/** Pointer identity (same target), for == and != on pointers. */
export function samePointer(a: Pointer | null, b: Pointer | null): boolean {
  if (a === null || b === null) return a === b;
  const target = (p: Pointer): unknown => {
    switch (p.k) {
      case 'cell':
        return p.cell.bound ?? p.cell;
      case 'obj':
        return p.obj;
      case 'struct':
        return p.s.bound ?? p.s;
      case 'elem':
        return p.arr;
      default:
        return undefined;
    }
  };
  if (a.k === 'raw' && b.k === 'raw') return a.addr === b.addr;
  if (a.k === 'err' && b.k === 'err') return a.errno === b.errno;
  if (a.k === 'str' && b.k === 'str') return a.text === b.text;
  if (a.k === 'fn' && b.k === 'fn') return a.name === b.name;
  const ta = target(a);
  if (ta === undefined || ta !== target(b)) return false;
  return a.k !== 'elem' || b.k !== 'elem' || a.index === b.index;
}
