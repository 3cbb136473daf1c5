// A bounded interpreter of the C functions of a change, over their tree-sitter trees. Integers
// are bigints wrapped to their C types (64- or 32-bit data model); pointers point at storage the
// interpreter owns or at model objects. Calls go to interpreted functions of the change, to the
// model, to built-ins (kernel macros and helpers) or, for unknown functions, to a
// nondeterministic result. Never runs patch code natively; every loop and call is budgeted.
import { normalizeTypeText, parseIntegerLiteral, type ParsedFile } from '../c/index.js';
import type { SNode } from './tree.js';
import { KERNEL_CONSTANTS, PHYS_BASE, isModelObject, type DmaIovaStateObj, type ModelObject } from '../model/index.js';
import { callBuiltin, hasBuiltin } from './builtins.js';
import {
  BOOL,
  CHAR,
  INT,
  LLONG,
  ULLONG,
  UINT,
  VOID,
  commonType,
  intTypeNamed,
  isInt,
  parseTypeText,
  promote,
  sizeT,
  slong,
  ulong,
  wrapTo,
  type CType,
  type IntT,
} from './ctype.js';
import { StopRun, unsupported } from './errors.js';
import { callModelFunction, isModelCallee, modelStructKind, newModelObjectFor } from './model-bridge.js';
import type { Program, ChangeFunctionLike } from './program.js';
import type { Run } from './run.js';
import { Cell, SimArray, SimStruct, VOID_VALUE, intValue, nullPointer, samePointer, slotLValue, type LValue, type Pointer, type Slot, type Value } from './values.js';

type Completion = { k: 'normal' } | { k: 'break' } | { k: 'continue' } | { k: 'return'; v: Value } | { k: 'goto'; label: string };
const NORMAL: Completion = { k: 'normal' };
const BREAK: Completion = { k: 'break' };
const CONTINUE: Completion = { k: 'continue' };

interface Binding {
  slot: Slot;
  t: CType;
}

interface Frame {
  cf: ChangeFunctionLike;
  scopes: Array<Map<string, Binding>>;
  /** Every local ever declared in the frame, by name (the last one): for `holds` at return. */
  all: Map<string, Binding>;
  labels: Map<string, SNode>;
  retType: CType;
}

const COMPARISONS = new Set(['==', '!=', '<', '>', '<=', '>=']);

/** gfp_t flags (include/linux/gfp_types.h, 6.x values); only their being flags matters here. */
const GFP_FLAGS: Readonly<Record<string, bigint>> = {
  __GFP_DMA: 0x1n,
  __GFP_HIGHMEM: 0x2n,
  __GFP_DMA32: 0x4n,
  __GFP_HIGH: 0x20n,
  __GFP_IO: 0x40n,
  __GFP_FS: 0x80n,
  __GFP_ZERO: 0x100n,
  __GFP_DIRECT_RECLAIM: 0x400n,
  __GFP_KSWAPD_RECLAIM: 0x800n,
  __GFP_NOWARN: 0x2000n,
  __GFP_RETRY_MAYFAIL: 0x4000n,
  __GFP_NOFAIL: 0x8000n,
  __GFP_NORETRY: 0x10000n,
  GFP_ATOMIC: 0x820n,
  GFP_KERNEL: 0xcc0n,
  GFP_NOWAIT: 0x800n,
  GFP_NOIO: 0xc00n,
  GFP_NOFS: 0xc40n,
  GFP_USER: 0x100cc0n,
  GFP_DMA: 0x1n,
  GFP_DMA32: 0x4n,
};

/** errno values (include/uapi/asm-generic/errno-base.h, errno.h; include/linux/errno.h). */
const ERRNOS: Readonly<Record<string, bigint>> = {
  EPERM: 1n, ENOENT: 2n, ESRCH: 3n, EINTR: 4n, EIO: 5n, ENXIO: 6n, E2BIG: 7n, ENOEXEC: 8n, EBADF: 9n,
  ECHILD: 10n, EAGAIN: 11n, ENOMEM: 12n, EACCES: 13n, EFAULT: 14n, ENOTBLK: 15n, EBUSY: 16n,
  EEXIST: 17n, EXDEV: 18n, ENODEV: 19n, ENOTDIR: 20n, EISDIR: 21n, EINVAL: 22n, ENFILE: 23n,
  EMFILE: 24n, ENOTTY: 25n, ETXTBSY: 26n, EFBIG: 27n, ENOSPC: 28n, ESPIPE: 29n, EROFS: 30n,
  EMLINK: 31n, EPIPE: 32n, EDOM: 33n, ERANGE: 34n, EDEADLK: 35n, ENAMETOOLONG: 36n, ENOLCK: 37n,
  ENOSYS: 38n, ENOTEMPTY: 39n, ELOOP: 40n, EWOULDBLOCK: 11n, ENOMSG: 42n, ENODATA: 61n, ETIME: 62n,
  EPROTO: 71n, EBADMSG: 74n, EOVERFLOW: 75n, EILSEQ: 84n, EMSGSIZE: 90n, EOPNOTSUPP: 95n,
  ENOTSUP: 95n, EADDRINUSE: 98n, ENETDOWN: 100n, ENOBUFS: 105n, ETIMEDOUT: 110n, ECONNREFUSED: 111n,
  EALREADY: 114n, EINPROGRESS: 115n, EREMOTEIO: 121n, ECANCELED: 125n, ERESTARTSYS: 512n,
  EPROBE_DEFER: 517n, ENOTSUPP: 524n,
};

/** blk_status_t values (include/linux/blk_types.h). */
const BLK_STATUS: Readonly<Record<string, bigint>> = {
  BLK_STS_OK: 0n,
  BLK_STS_NOTSUPP: 1n,
  BLK_STS_TIMEOUT: 2n,
  BLK_STS_NOSPC: 3n,
  BLK_STS_TRANSPORT: 4n,
  BLK_STS_TARGET: 5n,
  BLK_STS_RESV_CONFLICT: 6n,
  BLK_STS_MEDIUM: 7n,
  BLK_STS_PROTECTION: 8n,
  BLK_STS_RESOURCE: 9n,
  BLK_STS_IOERR: 10n,
  BLK_STS_AGAIN: 12n,
  BLK_STS_DEV_RESOURCE: 13n,
  BLK_STS_INVAL: 19n,
};

/** Symbolic kernel constants, per data model and page size. */
function symbolicConstant(name: string, arch: 64 | 32, pageSize: bigint): Value | undefined {
  const pageShift = BigInt(pageSize.toString(2).length - 1);
  switch (name) {
    case 'PAGE_SIZE':
      return intValue(pageSize, ulong(arch));
    case 'PAGE_SHIFT':
      return intValue(pageShift, INT);
    case 'PAGE_MASK':
      return intValue(wrapTo(~(pageSize - 1n), ulong(arch)), ulong(arch));
    case 'SIZE_MAX':
      return intValue((1n << BigInt(arch)) - 1n, sizeT(arch));
    case 'ULONG_MAX':
      return intValue((1n << BigInt(arch)) - 1n, ulong(arch));
    case 'LONG_MAX':
      return intValue((1n << BigInt(arch - 1)) - 1n, slong(arch));
    case 'BITS_PER_LONG':
      return intValue(BigInt(arch), INT);
    case 'PHYS_ADDR_MAX':
      return intValue((1n << 64n) - 1n, { kind: 'int', name: 'phys_addr_t', bits: 64, signed: false });
    case 'U64_MAX':
    case 'ULLONG_MAX':
      return intValue((1n << 64n) - 1n, ULLONG);
    case 'S64_MAX':
    case 'LLONG_MAX':
      return intValue((1n << 63n) - 1n, LLONG);
    case 'U32_MAX':
    case 'UINT_MAX':
      return intValue(0xffff_ffffn, UINT);
    case 'INT_MAX':
    case 'S32_MAX':
      return intValue(0x7fff_ffffn, INT);
    case 'U16_MAX':
      return intValue(0xffffn, INT);
    case 'U8_MAX':
      return intValue(0xffn, INT);
    case 'DMA_MAPPING_ERROR':
      return intValue((1n << 64n) - 1n, { kind: 'int', name: 'dma_addr_t', bits: 64, signed: false });
    case 'DMA_IOVA_USE_SWIOTLB':
      return intValue(1n << 63n, ULLONG);
    default:
      break;
  }
  const errno = ERRNOS[name];
  if (errno !== undefined) return intValue(errno, INT);
  if (name === 'INT_MIN' || name === 'S32_MIN') return intValue(-(1n << 31n), INT);
  if (name === 'LONG_MIN') return intValue(-(1n << BigInt(arch - 1)), slong(arch));
  if (name === 'S64_MIN' || name === 'LLONG_MIN') return intValue(-(1n << 63n), LLONG);
  const blk = BLK_STATUS[name];
  if (blk !== undefined) return intValue(blk, { kind: 'int', name: 'blk_status_t', bits: 8, signed: false });
  const gfp = GFP_FLAGS[name];
  if (gfp !== undefined) return intValue(gfp, UINT);
  if (name === 'NUMA_NO_NODE') return intValue(-1n, INT);
  if (/^DMA_ATTR_/.test(name) && name in KERNEL_CONSTANTS) return intValue(KERNEL_CONSTANTS[name]!, ulong(arch));
  if (/^SZ_(\d+)([KMGT]?)$/.test(name)) {
    const m = /^SZ_(\d+)([KMGT]?)$/.exec(name)!;
    const shift = { '': 0n, K: 10n, M: 20n, G: 30n, T: 40n }[m[2] as '' | 'K' | 'M' | 'G' | 'T'];
    const v = BigInt(m[1]!) << shift;
    return intValue(v, v > 0x7fff_ffffn ? ULLONG : INT);
  }
  if (name in KERNEL_CONSTANTS) return intValue(KERNEL_CONSTANTS[name]!, INT);
  return undefined;
}

export class Interpreter {
  private readonly frames: Frame[] = [];
  private readonly globals = new Map<string, Cell>();
  private readonly unknownFields = new Map<string, Cell>();
  private readonly defineStack = new Set<string>();
  /** Invented memory first seen as one object, later indexed: the array it is element 0 of. */
  private readonly arraysOf = new WeakMap<object, SimArray>();
  /** Allocated memory first seen untyped, then used as an array of scalars. */
  private readonly scalarArrays = new WeakMap<SimStruct, SimArray>();
  /** Where a slot lives: the struct and field that hold it (for container_of). */
  readonly parents = new WeakMap<object, { s: SimStruct; field: string }>();
  /** Values of the top-level function's parameters at entry (for `holds`). */
  entryValues = new Map<string, Value>();
  /** Locals of the top-level function when it returned. */
  finalLocals = new Map<string, Value>();

  constructor(
    readonly run: Run,
    readonly program: Program,
  ) {}

  get world() {
    return this.run.world;
  }

  get frame(): Frame {
    const f = this.frames[this.frames.length - 1];
    if (!f) throw unsupported('expression outside a function');
    return f;
  }

  get file(): ParsedFile {
    return this.frame.cf.file;
  }

  get arch(): 64 | 32 {
    return this.run.arch;
  }

  get depth(): number {
    return this.frames.length;
  }

  line(node: SNode): number {
    return node.startPosition.row + 1;
  }

  typeFromText(text: string): CType {
    return parseTypeText(text, this.arch, (size) => {
      const node = this.program.define(size);
      const n = /^\d+$/.test(size) ? Number(size) : node ? Number(this.pure(() => this.toInt(this.evalExpr(node), node).v)) : undefined;
      return n !== undefined && Number.isFinite(n) ? n : undefined;
    });
  }

