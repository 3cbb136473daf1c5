// The curated list of kernel macros and how iovalint reads them (DESIGN.md §4).
//
// Two kinds of knowledge live here:
//  1. Syntax: macros that derail tree-sitter-c unless the pre-pass (macro-prepass.ts) rewrites
//     them into same-length text (attributes, iterator loop heads, type arguments...).
//  2. Meaning: macros that the analyses see through (WARN_ON_ONCE returns its argument,
//     likely/unlikely are transparent, BUG() does not return...).
// Facts only: each entry says what the kernel macro does, in our words.

/**
 * Annotations with no effect on control or data flow (sparse address spaces, section placement,
 * inlining and optimisation hints, alignment/packing, lock annotations): blanked to spaces.
 * Names listed here are blanked wherever they appear outside preprocessor lines.
 */
export const ATTRIBUTE_WORDS: ReadonlySet<string> = new Set([
  // sparse address spaces and checker annotations
  '__iomem', '__user', '__kernel', '__force', '__nocast', '__safe', '__rcu', '__percpu',
  '__private', '__bitwise', '__bitwise__', '__data_racy',
  // section placement
  '__init', '__exit', '__ref', '__refdata', '__initdata', '__initconst', '__exitdata',
  '__meminit', '__meminitdata', '__meminitconst', '__cpuinit', '__cpuinitdata', '__devinit',
  '__devexit', '__devinitdata', '__devinitconst', '__initdata_or_module', '__init_or_module',
  '__read_mostly', '__ro_after_init', '__page_aligned_bss', '__page_aligned_data', '__sched',
  '__kprobes', '__irq_entry', '__softirq_entry', '__cpuidle', 'noinstr', '__head', '__tlb_flush_all',
  // inlining, calling convention, optimisation hints
  '__always_inline', '__inline_maybe_unused', 'noinline', '__noinline', 'noinline_for_stack',
  'notrace', 'asmlinkage', '__visible', '__weak', '__cold', '__hot', '__pure', '__flatten',
  '__naked', '__noreturn', '__must_check', '__malloc', '__attribute_const__', '__used',
  '__maybe_unused', '__always_unused', '__unused', '__deprecated', '__latent_entropy',
  '__nocfi', '__no_kcsan', '__no_sanitize_address', '__no_stack_protector', '__noclone',
  '__randomize_layout', '__no_randomize_layout', '__designated_init', '__nonstring',
  '__bpf_kfunc', '__noinline_for_stack', 'noinline_for_tracing', '__mustcheck', '__noipa',
  // `fallthrough;` is an attribute statement: blanked, it leaves an empty statement
  'fallthrough',
  // layout
  '__packed', '__aligned_largest', '__cacheline_aligned', '__cacheline_aligned_in_smp',
  '____cacheline_aligned', '____cacheline_aligned_in_smp', '____cacheline_internodealigned_in_smp',
  '__cacheline_internodealigned_in_smp', '__randomize_layout',
]);

/**
 * Annotations that take a parenthesised argument list: the name and its balanced argument list
 * are blanked (`__aligned(8)`, `__acquires(&lock)`, `__printf(2, 3)`, `__attribute__((unused))`).
 */
export const ATTRIBUTE_CALLS: ReadonlySet<string> = new Set([
  '__attribute__', '__attribute', '__aligned', '__section', '__printf', '__scanf', '__format',
  '__acquires', '__releases', '__must_hold', '__cond_acquires', '__cond_releases',
  '__counted_by', '__counted_by_le', '__counted_by_be', '__sized_by', '__free', '__cleanup',
  '__alloc_size', '__realloc_size', '__assume_aligned', '__diag_push', '__nonnull',
  '__no_sanitize_or_inline', '__alias', '__copy', '__designated_init',
]);

/**
 * Statement macros whose body runs exactly once (a scope holding a lock): the head
 * `scoped_guard(mutex, &lock)` is blanked so the body parses as a plain block.
 * (`scoped_cond_guard` may skip its body when the lock attempt fails, so it is read as a loop.)
 */
export const RUN_ONCE_BLOCK_MACROS: ReadonlySet<string> = new Set(['scoped_guard']);

