// dma/bit-mask-arg: finds DMA_BIT_MASK(n) with a constant n outside 1..64, and arguments whose
// top-level operator binds looser than `-` (`a ? 31 : 32`, `x << 1`, `a | b`), which the
// unparenthesised GENMASK_ULL(n - 1, 0) form of the macro (a50f7456f853 until its fix, D14)
// computes wrongly. Confidence high: the check reads the argument as written.
import { analyze, argumentsOf, calleeName, evalConst, defineValue, identifierPattern, isKnownConst, type ParsedFile, type SyntaxNode } from '../c/index.js';

/** One-line text of an expression as written (comments and line breaks gone, parentheses kept). */
const flat = (node: SyntaxNode): string =>
  node.text
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/\( /g, '(')
    .replace(/ \)/g, ')')
    .trim();
import { createRule, type RuleContext } from './types.js';
import { MASK_BUILDERS } from './dma-mask-common.js';

type MessageId = 'outOfRange' | 'compound';

/** Operators that bind looser than binary `-`: `n - 1` regroups them. */
const LOOSER_THAN_MINUS = new Set(['<<', '>>', '<', '>', '<=', '>=', '==', '!=', '&', '^', '|', '&&', '||']);

export default createRule<MessageId>({
  meta: {
    id: 'dma/bit-mask-arg',
    severity: 'error',
    confidence: 'high',
    description: 'DMA_BIT_MASK(n) with n outside 1..64, or an argument the unparenthesised macro expands wrongly',
    docs: 'rules/bit-mask-arg.md',
    appliesTo: 'both',
    fixable: true,
    // it judges the builder's calls, in functions and in file-scope initialisers
    prefilter: [...MASK_BUILDERS],
    gate: [...MASK_BUILDERS],
    needsWholeFunction: false,
    messages: {
      outOfRange: '{{macro}}({{arg}}){{value}}: {{why}}; the mask must have 1 to 64 bits',
      compound:
        '{{macro}}({{arg}}): the {{what}} binds looser than `-`, so the GENMASK_ULL(n - 1, 0) form of the macro that lacked parentheses (a50f7456f853, until its fix, D14) computes `{{wrong}}`, a mask of the wrong width; write {{suggestion}}, right with every form of the macro',
    },
  },
  check(fn, context) {
    if (!fn.body) return;
    const a = analyze(fn);
    for (const call of a.callsTo([...MASK_BUILDERS])) checkCall(call, context, (node) => evalConst(a.resolve(node), lookupIn(context.file)));
  },
  checkFile(context) {
    // file-scope initialisers (`static u64 foo_dmamask = DMA_BIT_MASK(0);`); functions are check()'s
    // only the top-level items outside function bodies that name a builder are walked
    for (const item of context.file.tree.rootNode.namedChildren) {
      if (item.type === 'function_definition' || !NAMES_A_BUILDER.test(item.text)) continue;
      for (const call of item.descendantsOfType('call_expression')) {
        if (!MASK_BUILDERS.has(calleeName(call) ?? '') || insideFunction(call)) continue;
        checkCall(call, context, (node) => evalConst(node, lookupIn(context.file)));
      }
    }
  },
});

const NAMES_A_BUILDER = identifierPattern(MASK_BUILDERS);

function lookupIn(file: ParsedFile) {
  return { lookup: (name: string) => defineValue(file, name) };
}

function insideFunction(node: SyntaxNode): boolean {
  for (let p = node.parent; p; p = p.parent) if (p.type === 'function_definition') return true;
  return false;
}

function checkCall(call: SyntaxNode, context: RuleContext<MessageId>, evaluate: (node: SyntaxNode) => ReturnType<typeof evalConst>): void {
  const arg = argumentsOf(call)[0];
  if (!arg || argumentsOf(call).length !== 1) return;
  const macro = calleeName(call)!;
  // the value(s) n can take: both arms of a conditional
  const arms = arg.type === 'conditional_expression' ? [arg.childForFieldName('consequence'), arg.childForFieldName('alternative')] : [arg];
  for (const arm of arms) {
    if (!arm) continue;
    const r = evaluate(arm);
    if (!isKnownConst(r)) continue;
    const n = r.value;
    if (n >= 1n && n <= 64n) continue;
    context.report({
      node: arm,
      messageId: 'outOfRange',
      data: { macro, arg: flat(arg), value: flat(arg) === n.toString() ? '' : ` (n = ${n})`, why: n === 0n ? 'the mask is 0 (no address is reachable), or does not build with the GENMASK_ULL form' : 'the shift is undefined' },
      ...(enclosingFunctionName(call) && n === 0n
        ? {
            sim: {
              mode: 'confirm' as const,
              function: enclosingFunctionName(call)!,
              expect: { holds: `${macro}(0) == 0`, description: `${macro}(0) is the empty mask` },
            },
          }
        : {}),
    });
    return;
  }
  const compound = compoundOperator(arg);
  if (!compound) return;
  const suggestion = arg.type === 'conditional_expression' ? distributedConditional(arg, macro) : undefined;
  const parenthesised = `${macro}((${flat(arg)}))`;
  context.report({
    node: arg,
    messageId: 'compound',
    // latent: every released macro parenthesises n; the unparenthesised one was a mainline regression
    severity: 'note',
    data: {
      macro,
      arg: flat(arg),
      what: compound,
      wrong: `${flat(arg)} - 1`,
      suggestion: `\`${suggestion ?? parenthesised}\``,
    },
    // no simulation: the model has one form of the macro, so a run could not show the other
    fix: { node: call, text: suggestion ?? parenthesised },
  });
}

/** The loose top-level operator of an argument, described, or undefined when the argument is safe. */
function compoundOperator(arg: SyntaxNode): string | undefined {
  switch (arg.type) {
    case 'conditional_expression':
      return 'conditional `?:`';
    case 'assignment_expression':
      return 'assignment';
    case 'comma_expression':
      return 'comma';
    case 'binary_expression': {
      const op = arg.childForFieldName('operator')?.text ?? '';
      return LOOSER_THAN_MINUS.has(op) ? `\`${op}\`` : undefined;
    }
    default:
      return undefined;
  }
}

/** `(c ? DMA_BIT_MASK(a) : DMA_BIT_MASK(b))` for `DMA_BIT_MASK(c ? a : b)`. */
function distributedConditional(arg: SyntaxNode, macro: string): string | undefined {
  const test = arg.childForFieldName('condition');
  const then = arg.childForFieldName('consequence');
  const otherwise = arg.childForFieldName('alternative');
  if (!test || !then || !otherwise) return undefined;
  return `(${flat(test)} ? ${macro}(${flat(then)}) : ${macro}(${flat(otherwise)}))`;
}

function enclosingFunctionName(node: SyntaxNode): string | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'function_definition') {
      let d = p.childForFieldName('declarator');
      for (let i = 0; d && i < 16; i++) {
        if (d.type === 'function_declarator') return d.childForFieldName('declarator')?.text;
        d = d.childForFieldName('declarator');
      }
      return undefined;
    }
  }
  return undefined;
}
