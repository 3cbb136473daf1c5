// iova/iommu-internal-api: code outside drivers/iommu/ and kernel/dma/ reaching the DMA domain's
// internals (dma-iommu helpers, the IOVA cookie, alloc_iova*/free_iova* on the cookie's iovad,
// iommu_map into the device's DMA domain); private iova_domains and unmanaged domains are fine.
// Confidence high for the cookie and dma-iommu helpers, moderate for iommu_get_domain_for_dev.
import picomatch from 'picomatch';
import { analyze, argumentsOf, calleeName, identifierPattern, printExpr, stripCasts, type FunctionInfo, type SyntaxNode } from '../c/index.js';
import { FUNCTION_CONTRACTS } from '../model/index.js';
import { createRule, type RuleContext } from './types.js';

type MessageId = 'internalCall' | 'cookie' | 'dmaIovad' | 'mapDmaDomain' | 'coreAllocates';

/** Where the DMA layer itself lives (contracts' restrictedTo of the dma-iommu helpers). */
const DEFAULT_ALLOWED = ['drivers/iommu/**', 'kernel/dma/**'];
/** Core code that must leave IOVA to exporters (D18); configurable. */
const DEFAULT_CORE_FILES = ['drivers/dma-buf/dma-buf.c'];

const DMA_IOMMU_INTERNALS = new Set(FUNCTION_CONTRACTS.filter((c) => c.layer === 'dma-iommu').map((c) => c.name));
const IOVA_ALLOCATOR = new Set(
  FUNCTION_CONTRACTS.filter((c) => c.layer === 'iova' && (c.categories.includes('allocates-iova') || c.categories.includes('frees-iova'))).map((c) => c.name),
);
for (const extra of ['__free_iova', 'reserve_iova', 'find_iova', 'alloc_iova_fast', 'free_iova_fast']) IOVA_ALLOCATOR.add(extra);
// the maps only: the matching unmap is the teardown of the same mapping, one finding is enough
const IOMMU_MAPPING = new Set(FUNCTION_CONTRACTS.filter((c) => c.layer === 'iommu' && c.categories.includes('maps')).map((c) => c.name));
for (const extra of ['iommu_map_sg', 'iommu_map_sgtable']) IOMMU_MAPPING.add(extra);

