// The C layer's public API (DESIGN.md §4). Rules and the simulator import from here.
export type { FunctionInfo, LineRange, ParsedFile, SyntaxNode, Tree, MacroRewrite, RewriteKind } from './types.js';

// parsing and the function index
export { parseFile, countErrors, type ParseFileOptions } from './parse-file.js';
export { parseC, sharedParser } from './parser.js';
export { kernelMacroPrepass, blank, type PrepassResult } from './macro-prepass.js';
export {
  indexFunctions,
  functionsTouching,
  functionAtLine,
  functionDeclaratorOf,
  describeParameter,
  declaratorName,
  normalizeTypeText,
  linesKnown,
  rewriteAt,
} from './function-index.js';

// per-function analyses
export { analyze, FunctionAnalysis, type Guard, type GuardOptions, type GuardVia, type HelperSource } from './analysis.js';
export { buildCfg, cfgNodeContaining, type Cfg, type CfgNode, type CfgNodeKind, type CfgResult, type Assumption, type BranchKind } from './cfg.js';
export { dominatorTree, dominates, reachableFrom, type DominatorTree } from './dominators.js';
export { DefUse, declaredType, isMayDefinition, type Definition, type DefinitionKind, type ResolveOptions, type Variable } from './defuse.js';

// expressions and conditions
export {
  toExpr,
  printExpr,
  stripCasts,
  mapExpr,
  subExpressions,
  exprMentions,
  sameExpr,
  negateCondition,
  conjuncts,
  asComparison,
  isConstantLike,
  squeezeText,
  parseIntegerLiteral,
  COMPARISON_OPS,
  type Expr,
  type BinaryOp,
  type PrintOptions,
} from './expr.js';
export { conditionsHolding, seeThrough, cleanCondition, type HeldCondition, type SplitOptions } from './condition.js';
export { calleeName, argumentsOf, argumentOf, callsIn, enclosingCall, enclosingLoop, assignmentsTo, normalizedText, joinTokens, identifierPattern } from './expressions.js';
export {
  evalConst,
  isKnownConst,
  intTypeOf,
  wrapToType,
  commonType,
  type CIntType,
  type ConstResult,
  type ConstValue,
  type SymbolicValue,
  type DataModel,
  type EvalOptions,
} from './const-eval.js';
export * as kernelMacros from './kernel-macros.js';
export { structFields, structNamed, fieldType, fileDefines, defineValue, expressionType } from './file-facts.js';

// path-sensitive exploration and evaluation order (for lifecycle rules)
export { explorePaths, type PathDomain, type PathSearchOptions, type PathSearchResult } from './path-search.js';
export { evaluationPaths, effectsOf, type EvalPath, type EvalStep, type Effect } from './evaluation.js';
export { toExprM } from './expr.js';
export { Mirror, kids, field, descendants, operatorOf, unparen, lineAt, type MNode } from './mirror.js';
// what guards imply about a value, where a value comes from, what type it is computed in
export { impliesNonZero, impliesZero, impliesBitClear, impliesAnyOf, impliesDifferenceNonZero, disjuncts, isSameValue, stripWideningCasts, type BitTestOptions } from './implication.js';
export { valueSources, additiveTerms, COPIES, NONZERO_CARRIERS, type Carrier, type Term } from './value-flow.js';
export { integerTypeOf, castParts, type IntTypeOptions } from './int-type.js';
export { linearForm, subtractForms, substituteAtom, certainlyPositive, printForm, type LinearForm } from './linear.js';
export { resultUse, readsReachedBy, usedAsTruth, outermostParens, type ResultUse } from './value-use.js';

// functions rebuilt from hunks (partial post-images without a tree)
export { rebuildFunctionFrames, headerFromSection, scanBraces, scanBlock, UNKNOWN_TYPE, CUT_VALUE, type SectionHint, type RebuildResult, type BlockScan } from './rebuild.js';