  // ---- functions ---------------------------------------------------------------------------

  /** Calls a function of the change with already evaluated arguments. */
  callFunction(cf: ChangeFunctionLike, args: Value[], callNode?: SNode): Value {
    const fn = cf.fn;
    const body = this.program.body(cf);
    const fnNode = this.program.mirror(cf);
    if (!body) throw unsupported(`${fn.name} has no body`);
    if (fn.hasError) throw unsupported(`${fn.name} does not parse (${fn.notCheckedReason ?? 'parse error'})`);
    if (this.frames.length >= this.run.budgets.maxCallDepth) throw new StopRun('budget', `call depth budget (${this.run.budgets.maxCallDepth}) used up calling ${fn.name}`);
    const params = fn.params.filter((p) => p.type !== 'void' || p.name !== '');
    if (params.some((p) => p.name === '...')) throw unsupported(`${fn.name} takes variable arguments`);
    if (params.length !== args.length) throw unsupported(`${fn.name} takes ${params.length} arguments, called with ${args.length}`, callNode ? this.line(callNode) : undefined);
    const scope = new Map<string, Binding>();
    const frame: Frame = {
      cf,
      scopes: [scope],
      all: new Map(),
      labels: this.program.labels(cf),
      retType: this.typeFromText(fn.returnType),
    };
    this.frames.push(frame);
    try {
      params.forEach((p, i) => {
        const t = this.typeFromText(p.type);
        const binding = this.newBinding(t, p.name, false);
        this.initBinding(binding, this.convert(args[i]!, t, callNode ?? fnNode), fnNode);
        scope.set(p.name, binding);
        frame.all.set(p.name, binding);
      });
      const c = this.execStmt(body);
      if (this.frames.length === 1) this.snapshotLocals(frame);
      if (c.k === 'return') return frame.retType.kind === 'void' ? VOID_VALUE : this.convert(c.v, frame.retType, body);
      if (c.k === 'goto') throw unsupported(`goto ${c.label}: no such label in ${fn.name}`);
      if (c.k !== 'normal') throw unsupported(`${c.k} outside a loop in ${fn.name}`);
      if (frame.retType.kind === 'void') return VOID_VALUE;
      throw new StopRun('undefined', `${fn.name} reaches its end without returning a value`, fn.lines.end);
    } finally {
      this.frames.pop();
    }
  }

  /** Evaluates `node` (of `cf`'s file) with `bindings` as the only variables in scope. */
  evaluateWith(cf: ChangeFunctionLike, bindings: ReadonlyMap<string, Value>, node: SNode): Value {
    const scope = new Map<string, Binding>();
    for (const [name, v] of bindings) {
      const t: CType = v.k === 'int' ? v.t : v.k === 'ptr' ? { kind: 'ptr', to: v.to } : v.k === 'agg' ? v.t : { kind: 'unknown', text: name };
      if (v.k === 'agg') scope.set(name, { slot: v.slot, t });
      else scope.set(name, { slot: new Cell(t, v, name), t });
    }
    this.frames.push({ cf, scopes: [scope], all: new Map(), labels: new Map(), retType: VOID });
    try {
      return this.evalExpr(node);
    } finally {
      this.frames.pop();
    }
  }

  private snapshotLocals(frame: Frame): void {
    for (const [name, b] of frame.all) {
      if (b.slot instanceof Cell && b.slot.v !== undefined && b.slot.v.k !== 'lazy') this.finalLocals.set(name, b.slot.v);
    }
  }

  // ---- statements --------------------------------------------------------------------------

  private visit(node: SNode): void {
    const line = this.line(node);
    this.run.step(line);
    this.run.visit(this.file.path, line, lineText(this.file, line));
  }

  execStmt(node: SNode, seek?: SNode): Completion {
    switch (node.type) {
      case 'compound_statement':
        return this.execBlock(node.namedChildren, node, seek);
      case 'comment':
      case 'empty_statement':
        return NORMAL;
      case 'declaration':
        if (seek) return NORMAL;
        this.visit(node);
        this.declare(node);
        return NORMAL;
      case 'expression_statement': {
        if (seek) return NORMAL;
        this.visit(node);
        const e = node.namedChildren.find((c) => c.type !== 'comment');
        if (e) this.evalExpr(e);
        return NORMAL;
      }
      case 'if_statement':
        return this.execIf(node, seek);
      case 'while_statement':
      case 'for_statement':
      case 'do_statement':
        return this.execLoop(node, seek);
      case 'switch_statement':
        return this.execSwitch(node, seek);
      case 'return_statement': {
        this.visit(node);
        const e = node.namedChildren.find((c) => c.type !== 'comment');
        return { k: 'return', v: e ? this.evalExpr(e) : VOID_VALUE };
      }
      case 'break_statement':
        this.visit(node);
        return BREAK;
      case 'continue_statement':
        this.visit(node);
        return CONTINUE;
      case 'goto_statement': {
        this.visit(node);
        const label = node.childForFieldName('label')?.text ?? '';
        if (!this.frame.labels.has(label)) throw unsupported(`goto ${label}: no such label`, this.line(node));
        return { k: 'goto', label };
      }
      case 'labeled_statement': {
        const inner = node.namedChildren.filter((c) => c.type !== 'statement_identifier' && c.type !== 'comment');
        if (seek && seek.id !== node.id) return this.execBlock(inner, node, seek, false);
        return this.execBlock(inner, node, undefined, false);
      }
      case 'attributed_statement':
        return this.execBlock(node.namedChildren.filter((c) => c.type !== 'attribute_declaration'), node, seek, false);
      case 'preproc_if':
      case 'preproc_ifdef': {
        this.run.approximate(`preprocessor conditional at line ${this.line(node)}: only its first branch was run`);
        const body = node.namedChildren.filter((c) => !['identifier', 'preproc_else', 'preproc_elif', 'preproc_elifdef'].includes(c.type) && c.id !== node.childForFieldName('condition')?.id);
        return this.execBlock(body, node, seek, false);
      }
      case 'case_statement':
        throw unsupported('case label outside a switch', this.line(node));
      default:
        throw unsupported(`statement '${node.type}'`, this.line(node));
    }
  }

  /** Runs statements in order; a goto to a label inside them resumes there. */
  private execBlock(children: SNode[], owner: SNode, seek?: SNode, newScope = true): Completion {
    const frame = this.frame;
    if (newScope) frame.scopes.push(new Map());
    try {
      let i = 0;
      let target = seek;
      if (target) i = children.findIndex((c) => contains(c, target!));
      if (i < 0) i = children.length;
      while (i < children.length) {
        const c = this.execStmt(children[i]!, target);
        target = undefined;
        if (c.k === 'goto') {
          const label = frame.labels.get(c.label)!;
          if (contains(owner, label)) {
            const j = children.findIndex((ch) => contains(ch, label));
            if (j >= 0) {
              i = j;
              target = label;
              continue;
            }
          }
          return c;
        }
        if (c.k !== 'normal') return c;
        i++;
      }
      return NORMAL;
    } finally {
      if (newScope) frame.scopes.pop();
    }
  }

  private execIf(node: SNode, seek?: SNode): Completion {
    const cons = node.childForFieldName('consequence');
    const alt = node.childForFieldName('alternative');
    const altBody = alt?.type === 'else_clause' ? alt.namedChildren.find((c) => c.type !== 'comment') : alt;
    if (seek) {
      if (cons && contains(cons, seek)) return this.execStmt(cons, seek);
      if (altBody && contains(altBody, seek)) return this.execStmt(altBody, seek);
      return NORMAL;
    }
    this.visit(node);
    const cond = node.childForFieldName('condition');
    if (!cond) throw unsupported('if without a condition', this.line(node));
    if (this.truth(this.evalExpr(cond), cond)) return cons ? this.execStmt(cons) : NORMAL;
    return altBody ? this.execStmt(altBody) : NORMAL;
  }

  private execLoop(node: SNode, seek?: SNode): Completion {
    const rewrite = this.program.rewriteAt(this.file, node.startIndex);
    if (rewrite?.kind === 'loop-macro') throw unsupported(`iterator macro ${rewrite.name}()`, this.line(node));
    const body = node.childForFieldName('body');
    const cond = node.childForFieldName('condition');
    if (!body) throw unsupported(`${node.type} without a body`, this.line(node));
    const frame = this.frame;
    frame.scopes.push(new Map());
    try {
      let target = seek && contains(body, seek) ? seek : undefined;
      if (seek && !target) return NORMAL;
      if (node.type === 'for_statement' && !target) {
        this.visit(node);
        const init = node.childForFieldName('initializer');
        if (init) {
          if (init.type === 'declaration') this.declare(init);
          else this.evalExpr(init);
        }
      }
      const update = node.type === 'for_statement' ? node.childForFieldName('update') : null;
      const max = this.run.budgets.maxLoopIterations;
      let first = true;
      for (let iteration = 0; ; iteration++) {
        if (iteration > max) throw new StopRun('budget', `loop at line ${this.line(node)} ran more than ${max} iterations`, this.line(node));
        const skipCheck = target !== undefined || (node.type === 'do_statement' && first);
        first = false;
        if (!skipCheck && cond) {
          this.visit(node);
          if (!this.truth(this.evalExpr(cond), cond)) return NORMAL;
        } else if (!skipCheck && node.type === 'for_statement') {
          this.run.step(this.line(node));
        }
        const c = this.execStmt(body, target);
        target = undefined;
        if (c.k === 'break') return NORMAL;
        if (c.k === 'return' || c.k === 'goto') return c;
        if (update) this.evalExpr(update);
      }
    } finally {
      frame.scopes.pop();
    }
  }

  private execSwitch(node: SNode, seek?: SNode): Completion {
    const body = node.childForFieldName('body');
    const cond = node.childForFieldName('condition');
    if (!body || !cond) throw unsupported('switch without a body', this.line(node));
    // Flatten: case markers and the statements after them, in order.
    const items: Array<{ label?: SNode; isDefault?: boolean; stmt?: SNode }> = [];
    for (const child of body.namedChildren) {
      if (child.type === 'case_statement') {
        const value = child.childForFieldName('value');
        items.push(value ? { label: value } : { isDefault: true });
        for (const s of child.namedChildren) if (s.id !== value?.id && s.type !== 'comment') items.push({ stmt: s });
      } else if (child.type !== 'comment') items.push({ stmt: child });
    }
    let start = -1;
    let target: SNode | undefined;
    if (seek) {
      start = items.findIndex((it) => it.stmt && contains(it.stmt, seek));
      if (start < 0) return NORMAL;
      target = seek;
    } else {
      this.visit(node);
      const v = this.toInt(this.evalExpr(cond), cond);
      const pv = wrapTo(v.v, promote(v.t));
      let def = -1;
      for (let i = 0; i < items.length && start < 0; i++) {
        const it = items[i]!;
        if (it.isDefault) def = i;
        if (!it.label) continue;
        if (this.caseMatches(it.label, pv, promote(v.t))) start = i;
      }
      if (start < 0) start = def;
      if (start < 0) return NORMAL;
    }
    const frame = this.frame;
    frame.scopes.push(new Map());
    try {
      for (let i = start; i < items.length; i++) {
        const st = items[i]!.stmt;
        if (!st) continue;
        const c = this.execStmt(st, target);
        target = undefined;
        if (c.k === 'break') return NORMAL;
        if (c.k === 'goto') {
          const label = frame.labels.get(c.label)!;
          const j = items.findIndex((it) => it.stmt && contains(it.stmt, label));
          if (j >= 0) {
            i = j - 1;
            target = label;
            continue;
          }
          return c;
        }
        if (c.k !== 'normal') return c;
      }
      return NORMAL;
    } finally {
      frame.scopes.pop();
    }
  }

