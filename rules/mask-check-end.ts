// dma/mask-check-end: finds a buffer checked against a DMA mask by its start address only
// (`addr > mask`) where the function knows the buffer's size: a buffer that starts below the
// mask and ends above it passes. Confidence moderate: the address and the size are paired by
// how the function receives or maps them.
import { UNKNOWN_TYPE, analyze, argumentsOf, calleeName, printExpr, stripCasts, subExpressions, toExpr, usedAsTruth, type Expr, type FunctionInfo, type SyntaxNode } from '../c/index.js';
import { contractFor } from '../model/index.js';
import { createRule, type RuleContext } from './types.js';
import { constantValue, describeMask, isMaskExpression, mayHoldMask, observable } from './dma-mask-common.js';

type MessageId = 'startOnly';

const RELATIONAL = new Set(['<', '<=', '>', '>=']);
/** Types of addresses checked against a mask. */
const ADDRESS_TYPE = /^(dma_addr_t|phys_addr_t|u64|resource_size_t|unsigned long long)$/;
/** Types and names of a byte count. */
const SIZE_TYPE = /^(size_t|u32|u64|unsigned int|unsigned long|int|unsigned|ssize_t|resource_size_t)$/;
const SIZE_NAME = /^(size|len|length|nbytes|bytes|buf_len|buflen)$|_(size|len|length)$/;
/** Masks passed as a parameter. */
const MASK_PARAM = /mask|limit/i;

export default createRule<MessageId>({
  meta: {
    id: 'dma/mask-check-end',
    severity: 'error',
    confidence: 'moderate',
    description: 'a buffer checked against a DMA mask by its start address only, not by addr + size - 1',
    docs: 'rules/mask-check-end.md',
    appliesTo: 'both',
    fixable: false,
    // a mask expression (DMA_BIT_MASK, dma_get_mask, *dma_mask, coherent_dma_mask, bus_dma_limit)
    // or a parameter named like one (MASK_PARAM)
    gate: ['*mask*', '*limit*'],
    // the mask may be a parameter (`u64 dma_limit`) in a file that names no DMA identifier
    prefilterPattern: /\b(?:dma_addr_t|phys_addr_t|u64|resource_size_t|unsigned\s+long\s+long)\s+\w*(?:mask|limit)\w*\s*[,)]/i,
    messages: {
      startOnly:
        '`{{check}}` tests only the start of the buffer at `{{addr}}` (`{{size}}` bytes): a buffer that starts below {{mask}} and ends above it passes; test `{{addr}} + {{size}} - 1` against the mask',
    },
  },
  check(fn, context) {
    if (!fn.body) return;
    // isMask() needs a mask expression or a parameter named like a mask
    // (a parameter's name is in the header: most functions are answered without reading their parameters)
    if (!mayHoldMask(fn, context.file) && !(MASK_PARAM.test(headerText(fn)) && fn.params.some((p) => MASK_PARAM.test(p.name)))) return;
    const a = analyze(fn);
    const binaries = fn.body.descendantsOfType('binary_expression');
    const comparisons = binaries.filter((b) => RELATIONAL.has(b.childForFieldName('operator')?.text ?? '') || (isAboveMaskTest(b) && usedAsTruth(fn, b)));
    if (comparisons.length === 0) return;
    const reported = new Set<string>();
    for (const cmp of comparisons) {
      const left = cmp.childForFieldName('left');
      const right = cmp.childForFieldName('right');
      if (!left || !right) continue;
      // `addr & ~mask`: the bits above the mask, tested for non-zero
      const above = isAboveMaskTest(cmp);
      const sides = above
        ? [{ addr: stripParens(above === 'left' ? right : left), mask: stripParens(above === 'left' ? left : right).namedChildren[0]! }]
        : [
            { addr: left, mask: right },
            { addr: right, mask: left },
          ];
      for (const { addr, mask } of sides) {
        if (!isMask(fn, mask, context) || isMask(fn, addr, context)) continue;
        const address = addressOf(fn, addr);
        if (!address) continue;
        const size = sizeFor(fn, address);
        if (!size) continue;
        if (endCheckedElsewhere(fn, comparisons, size, address.name)) continue;
        const key = `${address.name}@${cmp.startIndex}`;
        if (reported.has(key)) continue;
        reported.add(key);
        const maskValue = constantValue(a.resolve(mask), context.file);
        // the mask's value in the run: the constant, a mask parameter set to 32 bits, or the
        // device's masks in a 32-bit scenario (dma_get_mask, *dev->dma_mask, the coherent mask)
        const resolvedMask = stripCasts(a.resolve(mask));
        const maskParam = resolvedMask.kind === 'ident' && fn.params.some((p) => p.name === resolvedMask.name) ? resolvedMask.name : undefined;
        const deviceMask = maskValue === undefined && !maskParam && onlyDeviceMasks(resolvedMask);
        const runValue = maskValue ?? (maskParam || deviceMask ? 0xffff_ffffn : undefined);
        const accept = acceptCondition(cmp, aboveWhenTrue(cmp, addr));
        const sizeIsParam = fn.params.some((p) => p.name === size);
        const runnable = runValue !== undefined && accept !== undefined && sizeIsParam && fn.params.some((p) => p.name === address.name);
        const maskText = `0x${(runValue ?? 0n).toString(16)}`;
        context.report({
          // on a partial function the end may be tested in unseen lines: the engine keeps the report
          // when the pre-image rebuilt from the same hunks tested this mask and the rule accepted it
          ...(fn.partial ? { subject: mask.text } : {}),
          node: cmp,
          messageId: 'startOnly',
          data: { check: printExpr(toExpr(cmp)), addr: address.name, size: size, mask: maskValue !== undefined ? describeMask(maskValue) : `\`${printExpr(toExpr(mask))}\`` },
          // only when the address and size are inputs and the return value says "accepted"
          ...(runnable
            ? observable({
                mode: 'confirm',
                function: fn.name,
                scenario: { mask: 32, coherentMask: 32, busLimit: 0 },
                inputs: { [address.name]: `${maskText} - 0xff`, [size]: '0x1000', ...(maskParam ? { [maskParam]: maskText } : {}) },
                expect: {
                  holds: `${accept} && ${address.name} + ${size} - 1 > ${maskText}`,
                  description: `a buffer of ${size} bytes starting 0xff below the mask is accepted although it ends above it`,
                },
              })
            : {}),
        });
      }
    }
  },
});

