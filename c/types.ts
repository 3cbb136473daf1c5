// Contracts of the C layer: a parsed file and its function index. Implementation in c/*.ts.
import type Parser from 'tree-sitter';
import type { MacroRewrite } from './macro-prepass.js';

export type SyntaxNode = Parser.SyntaxNode;
export type Tree = Parser.Tree;
export type { MacroRewrite, RewriteKind } from './macro-prepass.js';

/** 1-based inclusive post-image line range. */
export interface LineRange {
  start: number;
  end: number;
}

export interface FunctionInfo {
  name: string;
  /** The function_definition node. */
  node: SyntaxNode;
  /** Exact post-image lines of the definition (return type through closing brace). */
  lines: LineRange;
  /**
   * Parameter names in order, with their declared type text ("size_t", "struct device *").
   * The type text leaves out annotations (`__user`, `__iomem`) and normalises whitespace.
   */
  params: Array<{ name: string; type: string }>;
  returnType: string;
  isStatic: boolean;
  /** Rebuilt from hunks (not all of its lines are known). */
  partial: boolean;
  /** The definition holds ERROR or MISSING nodes even after kernel-macro handling. */
  hasError: boolean;
  /** Why it is not checked, when it is not ("parse error at line 42"). */
  notCheckedReason?: string;
  /** Also declared `inline` (or `__always_inline`). */
  isInline?: boolean;
  /** The `compound_statement` body. */
  body?: SyntaxNode;
  /**
   * Lines of preprocessor branches (`#else` arms...) that the pre-pass hid from the parser because
   * the conditional split a statement: the function was analysed in one configuration only.
   */
  hiddenBranches?: LineRange[];
  /** The macro that wrote the function header (`SYSCALL_DEFINE3`, `BPF_CALL_2`); then `name` is its first argument. */
  definedBy?: string;
  /** What the kernel-macro pre-pass rewrote inside this function (loop macros, case ranges...). */
  rewrites?: MacroRewrite[];
}

export interface ParsedFile {
  path: string;
  /** The original text; `node.text` reads from it. */
  text: string;
  tree: Tree;
  functions: FunctionInfo[];
  /** Count of ERROR/MISSING nodes in the whole file, after kernel-macro handling. */
  errorCount: number;
  /** The text tree-sitter parsed (same length and line breaks as `text`, macros rewritten). */
  parsedText?: string;
  /** What the kernel-macro pre-pass rewrote, in offset order. */
  rewrites?: MacroRewrite[];
}
