// Bit helpers with the kernel's semantics (include/linux/log2.h, bitops.h, align.h, minmax.h),
// on bigints of an explicit width.

/** __ffs(x): index of the lowest set bit; undefined for 0 in the kernel, -1 here. */
export function ffs0(x: bigint): number {
  if (x === 0n) return -1;
  let i = 0;
  while (((x >> BigInt(i)) & 1n) === 0n) i++;
  return i;
}

/** fls_long(x): 1-based index of the highest set bit, 0 for 0. */
export function fls(x: bigint): number {
  let n = 0;
  let v = x < 0n ? -x : x;
  while (v > 0n) {
    v >>= 1n;
    n++;
  }
  return n;
}

export function isPowerOfTwo(x: bigint): boolean {
  return x > 0n && (x & (x - 1n)) === 0n;
}

/**
 * roundup_pow_of_two(n) in unsigned long of `bits` bits: 1UL << fls_long(n - 1). For n = 0 the
 * kernel's shift count equals the width (undefined behaviour); x86-64 and arm64 mask the count,
 * giving 1, which is what the model returns.
 */
export function roundupPowOfTwo(n: bigint, bits: number): bigint {
  const count = fls(BigInt.asUintN(bits, n - 1n)) % bits;
  return BigInt.asUintN(bits, 1n << BigInt(count));
}

/** order_base_2(n): ceil(log2(n)); 0 for n <= 1 (the kernel's ilog2-based definition). */
export function orderBase2(n: bigint): number {
  if (n <= 1n) return 0;
  return fls(n - 1n);
}

/** ALIGN(x, a) for a power-of-two a, computed in an unsigned type of `bits` bits (can wrap). */
export function alignUp(x: bigint, a: bigint, bits: number): bigint {
  return BigInt.asUintN(bits, (x + a - 1n) & ~(a - 1n));
}

export function alignDown(x: bigint, a: bigint): bigint {
  return x & ~(a - 1n);
}

/** min_not_zero(a, b). */
export function minNotZero(a: bigint, b: bigint): bigint {
  if (a === 0n) return b;
  if (b === 0n) return a;
  return a < b ? a : b;
}

export function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

export function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/**
 * DMA_BIT_MASK(n) for an already-evaluated n. Both kernel spellings agree for 1..64; outside that
 * range the old form shifts by n (undefined for n > 64, 0 for n = 0) and the GENMASK_ULL form is
 * a build error, so callers get `undefined` and must report it.
 */
export function dmaBitMask(n: bigint): bigint | undefined {
  if (n < 1n || n > 64n) return undefined;
  return (1n << n) - 1n;
}

/** bits_per(x): how many bits are needed to hold x (used in "Using %d-bit DMA addresses"). */
export function bitsPer(x: bigint): number {
  return x <= 1n ? 1 : fls(x);
}