/** The function's text before its body: return type, name and parameters. */
function headerText(fn: FunctionInfo): string {
  const text = fn.node.text;
  return fn.body ? text.slice(0, fn.body.startIndex - fn.node.startIndex) : text;
}

/** The mask side: DMA_BIT_MASK, dma_get_mask(), a mask field, or a 64-bit parameter named like a mask. */
function isMask(fn: FunctionInfo, node: SyntaxNode, context: RuleContext<MessageId>): boolean {
  const resolved = analyze(fn).resolve(node);
  if (isMaskExpression(resolved)) {
    // a mask of fewer than 12 bits is not an address limit
    const v = constantValue(resolved, context.file);
    return v === undefined || v >= 0xfffn;
  }
  const bare = stripCasts(resolved);
  if (bare.kind !== 'ident') return false;
  const p = fn.params.find((x) => x.name === bare.name);
  return !!p && MASK_PARAM.test(p.name) && ADDRESS_TYPE.test(p.type);
}

/** `x & ~mask` (either order): which side holds the `~mask`, else undefined. */
function isAboveMaskTest(b: SyntaxNode): 'left' | 'right' | undefined {
  if (b.type !== 'binary_expression' || b.childForFieldName('operator')?.text !== '&') return undefined;
  const complement = (n: SyntaxNode | null): boolean => {
    const x = n ? stripParens(n) : undefined;
    return x?.type === 'unary_expression' && x.childForFieldName('operator')?.text === '~';
  };
  if (complement(b.childForFieldName('left'))) return 'left';
  if (complement(b.childForFieldName('right'))) return 'right';
  return undefined;
}

/** The mask is read from the device only (dma_get_mask, *dev->dma_mask, coherent mask, bus limit, min_not_zero of those). */
function onlyDeviceMasks(e: Expr): boolean {
  const x = stripCasts(e);
  if (x.kind === 'call' && x.callee === 'dma_get_mask') return true;
  if (x.kind === 'field' && (x.field === 'coherent_dma_mask' || x.field === 'bus_dma_limit')) return true;
  if (x.kind === 'unary' && x.op === '*') {
    const inner = stripCasts(x.operand);
    return inner.kind === 'field' && inner.field === 'dma_mask';
  }
  if (x.kind === 'call' && (x.callee === 'min_not_zero' || x.callee === 'min')) return x.args.every(onlyDeviceMasks);
  return false;
}

/** The check is true when the address is above the mask (`addr > mask`, `mask < addr`, `addr & ~mask`). */
function aboveWhenTrue(check: SyntaxNode, addr: SyntaxNode): boolean {
  const op = check.childForFieldName('operator')?.text ?? '';
  if (op === '&') return true;
  const addrOnLeft = check.childForFieldName('left')?.id === addr.id || stripParens(check.childForFieldName('left')!).id === addr.id;
  return addrOnLeft ? op === '>' || op === '>=' : op === '<' || op === '<=';
}

/** Fields that hold the start address of a buffer (`state->addr`, `buf->dma_addr`). */
const ADDRESS_FIELD = /^(addr|phys|paddr|phys_addr|dma_addr|dma_handle|iova|bus_addr)$/;

