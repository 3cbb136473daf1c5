// Why a run stopped before its function returned. Thrown inside the interpreter, caught by the
// run driver: never escapes the simulator.

export type StopKind =
  /** A construct the interpreter does not cover (named in the message). */
  | 'unsupported'
  /** A step, loop, call-depth or run budget ran out. */
  | 'budget'
  /** The review's wall-clock deadline passed. */
  | 'deadline'
  /** The kernel would crash here (NULL dereference, BUG_ON, a modelled oops). */
  | 'oops'
  /** C leaves the result undefined (division by zero). */
  | 'undefined';

export class StopRun extends Error {
  constructor(
    readonly kind: StopKind,
    message: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'StopRun';
  }
}

export function unsupported(message: string, line?: number): StopRun {
  return new StopRun('unsupported', message, line);
}
