// Parameters of the function a run starts in: their C types, the role each plays for the model
// (from the contracts of the calls it flows into, else from its name and type), and the inputs a
// run gives them: the request's values, else representative values of the role.
import type { SyntaxNode } from '../c/index.js';
import { contractFor, type ParamRole } from '../model/index.js';
import { parseTypeText, type Arch, type CType } from './ctype.js';
import type { ChangeFunctionLike, Program } from './program.js';

export interface ParamInfo {
  name: string;
  typeText: string;
  t: CType;
  role?: ParamRole;
}

/** Roles the SimRequest table names, plus the model's own role names. */
const ROLE_ALIASES: Record<string, ParamRole> = {
  size: 'size',
  len: 'size',
  length: 'size',
  phys: 'phys',
  paddr: 'phys',
  mask: 'mask',
  offset: 'offset',
  state: 'state',
  dev: 'device',
  device: 'device',
  dir: 'dir',
  attrs: 'attrs',
  addr: 'dma-addr',
  dma: 'dma-addr',
  'dma-addr': 'dma-addr',
  bits: 'bits',
  nents: 'nents',
};

export function roleOfKey(key: string): ParamRole | undefined {
  return ROLE_ALIASES[key];
}

/** Roles a caller's parameter can play that the simulator gives inputs for. */
const CALLER_ROLES: ReadonlySet<ParamRole> = new Set(['device', 'state', 'phys', 'size', 'offset', 'mask', 'dir', 'attrs', 'page', 'bits', 'nents']);

/** The parameters of `cf` with their types and roles. */
export function analyzeParams(cf: ChangeFunctionLike, program: Program, arch: Arch): ParamInfo[] {
  const params = cf.fn.params.filter((p) => p.name !== '' && p.name !== '...');
  const flowRoles = rolesByFlow(cf, program, 0);
  return params.map((p, i) => {
    const t = parseTypeText(p.type, arch);
    const flow = flowRoles.get(i);
    const role = (flow && CALLER_ROLES.has(flow) ? flow : undefined) ?? roleByName(p.name, t, p.type);
    return role ? { name: p.name, typeText: p.type, t, role } : { name: p.name, typeText: p.type, t };
  });
}

/** Parameter index → role, from the contract parameters (or interpreted callees) its value reaches. */
function rolesByFlow(cf: ChangeFunctionLike, program: Program, depth: number): Map<number, ParamRole> {
  const out = new Map<number, ParamRole>();
  const strength = new Map<number, number>();
  const names = cf.fn.params.map((p) => p.name);
  const body = cf.fn.body;
  if (!body || depth > 2) return out;
  // locals initialised from one parameter (`size_t len = size;`) count as that parameter
  const alias = new Map<string, number>();
  for (const decl of body.descendantsOfType('init_declarator')) {
    const name = decl.childForFieldName('declarator')?.text;
    const value = decl.childForFieldName('value');
    if (!name || !value) continue;
    const idx = names.indexOf(stripParens(value).text);
    if (idx >= 0) alias.set(name, idx);
  }
  const indexOf = (id: string): number => {
    const i = names.indexOf(id);
    return i >= 0 ? i : (alias.get(id) ?? -1);
  };
  for (const call of body.descendantsOfType('call_expression')) {
    const callee = call.childForFieldName('function')?.text ?? '';
    const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((c) => c.type !== 'comment');
    let roles: Array<ParamRole | undefined> | undefined;
    const contract = contractFor(callee);
    if (contract) roles = contract.params.map((p) => p.role);
    else {
      const inner = program.fn(callee);
      if (inner && inner !== cf) {
        const innerRoles = rolesByFlow(inner, program, depth + 1);
        const innerParams = inner.fn.params.map((p, i) => innerRoles.get(i) ?? roleByName(p.name, parseTypeText(p.type, 64), p.type));
        roles = innerParams;
      }
    }
    if (!roles) continue;
    args.forEach((a, i) => {
      const role = roles![i];
      if (!role) return;
      const bare = stripParens(a);
      // `npages * PAGE_SIZE`: the parameter counts segments, the product is the size
      if (role === 'size' && bare.type === 'binary_expression' && bare.childForFieldName('operator')?.type === '*') {
        for (const side of [bare.childForFieldName('left'), bare.childForFieldName('right')]) {
          const id = side ? stripParens(side) : undefined;
          const idx = id?.type === 'identifier' ? indexOf(id.text) : -1;
          if (idx >= 0 && (strength.get(idx) ?? 0) < 2) {
            out.set(idx, 'nents');
            strength.set(idx, 2);
          }
        }
      }
      const direct = bare.type === 'identifier' ? indexOf(bare.text) : -1;
      if (direct >= 0) {
        if ((strength.get(direct) ?? 0) < 2) {
          out.set(direct, role);
          strength.set(direct, 2);
        }
        return;
      }
      for (const id of bare.descendantsOfType('identifier')) {
        const idx = indexOf(id.text);
        if (idx >= 0 && (strength.get(idx) ?? 0) < 1 && ['size', 'phys', 'mask', 'offset'].includes(role)) {
          out.set(idx, role);
          strength.set(idx, 1);
        }
      }
    });
  }
  // a parameter that bounds a loop counter (`for (i = 0; i < nr_ranges; i++)`) counts iterations
  for (const loop of body.descendantsOfType('for_statement')) {
    const cond = loop.childForFieldName('condition');
    if (cond?.type !== 'binary_expression' || !['<', '<=', '!=', '>', '>='].includes(cond.childForFieldName('operator')?.type ?? '')) continue;
    for (const side of [cond.childForFieldName('left'), cond.childForFieldName('right')]) {
      const id = side ? stripParens(side) : undefined;
      const idx = id?.type === 'identifier' ? names.indexOf(id.text) : -1;
      if (idx >= 0 && !out.has(idx)) out.set(idx, 'nents');
    }
  }
  return out;
}