/**
 * The address side: a parameter or local (not built with `+`) typed like an address, or a field
 * named like one (then paired with a size parameter).
 */
function addressOf(fn: FunctionInfo, node: SyntaxNode): { name: string; isParam: boolean } | undefined {
  const bare = stripCasts(toExpr(node));
  if (bare.kind === 'field' && ADDRESS_FIELD.test(bare.field)) return { name: printExpr(bare), isParam: true };
  if (bare.kind !== 'ident') return undefined;
  const v = analyze(fn).variable(bare.name, node.startIndex);
  if (!v || !ADDRESS_TYPE.test(v.type) || MASK_PARAM.test(v.name)) return undefined;
  const resolved = stripCasts(analyze(fn).resolve(node));
  if (resolved.kind === 'binary' && (resolved.op === '+' || resolved.op === '-')) return undefined;
  return { name: bare.name, isParam: v.isParam };
}

/**
 * The size of the buffer that starts at the address: a size parameter beside an address
 * parameter, or the size argument of the map call whose result the address holds.
 */
function sizeFor(fn: FunctionInfo, address: { name: string; isParam: boolean }): string | undefined {
  if (address.isParam) {
    // on a partial function the size parameter may lie past the header git showed: a variable
    // named like a size that the shown lines read stands in (the frame declared it, typeless)
    const size = fn.params.find((p) => p.name !== address.name && SIZE_NAME.test(p.name) && (SIZE_TYPE.test(p.type) || (fn.partial && p.type.includes(UNKNOWN_TYPE))));
    return size?.name;
  }
  const a = analyze(fn);
  for (const def of a.defUse?.definitions ?? []) {
    if (def.variable.name !== address.name || !def.value) continue;
    const call = stripParens(def.value);
    if (call.type !== 'call_expression') continue;
    const contract = contractFor(calleeName(call) ?? '');
    if (!contract || !contract.categories.includes('maps')) continue;
    const index = contract.params.findIndex((p) => p.role === 'size');
    const arg = index >= 0 ? argumentsOf(call)[index] : undefined;
    if (arg && arg.type === 'identifier') return arg.text;
  }
  return undefined;
}

function stripParens(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.type === 'parenthesized_expression' && n.namedChildren.length === 1) n = n.namedChildren[0]!;
  return n;
}

/** Another comparison of the function reads both the size and the address: the end is tested. */
function endCheckedElsewhere(fn: FunctionInfo, comparisons: readonly SyntaxNode[], size: string, addr: string): boolean {
  const a = analyze(fn);
  return comparisons.some((c) => {
    const e: Expr = a.resolve(c);
    let hasSize = false;
    let hasAddr = false;
    const walk = (x: Expr): void => {
      if (x.kind === 'ident' && x.name === size) hasSize = true;
      if ((x.kind === 'ident' || x.kind === 'field') && printExpr(x) === addr) hasAddr = true;
    };
    for (const x of subExpressions(e)) walk(x);
    return hasSize && hasAddr;
  });
}

/**
 * What the function returns when the check lets the buffer through, as a condition on __return:
 * read from `return <check>` or from `if (<check>) return <reject>;`. Undefined when not that plain.
 */
function acceptCondition(check: SyntaxNode, aboveWhenTrue: boolean): string | undefined {
  let n = check;
  let above = aboveWhenTrue;
  for (let i = 0; i < 8; i++) {
    const p = n.parent;
    if (!p) return undefined;
    if (p.type === 'parenthesized_expression') n = p;
    else if (p.type === 'unary_expression' && p.childForFieldName('operator')?.text === '!') {
      n = p;
      above = !above;
    } else if (p.type === 'argument_list' && /^(WARN_ON(_ONCE)?|unlikely|likely)$/.test(p.parent?.childForFieldName('function')?.text ?? '')) n = p.parent!;
    else break;
  }
  const p = n.parent;
  if (p?.type === 'return_statement') return above ? '__return == 0' : '__return != 0';
  if (p?.type !== 'if_statement' || p.childForFieldName('condition')?.id !== n.id) return undefined;
  // the branch taken when the buffer is above the mask must return the rejection
  const branch = above ? p.childForFieldName('consequence') : p.childForFieldName('alternative');
  const statement = branch?.type === 'compound_statement' ? branch.namedChildren.filter((c) => c.type !== 'comment').at(-1) : branch;
  const rejectNode = statement?.type === 'return_statement' ? statement.namedChildren[0] : undefined;
  if (!rejectNode) return undefined;
  const reject = rejectNode.text.replace(/\s+/g, '');
  if (/^-E[A-Z0-9]+$/.test(reject) || /^-\d+$/.test(reject)) return '__return >= 0';
  if (reject === 'false' || reject === '0' || reject === 'NULL') return '__return != 0';
  if (reject === 'true' || reject === '1') return '__return == 0';
  return undefined;
}