/**
 * Iterator macros are recognised by their name: any identifier containing one of these parts and
 * used as a statement head (`list_for_each_entry(pos, head, member) { ... }`). The pre-pass
 * rewrites the name to `while` + spaces, so the head parses as `while (pos, head, member)`: a loop
 * whose condition is opaque (see OpaqueLoopHead in macro-prepass.ts). Unknown statement macros
 * followed by a block are read the same way (a body that runs zero or more times is the sound
 * reading when we do not know the macro).
 */
export const LOOP_MACRO_NAME_PARTS: readonly string[] = [
  'for_each', 'foreach', 'for_all', 'for_every', '_walk', 'queue_walk', 'for_range',
];

/** Keywords that may follow a statement macro head as the first token of its body. */
export const STATEMENT_KEYWORDS: ReadonlySet<string> = new Set([
  'if', 'for', 'while', 'do', 'switch', 'return', 'goto', 'break', 'continue',
]);

/** C keywords that begin a type name; a call argument starting with one is a type argument. */
export const TYPE_KEYWORDS: ReadonlySet<string> = new Set([
  'struct', 'union', 'enum', 'unsigned', 'signed', 'int', 'long', 'short', 'char', 'void',
  'float', 'double', '_Bool', 'const', 'volatile',
]);

/** Built-in operators that take a type natively in tree-sitter-c: their arguments are left as is. */
export const NATIVE_TYPE_OPERATORS: ReadonlySet<string> = new Set([
  'sizeof', 'typeof', '__typeof__', '__typeof', 'typeof_unqual', '__typeof_unqual__', '_Alignof',
  'alignof', '__alignof__', '__alignof', '_Generic', '__auto_type', '_Atomic', 'offsetof',
  '__builtin_offsetof',
]);

/** C keywords (never macro names). */
export const C_KEYWORDS: ReadonlySet<string> = new Set([
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum',
  'extern', 'float', 'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict',
  'return', 'short', 'signed', 'sizeof', 'static', 'struct', 'switch', 'typedef', 'union',
  'unsigned', 'void', 'volatile', 'while', '_Bool', '_Static_assert', 'asm', '__asm__', '__asm',
  'typeof', '__typeof__', '__inline__', '__inline', '__volatile__', '__restrict', '_Noreturn',
  '__extension__', '_Alignas', '_Alignof', '_Atomic', '_Generic', '_Thread_local',
]);

/**
 * Storage-class and qualifier words that a file-local object-like macro may expand to
 * (`#define STATIC static`): such a macro is expanded in place when its body fits in its name.
 */
export const DECLARATION_SPECIFIER_WORDS: ReadonlySet<string> = new Set([
  'static', 'inline', 'extern', 'const', 'volatile', '__inline__', '__inline', 'register',
]);

// ---------------------------------------------------------------------------------------------
// Meaning: what the analyses see through.

/** `WARN_ON(x)`, `WARN_ON_ONCE(x)`, `WARN(x, fmt...)`, `WARN_ONCE(x, fmt...)`: evaluate to `x`. */
export const WARN_MACROS: ReadonlySet<string> = new Set([
  'WARN_ON', 'WARN_ON_ONCE', 'WARN', 'WARN_ONCE', 'WARN_TAINT', 'WARN_TAINT_ONCE',
  'WARN_ON_SMP', 'dev_WARN_ON', 'dev_WARN', 'dev_WARN_ONCE', 'XE_WARN_ON', 'drm_WARN_ON',
  'drm_WARN_ON_ONCE', 'drm_WARN', 'drm_WARN_ONCE',
]);

/** Index of the condition argument of a WARN-style macro (`drm_WARN_ON(drm, x)` has it second). */
export function warnConditionArgument(name: string): number {
  return name.startsWith('drm_') || name.startsWith('dev_') ? 1 : 0;
}

/** Transparent wrappers: `likely(x)`, `unlikely(x)` and friends evaluate to (the truth of) `x`. */
export const TRANSPARENT_MACROS: ReadonlySet<string> = new Set([
  'likely', 'unlikely', '__builtin_expect', 'READ_ONCE', 'data_race', 'likely_notrace',
  'unlikely_notrace',
]);

