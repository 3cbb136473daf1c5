// The state of one run: the model world, the choices taken, the budgets, and what the run showed
// (path, calls, approximations). The interpreter reads and writes it; the drivers (confirm,
// contract, differential, run-once) judge it when the run ends.
import type { DmaIovaStateObj, LiveSnapshot, ScenarioSpec, TraceEntry, World } from '../model/index.js';
import type { ChoiceTracker } from './choices.js';
import type { Arch } from './ctype.js';
import { StopRun } from './errors.js';
import type { Value } from './values.js';

export interface Budgets {
  /** Statements and expressions evaluated in one run. */
  maxSteps: number;
  /** Iterations of any one loop (per entry into the loop). */
  maxLoopIterations: number;
  /** Nested calls of interpreted functions. */
  maxCallDepth: number;
  /** Absolute time (Date.now()) after which every run stops. */
  deadline: number;
  /** Path entries kept for a witness. */
  maxPath: number;
}

export const DEFAULT_BUDGETS: Readonly<Omit<Budgets, 'deadline'>> = {
  maxSteps: 200_000,
  maxLoopIterations: 4096,
  maxCallDepth: 24,
  maxPath: 400,
};

/** Which calls fail: callee → the 0-based call that fails, or 'all'. "allocations" names kmalloc & co. */
export type FailPlan = ReadonlyMap<string, number | 'all'>;

export interface CallRecord {
  fn: string;
  line: number;
  /** Argument values as the callee received them (converted to its parameter types), when integers. */
  args: Array<bigint | undefined>;
  via: 'model' | 'interpreted' | 'builtin' | 'unknown';
  injected: boolean;
}

export interface PathStep {
  file: string;
  line: number;
  text: string;
}

export class Run {
  steps = 0;
  readonly path: PathStep[] = [];
  pathTruncated = false;
  readonly calls: CallRecord[] = [];
  /** Values the run invented for memory nobody described (a parameter's struct fields). */
  readonly invented: Array<{ path: string; value: bigint; signed: boolean }> = [];
  /** Why this run may not be exhaustive (values invented, side effects not modelled). */
  readonly approximations: string[] = [];
  /** The approximations that explain a verdict best (named first in a note). */
  readonly keyApproximations: string[] = [];
  readonly notes: string[] = [];
  /** Trace entries the simulator added (interpreted WARNs, injected failures, unknown calls). */
  readonly interpretedWarns = new Set<TraceEntry>();
  readonly syntheticEntries = new Set<TraceEntry>();
  /** States whose fields interpreted code wrote (a patched try_alloc). */
  readonly stateWrites = new Set<DmaIovaStateObj>();
  /** How often each failing callee was called so far, and whether a planned failure happened. */
  readonly failCounts = new Map<string, number>();
  injectedFailures = 0;
  /** Whether any page-table mapping call was made (for mapping assertions at return). */
  mapped = false;
  /** Trace index where the function under test starts (entries before it are the caller's setup). */
  setupEnd = 0;
  /** What the caller's setup left live: not the function's to release. */
  keep: LiveSnapshot | undefined;
  /** Breaches of the caller's part made during the run (a deferred link): not the function's. */
  setupBreaches: Set<object> | undefined;
  /** The caller's setup is running: nothing is made to fail. */
  suspendFailures = false;
  /** A function the caller ran first (preconditions.before) did not succeed: the run does not count. */
  preconditionFailed: string | undefined;
  /**
   * States to prepare when interpreted code first meets them, by path ("map->state") or by last
   * field ("->dma_state"); `prepareState` does it (set by execute).
   */
  readonly pendingStates = new Map<string, string>();
  prepareState: ((obj: DmaIovaStateObj, prep: string) => void) | undefined;
  /**
   * States the caller linked in a shape nobody in the change shows (a 'linked' precondition with
   * no map side): the link is made when the function first releases or syncs the state, as that
   * call expects it (the phys it maps).
   */
  readonly deferredLinks = new Map<DmaIovaStateObj, bigint>();
  /** Contract mode: the total a caller reserved, which invented lengths stay consistent with. */
  contract: { total: bigint } | undefined;
  /** Calls made so far at each unknown call site in this run (bounding loops driven by them). */
  readonly unknownSiteCalls = new Map<number, number>();
  private readonly warnedNodes = new Set<number>();
  private lastPathKey = '';

  constructor(
    readonly world: World,
    readonly spec: ScenarioSpec,
    readonly choices: ChoiceTracker,
    readonly budgets: Budgets,
    readonly failPlan: FailPlan = new Map(),
    /** Values for inputs that are not parameters: "req->len" → value. */
    readonly fieldInputs: ReadonlyMap<string, Value> = new Map(),
    readonly pageSize: bigint = 4096n,
  ) {}

  get arch(): Arch {
    return this.spec.arch;
  }

  step(line?: number): void {
    this.steps++;
    if (this.steps > this.budgets.maxSteps) throw new StopRun('budget', `step budget (${this.budgets.maxSteps}) used up`, line);
    if ((this.steps & 255) === 0 && Date.now() > this.budgets.deadline) throw new StopRun('deadline', 'the review time budget ran out', line);
  }

  visit(file: string, line: number, text: string): void {
    const key = `${file}:${line}`;
    if (key === this.lastPathKey) return;
    this.lastPathKey = key;
    if (this.path.length >= this.budgets.maxPath) {
      this.pathTruncated = true;
      return;
    }
    this.path.push({ file, line, text });
  }

  /** `first`: the reason that matters most for the verdict (named before the others). */
  approximate(why: string, first = false): void {
    if (first && !this.keyApproximations.includes(why) && this.keyApproximations.length < 8) this.keyApproximations.push(why);
    if (this.approximations.includes(why) || this.approximations.length >= 32) return;
    if (first) this.approximations.unshift(why);
    else this.approximations.push(why);
  }

  note(what: string): void {
    if (!this.notes.includes(what) && this.notes.length < 32) this.notes.push(what);
  }

  /** The first time a WARN_ON_ONCE at `nodeId` fires in this run. */
  firstWarn(nodeId: number): boolean {
    if (this.warnedNodes.has(nodeId)) return false;
    this.warnedNodes.add(nodeId);
    return true;
  }

  /** A model state object was created for `path`: prepare it when a precondition names it. */
  stateCreated(path: string, obj: DmaIovaStateObj): void {
    if (this.pendingStates.size === 0 || !this.prepareState) return;
    const norm = path.replace(/\s+/g, '').replace(/\./g, '->').replace(/^&/, '');
    const field = /->([A-Za-z_]\w*)$/.exec(norm)?.[1];
    let key: string | undefined = this.pendingStates.has(norm) ? norm : undefined;
    if (!key && field) key = [...this.pendingStates.keys()].find((k) => k.endsWith(`->${field}`));
    if (!key) return;
    const prep = this.pendingStates.get(key)!;
    this.pendingStates.delete(key);
    this.prepareState(obj, prep);
  }

  /** Does call number `count` of `fn` fail under the plan? */
  shouldFail(fn: string, group?: string): boolean {
    if (this.suspendFailures) return false;
    for (const key of group ? [fn, group] : [fn]) {
      const plan = this.failPlan.get(key);
      if (plan === undefined) continue;
      const n = this.failCounts.get(key) ?? 0;
      this.failCounts.set(key, n + 1);
      if (plan === 'all' || plan === n) {
        this.injectedFailures++;
        return true;
      }
    }
    return false;
  }

  addEntry(entry: TraceEntry): void {
    this.world.trace.push(entry);
    this.syntheticEntries.add(entry);
  }
}