  private caseMatches(label: SNode, v: bigint, t: IntT): boolean {
    if (this.program.rewritesWithin(this.file, label.startIndex, label.endIndex, 'case-range') && label.type === 'binary_expression') {
      const lo = this.toInt(this.evalExpr(label.childForFieldName('left')!), label);
      const hi = this.toInt(this.evalExpr(label.childForFieldName('right')!), label);
      return v >= wrapTo(lo.v, t) && v <= wrapTo(hi.v, t);
    }
    const c = this.toInt(this.evalExpr(label), label);
    return wrapTo(c.v, t) === v;
  }

  // ---- declarations ------------------------------------------------------------------------

  private declare(decl: SNode): void {
    const typeNode = decl.childForFieldName('type');
    const isStatic = decl.namedChildren.some((c) => c.type === 'storage_class_specifier' && c.text === 'static');
    for (const d of decl.namedChildren) {
      if (d.id === typeNode?.id || ['type_qualifier', 'storage_class_specifier', 'attribute_specifier', 'comment', 'ms_declspec_modifier'].includes(d.type)) continue;
      let inner = d.type === 'init_declarator' ? d.childForFieldName('declarator') : d;
      while (inner && inner.type === 'parenthesized_declarator') inner = inner.namedChildren[0] ?? null;
      if (!inner || inner.type === 'function_declarator') continue;
      if (inner.type === 'pointer_declarator' && inner.descendantsOfType('function_declarator').length > 0) {
        throw unsupported('function pointer variable', this.line(d));
      }
      const nameNode = declaratorName(d);
      if (!nameNode) continue;
      const t = this.typeFromText(declaredTypeText(decl, d));
      if (t.kind === 'unknown' && /typeof/.test(t.text)) throw unsupported(`typeof declaration of ${nameNode.text}`, this.line(d));
      const binding = this.newBinding(t, nameNode.text, false);
      const init = d.type === 'init_declarator' ? d.childForFieldName('value') : null;
      if (isStatic && !init) this.zeroBinding(binding);
      if (init) {
        if (init.type === 'initializer_list') this.initAggregate(binding, init);
        else this.initBinding(binding, this.evalExpr(init), init);
      }
      const scopes = this.frame.scopes;
      scopes[scopes.length - 1]!.set(nameNode.text, binding);
      this.frame.all.set(nameNode.text, binding);
    }
  }

  /** Storage for a variable or member of type `t`. */
  newBinding(t: CType, path: string, external: boolean): Binding {
    return { slot: this.newSlot(t, path, external), t };
  }

  newSlot(t: CType, path: string, external: boolean): Slot {
    if (t.kind === 'struct') {
      const kind = modelStructKind(t.name);
      if (kind) {
        const obj = newModelObjectFor(this.run, t.name);
        if (obj?.kind === 'dma_iova_state') this.run.stateCreated(path, obj as DmaIovaStateObj);
        if (obj) return obj;
      }
      return new SimStruct(t.name, path, external);
    }
    if (t.kind === 'array') return new SimArray(t.of, t.len, path, external);
    return new Cell(t, undefined, path, external);
  }

  private zeroBinding(b: Binding): void {
    const s = b.slot;
    if (s instanceof Cell) s.v = this.zeroOf(s.t);
    else if (s instanceof SimStruct || s instanceof SimArray) s.zeroed = true;
  }

  zeroOf(t: CType): Value {
    if (t.kind === 'ptr') return nullPointer(t.to);
    if (isInt(t)) return intValue(0n, t);
    return intValue(0n, INT);
  }

  private initBinding(b: Binding, v: Value, node: SNode): void {
    const s = b.slot;
    if (s instanceof Cell) {
      s.v = v.k === 'lazy' && !(v.cell.unknownResultOf && s.t.kind === 'int') ? v : this.convert(v, s.t, node);
      s.written = true;
      return;
    }
    if (v.k === 'agg') {
      this.copyAggregate(slotLValue(s), v, node);
      return;
    }
    throw unsupported(`initialising ${b.t.kind === 'struct' ? `struct ${b.t.name}` : 'an array'} from a non-aggregate value`, this.line(node));
  }

  private initAggregate(b: Binding, list: SNode): void {
    const s = b.slot;
    const items = list.namedChildren.filter((c) => c.type !== 'comment');
    if (s instanceof Cell) {
      // `int x = { 3 };` or `= {}`
      const first = items[0];
      s.v = first ? this.convert(this.evalExpr(first), s.t, first) : this.zeroOf(s.t);
      return;
    }
    if (s instanceof SimArray) {
      s.zeroed = true;
      let index = 0;
      for (const item of items) {
        let valueNode = item;
        if (item.type === 'initializer_pair') {
          const des = item.childForFieldName('designator');
          if (!des || des.type !== 'subscript_designator') throw unsupported('array initializer designator', this.line(item));
          index = Number(this.toInt(this.evalExpr(des.namedChildren[0]!), des).v);
          valueNode = item.childForFieldName('value')!;
        }
        const elem = this.elementSlot(s, index, item);
        this.initSlot(elem, valueNode, `${s.path}[${index}]`);
        index++;
      }
      return;
    }
    // struct (interpreter-owned or a model object)
    if (s instanceof SimStruct) s.zeroed = true;
    const fieldOrder = s instanceof SimStruct ? [...(this.program.structFields(s.name)?.keys() ?? [])] : [];
    let position = 0;
    for (const item of items) {
      let name: string | undefined;
      let valueNode = item;
      if (item.type === 'initializer_pair') {
        const des = item.childForFieldName('designator');
        name = des?.type === 'field_designator' ? des.namedChildren[0]?.text : undefined;
        valueNode = item.childForFieldName('value')!;
        if (!name) throw unsupported('struct initializer designator', this.line(item));
        position = fieldOrder.indexOf(name) + 1;
      } else {
        name = fieldOrder[position++];
        if (!name) throw unsupported('positional initializer of a struct whose fields are not known', this.line(item));
      }
      const target = this.member(slotLValue(s), name, item);
      if (valueNode.type === 'initializer_list') {
        if (target.k === 'cell') {
          const first = valueNode.namedChildren[0];
          this.write(target, first ? this.evalExpr(first) : intValue(0n, INT), item);
        } else if (target.k === 'struct' || target.k === 'array') {
          this.initAggregate({ slot: target.k === 'struct' ? target.s : target.arr, t: VOID }, valueNode);
        } else if (target.k === 'obj') {
          this.initAggregate({ slot: target.obj, t: VOID }, valueNode);
        } else throw unsupported('nested initializer', this.line(item));
      } else this.write(target, this.evalExpr(valueNode), item);
    }
  }

  private initSlot(slot: Slot, valueNode: SNode, path: string): void {
    if (valueNode.type === 'initializer_list') {
      this.initAggregate({ slot, t: VOID }, valueNode);
      return;
    }
    const v = this.evalExpr(valueNode);
    if (slot instanceof Cell) {
      slot.v = this.convert(v, slot.t, valueNode);
      slot.written = true;
    } else if (v.k === 'agg') this.copyAggregate(slotLValue(slot), v, valueNode);
    else throw unsupported(`initialising ${path} from a scalar`, this.line(valueNode));
  }

  // ---- expressions -------------------------------------------------------------------------

  evalExpr(node: SNode): Value {
    this.run.step(this.line(node));
    switch (node.type) {
      case 'number_literal':
        return this.numberLiteral(node);
      case 'char_literal':
        return intValue(charValue(node.text), INT);
      case 'string_literal':
      case 'concatenated_string':
        return { k: 'ptr', p: { k: 'str', text: node.text }, to: CHAR };
      case 'true':
        return intValue(1n, INT);
      case 'false':
        return intValue(0n, INT);
      case 'null':
        return nullPointer(VOID);
      case 'identifier':
        return this.identifier(node);
      case 'parenthesized_expression': {
        const inner = node.namedChildren.find((c) => c.type !== 'comment');
        if (!inner) throw unsupported('empty parentheses', this.line(node));
        if (inner.type === 'compound_statement') return this.statementExpression(inner);
        return this.evalExpr(inner);
      }
      case 'binary_expression':
        return this.binary(node);
      case 'unary_expression':
        return this.unary(node);
      case 'update_expression':
        return this.update(node);
      case 'assignment_expression':
        return this.assign(node);
      case 'conditional_expression':
        return this.conditional(node);
      case 'cast_expression':
        return this.cast(node);
      case 'sizeof_expression':
        return this.sizeofExpr(node);
      case 'call_expression':
        return this.call(node);
      case 'comma_expression':
        this.evalExpr(node.childForFieldName('left')!);
        return this.evalExpr(node.childForFieldName('right')!);
      case 'pointer_expression': {
        const op = node.childForFieldName('operator')?.type ?? node.child(0)?.type;
        const arg = node.childForFieldName('argument')!;
        if (op === '&') return this.addressOf(this.evalLValue(arg), arg);
        return this.read(this.evalLValue(node), node);
      }
      case 'field_expression':
      case 'subscript_expression':
        return this.read(this.evalLValue(node), node);
      default:
        throw unsupported(`expression '${node.type}' (${squeeze(node.text)})`, this.line(node));
    }
  }

  /** Evaluates with no run-visible effect allowed besides reading (define values, sizes). */
  pure<T>(f: () => T): T {
    return f();
  }

  private statementExpression(block: SNode): Value {
    const stmts = block.namedChildren.filter((c) => c.type !== 'comment');
    const last = stmts[stmts.length - 1];
    const frame = this.frame;
    frame.scopes.push(new Map());
    try {
      for (const s of stmts.slice(0, -1)) {
        const c = this.execStmt(s);
        if (c.k !== 'normal') throw unsupported('control flow out of a statement expression', this.line(s));
      }
      if (last?.type === 'expression_statement') {
        const e = last.namedChildren.find((c) => c.type !== 'comment');
        return e ? this.evalExpr(e) : VOID_VALUE;
      }
      if (last) {
        const c = this.execStmt(last);
        if (c.k !== 'normal') throw unsupported('control flow out of a statement expression', this.line(last));
      }
      return VOID_VALUE;
    } finally {
      frame.scopes.pop();
    }
  }

  private numberLiteral(node: SNode): Value {
    const text = node.text.replace(/\s+/g, '');
    const negative = text.startsWith('-');
    const lit = parseIntegerLiteral(negative ? text.slice(1) : text);
    if (!lit) throw unsupported(`number ${node.text}`, this.line(node));
    const t = literalType(lit, this.arch);
    if (!negative) return intValue(lit.value, t);
    // tree-sitter-c folds a leading minus into the literal: apply unary minus in the promoted type
    const pt = promote(t);
    return intValue(wrapTo(-lit.value, pt), pt);
  }

  lookup(name: string): Binding | undefined {
    const scopes = this.frame.scopes;
    for (let i = scopes.length - 1; i >= 0; i--) {
      const b = scopes[i]!.get(name);
      if (b) return b;
    }
    return undefined;
  }

  private identifier(node: SNode): Value {
    const name = node.text;
    const b = this.lookup(name);
    if (b) return this.read(slotLValue(b.slot), node);
    const c = this.constant(name, node);
    if (c) return c;
    if (this.program.fn(name) || isModelCallee(name)) return { k: 'ptr', p: { k: 'fn', name }, to: VOID };
    return this.read({ k: 'cell', cell: this.globalCell(name) }, node);
  }

