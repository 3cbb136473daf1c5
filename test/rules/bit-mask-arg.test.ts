// dma/bit-mask-arg: DMA_BIT_MASK(n) with n in 1..64, written so every form of the macro reads it right.
import rule from '../../rules/bit-mask-arg.js';
import { runRuleTests } from './rule-tester.js';

/** A probe setting `mask`. */
const probe = (mask: string, before = ''): string => `${before}static int demo_probe(struct platform_device *pdev)
{
	struct demo_priv *priv = platform_get_drvdata(pdev);

	return dma_set_mask_and_coherent(&pdev->dev, ${mask});
}
`;

const COMPOUND = (arg: string, what: string, suggestion: string): string =>
  `DMA_BIT_MASK(${arg}): the ${what} binds looser than \`-\`, so the GENMASK_ULL(n - 1, 0) form of the macro that lacked parentheses (a50f7456f853, until its fix, D14) computes \`${arg} - 1\`, a mask of the wrong width; write \`${suggestion}\`, right with every form of the macro`;

runRuleTests(rule, {
  valid: [
    probe('DMA_BIT_MASK(64)'),
    probe('DMA_BIT_MASK(1)'),
    { name: 'a member access', code: probe('DMA_BIT_MASK(priv->addr_bits)') },
    { name: 'additive arithmetic regroups to the same value', code: probe('DMA_BIT_MASK(32 + priv->extra_bits)') },
    { name: 'a parenthesised conditional', code: probe('DMA_BIT_MASK((priv->secure ? 31 : 32))') },
    { name: 'the conditional outside the macro', code: probe('priv->secure ? DMA_BIT_MASK(31) : DMA_BIT_MASK(32)') },
    { name: 'a #define in range', code: probe('DMA_BIT_MASK(DEMO_ADDR_BITS)', '#define DEMO_ADDR_BITS 40\n\n') },
    { name: 'a call', code: probe('DMA_BIT_MASK(min(priv->addr_bits, 48))') },
    {
      name: 'implementation side: the 32-bit first attempt of the IOVA allocator',
      path: 'drivers/iommu/dma-iommu.c',
      code: `static unsigned long demo_alloc_low(struct iova_domain *iovad, unsigned long len, u64 dma_limit)
{
	if (dma_limit <= DMA_BIT_MASK(32))
		return 0;
	return alloc_iova_fast(iovad, len, DMA_BIT_MASK(32) >> iova_shift(iovad), false);
}
`,
    },
  ],
  invalid: [
    {
      name: 'D14: a conditional argument (note, fix: distribute)',
      code: probe('DMA_BIT_MASK(priv->secure ? 31 : 32)'),
      errors: [{ line: 5, column: 60, severity: 'note', messageId: 'compound', message: COMPOUND('priv->secure ? 31 : 32', 'conditional `?:`', '(priv->secure ? DMA_BIT_MASK(31) : DMA_BIT_MASK(32))') }],
      output: probe('(priv->secure ? DMA_BIT_MASK(31) : DMA_BIT_MASK(32))'),
    },
    {
      name: 'a shift (fix: parenthesise)',
      code: probe('DMA_BIT_MASK(priv->words << 5)'),
      errors: [{ line: 5, column: 60, message: COMPOUND('priv->words << 5', '`<<`', 'DMA_BIT_MASK((priv->words << 5))') }],
      output: probe('DMA_BIT_MASK((priv->words << 5))'),
    },
    {
      name: 'a bitwise or',
      code: probe('DMA_BIT_MASK(priv->hi_bits | 32)'),
      errors: [{ line: 5, column: 60, message: COMPOUND('priv->hi_bits | 32', '`|`', 'DMA_BIT_MASK((priv->hi_bits | 32))') }],
      output: probe('DMA_BIT_MASK((priv->hi_bits | 32))'),
    },
    {
      name: 'DMA_BIT_MASK(0)',
      code: probe('DMA_BIT_MASK(0)'),
      errors: [
        {
          line: 5,
          column: 60,
          severity: 'error',
          messageId: 'outOfRange',
          message: 'DMA_BIT_MASK(0): the mask is 0 (no address is reachable), or does not build with the GENMASK_ULL form; the mask must have 1 to 64 bits',
        },
      ],
      output: null,
    },
    {
      name: 'a #define of 65 bits',
      code: probe('DMA_BIT_MASK(DEMO_ADDR_BITS)', '#define DEMO_ADDR_BITS (64 + 1)\n\n'),
      errors: [{ line: 7, column: 60, message: 'DMA_BIT_MASK(DEMO_ADDR_BITS) (n = 65): the shift is undefined; the mask must have 1 to 64 bits' }],
    },
    {
      name: 'an arm of a conditional out of range',
      code: probe('DMA_BIT_MASK(priv->legacy ? 0 : 40)'),
      errors: [{ line: 5, column: 75, message: 'DMA_BIT_MASK(priv->legacy ? 0 : 40) (n = 0): the mask is 0 (no address is reachable), or does not build with the GENMASK_ULL form; the mask must have 1 to 64 bits' }],
    },
    {
      name: 'a local with one constant value',
      code: `static int demo_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int bits = -1;

	return dma_set_mask(&pdev->dev, DMA_BIT_MASK(bits));
}
`,
      errors: [{ line: 5, column: 47, message: 'DMA_BIT_MASK(bits) (n = -1): the shift is undefined; the mask must have 1 to 64 bits' }],
    },
    {
      name: 'implementation side: a comparison as the argument',
      path: 'drivers/iommu/dma-iommu.c',
      code: `static u64 demo_limit(struct device *dev, bool wide)
{
	return min(dma_get_mask(dev), DMA_BIT_MASK(wide == true));
}
`,
      errors: [{ line: 3, column: 45, message: COMPOUND('wide == true', '`==`', 'DMA_BIT_MASK((wide == true))') }],
      output: `static u64 demo_limit(struct device *dev, bool wide)
{
	return min(dma_get_mask(dev), DMA_BIT_MASK((wide == true)));
}
`,
    },
    {
      name: 'a file-scope initialiser',
      code: 'static u64 demo_dmamask = DMA_BIT_MASK(0);\n',
      errors: [{ line: 1, column: 40, message: 'DMA_BIT_MASK(0): the mask is 0 (no address is reachable), or does not build with the GENMASK_ULL form; the mask must have 1 to 64 bits' }],
    },
  ],
});
