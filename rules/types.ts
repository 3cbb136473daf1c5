// The rule contract (DESIGN.md §6), in the style of an ESLint rule module: metadata plus a small
// check that reports through its context. Rules ask c/ for structure and model/ for contracts.
import type { FunctionInfo, ParsedFile, SyntaxNode } from '../c/types.js';
import type { SimRequest } from '../model/witness.js';

export type Severity = 'error' | 'warning' | 'note';

export interface RuleMeta<MessageId extends string> {
  /** Stable id: appears in output, config and suppression comments ("iova/size-zero-guard"). */
  id: string;
  /** Default severity (DESIGN.md §6 policy); a report may override it per case. */
  severity: Severity;
  /** Coccinelle-style confidence of the check itself. */
  confidence: 'high' | 'moderate' | 'low';
  /** One line: what it finds. */
  description: string;
  /** Repository-relative path of the rule's doc ("rules/size-zero-guard.md"). */
  docs: string;
  /** Which side of the API the rule reads. */
  appliesTo: 'implementation' | 'caller' | 'both';
  fixable: boolean;
  /**
   * False when the check is local to an expression or statement and may run on a function rebuilt
   * from hunks (partial); true (the default) when it needs the whole function (guards, paths).
   */
  needsWholeFunction?: boolean;
  /**
   * Identifiers without which the rule cannot fire (a file naming none of them is skipped by the
   * scan prefilter). Omitted: the model's contract identifiers stand in for the rule.
   */
  prefilter?: readonly string[];
  /**
   * What words cannot say, as a pattern over the file's text: a file it matches passes the scan
   * prefilter too (a parameter's type and name, say).
   */
  prefilterPattern?: RegExp;
  /**
   * Identifiers without which the rule cannot report in a function: one that names none of them,
   * nor calls a function of the change that does, is not checked (review/relevance.ts); `x_*`
   * stands for every identifier starting `x_`, `*x*` for every one containing x in any case. Omitted:
   * the model's contract identifiers and the prefilter's words.
   */
  gate?: readonly string[];
  /** Message templates; `{{name}}` is replaced from the report's data. */
  messages: Record<MessageId, string>;
}

/** A replacement of the text of `node` (or of an explicit 1-based range) by `text`. */
export interface RuleFixDescriptor {
  node?: SyntaxNode;
  range?: { startLine: number; startColumn: number; endLine: number; endColumn: number };
  text: string;
}

export interface ReportDescriptor<MessageId extends string> {
  node: SyntaxNode;
  messageId: MessageId;
  data?: Record<string, string | number>;
  severity?: Severity;
  fix?: RuleFixDescriptor;
  /** The run that would confirm the defect (served by sim/ through review/). */
  sim?: SimRequest;
  /**
   * For a function rebuilt from hunks (partial), where a rule that needs the whole function has
   * its reports judged against the pre-image. `local`: the report rests only on what the shown
   * lines hold (the defective expression and the definitions it reads), so it is kept like a
   * report of a rule with `needsWholeFunction: false`. Ignored on whole functions.
   */
  local?: boolean;
  /**
   * For a partial function: the text of the construct judged (`state->addr`, an allocator's
   * name). A report on a line the change wrote is kept when the pre-image rebuilt from the same
   * hunks shows this text and the rule reported nothing with this subject there: the unseen
   * lines are the same on both sides, so the difference is the change's. A rule with
   * `needsWholeFunction: false` names a subject for a report that rests on unseen lines: it is
   * then judged this way too. Ignored on whole functions.
   */
  subject?: string;
}

export interface ChangeFunction {
  file: ParsedFile;
  fn: FunctionInfo;
}

export interface RuleContext<MessageId extends string> {
  file: ParsedFile;
  /** Repository-relative path of the file ("drivers/iommu/dma-iommu.c"). */
  path: string;
  /** Every function of the files under review, by name (helpers defined in the same change). */
  functions: ReadonlyMap<string, ChangeFunction>;
  /** Rule options from the config file (rules.<id>.options), already validated by the rule. */
  options: Record<string, unknown>;
  report(descriptor: ReportDescriptor<MessageId>): void;
}

export interface Rule<MessageId extends string = string> {
  meta: RuleMeta<MessageId>;
  /** Called once per function definition. */
  check?(fn: FunctionInfo, context: RuleContext<MessageId>): void;
  /** Called once per file, for file-level facts (includes, struct definitions, macros). */
  checkFile?(context: RuleContext<MessageId>): void;
}

/** Typed factory: a wrong messageId in `context.report` is a compile error. */
export function createRule<MessageId extends string>(rule: Rule<MessageId>): Rule<MessageId> {
  return rule;
}