  /** Named constants: enumerators, #defines of the change, kernel and model constants. */
  constant(name: string, node: SNode): Value | undefined {
    const e = this.program.enumValue(name);
    if (e !== undefined) return intValue(e, INT);
    const def = this.program.define(name);
    if (def && !this.defineStack.has(name)) {
      this.defineStack.add(name);
      try {
        return this.evalExpr(def);
      } finally {
        this.defineStack.delete(name);
      }
    }
    const sym = symbolicConstant(name, this.arch, this.run.pageSize);
    if (sym) return sym;
    if (name === 'NULL') return nullPointer(VOID);
    if (name === 'true' || name === 'false') return intValue(name === 'true' ? 1n : 0n, INT);
    void node;
    return undefined;
  }

  /** A global the change does not define: its value is an input the simulator invents. */
  private globalCell(name: string): Cell {
    let c = this.globals.get(name);
    if (!c) {
      c = new Cell({ kind: 'unknown', text: name }, undefined, name, true);
      this.globals.set(name, c);
    }
    return c;
  }

  // ---- operators ---------------------------------------------------------------------------

  private binary(node: SNode): Value {
    const op = node.childForFieldName('operator')?.type ?? '';
    const left = node.childForFieldName('left')!;
    const right = node.childForFieldName('right')!;
    if (op === '&&') return intValue(this.truth(this.evalExpr(left), left) && this.truth(this.evalExpr(right), right) ? 1n : 0n, INT);
    if (op === '||') return intValue(this.truth(this.evalExpr(left), left) || this.truth(this.evalExpr(right), right) ? 1n : 0n, INT);
    const a = this.evalExpr(left);
    const b = this.evalExpr(right);
    return this.arith(op, a, b, node);
  }

  /** A binary operator on two values, with C's conversions. */
  arith(op: string, a: Value, b: Value, node: SNode): Value {
    if (a.k === 'lazy') a = b.k === 'ptr' && !['+', '-'].includes(op) ? this.materializePointer(a.cell, VOID) : this.materializeInt(a.cell);
    if (b.k === 'lazy') b = a.k === 'ptr' && !['+', '-'].includes(op) ? this.materializePointer(b.cell, VOID) : this.materializeInt(b.cell);
    if (a.k === 'ptr' || b.k === 'ptr') return this.pointerArith(op, a, b, node);
    const x = this.toInt(a, node);
    const y = this.toInt(b, node);
    if (COMPARISONS.has(op)) {
      const ct = commonType(x.t, y.t);
      const l = wrapTo(x.v, ct);
      const r = wrapTo(y.v, ct);
      const res = op === '==' ? l === r : op === '!=' ? l !== r : op === '<' ? l < r : op === '>' ? l > r : op === '<=' ? l <= r : l >= r;
      return intValue(res ? 1n : 0n, INT);
    }
    if (op === '<<' || op === '>>') {
      const lt = promote(x.t);
      const count = wrapTo(y.v, promote(y.t));
      const l = wrapTo(x.v, lt);
      if (count < 0n || count >= BigInt(lt.bits)) {
        this.run.note(`line ${this.line(node)}: shift by ${count} of a ${lt.bits}-bit ${lt.name} is undefined; taken as ${op === '<<' ? 0 : l < 0n ? -1 : 0} (GCC's constant folding)`);
        return intValue(op === '<<' ? 0n : l < 0n ? wrapTo(-1n, lt) : 0n, lt);
      }
      const exact = op === '<<' ? l << count : l >> count;
      return intValue(wrapTo(exact, lt), lt);
    }
    const ct = commonType(x.t, y.t);
    const l = wrapTo(x.v, ct);
    const r = wrapTo(y.v, ct);
    let exact: bigint;
    switch (op) {
      case '+':
        exact = l + r;
        break;
      case '-':
        exact = l - r;
        break;
      case '*':
        exact = l * r;
        break;
      case '/':
      case '%':
        if (r === 0n) throw new StopRun('undefined', `division by zero at line ${this.line(node)} (${squeeze(node.text)})`, this.line(node));
        exact = op === '/' ? l / r : l % r;
        break;
      case '&':
        exact = l & r;
        break;
      case '|':
        exact = l | r;
        break;
      case '^':
        exact = l ^ r;
        break;
      default:
        throw unsupported(`operator ${op}`, this.line(node));
    }
    const value = wrapTo(exact, ct);
    if (value !== exact && !ct.signed && (op === '+' || op === '*')) this.sizeWrap(node, op, l, r, exact, value, ct);
    return intValue(value, ct);
  }

  /**
   * An unsigned `+` or `*` that wrapped: a size-no-wrap breach, unless the expression is itself
   * the operand of a comparison (the `a + b < a` overflow check) or adds a mask-like constant.
   */
  private sizeWrap(node: SNode, op: string, l: bigint, r: bigint, exact: bigint, value: bigint, t: IntT): void {
    let parent = node.parent;
    while (parent && parent.type === 'parenthesized_expression') parent = parent.parent;
    if (parent?.type === 'binary_expression' && COMPARISONS.has(parent.childForFieldName('operator')?.type ?? '')) return;
    const half = 1n << BigInt(t.bits - 1);
    // adding a mask-like constant (`x + ~0UL`, `x + -1`) wraps on purpose
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (op === '+' && ((l >= half && isConstantish(left)) || (r >= half && isConstantish(right)))) return;
    const line = this.line(node);
    this.world.recordBreach(
      'size-no-wrap',
      `${squeeze(node.text)} wraps in ${t.bits}-bit ${t.name} at line ${line}: 0x${l.toString(16)} ${op} 0x${r.toString(16)} = 0x${exact.toString(16)}, stored 0x${value.toString(16)}`,
      { exact: `0x${exact.toString(16)}`, stored: `0x${value.toString(16)}`, line: String(line) },
      line,
    );
  }

  private pointerArith(op: string, a: Value, b: Value, node: SNode): Value {
    const isNullInt = (v: Value): boolean => v.k === 'int' && v.v === 0n;
    if (op === '==' || op === '!=') {
      let same: boolean;
      if (a.k === 'ptr' && b.k === 'ptr') same = samePointer(a.p, b.p);
      else {
        const p = a.k === 'ptr' ? a : (b as Extract<Value, { k: 'ptr' }>);
        const other = a.k === 'ptr' ? b : a;
        if (p.p?.k === 'raw' && other.k === 'int') same = p.p.addr === BigInt.asUintN(64, other.v);
        else if (isNullInt(other)) same = p.p === null;
        else throw unsupported(`comparing a pointer with an integer (${squeeze(node.text)})`, this.line(node));
      }
      return intValue((op === '==') === same ? 1n : 0n, INT);
    }
    if (a.k === 'ptr' && (op === '+' || op === '-') && b.k === 'int') return this.offsetPointer(a, op === '+' ? b.v : -b.v, node);
    if (b.k === 'ptr' && op === '+' && a.k === 'int') return this.offsetPointer(b, a.v, node);
    if (a.k === 'ptr' && b.k === 'ptr' && a.p && b.p) {
      const index = (p: Pointer): bigint | undefined => (p.k === 'elem' ? BigInt(p.index) : p.k === 'raw' ? p.addr : undefined);
      const sameBase = (a.p.k === 'elem' && b.p.k === 'elem' && a.p.arr === b.p.arr) || (a.p.k === 'raw' && b.p.k === 'raw');
      const ia = index(a.p);
      const ib = index(b.p);
      if (sameBase && ia !== undefined && ib !== undefined) {
        if (op === '-') {
          const size = a.p.k === 'raw' ? BigInt(this.sizeOfType(a.to) ?? 1) : 1n;
          return intValue((ia - ib) / size, slong(this.arch));
        }
        if (COMPARISONS.has(op)) {
          const r = op === '<' ? ia < ib : op === '>' ? ia > ib : op === '<=' ? ia <= ib : ia >= ib;
          return intValue(r ? 1n : 0n, INT);
        }
      }
    }
    const raw = (v: Value): bigint | undefined => (v.k === 'ptr' && v.p?.k === 'raw' ? v.p.addr : v.k === 'ptr' && v.p === null ? 0n : undefined);
    const ra = raw(a);
    const rb = raw(b);
    if ((ra !== undefined || a.k === 'int') && (rb !== undefined || b.k === 'int') && ['&', '|', '^', '<', '>', '<=', '>='].includes(op)) {
      const ul = ulong(this.arch);
      return this.arith(op, intValue(ra ?? (a as { v: bigint }).v, ul), intValue(rb ?? (b as { v: bigint }).v, ul), node);
    }
    throw unsupported(`pointer arithmetic '${op}' (${squeeze(node.text)})`, this.line(node));
  }

  private offsetPointer(p: Extract<Value, { k: 'ptr' }>, n: bigint, node: SNode): Value {
    const ptr = p.p;
    if (ptr === null) {
      if (n === 0n) return p;
      throw new StopRun('undefined', `arithmetic on a NULL pointer at line ${this.line(node)}`, this.line(node));
    }
    if (ptr.k === 'elem') return { k: 'ptr', p: { k: 'elem', arr: ptr.arr, index: ptr.index + Number(n) }, to: p.to };
    if (ptr.k === 'raw') {
      const size = BigInt(p.to.kind === 'void' ? 1 : (this.sizeOfType(p.to) ?? 1));
      return { k: 'ptr', p: { k: 'raw', addr: BigInt.asUintN(64, ptr.addr + n * size) }, to: p.to };
    }
    if (n === 0n) return p;
    // Memory the simulator invented behind a pointer (a parameter, a field) may be an array:
    // the object seen so far is its element 0.
    const external = ptr.k === 'struct' ? (ptr.s.external || ptr.s.allocated) && !ptr.s.bound : ptr.k === 'cell' ? ptr.cell.external && !ptr.cell.bound : false;
    if (external && (ptr.k === 'struct' || ptr.k === 'cell')) {
      const base = ptr.k === 'struct' ? ptr.s : ptr.cell;
      let arr = this.arraysOf.get(base);
      if (!arr) {
        arr = new SimArray(p.to.kind === 'void' ? { kind: 'unknown', text: `${base.path}[]` } : p.to, undefined, base.path, base.external);
        if (base instanceof SimStruct && base.allocated) arr.zeroed = base.zeroed;
        arr.elems[0] = base;
        this.arraysOf.set(base, arr);
      }
      return { k: 'ptr', p: { k: 'elem', arr, index: Number(n) }, to: p.to };
    }
    throw unsupported(`pointer arithmetic on ${ptr.k === 'str' ? 'a string' : 'a pointer to one object'} (${squeeze(node.text)})`, this.line(node));
  }

  private unary(node: SNode): Value {
    const op = node.childForFieldName('operator')?.type ?? node.child(0)?.type ?? '';
    const arg = node.childForFieldName('argument')!;
    const v = this.evalExpr(arg);
    if (op === '!') return intValue(this.truth(v, arg) ? 0n : 1n, INT);
    const x = this.toInt(v, arg);
    const t = promote(x.t);
    const val = wrapTo(x.v, t);
    if (op === '-') return intValue(wrapTo(-val, t), t);
    if (op === '~') return intValue(wrapTo(~val, t), t);
    if (op === '+') return intValue(val, t);
    throw unsupported(`unary operator ${op}`, this.line(node));
  }

  private update(node: SNode): Value {
    const arg = node.childForFieldName('argument')!;
    const opNode = node.childForFieldName('operator') ?? node.children.find((c) => c.type === '++' || c.type === '--');
    const op = opNode?.type === '--' ? '-' : '+';
    const prefix = (opNode?.startIndex ?? 0) < arg.startIndex;
    const lv = this.evalLValue(arg);
    const old = this.read(lv, arg);
    const next = this.arith(op, old, intValue(1n, INT), node);
    const stored = this.write(lv, next, node);
    return prefix ? stored : old;
  }

