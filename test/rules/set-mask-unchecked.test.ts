// dma/set-mask-unchecked: a mask that can be refused is tested before the device does DMA.
import rule from '../../rules/set-mask-unchecked.js';
import { runRuleTests } from './rule-tester.js';

const IGNORED = (callee: string, mask: string): string =>
  `result of ${callee}() ignored: the ${mask} mask can be refused (-EIO) where memory cannot be addressed that low, and the device would then do DMA beyond its reach; test it and fail the probe or fall back`;
const SWALLOWED = (callee: string, mask: string, fn: string): string =>
  `failure of ${callee}() only logged: the ${mask} mask can be refused (-EIO) where memory cannot be addressed that low, and ${fn}() goes on to use DMA; fail or fall back on that branch`;

/** A PCI probe with `body` before the DMA starts. */
const probe = (body: string): string => `static int demo_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret;

${body}
	return demo_start_dma(pdev);
}
`;

runRuleTests(rule, {
  valid: [
    { name: 'a 24-bit mask tested', code: probe('\tif (dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(24))) {\n\t\tdev_warn(&pdev->dev, "no suitable DMA\\n");\n\t\treturn -EIO;\n\t}') },
    { name: 'stored and tested', code: probe('\tret = dma_set_mask(&pdev->dev, DMA_BIT_MASK(28));\n\tif (ret)\n\t\treturn ret;') },
    { name: 'DMA_BIT_MASK(64) never fails (dma-api-howto.rst)', code: probe('\tdma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));') },
    {
      name: 'the documented recommended code: 64 or 32 bits, unchecked',
      code: probe('\tif (demo_has_64bit(pdev))\n\t\tdma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));\n\telse\n\t\tdma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));'),
    },
    {
      name: 'the coherent mask after a checked streaming mask at least as wide',
      code: probe('\tif (dma_set_mask(&pdev->dev, DMA_BIT_MASK(30)))\n\t\treturn -EIO;\n\tdma_set_coherent_mask(&pdev->dev, DMA_BIT_MASK(24));'),
    },
    { name: 'a mask of unknown width is not reported', code: probe('\tdma_set_mask_and_coherent(&pdev->dev, demo_info(pdev)->dma_mask);') },
    {
      name: 'a failure branch that falls back to PIO is not swallowed',
      code: probe('\tif (dma_set_mask(&pdev->dev, DMA_BIT_MASK(24)))\n\t\tdemo_priv(pdev)->use_pio = true;'),
    },
    {
      name: 'a test through a local used later',
      code: probe('\tret = dma_set_coherent_mask(&pdev->dev, DMA_BIT_MASK(31));\n\tif (ret)\n\t\tdev_warn(&pdev->dev, "31-bit coherent DMA refused\\n");\n\tif (ret)\n\t\treturn ret;'),
    },
  ],
  invalid: [
    {
      name: 'a 24-bit mask dropped',
      code: probe('\tdma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(24));'),
      errors: [{ line: 5, column: 2, severity: 'warning', messageId: 'ignored', message: IGNORED('dma_set_mask_and_coherent', 'DMA_BIT_MASK(24)') }],
      output: null,
    },
    {
      name: 'dropped with a (void) cast',
      code: probe('\t(void)dma_set_mask(&pdev->dev, DMA_BIT_MASK(28));'),
      errors: [{ line: 5, column: 8, message: IGNORED('dma_set_mask', 'DMA_BIT_MASK(28)') }],
    },
    {
      name: 'stored, then overwritten before any test',
      code: probe('\tret = dma_set_mask(&pdev->dev, DMA_BIT_MASK(30));\n\tret = pci_enable_device(pdev);\n\tif (ret)\n\t\treturn ret;'),
      errors: [
        {
          line: 5,
          column: 8,
          messageId: 'storedUnused',
          message: 'result of dma_set_mask() stored in `ret` but never tested: the DMA_BIT_MASK(30) mask can be refused (-EIO) where memory cannot be addressed that low',
        },
      ],
    },
    {
      name: 'a failure only logged',
      code: probe('\tif (dma_set_mask(&pdev->dev, DMA_BIT_MASK(24)))\n\t\tdev_warn(&pdev->dev, "24-bit DMA not available\\n");'),
      errors: [{ line: 5, column: 6, messageId: 'swallowed', message: SWALLOWED('dma_set_mask', 'DMA_BIT_MASK(24)', 'demo_probe') }],
    },
    {
      name: 'a failure only logged, through a local',
      code: probe('\tret = dma_set_coherent_mask(&pdev->dev, DMA_BIT_MASK(26));\n\tif (ret) {\n\t\tdev_err(&pdev->dev, "coherent mask refused: %d\\n", ret);\n\t}'),
      errors: [{ line: 5, column: 8, messageId: 'swallowed', message: SWALLOWED('dma_set_coherent_mask', 'DMA_BIT_MASK(26)', 'demo_probe') }],
    },
    {
      name: 'a conditional mask whose narrower arm can fail',
      code: probe('\tdma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(demo_secure(pdev) ? 31 : 32));'),
      errors: [{ line: 5, column: 2, message: IGNORED('dma_set_mask_and_coherent', 'DMA_BIT_MASK(31)') }],
    },
    {
      name: 'a #define of the file and a mask in a local',
      code: `#define DEMO_ISA_DMA_MASK DMA_BIT_MASK(24)\n\n${probe('\tu64 mask = DEMO_ISA_DMA_MASK;\n\n\tdma_set_mask(&pdev->dev, mask);')}`,
      errors: [{ line: 9, column: 2, message: IGNORED('dma_set_mask', 'DMA_BIT_MASK(24)') }],
    },
    {
      name: 'the coherent mask wider than the streaming one set before it',
      code: probe('\tif (dma_set_mask(&pdev->dev, DMA_BIT_MASK(24)))\n\t\treturn -EIO;\n\tdma_set_coherent_mask(&pdev->dev, DMA_BIT_MASK(28));'),
      errors: [{ line: 7, column: 2, message: IGNORED('dma_set_coherent_mask', 'DMA_BIT_MASK(28)') }],
    },
  ],
});
