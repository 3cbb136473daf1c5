// iova/raw-size-access — finds dma_iova_state.__size read as a length without masking the
// DMA_IOVA_USE_SWIOTLB flag (use dma_iova_size()), and any read or write of __size outside the
// DMA core. Confidence: high.
import { analyze, expressionType, type FunctionInfo, type SyntaxNode } from '../c/index.js';
import { mentionsAny, unwrapExpression } from './iova-common.js';
import { createRule, type RuleContext } from './types.js';

type MessageId = 'rawLength' | 'privateRead' | 'privateWrite';

/** Files that own dma_iova_state (the two-step implementation and its header). */
const CORE_PATHS = /^(drivers\/iommu\/dma-iommu\.c|kernel\/dma\/[^/]+\.c|include\/linux\/dma-mapping\.h)$/;

type Access = 'write' | 'zeroWrite' | 'flagTest' | 'masked' | 'truth' | 'length';

function isFlag(node: SyntaxNode | null): boolean {
  return !!node && /^\(?\s*(\(u64\))?\s*(DMA_IOVA_USE_SWIOTLB|BIT_ULL\(63\))\s*\)?$/.test(node.text.trim());
}

function isNotFlag(node: SyntaxNode | null): boolean {
  if (!node) return false;
  const x = unwrapExpression(node);
  return x.type === 'unary_expression' && x.childForFieldName('operator')?.type === '~' && isFlag(x.childForFieldName('argument'));
}

function isZero(node: SyntaxNode | null): boolean {
  return !!node && /^\(?\s*0[uUlL]*\s*\)?$/.test(node.text.trim());
}

/** How an access of `field` (`state->__size`) is used by the expression around it. */
function accessKind(field: SyntaxNode, fn: FunctionInfo): Access {
  let node = field;
  let parent = node.parent;
  while (parent && parent.type === 'parenthesized_expression') {
    node = parent;
    parent = parent.parent;
  }
  if (!parent) return 'length';
  if (parent.type === 'assignment_expression' && parent.childForFieldName('left')?.id === node.id) {
    return parent.childForFieldName('operator')?.type === '=' && isZero(parent.childForFieldName('right')) ? 'zeroWrite' : 'write';
  }
  if (parent.type === 'binary_expression') {
    const op = parent.childForFieldName('operator')?.type;
    const other = parent.childForFieldName('left')?.id === node.id ? parent.childForFieldName('right') : parent.childForFieldName('left');
    if (op === '&' && isFlag(other)) return 'flagTest';
    if (op === '&' && isNotFlag(other)) return 'masked';
    if (op === '&&' || op === '||') return 'truth';
    if ((op === '==' || op === '!=') && isZero(other)) return 'truth';
    return 'length';
  }
  if (parent.type === 'unary_expression' && parent.childForFieldName('operator')?.type === '!') return 'truth';
  // `return state->__size;` from a bool function (dma_use_iova) is a truth test
  if (parent.type === 'return_statement' && /^(bool|_Bool)$/.test(fn.returnType.trim())) return 'truth';
  if (parent.type === 'condition_clause' || (parent.type === 'conditional_expression' && parent.childForFieldName('condition')?.id === node.id)) return 'truth';
  if ((parent.type === 'if_statement' || parent.type === 'while_statement' || parent.type === 'do_statement') && parent.childForFieldName('condition')?.id === node.id) return 'truth';
  return 'length';
}

/** `dma_iova_size(state)` for `state->__size`, `dma_iova_size(&iod->state)` for `iod->state.__size`. */
function stateArgument(field: SyntaxNode): string | undefined {
  const object = field.childForFieldName('argument');
  if (!object) return undefined;
  const arrow = field.childForFieldName('operator')?.type === '->';
  return arrow ? object.text : `&${object.text}`;
}

function isStateObject(fn: FunctionInfo, field: SyntaxNode, context: RuleContext<MessageId>): boolean {
  const object = field.childForFieldName('argument');
  if (!object) return false;
  const type = expressionType(analyze(fn), object, context.file);
  return type === undefined || /\bdma_iova_state\b/.test(type);
}

export const rawSizeAccessRule = createRule<MessageId>({
  meta: {
    id: 'iova/raw-size-access',
    severity: 'warning',
    confidence: 'high',
    description: 'dma_iova_state.__size used as a length without masking the swiotlb flag, or read/written outside the DMA core',
    docs: 'rules/raw-size-access.md',
    appliesTo: 'both',
    fixable: true,
    needsWholeFunction: false,
    prefilter: ['__size'],
    messages: {
      rawLength: '`{{access}}` carries the DMA_IOVA_USE_SWIOTLB flag in bit 63: read the size with dma_iova_size({{state}})',
      privateRead: '`{{access}}` is private to the DMA core: use {{api}}',
      privateWrite: '`{{access}}` is private to the DMA core and must not be written here: {{api}}',
    },
  },
  check(fn, context) {
    if (!mentionsAny(fn, ['__size'])) return;
    const core = CORE_PATHS.test(context.path);
    for (const field of fn.node.descendantsOfType('field_expression')) {
      if (field.childForFieldName('field')?.text !== '__size' || !isStateObject(fn, field, context)) continue;
      const kind = accessKind(field, fn);
      const state = stateArgument(field);
      if (!state) continue;
      const access = field.text.replace(/\s+/g, '');
      const sim = {
        mode: 'confirm' as const,
        function: fn.name,
        scenario: { untrusted: true },
        inputs: { phys: '0x234' },
        expect: { invariants: ['flag-not-in-size' as const], description: 'after a bounced link bit 63 of __size is set, and the raw value is not the size' },
      };
      if (kind === 'length') {
        context.report({ node: field, messageId: 'rawLength', data: { access, state }, fix: { node: field, text: `dma_iova_size(${state})` }, sim });
        continue;
      }
      if (core) continue;
      if (kind === 'truth') {
        context.report({ node: field, messageId: 'privateRead', data: { access, api: `dma_use_iova(${state})` }, fix: { node: field, text: `dma_use_iova(${state})` }, sim });
      } else if (kind === 'masked') {
        const masked = field.parent?.type === 'parenthesized_expression' ? field.parent.parent : field.parent;
        context.report({ node: field, messageId: 'privateRead', data: { access, api: `dma_iova_size(${state})` }, ...(masked ? { fix: { node: masked, text: `dma_iova_size(${state})` } } : {}), sim });
      } else if (kind === 'flagTest') {
        context.report({ node: field, messageId: 'privateRead', data: { access, api: 'the dma_iova_* calls (the flag is the core\'s bookkeeping)' }, sim });
      } else {
        const asg = field.parent?.type === 'assignment_expression' ? field.parent : undefined;
        const stmt = asg?.parent?.type === 'expression_statement' ? asg.parent : undefined;
        const object = field.childForFieldName('argument')!.text;
        const arrow = field.childForFieldName('operator')?.type === '->';
        const memset = arrow ? `memset(${object}, 0, sizeof(*${object}));` : `memset(&${object}, 0, sizeof(${object}));`;
        context.report({
          node: asg ?? field,
          messageId: 'privateWrite',
          data: { access, api: kind === 'zeroWrite' ? `clear the whole state with ${memset.slice(0, -1)}` : 'only dma_iova_try_alloc() sets it' },
          ...(kind === 'zeroWrite' && stmt ? { fix: { node: stmt, text: memset } } : {}),
          sim: { ...sim, expect: { invariants: ['state-live', 'flag-not-in-size'], description: 'a state written outside the core no longer describes its reservation' } },
        });
      }
    }
  },
});