  private assign(node: SNode): Value {
    const op = node.childForFieldName('operator')?.type ?? '=';
    const left = node.childForFieldName('left')!;
    const right = node.childForFieldName('right')!;
    const lv = this.evalLValue(left);
    if (op === '=') {
      const v = this.evalExpr(right);
      return this.write(lv, v, node);
    }
    const old = this.read(lv, left);
    const rhs = this.evalExpr(right);
    return this.write(lv, this.arith(op.slice(0, -1), old, rhs, node), node);
  }

  private conditional(node: SNode): Value {
    const cond = node.childForFieldName('condition')!;
    const cons = node.childForFieldName('consequence');
    const alt = node.childForFieldName('alternative')!;
    const c = this.evalExpr(cond);
    const taken = this.truth(c, cond) ? (cons ?? null) : alt;
    const v = taken === null ? c : this.evalExpr(taken);
    const other = taken === alt ? cons : alt;
    const ot = other ? this.staticType(other) : undefined;
    if (v.k === 'int' && ot && isInt(ot)) return this.convert(v, commonType(v.t, ot), node);
    return v;
  }

  private cast(node: SNode): Value {
    const typeNode = node.childForFieldName('type')!;
    const value = node.childForFieldName('value')!;
    const t = this.typeFromText(typeNode.text);
    const v = this.evalExpr(value);
    if (t.kind === 'void') return VOID_VALUE;
    if (t.kind === 'unknown') throw unsupported(`cast to unknown type ${t.text}`, this.line(node));
    return this.convert(v, t, node);
  }

  private sizeofExpr(node: SNode): Value {
    const typeNode = node.childForFieldName('type');
    const valueNode = node.childForFieldName('value');
    let t: CType | undefined;
    if (typeNode) t = this.typeFromText(typeNode.text);
    else if (valueNode) t = this.staticType(valueNode);
    let size = t ? this.sizeOfType(t) : undefined;
    if (size === undefined) {
      // a type defined outside the change: its size only matters to allocations, which succeed anyway
      this.run.approximate(`${squeeze(node.text)} is not known to the simulator: 64 bytes assumed`);
      size = 64;
    }
    return intValue(BigInt(size), sizeT(this.arch));
  }

  /** Bytes of a type: integers, pointers, structs of the change (natural alignment), dma_iova_state. */
  sizeOfType(t: CType, depth = 0): number | undefined {
    switch (t.kind) {
      case 'int':
        return t.bits === 1 ? 1 : t.bits / 8;
      case 'ptr':
        return this.arch / 8;
      case 'void':
        return 1;
      case 'array': {
        const e = this.sizeOfType(t.of, depth + 1);
        return e === undefined || t.len === undefined ? undefined : e * t.len;
      }
      case 'struct': {
        if (t.name === 'dma_iova_state') return 16;
        const fields = this.program.structFields(t.name);
        if (!fields || depth > 8) return undefined;
        let offset = 0;
        let align = 1;
        for (const typeText of fields.values()) {
          const ft = this.typeFromText(typeText);
          const size = this.sizeOfType(ft, depth + 1);
          if (size === undefined) return undefined;
          const a = Math.min(this.alignOf(ft), 8);
          offset = Math.ceil(offset / a) * a + size;
          align = Math.max(align, a);
        }
        return Math.ceil(offset / align) * align;
      }
      default:
        return undefined;
    }
  }

  private alignOf(t: CType): number {
    if (t.kind === 'array') return this.alignOf(t.of);
    if (t.kind === 'int') return t.bits === 1 ? 1 : this.arch === 32 && t.bits === 64 ? 4 : t.bits / 8;
    if (t.kind === 'ptr') return this.arch / 8;
    return 8;
  }

  /** The declared type of an expression, without evaluating it (sizeof, typeof-like uses). */
  staticType(node: SNode): CType | undefined {
    switch (node.type) {
      case 'identifier': {
        const b = this.lookup(node.text);
        if (b) return b.t.kind === 'unknown' && b.slot instanceof Cell ? b.slot.t : b.t;
        const c = this.constant(node.text, node);
        return c?.k === 'int' ? c.t : undefined;
      }
      case 'number_literal':
      case 'char_literal': {
        const v = this.evalExpr(node);
        return v.k === 'int' ? v.t : undefined;
      }
      case 'parenthesized_expression': {
        const inner = node.namedChildren.find((c) => c.type !== 'comment');
        return inner ? this.staticType(inner) : undefined;
      }
      case 'cast_expression':
        return this.typeFromText(node.childForFieldName('type')!.text);
      case 'pointer_expression': {
        const op = node.childForFieldName('operator')?.type ?? node.child(0)?.type;
        const inner = this.staticType(node.childForFieldName('argument')!);
        if (!inner) return undefined;
        if (op === '&') return { kind: 'ptr', to: inner };
        return inner.kind === 'ptr' ? inner.to : inner.kind === 'array' ? inner.of : undefined;
      }
      case 'subscript_expression': {
        const inner = this.staticType(node.childForFieldName('argument')!);
        return inner?.kind === 'ptr' ? inner.to : inner?.kind === 'array' ? inner.of : undefined;
      }
      case 'field_expression': {
        let base = this.staticType(node.childForFieldName('argument')!);
        if (base?.kind === 'ptr') base = base.to;
        const field = node.childForFieldName('field')?.text;
        if (base?.kind !== 'struct' || !field) return undefined;
        const text = this.program.structFields(base.name)?.get(field) ?? modelFieldType(base.name, field);
        return text ? this.typeFromText(text) : undefined;
      }
      case 'call_expression': {
        const name = node.childForFieldName('function')?.text ?? '';
        const cf = this.program.fn(name);
        if (cf) return this.typeFromText(cf.fn.returnType);
        return undefined;
      }
      case 'binary_expression': {
        const op = node.childForFieldName('operator')?.type ?? '';
        if (COMPARISONS.has(op) || op === '&&' || op === '||') return INT;
        const l = this.staticType(node.childForFieldName('left')!);
        const r = this.staticType(node.childForFieldName('right')!);
        if (l && r && isInt(l) && isInt(r)) return op === '<<' || op === '>>' ? promote(l) : commonType(l, r);
        return undefined;
      }
      case 'sizeof_expression':
        return sizeT(this.arch);
      default:
        return undefined;
    }
  }

  // ---- lvalues -----------------------------------------------------------------------------

  evalLValue(node: SNode): LValue {
    switch (node.type) {
      case 'identifier': {
        const b = this.lookup(node.text);
        if (b) return slotLValue(b.slot);
        if (this.constant(node.text, node)) throw unsupported(`${node.text} is a constant, not an lvalue`, this.line(node));
        return { k: 'cell', cell: this.globalCell(node.text) };
      }
      case 'parenthesized_expression': {
        const inner = node.namedChildren.find((c) => c.type !== 'comment');
        if (!inner) throw unsupported('empty parentheses', this.line(node));
        return this.evalLValue(inner);
      }
      case 'field_expression': {
        const arg = node.childForFieldName('argument')!;
        const field = node.childForFieldName('field')?.text ?? '';
        const arrow = (node.childForFieldName('operator')?.type ?? node.children.find((c) => c.type === '->' || c.type === '.')?.type) === '->';
        const base = arrow ? this.deref(this.evalExpr(arg), arg) : this.evalLValue(arg);
        return this.member(base, field, node);
      }
      case 'pointer_expression': {
        const op = node.childForFieldName('operator')?.type ?? node.child(0)?.type;
        if (op !== '*') throw unsupported(`'${squeeze(node.text)}' is not an lvalue`, this.line(node));
        const arg = node.childForFieldName('argument')!;
        return this.deref(this.evalExpr(arg), arg);
      }
      case 'subscript_expression': {
        const arg = node.childForFieldName('argument')!;
        const indexNode = node.childForFieldName('index')!;
        const base = this.evalExpr(arg);
        const index = this.toInt(this.evalExpr(indexNode), indexNode);
        const p = this.offsetPointer(base.k === 'ptr' ? base : (this.asPointer(base, arg) as Extract<Value, { k: 'ptr' }>), index.v, node);
        return this.deref(p, node);
      }
      default:
        throw unsupported(`'${squeeze(node.text)}' as an lvalue`, this.line(node));
    }
  }

  private asPointer(v: Value, node: SNode): Value {
    if (v.k === 'ptr') return v;
    if (v.k === 'lazy') return this.materializePointer(v.cell, VOID);
    throw unsupported(`'${squeeze(node.text)}' is not a pointer`, this.line(node));
  }

  /** The object a pointer value points at. */
  deref(v: Value, node: SNode): LValue {
    if (v.k === 'lazy') v = this.materializePointer(v.cell, VOID);
    if (v.k === 'int') {
      if (v.v === 0n) throw new StopRun('oops', `NULL pointer dereference at line ${this.line(node)} (${squeeze(node.text)})`, this.line(node));
      throw unsupported(`dereference of an integer (${squeeze(node.text)})`, this.line(node));
    }
    if (v.k === 'agg') return slotLValue(v.slot);
    if (v.k !== 'ptr') throw unsupported(`dereference of a non-pointer (${squeeze(node.text)})`, this.line(node));
    const p = v.p;
    if (p === null) throw new StopRun('oops', `NULL pointer dereference at line ${this.line(node)} (${squeeze(node.text)})`, this.line(node));
    switch (p.k) {
      case 'cell':
        if (p.cell.bound) return { k: 'obj', obj: p.cell.bound };
        return { k: 'cell', cell: p.cell };
      case 'obj':
        return p.obj.kind === 'u64_cell' ? { k: 'field', obj: p.obj, name: '*' } : { k: 'obj', obj: p.obj };
      case 'struct':
        return p.s.bound ? { k: 'obj', obj: p.s.bound } : { k: 'struct', s: p.s };
      case 'elem':
        return slotLValue(this.elementSlot(p.arr, p.index, node));
      case 'err':
        throw new StopRun('oops', `dereference of ERR_PTR(${p.errno}) at line ${this.line(node)}`, this.line(node));
      default:
        throw unsupported(`dereference of ${p.k === 'raw' ? 'a raw address' : p.k === 'str' ? 'a string' : 'a function'} (${squeeze(node.text)})`, this.line(node));
    }
  }

  /** `base.name`: a member of an interpreter struct or a model object. */
  member(base: LValue, name: string, node: SNode): LValue {
    switch (base.k) {
      case 'obj': {
        const spec = base.obj.fields().find((f) => f.name === name);
        if (spec?.kind === 'embedded') {
          const r = base.obj.getField(name);
          if (r.ok && isModelObject(r.value)) return { k: 'obj', obj: r.value };
        }
        return { k: 'field', obj: base.obj, name };
      }
      case 'struct':
        if (base.s.bound) return this.member({ k: 'obj', obj: base.s.bound }, name, node);
        return slotLValue(this.fieldSlot(base.s, name));
      case 'field': {
        // a struct member of a model object the model does not describe: invented memory
        if (!base.obj.fields().some((f) => f.name === base.name)) return this.member({ k: 'cell', cell: this.unknownField(base.obj, base.name) }, name, node);
        throw unsupported(`member '${name}' of ${base.obj.cType}.${base.name} (${squeeze(node.text)})`, this.line(node));
      }
      case 'cell': {
        const cell = base.cell;
        if (cell.bound) return this.member({ k: 'obj', obj: cell.bound }, name, node);
        if (cell.t.kind === 'struct') {
          cell.asStruct ??= new SimStruct(cell.t.name, cell.path, cell.external);
        }
        if (cell.t.kind === 'unknown' || cell.t.kind === 'struct') {
          cell.asStruct ??= new SimStruct('?', cell.path, cell.external);
          return this.member({ k: 'struct', s: cell.asStruct }, name, node);
        }
        throw unsupported(`member '${name}' of a non-struct (${squeeze(node.text)})`, this.line(node));
      }
      default:
        throw unsupported(`member '${name}' of ${base.k} (${squeeze(node.text)})`, this.line(node));
    }
  }

