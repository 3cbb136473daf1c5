import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyze, kernelMacroPrepass, parseFile, rewriteAt } from '../../c/index.js';
import { call, find, fn, lineBreaks, parseClean } from './helpers.js';

describe('kernel-macro pre-pass: each construct parses without ERROR and keeps offsets', () => {
  const cases: Array<[string, string]> = [
    ['section and inlining attributes', `
static int __init demo_init(void)
{
	return 0;
}

static __always_inline __must_check int demo_fast(int x)
{
	return x;
}

static void __exit notrace demo_exit(void)
{
}

asmlinkage __visible void noinline __cold demo_entry(void)
{
}
`],
    ['sparse address spaces and unused markers', `
static void demo_io(void __iomem *base, const char __user *ubuf, int __percpu *pcpu)
{
	struct demo __rcu *ptr;
	int count __maybe_unused;
	u32 __iomem *reg = (u32 __iomem *)base;

	writel((__force u32)1, reg);
}
`],
    ['attributes with arguments', `
struct demo_hdr {
	u32 len;
	u8 data[] __counted_by(len);
} __packed __aligned(8);

static int shared_state __read_mostly;
static int once_state __ro_after_init;
static struct demo_hdr hot ____cacheline_aligned_in_smp;

static __printf(2, 3) void demo_log(int level, const char *fmt, ...)
{
}

static void demo_lock(struct demo_dev *dd)
	__acquires(&dd->lock)
{
	spin_lock(&dd->lock);
}

static void demo_unlock(struct demo_dev *dd) __releases(&dd->lock)
{
	struct demo_buf *buf __free(kfree) = NULL;

	spin_unlock(&dd->lock);
}
`],
    ['module and export macros', `
static int demo_probe(struct platform_device *pdev)
{
	return 0;
}
EXPORT_SYMBOL_GPL(demo_probe);

module_init(demo_init);
module_exit(demo_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("iovalint tests");
`],
    ['file-scope definition macros', `
static DEFINE_SPINLOCK(demo_lock);
static DEFINE_MUTEX(demo_mutex);
static LIST_HEAD(demo_list);
DEFINE_PER_CPU(struct demo_stats, demo_stats);
static DEFINE_RATELIMIT_STATE(demo_rs, HZ, 10);

struct demo_map {
	DECLARE_BITMAP(used, 64);
};

static int demo_after(void)
{
	return 0;
}
`],
    ['iterator macros with blocks and single statements', `
static int demo_iterate(struct demo_dev *dd, struct scatterlist *sgl, int nents)
{
	struct demo_buf *buf, *tmp;
	struct scatterlist *sg;
	unsigned long bit;
	int i, count = 0;

	list_for_each_entry(buf, &dd->bufs, node) {
		count++;
	}
	list_for_each_entry_safe(buf, tmp, &dd->bufs, node)
		list_del(&buf->node);
	for_each_sg(sgl, sg, nents, i)
		count += sg->length;
	for_each_set_bit(bit, dd->mask, 64)
		++count;
	xa_for_each(&dd->xa, bit, buf)
		*dd->last = buf;
	hash_for_each_possible(dd->table, buf, hnode, 42) {
		if (buf->key == 42)
			break;
	}
	rbtree_postorder_for_each_entry_safe(buf, tmp, &dd->root, rb)
		kfree(buf);
	return count;
}
`],
    ['scoped_guard and guard', `
static int demo_guarded(struct demo_dev *dd)
{
	int val;

	guard(mutex)(&dd->lock);
	scoped_guard(spinlock_irqsave, &dd->slock) {
		val = dd->val;
	}
	scoped_guard(mutex, &dd->other)
		val += dd->extra;
	return val;
}
`],
    ['type arguments of macros', `
static struct demo_dev *demo_of(struct device *dev, struct list_head *head)
{
	struct demo_buf *first = list_first_entry(head, struct demo_buf, node);
	u32 len = max_t(unsigned int, first->len, 64);
	u32 lo = min_t(u32, len, 16);
	size_t off = offsetof(struct demo_buf, hdr.len);
	struct demo_dev *dd = container_of(dev, struct demo_dev,
					   dev);
	void *p = kmalloc_obj(dd, struct
			      demo_buf);

	return dd;
}
`],
    ['assertions, stringify, IS_ENABLED, asm', `
static_assert(sizeof(struct demo_hdr) == 8);

static int demo_misc(int x)
{
	BUILD_BUG_ON(sizeof(int) != 4);
	if (IS_ENABLED(CONFIG_DEMO) && x)
		pr_info("at " __stringify(__LINE__) ": %d\\n", x);
	asm volatile("nop" ::: "memory");
	__asm__ __volatile__("" : : : "memory");
	return x;
}
`],
    ['typeof with expressions', `
static void demo_typeof(struct demo_dev *dd)
{
	typeof(*dd) copy = *dd;
	typeof(&dd->val) pval = &dd->val;

	dd->raw = (typeof(dd->raw))0;
	copy.align = __alignof__(*dd);
}
`],
    ['#if 0 blocks and conditionals that split statements', `
static int demo_cond(struct demo_dev *dd, int a, int b)
{
#if 0
	this is not C at all {{{
#endif
#ifdef CONFIG_DEMO_A
	if (a) {
#else
	if (b) {
#endif
		dd->val = 1;
	}
	if (a)
		dd->val = 2;
#ifdef CONFIG_DEMO_B
	else
		dd->val = 3;
#endif
	return demo_sum(a,
#ifdef CONFIG_DEMO_C
			b,
#endif
			0);
}
`],
    ['labels before conditionals, defines inside statements', `
static int demo_labels(struct demo_dev *dd)
{
	if (!dd)
		goto out;
	dd->val = 1;
out:
#ifdef CONFIG_DEMO
	demo_flush(dd);
#endif
	if (dd)
		/* a local constant */
#define DEMO_RETRIES 3
		dd->tries = DEMO_RETRIES;
	return 0;
}
`],
    ['do-while(0) macros and string macros', `
#define DEMO_CHECK(x) do {			\\
		if (!(x))			\\
			return -EINVAL;		\\
	} while (0)

static int demo_strings(int x)
{
	DEMO_CHECK(x > 0);
	printk(KERN_ERR PFX "bad value %d\\n", x);
	pr_info("%" PRIx64 " end" DRV_SUFFIX "\\n", (u64)x);
	return 0;
}
`],
    ['case ranges and token-pasting numbers', `
static int demo_switch(struct demo_dev *dd, int x)
{
	switch (x) {
	case 1 ... 6:
		return 1;
	case 'a' ... 'z':
		return 2;
	default:
		break;
	}
	if (demo_flag(dd, 5717_PLUS))
		return 3;
	if (demo_ver_within(dd, 190A, ANY) || demo_link(dd, 10000baseT_Full))
		return 4;
	return 0;
}
`],
    ['file-local and header storage macros', `
#ifdef DEMO_DEBUG
#define STATIC
#else
#define STATIC static
#endif

STATIC int demo_local(void)
{
	return 0;
}

static DEF_DEMO_QCMD(demo_queue)

VISIBLE_IF_KUNIT
void demo_visible(struct demo_dev *dd)
{
}

INDIRECT_CALLABLE_SCOPE bool
demo_indirect(struct demo_dev *dd)
{
	return true;
}
`],
    ['initializer macros and variadic macro definitions', `
#define demo_dbg(fmt, ...) pr_debug("demo: " fmt, ##__VA_ARGS__)

static const struct pci_device_id demo_ids[] = {
	{ PCI_VDEVICE(INTEL, 0x1234), .driver_data = 1 },
	{ PCI_DEVICE_SUB(0x8086, 0x1, PCI_ANY_ID, PCI_ANY_ID) },
	{ 0, }
};
MODULE_DEVICE_TABLE(pci, demo_ids);

static struct device_attribute demo_attr = __ATTR(demo, 0444, demo_show, NULL);

static int demo_dbg_use(int x)
{
	demo_dbg("x=%d\n", x);
	return x;
}
`],
    ['fallthrough statements', `
static int demo_fall(int x)
{
	switch (x) {
	case 1:
		x++;
		fallthrough;
	case 2:
		return x;
	}
	return 0;
}
`],
  ];

  for (const [name, src] of cases) {
    it(name, () => {
      const file = parseClean(src);
      expect(file.functions.every((f) => !f.hasError)).toBe(true);
    });
  }

  it('plain tree-sitter-c fails on every case but those it reads natively (the cases are not trivial)', () => {
    const native = ['module and export macros', 'initializer macros and variadic macro definitions', 'fallthrough statements'];
    const clean = cases.filter(([, src]) => parseFile('raw.c', src, { raw: true }).errorCount === 0).map(([name]) => name);
    expect(clean).toEqual(native);
  });
});

