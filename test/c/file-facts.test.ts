// File facts found from the text (struct definitions by name, #define directives) equal what a walk
// of the whole tree finds, on every C file of the fixtures and on shapes written to trip the search.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fieldType, fileDefines, parseFile, structFields, structNamed, type ParsedFile } from '../../c/index.js';

const ROOT = join(import.meta.dirname, '../..');

/** The reference: every preproc_def of the tree, in order, the first definition of a name wins. */
function definesByWalk(file: ParsedFile): Map<string, string> {
  const out = new Map<string, string>();
  for (const def of file.tree.rootNode.descendantsOfType('preproc_def')) {
    const name = def.childForFieldName('name')?.text;
    const value = def.childForFieldName('value')?.text;
    if (name && value !== undefined && !out.has(name)) out.set(name, value.replace(/\\\r?\n/g, ' ').trim());
  }
  return out;
}

function checkAgainstWalk(file: ParsedFile): void {
  expect([...fileDefines(file)]).toEqual([...definesByWalk(file)]);
  // structNamed must be asked before structFields fills the whole-file map on the same file
  const fresh = parseFile(file.path, file.text);
  const names = new Set([...file.text.matchAll(/\b(?:struct|union)\s+(\w+)/g)].map((m) => m[1]!));
  const byName = new Map([...names].map((n) => [n, structNamed(fresh, n)]));
  const all = structFields(file);
  for (const n of names) expect(byName.get(n), n).toEqual(all.get(n));
}

describe('file facts from the text', () => {
  const files = readdirSync(join(ROOT, 'fixtures'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.c'))
    .map((f) => join('fixtures', f))
    .sort();
  it('finds C fixtures to compare on', () => expect(files.length).toBeGreaterThan(20));
  for (const rel of files) {
    it(`equals the whole-tree walk on ${rel}`, () => checkAgainstWalk(parseFile(rel, readFileSync(join(ROOT, rel), 'utf8'))));
  }

  it('handles shapes the text search could miss or over-match', () => {
    const src = [
      '#define A 1',
      '  #  define B (A << 2)',
      '#define F(x) ((x) + 1)',
      '/* #define C 3 */',
      '#define A 9',
      '#define LONG (1 + \\',
      '\t2)',
      'struct dev_cfg { u32 mask; u64 limit; };',
      'struct dev_cfg *first(void);',
      'union /* tagged */ pair { u32 lo; u64 wide; };',
      'struct dev_cfg { u64 mask; };',
      'static void use(struct dev_cfg *c) { struct local { int x; } l; c->mask = 0; }',
      '',
    ].join('\n');
    const file = parseFile('shapes.c', src);
    checkAgainstWalk(file);
    expect([...fileDefines(file)]).toEqual([['A', '1'], ['B', '(A << 2)'], ['LONG', '(1 +  \t2)']]);
    const fresh = parseFile('shapes.c', src);
    // the last definition wins, as in structFields
    expect(fieldType(fresh, 'struct dev_cfg', 'mask')).toBe('u64');
    expect(fieldType(fresh, 'union pair', 'wide')).toBe('u64');
    expect(fieldType(fresh, 'local', 'x')).toBe('int');
    expect(structNamed(fresh, 'first')).toBeUndefined();
  });
});