  /** The storage of field `name` of `s`, created on first use from the struct's definition. */
  fieldSlot(s: SimStruct, name: string): Slot {
    const existing = s.fields.get(name);
    if (existing) return existing;
    const typeText = s.name === '?' ? undefined : this.program.structFields(s.name)?.get(name);
    const t: CType = typeText ? this.typeFromText(typeText) : { kind: 'unknown', text: `${s.name === '?' ? '' : `struct ${s.name}.`}${name}` };
    const path = `${s.path}->${name}`;
    let slot: Slot;
    if (t.kind === 'struct' || t.kind === 'array') {
      slot = this.newSlot(t, path, s.external);
      if (slot instanceof SimStruct || slot instanceof SimArray) slot.zeroed = s.zeroed;
    } else {
      const cell = new Cell(t, undefined, path, s.external);
      if (s.zeroed) cell.v = t.kind === 'unknown' ? intValue(0n, ulong(this.arch)) : this.zeroOf(t);
      slot = cell;
    }
    s.fields.set(name, slot);
    this.parents.set(slot, { s, field: name });
    return slot;
  }

  elementSlot(arr: SimArray, index: number, node: SNode): Slot {
    if (index < 0 || (arr.len !== undefined && index >= arr.len)) {
      throw new StopRun('undefined', `index ${index} is outside ${arr.path}[${arr.len ?? '?'}] at line ${this.line(node)}`, this.line(node));
    }
    if (index > 65536) throw new StopRun('budget', `index ${index} of ${arr.path} is beyond what the simulator allocates`, this.line(node));
    let slot = arr.elems[index];
    if (!slot) {
      const path = `${arr.path}[${index}]`;
      slot = this.newSlot(arr.of, path, arr.external);
      if (slot instanceof Cell && arr.zeroed) slot.v = this.zeroOf(arr.of);
      else if ((slot instanceof SimStruct || slot instanceof SimArray) && arr.zeroed) slot.zeroed = true;
      arr.elems[index] = slot;
    }
    return slot;
  }

  addressOf(lv: LValue, node: SNode): Value {
    switch (lv.k) {
      case 'cell':
        if (lv.cell.bound) return { k: 'ptr', p: { k: 'obj', obj: lv.cell.bound }, to: { kind: 'struct', name: lv.cell.bound.cType.replace(/^struct /, '') } };
        return { k: 'ptr', p: { k: 'cell', cell: lv.cell }, to: lv.cell.t };
      case 'obj':
        return { k: 'ptr', p: { k: 'obj', obj: lv.obj }, to: { kind: 'struct', name: lv.obj.cType.replace(/^struct /, '') } };
      case 'struct':
        return { k: 'ptr', p: { k: 'struct', s: lv.s }, to: { kind: 'struct', name: lv.s.name } };
      case 'array':
        return { k: 'ptr', p: { k: 'elem', arr: lv.arr, index: 0 }, to: lv.arr.of };
      default:
        // a member the model does not describe (a lock, a counter): invented memory
        if (!lv.obj.fields().some((f) => f.name === lv.name)) return this.addressOf({ k: 'cell', cell: this.unknownField(lv.obj, lv.name) }, node);
        throw unsupported(`address of the model's ${lv.obj.cType}.${lv.name} (${squeeze(node.text)})`, this.line(node));
    }
  }

  read(lv: LValue, node: SNode): Value {
    switch (lv.k) {
      case 'cell':
        return this.readCell(lv.cell, node);
      case 'struct':
        return { k: 'agg', slot: lv.s, t: { kind: 'struct', name: lv.s.name } };
      case 'obj':
        return { k: 'agg', slot: lv.obj, t: { kind: 'struct', name: lv.obj.cType.replace(/^struct /, '') } };
      case 'array':
        return { k: 'ptr', p: { k: 'elem', arr: lv.arr, index: 0 }, to: lv.arr.of };
      case 'field': {
        const r = lv.obj.getField(lv.name);
        if (!r.ok) return this.readCell(this.unknownField(lv.obj, lv.name), node);
        if (typeof r.value === 'bigint') return intValue(r.value, intTypeNamed(r.cType, this.arch) ?? ULLONG);
        const t = this.typeFromText(r.cType);
        if (r.value === null) return nullPointer(t.kind === 'ptr' ? t.to : VOID);
        return { k: 'ptr', p: { k: 'obj', obj: r.value }, to: t.kind === 'ptr' ? t.to : t };
      }
    }
  }

  private unknownField(obj: ModelObject, name: string): Cell {
    const key = `${obj.id}.${name}`;
    let c = this.unknownFields.get(key);
    if (!c) {
      c = new Cell({ kind: 'unknown', text: `${obj.cType}.${name}` }, undefined, `${obj.id}->${name}`, true);
      this.unknownFields.set(key, c);
      this.run.approximate(`${obj.cType} has no field '${name}' in the model: its value was invented`);
    }
    return c;
  }

  private readCell(cell: Cell, node: SNode): Value {
    if (cell.bound) return { k: 'agg', slot: cell.bound, t: { kind: 'struct', name: cell.bound.cType.replace(/^struct /, '') } };
    if (cell.asStruct) return { k: 'agg', slot: cell.asStruct, t: { kind: 'struct', name: cell.asStruct.name } };
    if (cell.v !== undefined) return cell.v;
    if (!cell.external) throw new StopRun('undefined', `${cell.path} is read before it is set (line ${this.line(node)})`, this.line(node));
    const given = this.run.fieldInputs.get(cell.path);
    if (given) {
      cell.v = cell.t.kind === 'unknown' ? given : this.convert(given, cell.t, node);
      if (cell.t.kind === 'unknown' && given.k === 'int') cell.t = given.t;
      return cell.v;
    }
    if (cell.t.kind === 'unknown') return { k: 'lazy', cell };
    if (cell.t.kind === 'ptr') return this.materializePointer(cell, cell.t.to);
    if (isInt(cell.t)) return this.havocInt(cell, cell.t);
    throw unsupported(`reading ${cell.path}`, this.line(node));
  }

  /** An unknown-typed value used as an integer: a chosen input (or an unknown function's result). */
  materializeInt(cell: Cell): Value {
    if (cell.v && cell.v.k !== 'lazy') return cell.v;
    if (cell.unknownResultOf) return this.chooseResult(cell, INT);
    return this.havocInt(cell, ulong(this.arch));
  }

  /** One of the enumerated results of an unknown function, once its use gives it a type. */
  private chooseResult(cell: Cell, t: CType): Value {
    let options = this.unknownResults(t, false);
    if (cell.unknownSite) options = this.falsyOnly(cell.unknownSite, options);
    const i = options.length === 1 ? 0 : this.run.choices.choose(options.map((o) => `${cell.unknownResultOf}() returned ${o.label}`));
    const v = options[i]!.value;
    cell.v = v;
    cell.t = v.k === 'int' ? v.t : v.k === 'ptr' ? { kind: 'ptr', to: v.to } : t;
    return v;
  }

  private havocInt(cell: Cell, t: IntT): Value {
    const g = BigInt(this.run.spec.granule);
    const name = cell.path.split(/->|\./).pop() ?? cell.path;
    let candidates: bigint[];
    const lengthLike = /len|size|bytes|length|total/i.test(name);
    // Contract mode: one length, consistent with what the caller reserved (2 granules in all,
    // granule-sized segments, at most 2 of them), so invented values cannot break a mirror alone.
    if (lengthLike && this.run.contract) candidates = [segmentLength(cell.path) ? g : this.run.contract.total];
    else if (lengthLike) candidates = [g, 1n, 0n];
    else if (/^(nr|num|count|nents|n)_?|_(nr|count|cnt|num)$/i.test(name)) candidates = [1n, 2n, 0n];
    else if (/phys|paddr|addr/i.test(name) || t.name === 'phys_addr_t' || t.name === 'dma_addr_t') candidates = this.run.contract ? [PHYS_BASE] : [PHYS_BASE, PHYS_BASE + 0x234n];
    else candidates = [0n, 1n];
    const i = this.run.choices.choose(candidates.map((c) => `${cell.path} = 0x${c.toString(16)}`));
    this.run.approximate(`${cell.path} is not known to the simulator: values were tried, not proven`);
    const value = wrapTo(candidates[i]!, t);
    const v = intValue(value, t);
    this.run.invented.push({ path: cell.path, value, signed: t.signed });
    cell.v = v;
    if (cell.t.kind === 'unknown') cell.t = t;
    return v;
  }

  /** An unknown-typed value used as a pointer: memory the simulator invents. */
  materializePointer(cell: Cell, to: CType): Value {
    if (cell.v && cell.v.k === 'ptr') return cell.v;
    if (cell.unknownResultOf) return this.chooseResult(cell, { kind: 'ptr', to });
    // memory the simulator invents behind the pointer: a struct, or one scalar (an element of
    // an array of integers or pointers, `pfns[idx]`, `page_list[i]`)
    const scalar = to.kind === 'int' || to.kind === 'ptr';
    const target: Pointer = scalar ? { k: 'cell', cell: new Cell(to, undefined, `*${cell.path}`, true) } : { k: 'struct', s: new SimStruct(to.kind === 'struct' ? to.name : '?', cell.path, true) };
    const v: Value = { k: 'ptr', p: target, to };
    cell.v = v;
    if (cell.t.kind === 'unknown') cell.t = { kind: 'ptr', to };
    return v;
  }

  /** Stores `v` converted to the lvalue's type; returns the stored value. */
  write(lv: LValue, v: Value, node: SNode): Value {
    switch (lv.k) {
      case 'cell': {
        const cell = lv.cell;
        if (cell.bound || cell.asStruct) return this.write(cell.bound ? { k: 'obj', obj: cell.bound } : { k: 'struct', s: cell.asStruct! }, v, node);
        if (cell.t.kind === 'unknown') {
          if (v.k === 'lazy') v = this.materializeInt(v.cell);
          cell.v = v;
          if (v.k === 'int') cell.t = v.t;
          else if (v.k === 'ptr') cell.t = { kind: 'ptr', to: v.to };
        } else if (cell.t.kind === 'struct' && v.k === 'agg') {
          cell.asStruct ??= new SimStruct(cell.t.name, cell.path, false);
          this.copyAggregate({ k: 'struct', s: cell.asStruct }, v, node);
        } else cell.v = this.convert(v, cell.t, node);
        cell.written = true;
        return cell.v ?? v;
      }
      case 'field': {
        const spec = lv.obj.fields().find((f) => f.name === lv.name);
        if (!spec) {
          this.run.approximate(`${lv.obj.cType}.${lv.name} is not in the model: the write was ignored`);
          return v;
        }
        let raw: bigint | ModelObject | null;
        if (spec.kind === 'int') {
          const t = intTypeNamed(spec.cType, this.arch) ?? ULLONG;
          raw = this.convertInt(v, t, node).v;
        } else {
          const p = this.convert(v, this.typeFromText(spec.cType), node);
          raw = p.k === 'ptr' && p.p?.k === 'obj' ? p.p.obj : null;
        }
        const r = lv.obj.setField(lv.name, raw);
        if (!r.ok) throw unsupported(`${r.error} (line ${this.line(node)})`, this.line(node));
        if (lv.obj.kind === 'dma_iova_state') this.run.stateWrites.add(lv.obj as never);
        if (typeof r.value === 'bigint') return intValue(r.value, intTypeNamed(r.cType, this.arch) ?? ULLONG);
        return v;
      }
      case 'struct':
      case 'obj':
        if (v.k !== 'agg') throw unsupported(`assigning a scalar to a struct (${squeeze(node.text)})`, this.line(node));
        this.copyAggregate(lv, v, node);
        return v;
      default:
        throw unsupported(`assignment to an array (${squeeze(node.text)})`, this.line(node));
    }
  }

