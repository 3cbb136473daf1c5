// Safety (issue 5 item 7): random statement trees and random C text go through the interpreter;
// every run ends within its budgets with a value (returned or stopped), and nothing escapes the
// simulator as an exception.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFile } from '../../c/index.js';
import { DEFAULT_SCENARIO, type ScenarioSpec } from '../../model/index.js';
import { createSimulator, runOnce } from '../../sim/index.js';

const VARS = ['a', 'b', 'n', 'len'];
const CALLEES = [
  'dma_iova_try_alloc(dev, state, b, len)',
  'dma_iova_link(dev, state, b, a, len, DMA_TO_DEVICE, 0)',
  'dma_iova_sync(dev, state, 0, len)',
  'dma_iova_destroy(dev, state, len, DMA_TO_DEVICE, 0)',
  'dma_iova_free(dev, state)',
  'dma_iova_size(state)',
  'dma_get_mask(dev)',
  'frob(a)',
  'WARN_ON_ONCE(a > b)',
  'min(a, b)',
  'ALIGN(len, 4096)',
  'check_add_overflow(a, b, &len)',
  'helper(a)',
];

const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...VARS),
    fc.constantFrom('0', '1', '-1', '4096', '0xffffffff', '1ULL << 63', 'SIZE_MAX', 'PAGE_SIZE', 'G'),
    fc.tuple(tie('e'), fc.constantFrom('+', '-', '*', '/', '%', '<<', '>>', '&', '|', '^', '<', '==', '!=', '&&', '||'), tie('e')).map(([l, op, r]) => `(${l} ${op} ${r})`),
    fc.tuple(fc.constantFrom('!', '~', '-'), tie('e')).map(([op, x]) => `${op}(${x})`),
    fc.tuple(fc.constantFrom('u8', 'u32', 'u64', 'size_t', 'int', 'long', 'bool'), tie('e')).map(([t, x]) => `(${t})(${x})`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([c, x, y]) => `(${c} ? ${x} : ${y})`),
    fc.constantFrom(...CALLEES),
    fc.constantFrom(...VARS).map((v) => `${v}++`),
  ),
})).e;

const stmt: fc.Arbitrary<string> = fc.letrec<{ s: string }>((tie) => ({
  s: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(fc.constantFrom(...VARS), fc.constantFrom('=', '+=', '-=', '<<=', '|='), expr).map(([v, op, e]) => `${v} ${op} ${e};`),
    expr.map((e) => `${e};`),
    fc.tuple(expr, tie('s'), tie('s')).map(([c, t, f]) => `if (${c}) { ${t} } else { ${f} }`),
    fc.tuple(expr, tie('s')).map(([c, b]) => `while (${c}) { ${b} }`),
    fc.tuple(expr, tie('s')).map(([c, b]) => `for (n = 0; n < ${c}; n++) { ${b} }`),
    fc.tuple(tie('s'), expr).map(([b, c]) => `do { ${b} } while (${c});`),
    fc.tuple(expr, tie('s'), tie('s')).map(([c, x, y]) => `switch (${c}) { case 1: ${x} break; case 2 ... 4: ${y} fallthrough; default: break; }`),
    fc.constantFrom('goto out;', 'goto again;', 'return a;', 'return -ENOMEM;', 'break;', 'continue;', ';'),
    fc.array(tie('s'), { maxLength: 4 }).map((ss) => `{ ${ss.join(' ')} }`),
  ),
})).s;

function program(body: string[]): string {
  return `static int helper(int x) { if (x > 3) return helper(x - 1); return x; }
static int fuzzed(struct device *dev, struct dma_iova_state *state, int a, phys_addr_t b, size_t len)
{
	int n = 0;
again:
	${body.join('\n\t')}
out:
	return n;
}
`;
}

const scenario: fc.Arbitrary<ScenarioSpec> = fc.record({
  arch: fc.constantFrom(64 as const, 32 as const),
  granule: fc.constantFrom(4096, 16384, 65536),
  mask: fc.constantFrom(0, 32, 39, 64),
}).map((s) => ({ ...DEFAULT_SCENARIO, ...s, coherentMask: s.mask }));

