// Contracts of the C layer: a parsed file and its function index. Implementation in c/*.ts.
import type Parser from 'tree-sitter';

export type SyntaxNode = Parser.SyntaxNode;
export type Tree = Parser.Tree;

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
  /** Parameter names in order, with their declared type text ("size_t", "struct device *"). */
  params: Array<{ name: string; type: string }>;
  returnType: string;
  isStatic: boolean;
  /** Rebuilt from hunks (not all of its lines are known). */
  partial: boolean;
  /** The definition holds ERROR or MISSING nodes even after kernel-macro handling. */
  hasError: boolean;
  /** Why it is not checked, when it is not ("parse error at line 42"). */
  notCheckedReason?: string;
}

export interface ParsedFile {
  path: string;
  text: string;
  tree: Tree;
  functions: FunctionInfo[];
  /** Count of ERROR/MISSING nodes in the whole file, after kernel-macro handling. */
  errorCount: number;
}