  /** Struct assignment: copies every field (model states by their two fields). */
  copyAggregate(dst: LValue, src: Extract<Value, { k: 'agg' }>, node: SNode): void {
    const from = src.slot;
    if (dst.k === 'obj') {
      if (!isModelObject(from) || from.kind !== dst.obj.kind) throw unsupported(`struct copy into ${dst.obj.cType} from another type`, this.line(node));
      for (const f of dst.obj.fields()) {
        if (!f.writable) continue;
        const r = from.getField(f.name);
        if (r.ok) dst.obj.setField(f.name, r.value);
      }
      if (dst.obj.kind === 'dma_iova_state') this.run.stateWrites.add(dst.obj as never);
      return;
    }
    if (dst.k !== 'struct' || !(from instanceof SimStruct)) throw unsupported(`struct copy (${squeeze(node.text)})`, this.line(node));
    if (from.bound) throw unsupported('struct copy of a model object into interpreter memory', this.line(node));
    dst.s.fields.clear();
    dst.s.zeroed = from.zeroed;
    for (const [name, slot] of from.fields) {
      if (slot instanceof Cell) {
        const c = new Cell(slot.t, slot.v, `${dst.s.path}.${name}`, slot.external);
        c.bound = slot.bound;
        dst.s.fields.set(name, c);
      } else dst.s.fields.set(name, slot);
    }
  }

  // ---- conversions -------------------------------------------------------------------------

  toInt(v: Value, node: SNode): { v: bigint; t: IntT } {
    if (v.k === 'int') return { v: v.v, t: v.t };
    if (v.k === 'lazy') return this.toInt(this.materializeInt(v.cell), node);
    if (v.k === 'ptr') {
      const p = v.p;
      if (p === null) return { v: 0n, t: ulong(this.arch) };
      if (p.k === 'raw') return { v: p.addr, t: ulong(this.arch) };
      if (p.k === 'err') return { v: wrapTo(-p.errno, slong(this.arch)), t: slong(this.arch) };
      throw unsupported(`a pointer used as an integer (${squeeze(node.text)})`, this.line(node));
    }
    throw unsupported(`${v.k === 'agg' ? 'a struct' : 'void'} used as an integer (${squeeze(node.text)})`, this.line(node));
  }

  convertInt(v: Value, t: IntT, node: SNode): { v: bigint; t: IntT } {
    if (t.bits === 1 && v.k === 'ptr') return { v: this.truth(v, node) ? 1n : 0n, t };
    // an unknown function's result stored as a phys_addr_t, a bool...: its results are that type's
    if (v.k === 'lazy' && v.cell.unknownResultOf && !v.cell.v) v = this.chooseResult(v.cell, t);
    const x = this.toInt(v, node);
    return { v: wrapTo(x.v, t), t };
  }

  truth(v: Value, node: SNode): boolean {
    if (v.k === 'ptr') return v.p !== null;
    if (v.k === 'lazy') return this.truth(this.materializeInt(v.cell), node);
    return this.toInt(v, node).v !== 0n;
  }

  convert(v: Value, t: CType, node: SNode): Value {
    switch (t.kind) {
      case 'int':
        return intValue(this.convertInt(v, t, node).v, t);
      case 'ptr': {
        if (v.k === 'lazy') v = this.materializePointer(v.cell, t.to);
        if (v.k === 'int') {
          if (v.v === 0n) return nullPointer(t.to);
          return { k: 'ptr', p: { k: 'raw', addr: BigInt.asUintN(64, v.v) }, to: t.to };
        }
        if (v.k === 'agg') throw unsupported(`a struct converted to a pointer (${squeeze(node.text)})`, this.line(node));
        if (v.k !== 'ptr') throw unsupported(`void converted to a pointer (${squeeze(node.text)})`, this.line(node));
        if (v.p && t.to.kind === 'struct') return { k: 'ptr', p: this.bindPointer(v.p, t.to.name), to: t.to };
        if (v.p?.k === 'struct' && v.p.s.allocated && v.p.s.name === '?' && v.p.s.fields.size === 0 && (t.to.kind === 'int' || t.to.kind === 'ptr')) {
          // kcalloc(n, sizeof(u64)) stored in a u64 *: an array of scalars
          const s = v.p.s;
          let arr = this.scalarArrays.get(s);
          if (!arr) {
            arr = new SimArray(t.to, undefined, s.path, false);
            arr.zeroed = s.zeroed;
            this.scalarArrays.set(s, arr);
          }
          return { k: 'ptr', p: { k: 'elem', arr, index: 0 }, to: t.to };
        }
        return { k: 'ptr', p: v.p, to: t.to };
      }
      case 'struct':
        if (v.k === 'agg') return v;
        if (v.k === 'lazy') {
          v.cell.asStruct ??= new SimStruct(t.name, v.cell.path, v.cell.external);
          return { k: 'agg', slot: v.cell.asStruct, t };
        }
        throw unsupported(`a scalar converted to struct ${t.name} (${squeeze(node.text)})`, this.line(node));
      case 'void':
        return VOID_VALUE;
      case 'array':
        return v;
      default:
        return v.k === 'lazy' ? v : v;
    }
  }

  /**
   * A pointer converted to `struct name *`: memory the simulator invented (a parameter's pointee,
   * kmalloc, an unknown-typed field) becomes the model object the type names (a device, a state).
   */
  bindPointer(p: Pointer, structName: string): Pointer {
    const kind = modelStructKind(structName);
    if (p.k === 'struct') {
      if (p.s.bound) return { k: 'obj', obj: p.s.bound };
      if (kind && (p.s.name === '?' || p.s.name === structName)) {
        const obj = newModelObjectFor(this.run, structName, p.s.zeroed);
        if (obj) {
          p.s.bound = obj;
          if (obj.kind === 'dma_iova_state') this.run.stateCreated(p.s.path, obj as DmaIovaStateObj);
          return { k: 'obj', obj };
        }
      }
      if (p.s.name === '?') p.s.name = structName;
      return p;
    }
    if (p.k === 'cell') {
      if (p.cell.bound) return { k: 'obj', obj: p.cell.bound };
      if (kind && p.cell.t.kind === 'unknown' && (p.cell.v === undefined || p.cell.v.k === 'lazy' || p.cell.zeroFilled)) {
        const obj = newModelObjectFor(this.run, structName);
        if (obj) {
          p.cell.bound = obj;
          if (obj.kind === 'dma_iova_state') this.run.stateCreated(p.cell.path, obj as DmaIovaStateObj);
          return { k: 'obj', obj };
        }
      }
      if (p.cell.t.kind === 'unknown' && !p.cell.asStruct && (p.cell.v === undefined || p.cell.v.k === 'lazy')) {
        p.cell.t = { kind: 'struct', name: structName };
      }
    }
    return p;
  }

  // ---- calls -------------------------------------------------------------------------------

  private call(node: SNode): Value {
    const fnNode = node.childForFieldName('function')!;
    const argNodes = (node.childForFieldName('arguments')?.namedChildren ?? []).filter((c) => c.type !== 'comment');
    const name = fnNode.type === 'identifier' ? fnNode.text : undefined;
    const line = this.line(node);
    if (name && !this.lookup(name)) {
      if (hasBuiltin(name) && !this.program.fn(name)) return callBuiltin(this, name, node, argNodes);
      const cf = this.program.fn(name);
      if (cf) {
        const args = argNodes.map((a) => this.evalExpr(a));
        this.run.calls.push({ fn: name, line, args: args.map((a) => (a.k === 'int' ? a.v : undefined)), via: 'interpreted', injected: false });
        return this.callFunction(cf, args, node);
      }
      const macro = this.program.functionMacro(name);
      if (macro) return this.expandMacro(name, macro.params, macro.body, argNodes, node);
      if (isModelCallee(name)) {
        const args = argNodes.map((a) => this.evalExpr(a));
        return callModelFunction(this, name, args, node);
      }
      return this.unknownCall(name, argNodes, node);
    }
    // a call through a pointer
    const target = this.evalExpr(fnNode);
    if (target.k === 'ptr' && target.p?.k === 'fn') {
      const cf = this.program.fn(target.p.name);
      const args = argNodes.map((a) => this.evalExpr(a));
      if (cf) return this.callFunction(cf, args, node);
      if (isModelCallee(target.p.name)) return callModelFunction(this, target.p.name, args, node);
    }
    return this.unknownCall(squeeze(fnNode.text), argNodes, node);
  }

  /** A function-like macro of the change, expanded by value (arguments evaluated once). */
  private expandMacro(name: string, params: string[], body: SNode, argNodes: SNode[], node: SNode): Value {
    if (params.length !== argNodes.length) throw unsupported(`macro ${name} takes ${params.length} arguments`, this.line(node));
    if (this.defineStack.has(name)) throw unsupported(`recursive macro ${name}`, this.line(node));
    const scope = new Map<string, Binding>();
    params.forEach((p, i) => {
      const v = this.evalExpr(argNodes[i]!);
      const t: CType = v.k === 'int' ? v.t : v.k === 'ptr' ? { kind: 'ptr', to: v.to } : { kind: 'unknown', text: p };
      const cell = new Cell(t, v, p);
      scope.set(p, { slot: cell, t });
    });
    this.frame.scopes.push(scope);
    this.defineStack.add(name);
    try {
      return this.evalExpr(body);
    } finally {
      this.defineStack.delete(name);
      this.frame.scopes.pop();
    }
  }

  /** A function neither in the change, the model nor the built-ins: its result is chosen. */
  unknownCall(name: string, argNodes: SNode[], node: SNode): Value {
    const args = argNodes.map((a) => this.evalExpr(a));
    const line = this.line(node);
    for (const a of args) {
      if (a.k === 'ptr' && a.p && ['cell', 'struct', 'elem'].includes(a.p.k)) {
        this.run.approximate(`${name}() (line ${line}) is not in the change or the model: what it writes through its pointer arguments is not known`);
        break;
      }
    }
    for (const a of args) if (a.k === 'ptr' && a.p) this.writtenByUnknown(a.p);
    for (const a of args) {
      if (a.k === 'ptr' && a.p?.k === 'obj' && a.p.obj.kind === 'dma_iova_state') {
        this.run.approximate(`${name}() (line ${line}) receives a dma_iova_state and is not in the change or the model`);
        break;
      }
    }
    const retText = this.program.prototypeReturn(name);
    const failing = this.run.shouldFail(name, isAllocator(name) ? 'allocations' : undefined);
    if (!retText && !failing) {
      // No declaration in the change: the result's type is whatever the code uses it as.
      const cell = new Cell({ kind: 'unknown', text: `${name}()` }, undefined, `${name}()`, true);
      cell.unknownResultOf = name;
      cell.unknownSite = this.siteCount(node) > UNKNOWN_SITE_ROUNDS ? `${name}() called again at line ${line}` : undefined;
      this.run.calls.push({ fn: name, line, args: args.map((a) => (a.k === 'int' ? a.v : undefined)), via: 'unknown', injected: false });
      this.run.addEntry({
        fn: name,
        args: Object.fromEntries(args.map((a, j) => [`arg${j + 1}`, describeValue(a)])),
        events: [{ kind: 'info', what: 'nondeterministic', message: `${name}() is not in the change or the model: its result is chosen where it is used` }],
        line,
      });
      return { k: 'lazy', cell };
    }
    const t = retText ? this.typeFromText(retText) : INT;
    const options = this.boundedAtSite(name, node, this.unknownResults(t, failing));
    const i = options.length === 1 ? 0 : this.run.choices.choose(options.map((o) => `${name}() returned ${o.label}`));
    const chosen = options[i]!;
    this.run.calls.push({ fn: name, line, args: args.map((a) => (a.k === 'int' ? a.v : undefined)), via: 'unknown', injected: failing });
    const entry = {
      fn: name,
      args: Object.fromEntries(args.map((a, j) => [`arg${j + 1}`, describeValue(a)])),
      ...(chosen.value.k === 'void' ? {} : { result: chosen.label }),
      events: [
        {
          kind: 'info' as const,
          what: failing ? 'injected-failure' : 'nondeterministic',
          message: failing ? `${name}() made to fail by the simulator` : `${name}() is not in the change or the model: result chosen by the simulator`,
        },
      ],
      line,
    };
    this.run.addEntry(entry);
    return chosen.value;
  }

