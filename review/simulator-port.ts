// What the engine needs from a simulator. sim/ implements it (structurally: sim/ does not import
// review/); review/ wires it, so rules and the simulator never know about each other.
import type { FunctionInfo, ParsedFile, SyntaxNode } from '../c/types.js';
import type { ChangeFunction } from '../rules/types.js';
import type { Confirmation, SimRequest, Witness } from '../model/witness.js';

export interface SimulationEnvironment {
  /** Every function of the files under review, by name. */
  functions: ReadonlyMap<string, ChangeFunction>;
  /** The file and function the finding sits in. */
  file: ParsedFile;
  fn: FunctionInfo;
  /** Patched function → model API function it implements (config sim.implements). */
  implements: Readonly<Record<string, string>>;
  /** Budgets for this run. */
  maxSteps: number;
  maxRuns: number;
  /** Absolute time (Date.now()) after which the run must stop as unconfirmed. */
  deadline: number;
}

export interface SimulationOutcome {
  confirmation: Confirmation;
  witness?: Witness;
  /** What stopped the run (unconfirmed) or which guard held (refuted); one line. */
  note: string;
}

export interface DivergenceFinding {
  file: ParsedFile;
  fn: FunctionInfo;
  node: SyntaxNode;
  /** The model function the patched function was compared with. */
  modelFunction: string;
  message: string;
  witness: Witness;
}

export interface SimulatorPort {
  /** Runs the scenario a finding asks for. */
  confirm(request: SimRequest, env: SimulationEnvironment): SimulationOutcome;
  /** Runs patched implementations of API functions against the model (differential mode). */
  differential?(fn: FunctionInfo, env: SimulationEnvironment): DivergenceFinding[];
  /**
   * Re-runs a finding's scenario on the function with a fix applied; true when the defect is gone.
   * `fixedFile` is the file re-parsed with the fix.
   */
  verifyFix?(request: SimRequest, fixedFile: ParsedFile, env: SimulationEnvironment): boolean;
}