/** Calls that never return (a path ending in one exits the function, like a return). */
export const NORETURN_CALLS: ReadonlySet<string> = new Set([
  'BUG', 'panic', 'do_exit', 'kthread_exit', 'make_task_dead', '__builtin_unreachable',
  'unreachable', 'BUG_ON_NORETURN', 'machine_halt', 'machine_power_off', 'emergency_restart',
  'fortify_panic', '__fortify_panic',
]);

/** `BUG_ON(x)`: does not return when `x` holds, so `!x` holds after it. */
export const BUG_ON_MACROS: ReadonlySet<string> = new Set(['BUG_ON', 'VM_BUG_ON']);

/**
 * Integer constants the expression evaluator knows exactly (from include/linux/sizes.h and
 * friends). Architecture-dependent ones (PAGE_SIZE, PAGE_SHIFT, PAGE_MASK) are symbolic.
 */
export const KNOWN_CONSTANTS: ReadonlyMap<string, bigint> = new Map<string, bigint>([
  ['SZ_1', 1n], ['SZ_2', 2n], ['SZ_4', 4n], ['SZ_8', 8n], ['SZ_16', 16n], ['SZ_32', 32n],
  ['SZ_64', 64n], ['SZ_128', 128n], ['SZ_256', 256n], ['SZ_512', 512n],
  ['SZ_1K', 1n << 10n], ['SZ_2K', 2n << 10n], ['SZ_4K', 4n << 10n], ['SZ_8K', 8n << 10n],
  ['SZ_16K', 16n << 10n], ['SZ_32K', 32n << 10n], ['SZ_64K', 64n << 10n],
  ['SZ_128K', 128n << 10n], ['SZ_256K', 256n << 10n], ['SZ_512K', 512n << 10n],
  ['SZ_1M', 1n << 20n], ['SZ_2M', 2n << 20n], ['SZ_4M', 4n << 20n], ['SZ_8M', 8n << 20n],
  ['SZ_16M', 16n << 20n], ['SZ_32M', 32n << 20n], ['SZ_64M', 64n << 20n],
  ['SZ_128M', 128n << 20n], ['SZ_256M', 256n << 20n], ['SZ_512M', 512n << 20n],
  ['SZ_1G', 1n << 30n], ['SZ_2G', 2n << 30n], ['SZ_4G', 4n << 30n], ['SZ_8G', 8n << 30n],
  ['SZ_16G', 16n << 30n], ['SZ_32G', 32n << 30n], ['SZ_64G', 64n << 30n],
  ['SZ_128G', 128n << 30n], ['SZ_256G', 256n << 30n], ['SZ_512G', 512n << 30n],
  ['SZ_1T', 1n << 40n], ['SZ_64T', 64n << 40n],
  ['U8_MAX', 0xffn], ['U16_MAX', 0xffffn], ['U32_MAX', 0xffff_ffffn],
  ['U64_MAX', 0xffff_ffff_ffff_ffffn], ['S32_MAX', 0x7fff_ffffn], ['S64_MAX', 0x7fff_ffff_ffff_ffffn],
  ['INT_MAX', 0x7fff_ffffn], ['UINT_MAX', 0xffff_ffffn], ['ULLONG_MAX', 0xffff_ffff_ffff_ffffn],
  ['true', 1n], ['false', 0n], ['NULL', 0n],
  // DMA_IOVA_USE_SWIOTLB is bit 63 of dma_iova_state.__size (include/linux/dma-mapping.h, 6.16+)
  ['DMA_IOVA_USE_SWIOTLB', 1n << 63n],
  ['DMA_MAPPING_ERROR', 0xffff_ffff_ffff_ffffn],
]);

/** Constants whose value depends on the architecture or configuration: kept symbolic. */
export const SYMBOLIC_CONSTANTS: ReadonlySet<string> = new Set([
  'PAGE_SIZE', 'PAGE_SHIFT', 'PAGE_MASK', 'SIZE_MAX', 'ULONG_MAX', 'LONG_MAX', 'PHYS_ADDR_MAX',
  'DMA_ADDR_MAX', 'BITS_PER_LONG', 'L1_CACHE_BYTES', 'ARCH_DMA_MINALIGN',
]);