  /**
   * Memory an unknown function was handed a pointer to: what it did not hold yet becomes an input
   * (a struct the callee fills, `first_segment(req, &vec)`), read as invented values later.
   */
  writtenByUnknown(p: Pointer): void {
    if (p.k === 'struct') {
      if (p.s.bound) return;
      p.s.external = true;
      for (const slot of p.s.fields.values()) if (slot instanceof Cell && slot.v === undefined) slot.external = true;
    } else if (p.k === 'cell') {
      if (p.cell.bound) return;
      if (p.cell.asStruct) this.writtenByUnknown({ k: 'struct', s: p.cell.asStruct });
      else if (p.cell.v === undefined) p.cell.external = true;
    } else if (p.k === 'elem') {
      p.arr.external = true;
    }
  }

  /** How many times this call site ran before in this run (counting this call). */
  private siteCount(node: SNode): number {
    const n = (this.run.unknownSiteCalls.get(node.id) ?? 0) + 1;
    this.run.unknownSiteCalls.set(node.id, n);
    return n;
  }

  /**
   * Results of an unknown function called again and again at one site (a loop driven by it,
   * `while (next_segment(...))`): after UNKNOWN_SITE_ROUNDS calls only its zero / false / NULL
   * result, so the loop is followed for that many iterations instead of to the loop budget.
   */
  private boundedAtSite(name: string, node: SNode, options: Array<{ value: Value; label: string }>): Array<{ value: Value; label: string }> {
    if (this.siteCount(node) <= UNKNOWN_SITE_ROUNDS) return options;
    return this.falsyOnly(`${name}() called again at line ${this.line(node)}`, options);
  }

  private falsyOnly(what: string, options: Array<{ value: Value; label: string }>): Array<{ value: Value; label: string }> {
    const falsy = options.filter((o) => (o.value.k === 'int' && o.value.v === 0n) || (o.value.k === 'ptr' && o.value.p === null));
    if (falsy.length === 0 || falsy.length === options.length) return options;
    this.run.approximate(`${what}: later calls returned ${falsy[0]!.label} (a loop it drives ends there)`);
    return falsy.slice(0, 1);
  }

  private unknownResults(t: CType, failing: boolean): Array<{ value: Value; label: string }> {
    const g = BigInt(this.run.spec.granule);
    if (t.kind === 'void') return [{ value: VOID_VALUE, label: 'void' }];
    if (t.kind === 'ptr') {
      const nul = { value: nullPointer(t.to), label: 'NULL' };
      if (failing) return [nul];
      const obj = t.to.kind === 'struct' ? newModelObjectFor(this.run, t.to.name) : undefined;
      const target: Pointer = obj ? { k: 'obj', obj } : { k: 'struct', s: new SimStruct(t.to.kind === 'struct' ? t.to.name : '?', 'result', true) };
      return [{ value: { k: 'ptr', p: target, to: t.to }, label: 'a valid pointer' }, nul];
    }
    if (isInt(t)) {
      const mk = (v: bigint, label?: string) => ({ value: intValue(wrapTo(v, t), t), label: label ?? (t.signed ? wrapTo(v, t).toString() : `0x${wrapTo(v, t).toString(16)}`) });
      if (t.bits === 1) return failing ? [mk(0n, 'false')] : [mk(1n, 'true'), mk(0n, 'false')];
      if (t.signed) return failing ? [mk(-12n, '-ENOMEM')] : [mk(0n), mk(-12n, '-ENOMEM'), mk(-5n, '-EIO'), mk(1n)];
      if (failing) return [mk(0n)];
      if (t.bits === 64 && /dma_addr_t|phys_addr_t/.test(t.name)) return [mk(PHYS_BASE), mk(0n)];
      return [mk(g), mk(0n), mk(1n)];
    }
    return [{ value: intValue(0n, INT), label: '0' }];
  }
}

// ---- helpers -------------------------------------------------------------------------------

/**
 * Is an invented length one segment's (an array element's, an iterator's, a range's or an
 * entry's: one granule) rather than the whole buffer's (what the caller reserved)?
 */
function segmentLength(path: string): boolean {
  const parts = path.split(/->|\./);
  if (/total|mapped|payload/i.test(parts[parts.length - 1] ?? '')) return false;
  if (path.includes('[')) return true;
  return parts.some((part) => /vec|seg|^\*?sge?$|sg_|range|entry|page|frag|chunk|elem|desc/i.test(part));
}

/** Calls of one unknown function at one site whose every result is tried; later ones end loops. */
const UNKNOWN_SITE_ROUNDS = 1;

/** The declarator's name node (`x` in `*x[4]`, `x = 3`). */
function declaratorName(d: SNode): SNode | undefined {
  let cur: SNode | null = d;
  for (let budget = 32; cur && budget > 0; budget--) {
    if (cur.type === 'identifier' || cur.type === 'field_identifier' || cur.type === 'type_identifier') return cur;
    cur = cur.childForFieldName('declarator') ?? cur.namedChildren.find((c) => c.type.endsWith('declarator') || c.type === 'identifier') ?? null;
  }
  return undefined;
}

/** The type a declarator gives its name, as text ("struct seg *", "u64 [4]"). */
function declaredTypeText(decl: SNode, d: SNode): string {
  const typeNode = decl.childForFieldName('type');
  const specs = decl.namedChildren.filter((c) => c.type === 'type_qualifier' || c === typeNode).map((c) => c.text);
  const inner = d.type === 'init_declarator' ? (d.childForFieldName('declarator') ?? d) : d;
  const name = declaratorName(inner);
  const text = inner.text;
  const declText = name ? text.slice(0, name.startIndex - inner.startIndex) + text.slice(name.endIndex - inner.startIndex) : '';
  return normalizeTypeText(`${specs.join(' ')} ${declText}`);
}

const lineCache = new WeakMap<ParsedFile, string[]>();

/** The text of a 1-based line of a file, trimmed. */
export function lineText(file: ParsedFile, line: number): string {
  let lines = lineCache.get(file);
  if (!lines) {
    lines = file.text.split('\n');
    lineCache.set(file, lines);
  }
  return (lines[line - 1] ?? '').trim();
}

function contains(outer: SNode, inner: SNode): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}

export function squeeze(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 80 ? `${t.slice(0, 77)}...` : t;
}

function isConstantish(n: SNode | null): boolean {
  return !!n && (n.type === 'number_literal' || /^[A-Z_][A-Z0-9_]*$/.test(n.text) || (n.type === 'unary_expression' && n.text.length < 40) || n.type === 'cast_expression');
}

/** The C type of an integer literal (C11 6.4.4.1) in a data model. */
export function literalType(lit: { value: bigint; unsigned: boolean; longs: number; radix: number }, arch: 64 | 32): IntT {
  const long = slong(arch);
  const ul = ulong(arch);
  const decimal = lit.radix === 10;
  let candidates: IntT[];
  if (lit.longs === 0) candidates = lit.unsigned ? [UINT, ul, ULLONG] : decimal ? [INT, long, LLONG] : [INT, UINT, long, ul, LLONG, ULLONG];
  else if (lit.longs === 1) candidates = lit.unsigned ? [ul, ULLONG] : decimal ? [long, LLONG] : [long, ul, LLONG, ULLONG];
  else candidates = lit.unsigned ? [ULLONG] : decimal ? [LLONG] : [LLONG, ULLONG];
  for (const t of candidates) {
    const max = t.signed ? (1n << BigInt(t.bits - 1)) - 1n : (1n << BigInt(t.bits)) - 1n;
    if (lit.value <= max) return t;
  }
  return ULLONG;
}

function charValue(text: string): bigint {
  const body = text.replace(/^[LuU8]*'/, '').replace(/'$/, '');
  if (!body.startsWith('\\')) return BigInt(body.codePointAt(0) ?? 0);
  const esc = body.slice(1);
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, '0': 0, '\\': 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, v: 11 };
  if (esc.startsWith('x')) return BigInt(parseInt(esc.slice(1), 16) || 0);
  if (/^[0-7]+$/.test(esc)) return BigInt(parseInt(esc, 8));
  return BigInt(simple[esc] ?? 0);
}

/** How a value is shown in a trace argument. */
export function describeValue(v: Value): string {
  switch (v.k) {
    case 'int':
      return v.t.signed ? v.v.toString() : v.t.bits === 1 ? (v.v ? 'true' : 'false') : `0x${v.v.toString(16)}`;
    case 'ptr': {
      const p = v.p;
      if (p === null) return 'NULL';
      switch (p.k) {
        case 'obj':
          return p.obj.id;
        case 'raw':
          return `0x${p.addr.toString(16)}`;
        case 'str':
          return p.text.length > 40 ? `${p.text.slice(0, 37)}..."` : p.text;
        case 'err':
          return `ERR_PTR(-${p.errno})`;
        case 'fn':
          return p.name;
        case 'cell':
          return `&${p.cell.path}`;
        case 'struct':
          return p.s.bound ? p.s.bound.id : `&${p.s.path}`;
        case 'elem':
          return `&${p.arr.path}[${p.index}]`;
      }
      return '?';
    }
    case 'agg':
      return isModelObject(v.slot) ? v.slot.id : v.slot.path;
    case 'lazy':
      return v.cell.path;
    default:
      return 'void';
  }
}

const ALLOCATORS = /^(k[mzv]?alloc|kzalloc|kcalloc|kvzalloc|kvcalloc|kmalloc_array|kvmalloc_array|kmalloc_node|kzalloc_node|devm_k[mz]alloc|devm_kcalloc|kmem_cache_z?alloc|mempool_alloc|dma_pool_z?alloc|alloc_pages?|__get_free_pages?|get_zeroed_page|vmalloc|vzalloc)$/;

export function isAllocator(name: string): boolean {
  return ALLOCATORS.test(name);
}

/** Types of model object fields by struct name, for static typing. */
function modelFieldType(structName: string, field: string): string | undefined {
  const table: Record<string, Record<string, string>> = {
    dma_iova_state: { addr: 'dma_addr_t', __size: 'u64' },
    device: { coherent_dma_mask: 'u64', bus_dma_limit: 'u64', dma_mask: 'u64 *' },
    iova_domain: { granule: 'unsigned long', start_pfn: 'unsigned long' },
  };
  return table[structName]?.[field];
}

export { BOOL, UINT };