const smallBudgets = { maxSteps: 4000, maxLoopIterations: 64, maxCallDepth: 8 };

describe('safety properties', () => {
  it('random statement trees: every run returns or stops with a reason, within its budgets', () => {
    fc.assert(
      fc.property(fc.array(stmt, { minLength: 1, maxLength: 6 }), scenario, fc.bigInt(-(1n << 63n), (1n << 64n) - 1n), (body, spec, x) => {
        const file = parseFile('drivers/fuzz.c', program(body));
        const r = runOnce([file], { functionName: 'fuzzed', spec, args: { a: `${BigInt.asIntN(32, x)}`, b: `0x${BigInt.asUintN(64, x).toString(16)}`, len: `0x${BigInt.asUintN(spec.arch, x).toString(16)}` }, budgets: smallBudgets });
        if (!r.ok) return; // a fuzzed text the function index rejects (no function) is a value too
        expect(['returned', 'stopped']).toContain(r.report.ended.kind);
        if (r.report.ended.kind === 'stopped') expect(r.report.ended.why).not.toBe('simulator-error');
      }),
      { numRuns: 150 },
    );
  });

  it('random statement trees through confirm(): an outcome, never an exception', () => {
    const sim = createSimulator();
    fc.assert(
      fc.property(fc.array(stmt, { minLength: 1, maxLength: 5 }), (body) => {
        const file = parseFile('drivers/fuzz.c', program(body));
        const fn = file.functions.find((f) => f.name === 'fuzzed');
        if (!fn) return;
        const functions = new Map(file.functions.map((f) => [f.name, { file, fn: f }]));
        const env = { functions, file, fn, implements: {}, maxSteps: 4000, maxRuns: 6, deadline: Date.now() + 5000 };
        const out = sim.confirm({ mode: 'confirm', function: 'fuzzed', inputs: { len: '0' }, expect: { invariants: ['alloc-nonzero'], warn: true, description: 'x' } }, env);
        expect(['confirmed', 'refuted', 'unconfirmed']).toContain(out.confirmation);
        expect(out.note.length).toBeGreaterThan(0);
        const contract = sim.confirm({ mode: 'contract', function: 'fuzzed', expect: { description: 'y' } }, env);
        expect(['confirmed', 'refuted', 'unconfirmed']).toContain(contract.confirmation);
        expect(Array.isArray(sim.differential(fn, env))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('random C text: parsed, and every function found runs to a value', () => {
    const token = fc.constantFrom(
      'int', 'size_t', 'u64', 'struct', 'foo', 'x', 'y', '(', ')', '{', '}', ';', '=', '+', '*', '-', '->', '.', '[', ']', ',', '0', '1',
      'if', 'else', 'while', 'for', 'goto', 'return', 'switch', 'case', ':', 'static', 'void', 'f', 'g', '&', '!', '?', '#define', '\n',
      'dma_iova_link', 'WARN_ON_ONCE', 'sizeof',
    );
    const sim = createSimulator();
    fc.assert(
      fc.property(fc.array(token, { maxLength: 80 }), fc.string({ maxLength: 40 }), (tokens, noise) => {
        const text = `static int f(int x, size_t y)\n{\n${tokens.join(' ')}\n}\n${noise}\nstatic int g(void) { ${tokens.slice(0, 20).join(' ')} }\n`;
        const file = parseFile('drivers/fuzz.c', text);
        for (const fn of file.functions) {
          const args: Record<string, string> = {};
          for (const p of fn.params) if (p.name && p.name !== '...') args[p.name] = '1';
          const r = runOnce([file], { functionName: fn.name, spec: DEFAULT_SCENARIO, args, budgets: smallBudgets });
          expect(typeof r.ok).toBe('boolean');
          const functions = new Map(file.functions.map((f) => [f.name, { file, fn: f }]));
          const out = sim.confirm({ mode: 'confirm', function: fn.name, expect: { holds: '__return == 0', description: 'z' } }, { functions, file, fn, implements: {}, maxSteps: 2000, maxRuns: 4, deadline: Date.now() + 5000 });
          expect(out.note).toBeTruthy();
        }
      }),
      { numRuns: 150 },
    );
  });
});
