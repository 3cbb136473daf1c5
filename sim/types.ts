// Shapes the simulator's drivers share. They mirror review/simulator-port.ts structurally (sim/
// does not import review/): an outcome is a confirmation, an optional witness and a one-line note.
import type { FunctionInfo, ParsedFile, SyntaxNode } from '../c/index.js';
import type { Confirmation, Witness } from '../model/index.js';
import type { ChangeFunctionLike } from './program.js';

export interface SimOutcome {
  confirmation: Confirmation;
  witness?: Witness;
  note: string;
}

/** What review/ hands the simulator (SimulationEnvironment, structurally). */
export interface SimEnvironment {
  functions: ReadonlyMap<string, ChangeFunctionLike>;
  file: ParsedFile;
  fn: FunctionInfo;
  implements: Readonly<Record<string, string>>;
  maxSteps: number;
  maxRuns: number;
  deadline: number;
}

export interface SimDivergence {
  file: ParsedFile;
  fn: FunctionInfo;
  node: SyntaxNode;
  modelFunction: string;
  message: string;
  witness: Witness;
}

/** Budgets and constants of one request. */
export interface SimSettings {
  maxSteps: number;
  maxRuns: number;
  deadline: number;
  /** PAGE_SIZE in interpreted code; undefined: the scenario's (page_size, else the granule). */
  pageSize?: bigint;
}

/** PAGE_SIZE of a scenario: its page_size, else the granule (dma-iommu guarantees granule <= PAGE_SIZE). */
export function pageSizeOf(spec: { granule: number; pageSize?: number }, override?: bigint): bigint {
  return override ?? BigInt(spec.pageSize ?? spec.granule);
}