function stripParens(n: SyntaxNode): SyntaxNode {
  let cur = n;
  while (cur.type === 'parenthesized_expression' || cur.type === 'cast_expression') {
    const inner = cur.type === 'cast_expression' ? cur.childForFieldName('value') : cur.namedChildren.find((c) => c.type !== 'comment');
    if (!inner) break;
    cur = inner;
  }
  return cur;
}

/** A role from the name and type alone. */
export function roleByName(name: string, t: CType, typeText: string): ParamRole | undefined {
  const n = name.toLowerCase();
  if (t.kind === 'ptr' && t.to.kind === 'struct') {
    if (t.to.name === 'device') return 'device';
    if (t.to.name === 'dma_iova_state') return 'state';
    if (t.to.name === 'page') return 'page';
  }
  if (t.kind !== 'int') return undefined;
  if (/dma_data_direction/.test(typeText) || n === 'dir' || n === 'direction') return 'dir';
  if (n === 'attrs') return 'attrs';
  if (/phys_addr_t/.test(typeText) || /^(phys|paddr|phys_addr|pa)$/.test(n)) return 'phys';
  if (/mask|limit/.test(n)) return 'mask';
  if (/^(size|len|length|nbytes|bytes|mapped_len|total_len|sz|count)$/.test(n) || /_(len|size)$/.test(n)) return 'size';
  if (/^(offset|off|iova_off|start)$/.test(n)) return 'offset';
  if (/bits/.test(n)) return 'bits';
  if (/dma_addr_t/.test(typeText) || /^(addr|dma_addr|iova|dma)$/.test(n)) return 'dma-addr';
  return undefined;
}

/**
 * Representative values of a role (C expressions over G, PHYS_BASE and the scenario's mask),
 * first the most ordinary. `undefined` when the role has none: the value is a sample.
 */
export function defaultCases(role: ParamRole | undefined): string[] | undefined {
  switch (role) {
    case 'size':
      return ['G+1', 'G'];
    case 'phys':
      return ['PHYS_BASE+0x234', 'PHYS_BASE'];
    case 'offset':
      return ['0'];
    case 'mask':
      return ['SCENARIO_MASK'];
    case 'dir':
      return ['0'];
    case 'attrs':
      return ['0'];
    case 'bits':
      return ['SCENARIO_MASK_BITS'];
    case 'nents':
      // two segments first: what goes wrong between links shows from the second one on
      return ['2', '1'];
    default:
      return undefined;
  }
}

/** Finds the parameter an input key names: its name, else a role it plays. */
export function paramForKey(params: readonly ParamInfo[], key: string): ParamInfo | undefined {
  const byName = params.find((p) => p.name === key);
  if (byName) return byName;
  const role = roleOfKey(key);
  if (!role) return undefined;
  const withRole = params.filter((p) => p.role === role);
  if (withRole.length === 1) return withRole[0];
  return withRole.find((p) => p.name.toLowerCase().includes(key)) ?? withRole[0];
}
