// Naming the state objects: `&req->iova`, `state`, `&buf->iova`, `&iod->dma_state` become keys
// that stay the same however the function spells them (through pointer locals, `(*p).f`, casts),
// so a state is followed through the function and, with parameters replaced by arguments, across
// helpers. A key is the printed lvalue of the struct dma_iova_state itself: `iod->dma_state`,
// `*state`, `blk_mq_rq_to_pdu(req)->dma_state`.
import { mapExpr, printExpr, stripCasts, subExpressions, type Expr } from '../../c/index.js';

export interface StateKey {
  text: string;
  expr: Expr;
}

/** `*&x` → x, `(&x)->f` → x.f, `(*p).f` → p->f, casts dropped. */
export function normalizeLvalue(e: Expr): Expr {
  return mapExpr(stripCasts(e), (x) => {
    if (x.kind === 'unary' && x.op === '*') {
      const inner = normalizeLvalue(x.operand);
      if (inner.kind === 'unary' && inner.op === '&') return inner.operand;
      return { kind: 'unary', op: '*', operand: inner };
    }
    if (x.kind === 'field') {
      const object = normalizeLvalue(x.object);
      if (x.arrow && object.kind === 'unary' && object.op === '&') return { ...x, object: object.operand, arrow: false };
      if (!x.arrow && object.kind === 'unary' && object.op === '*') return { ...x, object: object.operand, arrow: true };
      return { ...x, object };
    }
    return undefined;
  });
}

/** The state a pointer expression points at (`&iod->st` → iod->st, `state` → *state). */
export function keyOfPointer(pointer: Expr): StateKey {
  const p = normalizeLvalue(pointer);
  const expr: Expr = p.kind === 'unary' && p.op === '&' ? p.operand : { kind: 'unary', op: '*', operand: p };
  const n = normalizeLvalue(expr);
  return { text: printExpr(n), expr: n };
}

/** The state an object expression denotes (`iod->st`, `*state`). */
export function keyOfObject(object: Expr): StateKey {
  const n = normalizeLvalue(object);
  return { text: printExpr(n), expr: n };
}

/** The pointer to a keyed state (`iod->st` → &iod->st, `*state` → state). */
export function pointerOfKey(key: StateKey): Expr {
  const e = key.expr;
  if (e.kind === 'unary' && e.op === '*') return e.operand;
  return { kind: 'unary', op: '&', operand: e };
}

/** The variable the key is reached from (`req` in blk_mq_rq_to_pdu(req)->st, `iod` in iod->st). */
export function rootOf(key: StateKey): string | undefined {
  let x: Expr | undefined = key.expr;
  for (let i = 0; x && i < 64; i++) {
    switch (x.kind) {
      case 'ident':
        return /^[A-Z_][A-Z0-9_]*$/.test(x.name) ? undefined : x.name;
      case 'field':
      case 'index':
        x = x.object;
        break;
      case 'unary':
      case 'cast':
        x = x.operand;
        break;
      case 'call':
        x = x.args[0];
        break;
      default:
        return undefined;
    }
  }
  return undefined;
}

/** Identifiers a key reads (its root and any index variables). */
export function identifiersOf(e: Expr): string[] {
  const out: string[] = [];
  for (const x of subExpressions(e)) if (x.kind === 'ident') out.push(x.name);
  return out;
}

/** Replace identifiers by expressions (a helper's parameters by the call's arguments). */
export function substitute(e: Expr, bindings: ReadonlyMap<string, Expr>): Expr {
  return normalizeLvalue(mapExpr(e, (x) => (x.kind === 'ident' ? bindings.get(x.name) : undefined)));
}

/** Does `text` mention the word `name` (an identifier or a printed lvalue)? */
export function mentionsWord(text: string, name: string): boolean {
  if (!name) return false;
  let from = 0;
  for (let i = text.indexOf(name, from); i >= 0; i = text.indexOf(name, from)) {
    const before = i === 0 ? '' : text[i - 1];
    const after = text[i + name.length] ?? '';
    if (!/[A-Za-z0-9_]/.test(before) && !/[A-Za-z0-9_]/.test(after)) return true;
    from = i + 1;
  }
  return false;
}
