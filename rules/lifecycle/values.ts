// The three value classes the lifecycle follows: `zero` (0, false, NULL, BLK_STS_OK), `one` (true,
// a non-error non-zero value) and `err` (a negative errno, a BLK_STS_* error, DMA_MAPPING_ERROR,
// ERR_PTR()). Enough to tell an error return from a success return and to read `if (ret)`,
// `if (ret < 0)`, `if (!ok)`, `if (dma_mapping_error(dev, addr))` on a path.
import { printExpr, stripCasts, type Expr } from '../../c/index.js';

export type Val = 'zero' | 'one' | 'err';

export function truthOf(v: Val): boolean {
  return v !== 'zero';
}

/** The class of an expression that needs no state: constants and error constructors. */
export function constantClass(e: Expr): Val | undefined {
  const x = stripCasts(e);
  switch (x.kind) {
    case 'number':
      return x.value === 0n ? 'zero' : 'one';
    case 'ident':
      if (x.name === 'NULL' || x.name === 'false' || x.name === 'BLK_STS_OK') return 'zero';
      if (x.name === 'true') return 'one';
      if (x.name === 'DMA_MAPPING_ERROR' || /^BLK_STS_[A-Z_]+$/.test(x.name)) return 'err';
      return undefined;
    case 'unary':
      if (x.op === '-' && x.operand.kind === 'ident' && /^E[A-Z0-9]+$/.test(x.operand.name)) return 'err';
      if (x.op === '-' && x.operand.kind === 'number' && x.operand.value !== 0n) return 'err';
      return undefined;
    case 'call':
      if (x.callee === 'ERR_PTR' || x.callee === 'ERR_CAST') return 'err';
      return undefined;
    default:
      return undefined;
  }
}

/** Constants a value is compared with to test for failure. */
function comparisonConstant(e: Expr): Val | 'negative-test' | undefined {
  return constantClass(e);
}

/**
 * The truth of a comparison `left op right` when the class of one side is known and the other
 * is a constant; undefined otherwise.
 */
export function compare(op: string, left: Val, right: Expr): boolean | undefined {
  const c = comparisonConstant(right);
  if (c === undefined) return undefined;
  if (c === 'zero') {
    switch (op) {
      case '==': return left === 'zero';
      case '!=': return left !== 'zero';
      case '<': return left === 'err';
      case '>=': return left !== 'err';
      case '>': return left === 'one';
      case '<=': return left !== 'one';
      default: return undefined;
    }
  }
  if (c === 'err' && (op === '==' || op === '!=')) {
    // x == DMA_MAPPING_ERROR, status != BLK_STS_RESOURCE: only the error/non-error split is known
    if (left === 'err') return undefined;
    return op === '!=';
  }
  return undefined;
}

/** Is the text an lvalue the path can remember a value for (`ret`, `iter->status`, `iod->dma_vecs`)? */
export function isTrackedLvalue(e: Expr): boolean {
  const x = stripCasts(e);
  if (x.kind === 'ident') return true;
  if (x.kind === 'field') return isTrackedLvalue(x.object) || x.object.kind === 'unary';
  if (x.kind === 'unary' && x.op === '*') return isTrackedLvalue(x.operand);
  return false;
}

export function lvalueText(e: Expr): string {
  return printExpr(stripCasts(e));
}

/** How a function's return type reads values: which class means failure. */
export type ReturnKind = 'void' | 'bool' | 'int' | 'pointer' | 'status' | 'dma-addr' | 'other';

export function returnKindOf(returnType: string): ReturnKind {
  const t = returnType.replace(/\b(static|inline|__always_inline|noinline|__must_check|extern|const)\b/g, '').trim();
  if (t === 'void') return 'void';
  if (t.includes('*')) return 'pointer';
  if (t === 'bool' || t === '_Bool') return 'bool';
  if (t === 'blk_status_t') return 'status';
  if (t === 'dma_addr_t') return 'dma-addr';
  if (/^(int|long|ssize_t|s32|s64|unsigned int|unsigned long|u32|u64|vm_fault_t)$/.test(t)) return 'int';
  return 'other';
}

/** Is a returned value of class `v` a failure for this return kind? (undefined: cannot tell) */
export function isFailureReturn(kind: ReturnKind, v: Val | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  switch (kind) {
    case 'bool': return v === 'zero';
    case 'pointer': return v !== 'one';
    case 'int':
    case 'status':
    case 'dma-addr':
    case 'other':
      return v === 'err';
    default:
      return undefined;
  }
}
