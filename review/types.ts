// The Finding and Report contracts (DESIGN.md §2), shared by both front doors.
import type { Confirmation, SimRequest, Witness } from '../model/witness.js';
import type { Severity } from '../rules/types.js';

export type { Severity } from '../rules/types.js';
export type { Confirmation, SimRequest, Witness } from '../model/witness.js';

export interface Fix {
  /** 1-based lines and columns in the post-image; endColumn is exclusive. */
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
  text: string;
  /** The simulator re-ran the fixed function and the defect is gone. */
  verified: boolean;
}

export interface Finding {
  ruleId: string;
  /** The rule's message template id (for tests and tools; the text is `message`). */
  messageId?: string;
  severity: Severity;
  message: string;
  /** Repository-relative post-image path. */
  file: string;
  /** 1-based post-image positions; columns 1-based, endColumn exclusive. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  function?: string;
  /** rule + file + function + normalised statement text; never a line number. */
  fingerprint: string;
  /** The patch of a series that introduced the line. */
  patch?: number;
  fix?: Fix;
  sim?: SimRequest;
  confirmation?: Confirmation;
  witness?: Witness;
  /** Why unconfirmed (the construct or budget that stopped the run), or what refuted it. */
  confirmationNote?: string;
}

export interface AnalysedFunction {
  file: string;
  name: string;
  startLine: number;
  endLine: number;
  partial: boolean;
  checked: boolean;
  /** Why not checked, or which rules could not run on a partial function. */
  reason?: string;
}

export interface FileEntry {
  path: string;
  oldPath?: string;
  status: string;
  analysed: boolean;
  /** Why not analysed: "not C", "binary", "deleted", "excluded by config", "prefilter". */
  reason?: string;
}

export interface NotChecked {
  file: string;
  function?: string;
  line?: number;
  reason: string;
}

/** A rule as the report describes it (SARIF tool.driver.rules, Markdown help links). */
export interface RuleDescriptor {
  id: string;
  severity: Severity;
  description: string;
  docs: string;
  fixable: boolean;
  confidence: string;
}

export interface Report {
  tool: { name: 'iovalint'; version: string; modelVersion: string };
  /** The rules that ran, with their effective severity. */
  rules: RuleDescriptor[];
  source: string;
  findings: Finding[];
  /** Findings the simulator refuted; shown only on request (--show-refuted). */
  refuted: Finding[];
  /** Suppressions that matched nothing. */
  unusedSuppressions: NotChecked[];
  files: FileEntry[];
  functions: AnalysedFunction[];
  notChecked: NotChecked[];
  timings: { parseMs: number; rulesMs: number; simMs: number; totalMs: number };
  /** Tree scans only: files walked, skipped by the prefilter, taken from the cache; workers used. */
  scan?: { files: number; prefiltered: number; cached: number; jobs: number };
}