/** A file that makes or attaches its own domain may find it again with iommu_get_domain_for_dev(). */
const OWN_DOMAIN = /\b(iommu_domain_alloc|iommu_paging_domain_alloc\w*|iommu_attach_device\w*|iommu_attach_group|iommu_sva_bind_device|iommu_group_claim_dma_owner|iommu_device_claim_dma_owner|arm_iommu_create_mapping|iommu_dma_cookie_put)\s*\(/;

/** Any name the walk acts on, as a whole word: a file without one is not walked. */
const ACTED_ON = identifierPattern([...DMA_IOMMU_INTERNALS, ...IOVA_ALLOCATOR, ...IOMMU_MAPPING, 'iova_cookie']);

const DMA_DOMAIN_SOURCE = /\b(iommu_get_dma_domain)\s*\(|->iova_cookie\b|\.iova_cookie\b/;

function options(context: RuleContext<MessageId>): { allowed: string[]; coreFiles: string[] } {
  const o = context.options;
  const list = (v: unknown, fallback: string[]): string[] => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : fallback);
  return { allowed: list(o.allowedPaths, DEFAULT_ALLOWED), coreFiles: list(o.coreFiles, DEFAULT_CORE_FILES) };
}

export default createRule<MessageId>({
  meta: {
    id: 'iova/iommu-internal-api',
    severity: 'error',
    confidence: 'high',
    description:
      'code outside drivers/iommu/ and kernel/dma/ reaching DMA-domain internals (iommu_get_dma_domain, the IOVA cookie, alloc_iova*, mapping into the device\'s DMA domain) instead of the dma_iova_* API',
    docs: 'rules/iommu-internal-api.md',
    appliesTo: 'caller',
    fixable: false,
    needsWholeFunction: false,
    messages: {
      internalCall:
        '{{callee}}() is internal to the DMA layer (drivers/iommu/dma-iommu.c): outside drivers/iommu/ and kernel/dma/ use dma_iova_try_alloc()/dma_iova_link() or dma_map_*()',
      cookie:
        '`{{text}}` reaches the IOVA cookie of the device\'s DMA domain: that IOVA space belongs to the DMA API; use dma_iova_try_alloc(), or a private iova_domain on an unmanaged domain',
      dmaIovad:
        '{{callee}}() on the DMA domain\'s iova_domain (`{{iovad}}`): the DMA API allocates from it too; use dma_iova_try_alloc() and dma_iova_link()',
      mapDmaDomain:
        '{{callee}}() into `{{domain}}`, the device\'s DMA-API domain ({{source}}): the DMA API\'s IOVA allocator does not know this mapping; use dma_iova_try_alloc() + dma_iova_link(), or an unmanaged domain (iommu_paging_domain_alloc())',
      coreAllocates: '{{callee}}() in core code ({{path}}): the exporter chooses how its memory gets DMA addresses, not the core (reference D18)',
    },
  },
  checkFile(context) {
    const { allowed, coreFiles } = options(context);
    if (picomatch.isMatch(context.path, allowed, { dot: true })) return;
    const text = context.file.text;
    const isCore = picomatch.isMatch(context.path, coreFiles, { dot: true });
    if (!isCore && !ACTED_ON.test(text)) return;
    const defined = new Set(context.file.functions.map((f) => f.name));
    const ownsDomain = OWN_DOMAIN.test(text);
    const enclosing = (n: SyntaxNode): FunctionInfo | undefined =>
      context.file.functions.find((f) => f.node.startIndex <= n.startIndex && n.endIndex <= f.node.endIndex);
    const resolved = (fn: FunctionInfo | undefined, arg: SyntaxNode): string => {
      if (!fn || fn.hasError) return arg.text;
      try {
        return printExpr(stripCasts(analyze(fn).resolve(arg, { pointers: true })));
      } catch {
        return arg.text;
      }
    };
    // the two node kinds it judges, in document order (one native query, not a walk of every node)
    for (const n of context.file.tree.rootNode.descendantsOfType(['field_expression', 'call_expression'])) visit(n);
    function visit(n: SyntaxNode): void {
      if (n.type === 'field_expression' && n.childForFieldName('field')?.text === 'iova_cookie') {
        context.report({ node: n, messageId: 'cookie', data: { text: n.text } });
        return;
      }
      if (n.type !== 'call_expression') return;
      const callee = calleeName(n);
      if (!callee || defined.has(callee)) return;
      if (isCore && /^dma_iova_/.test(callee)) {
        context.report({ node: n, messageId: 'coreAllocates', data: { callee, path: context.path } });
        return;
      }
      if (DMA_IOMMU_INTERNALS.has(callee)) {
        context.report({ node: n, messageId: 'internalCall', data: { callee } });
        return;
      }
      const args = argumentsOf(n);
      if (IOVA_ALLOCATOR.has(callee) && args[0]) {
        const iovad = resolved(enclosing(n), args[0]);
        if (DMA_DOMAIN_SOURCE.test(iovad) || /\bcookie->iovad\b/.test(iovad)) {
          context.report({ node: n, messageId: 'dmaIovad', data: { callee, iovad: args[0].text } });
        }
        return;
      }
      if (IOMMU_MAPPING.has(callee) && args[0]) {
        const domain = resolved(enclosing(n), args[0]);
        if (/\biommu_get_dma_domain\s*\(/.test(domain)) {
          context.report({ node: n, messageId: 'mapDmaDomain', data: { callee, domain: args[0].text, source: 'iommu_get_dma_domain()' } });
        } else if (!ownsDomain && /\biommu_get_domain_for_dev\s*\(/.test(domain)) {
          context.report({
            node: n,
            messageId: 'mapDmaDomain',
            severity: 'warning',
            data: { callee, domain: args[0].text, source: 'iommu_get_domain_for_dev() in a driver that attaches no domain of its own' },
          });
        }
      }
    }
  },
});
