// dma/mask-check-end: a buffer is checked against the mask by its last byte.
import rule from '../../rules/mask-check-end.js';
import { runRuleTests } from './rule-tester.js';

const MSG = (check: string, addr: string, size: string, mask: string): string =>
  `\`${check}\` tests only the start of the buffer at \`${addr}\` (\`${size}\` bytes): a buffer that starts below ${mask} and ends above it passes; test \`${addr} + ${size} - 1\` against the mask`;

runRuleTests(rule, {
  valid: [
    {
      name: 'dma_capable-style: the end address is tested',
      code: `static bool demo_dma_capable(struct device *dev, dma_addr_t addr, size_t size)
{
	dma_addr_t end = addr + size - 1;

	if (!dev->dma_mask)
		return false;
	return end <= min_not_zero(*dev->dma_mask, dev->bus_dma_limit);
}
`,
    },
    {
      name: 'start and length tested separately (no overflow in addr + size)',
      code: `static int demo_check(struct device *dev, dma_addr_t addr, size_t len)
{
	u64 mask = dma_get_mask(dev);

	if (addr > mask || len > mask - addr + 1)
		return -ERANGE;
	return 0;
}
`,
    },
    {
      name: 'a single page: no size to pair with',
      code: `static bool demo_page_reachable(struct device *dev, struct page *page)
{
	return page_to_phys(page) <= dma_get_mask(dev);
}
`,
    },
    {
      name: 'a descriptor address without a size',
      code: `static int demo_set_ring(struct demo_priv *priv, dma_addr_t ring)
{
	if (ring > DMA_BIT_MASK(32))
		return -EINVAL;
	writel(lower_32_bits(ring), priv->regs + DEMO_RING_BASE);
	return 0;
}
`,
    },
    {
      name: 'comparing masks with each other',
      code: `static int demo_pick_mask(struct device *dev, size_t size)
{
	u64 mask = dma_get_mask(dev);
	u64 m = dma_get_mask(dev);

	if (mask > DMA_BIT_MASK(32) || m >= DMA_BIT_MASK(40))
		return demo_use_wide(dev, size);
	return 0;
}
`,
    },
    {
      name: 'a size compared with a mask-sized limit is not an address',
      code: `static bool demo_fits(struct device *dev, dma_addr_t addr, size_t size)
{
	return size <= DMA_BIT_MASK(32) && addr + size - 1 <= dma_get_mask(dev);
}
`,
    },
    {
      name: 'the high bits of an address computed, not tested',
      code: `static void demo_write_addr(struct demo_priv *priv, dma_addr_t addr, size_t len)
{
	u32 hi = upper_32_bits(addr & ~DMA_BIT_MASK(32));

	writel(hi, priv->regs + DEMO_ADDR_HI);
	writel(len, priv->regs + DEMO_LEN);
}
`,
    },
    {
      name: 'an 8-bit register field is not an address limit',
      code: `static int demo_set_prio(struct demo_priv *priv, u64 prio, size_t len)
{
	if (prio > DMA_BIT_MASK(4))
		return -EINVAL;
	return demo_queue(priv, prio, len);
}
`,
    },
  ],
  invalid: [
    {
      name: 'a predicate testing the start against dma_get_mask',
      code: `static bool demo_dma_reachable(struct device *dev, dma_addr_t addr, size_t size)
{
	return addr <= dma_get_mask(dev);
}
`,
      errors: [{ line: 3, column: 9, severity: 'error', message: MSG('addr <= dma_get_mask(dev)', 'addr', 'size', '`dma_get_mask(dev)`') }],
      output: null,
    },
    {
      name: 'the limit in a local (min_not_zero of the mask and the bus limit)',
      code: `static int demo_check_window(struct device *dev, phys_addr_t phys, size_t len)
{
	u64 limit = min_not_zero(*dev->dma_mask, dev->bus_dma_limit);

	if (phys > limit)
		return -ERANGE;
	return 0;
}
`,
      errors: [{ line: 5, column: 6, message: MSG('phys > limit', 'phys', 'len', '`limit`') }],
    },
    {
      name: 'a constant 32-bit limit (descriptor rings that cannot cross 4 GiB)',
      code: `static int demo_post_buffer(struct demo_ring *ring, dma_addr_t buf, u32 buf_len)
{
	if (buf > DMA_BIT_MASK(32))
		return -EINVAL;
	return demo_write_desc(ring, lower_32_bits(buf), buf_len);
}
`,
      errors: [{ line: 3, column: 6, message: MSG('buf > DMA_BIT_MASK(32)', 'buf', 'buf_len', 'DMA_BIT_MASK(32)') }],
    },
    {
      name: 'the mask on the left',
      code: `static int demo_validate(struct device *dev, u64 addr, size_t nbytes)
{
	if (dev->coherent_dma_mask < addr)
		return -EFAULT;
	return 0;
}
`,
      errors: [{ line: 3, column: 6, message: MSG('dev->coherent_dma_mask < addr', 'addr', 'nbytes', '`dev->coherent_dma_mask`') }],
    },
    {
      name: 'the address of a dma_map_single() result, of the size mapped',
      code: `static int demo_map_rx(struct demo_priv *priv, void *buf, size_t len)
{
	dma_addr_t dma = dma_map_single(priv->dev, buf, len, DMA_FROM_DEVICE);

	if (dma_mapping_error(priv->dev, dma))
		return -ENOMEM;
	if (dma > DMA_BIT_MASK(32)) {
		dma_unmap_single(priv->dev, dma, len, DMA_FROM_DEVICE);
		return -EIO;
	}
	priv->rx_dma = dma;
	return 0;
}
`,
      errors: [{ line: 7, column: 6, message: MSG('dma > DMA_BIT_MASK(32)', 'dma', 'len', 'DMA_BIT_MASK(32)') }],
    },
    {
      name: 'the bits above the mask tested with & ~mask',
      code: `static bool demo_dma_reachable(struct device *dev, dma_addr_t addr, size_t size)
{
	if (addr & ~dma_get_mask(dev))
		return false;
	return true;
}
`,
      errors: [{ line: 3, column: 6, message: MSG('addr & ~dma_get_mask(dev)', 'addr', 'size', '`dma_get_mask(dev)`') }],
    },
    {
      name: 'implementation side: the IOVA in a dma_iova_state, behind WARN_ON_ONCE',
      path: 'drivers/iommu/dma-iommu.c',
      code: `static int demo_iova_check(struct device *dev, struct dma_iova_state *state, size_t size)
{
	if (WARN_ON_ONCE(state->addr > dma_get_mask(dev)))
		return -EIO;
	return 0;
}
`,
      errors: [{ line: 3, column: 19, message: MSG('state->addr > dma_get_mask(dev)', 'state->addr', 'size', '`dma_get_mask(dev)`') }],
    },
    {
      name: 'implementation side: an IOVA window check given a mask parameter',
      path: 'drivers/iommu/dma-iommu.c',
      code: `static int demo_iova_in_window(dma_addr_t iova, size_t size, u64 dma_limit)
{
	if (iova >= dma_limit)
		return -ERANGE;
	return 0;
}
`,
      errors: [{ line: 3, column: 6, message: MSG('iova >= dma_limit', 'iova', 'size', '`dma_limit`') }],
    },
  ],
});