describe('kernel-macro pre-pass: what the rewritten constructs mean', () => {
  it('an iterator macro becomes an opaque loop whose node.text is the original', () => {
    const file = parseClean(`
static int demo(struct demo_dev *dd)
{
	struct demo_buf *buf;
	int n = 0;

	list_for_each_entry(buf, &dd->bufs, node)
		n += buf->len;
	return n;
}
`);
    const loop = find(fn(file, 'demo').node, 'while_statement');
    expect(loop.text.startsWith('list_for_each_entry(buf, &dd->bufs, node)')).toBe(true);
    const rewrite = rewriteAt(fn(file, 'demo').rewrites, loop.startIndex);
    expect(rewrite).toMatchObject({ kind: 'loop-macro', name: 'list_for_each_entry' });
    const cfg = analyze(fn(file, 'demo')).cfg!;
    const head = cfg.nodes.find((n) => n.kind === 'branch');
    expect(head).toMatchObject({ branch: 'loop-macro', macro: 'list_for_each_entry' });
  });

  it('a scoped_guard body runs once: a return inside it exits', () => {
    const file = parseClean(`
static int demo(struct demo_dev *dd, size_t size)
{
	scoped_guard(mutex, &dd->lock) {
		if (!size)
			return -EINVAL;
	}
	return demo_alloc(dd, size);
}
`);
    const a = analyze(fn(file, 'demo'));
    const guards = a.guardsAt(call(fn(file, 'demo').node, 'demo_alloc'));
    expect(guards.map((g) => g.via)).toEqual(['if']);
  });

  it('type arguments read as one identifier whose text is the type', () => {
    const file = parseClean(`
static u32 demo(struct demo_dev *dd)
{
	return max_t(unsigned int, dd->a, dd->b) + container_of(dd->dev, struct demo_dev, dev)->c;
}
`);
    const max = call(fn(file, 'demo').node, 'max_t');
    const typeArg = max.childForFieldName('arguments')!.namedChildren[0];
    expect(typeArg.type).toBe('identifier');
    expect(typeArg.text).toBe('unsigned int');
    expect(file.rewrites?.filter((r) => r.kind === 'type-argument').map((r) => r.name)).toEqual(['unsigned int', 'struct demo_dev']);
  });

  it('an #else arm hidden to keep a split statement parseable is reported on the function', () => {
    const file = parseClean(`
static int demo(int a, int b)
{
#ifdef CONFIG_DEMO
	if (a) {
#else
	if (b) {
#endif
		return 1;
	}
	return 0;
}
`);
    const f = fn(file, 'demo');
    expect(f.hiddenBranches).toEqual([{ start: 6, end: 8 }]);
    expect(find(f.node, 'if_statement').childForFieldName('condition')!.text).toBe('(a)');
  });

  it('balanced conditionals are left to tree-sitter: both arms stay visible', () => {
    const file = parseClean(`
static int demo(int a)
{
#ifdef CONFIG_DEMO
	a++;
#else
	a--;
#endif
	return a;
}
`);
    expect(fn(file, 'demo').hiddenBranches).toBeUndefined();
    expect(file.rewrites).toEqual([]);
    expect(find(fn(file, 'demo').node, 'preproc_ifdef').text).toContain('a--');
  });

  it('a case range is recorded and read as a range by the guard query', () => {
    const file = parseClean(`
static int demo(int x)
{
	switch (x) {
	case 1 ... 6:
		return demo_small(x);
	}
	return 0;
}
`);
    const guards = analyze(fn(file, 'demo')).guardsAt(call(fn(file, 'demo').node, 'demo_small'));
    expect(guards.map((g) => g.condition.kind === 'binary' && g.condition.op)).toEqual(['<=', '<=']);
  });

  it('leaves plain C alone', () => {
    const src = `static int plain(int a)\n{\n\tif (a > 1)\n\t\treturn a;\n\treturn 0;\n}\n`;
    const r = kernelMacroPrepass(src);
    expect(r.text).toBe(src);
    expect(r.rewrites).toEqual([]);
    expect(r.functionBodies).toEqual([src.indexOf('{')]);
  });

  it('keeps length and line breaks on arbitrary input, and never throws', () => {
    const fragments = [
      'int', ' ', '\n', '\t', 'x', '(', ')', '{', '}', ';', ',', '"s"', "'c'", '"', "'", '/*', '*/', '//', '\\\n',
      '#if 0\n', '#ifdef X\n', '#else\n', '#endif\n', '#define D static\n', 'list_for_each_entry(a, b, c)', 'struct', '__iomem',
      '__aligned(8)', 'container_of(p, struct s, m)', 'KERN_ERR', '...', 'case', ':', '5717_PLUS', 'typeof(*p)', 'static',
      'DEFINE_X(a, b)', 'scoped_guard(m, &l)', '__stringify(x)', 'return', 'if', 'else', '=', '*', '&',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 80 }), (parts) => {
        const src = parts.join('');
        const r = kernelMacroPrepass(src);
        expect(r.text.length).toBe(src.length);
        expect(lineBreaks(r.text)).toEqual(lineBreaks(src));
        for (const w of r.rewrites) {
          expect(w.start).toBeGreaterThanOrEqual(0);
          expect(w.end).toBeLessThanOrEqual(src.length);
        }
      }),
      { numRuns: 500 },
    );
  });
});
