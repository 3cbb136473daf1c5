import { describe, expect, it } from 'vitest';
import { CUT_VALUE, GAP_CALL, freeVariables, headerFromSection, rebuildFunctionFrames, scanBlock, scanBraces, startsInBracelessBody } from '../../c/rebuild.js';
import { analyze } from '../../c/analysis.js';
import { parseFile } from '../../c/parse-file.js';

function sparse(lines: Record<number, string>, total: number): string {
  return Array.from({ length: total }, (_, i) => lines[i + 1] ?? '').join('\n');
}

describe('functions rebuilt from hunks', () => {
  it('turns git sections into compilable headers', () => {
    expect(headerFromSection('static bool iommu_dma_iova_alloc(struct device *dev,')).toBe('static bool iommu_dma_iova_alloc(struct device *dev)');
    expect(headerFromSection('int foo(void)')).toBe('int foo(void)');
    expect(headerFromSection('static int bar(struct x *x) {')).toBe('static int bar(struct x *x)');
    expect(headerFromSection('struct foo {')).toBeUndefined();
    expect(headerFromSection('static const struct ops x = {')).toBeUndefined();
    expect(headerFromSection(undefined)).toBeUndefined();
  });

  it('counts braces outside comments, strings and directives', () => {
    expect(scanBraces('} x = "{"; /* { */ {')).toEqual({ minDepth: -1, finalDepth: 0, inComment: false });
    expect(scanBraces('a;\n/* open')).toMatchObject({ inComment: true });
    expect(scanBraces('#define X {\n}')).toMatchObject({ minDepth: -1 });
  });

  it('finds the variables a block uses but does not declare', () => {
    const block = '\tsize_t off = iova_offset(iovad, phys);\n\tif (!size)\n\t\treturn -EINVAL;\n\taddr = alloc(dom, size + off, (u64)mask);\n\tstate->addr = addr;\n\tgoto out;';
    expect(freeVariables(block, new Set(['dev']))).toEqual(['iovad', 'phys', 'size', 'addr', 'dom', 'mask', 'state']);
  });

  it('frames a hunk inside a function so it parses as a partial function with its name and lines', () => {
    const text = sparse(
      {
        20: '\tsize_t off = iova_offset(iovad, phys);',
        21: '',
        22: '\taddr = iommu_dma_alloc_iova(domain, iova_align(iovad, size + off),',
        23: '\t\t\t\t    dma_get_mask(dev), dev);',
        24: '\tif (!addr)',
        25: '\t\treturn false;',
      },
      40,
    );
    const known: Array<[number, number]> = [[20, 25]];
    const { text: framed, frames } = rebuildFunctionFrames(text, known, [{ line: 20, section: 'static bool reserve(struct device *dev,' }]);
    expect(frames).toEqual([19, 26]);
    expect(framed.split('\n')[19]).toBe(text.split('\n')[19]); // known lines untouched
    const parsed = parseFile('x.c', text, { knownLines: known, sections: [{ line: 20, section: 'static bool reserve(struct device *dev,' }] });
    expect(parsed.functions.map((f) => [f.name, f.lines.start, f.lines.end, f.partial, f.hasError])).toEqual([['reserve', 19, 26, true, false]]);
    expect(parsed.functions[0]!.params.map((p) => p.name)).toEqual(['dev', 'iovad', 'phys', 'addr', 'domain', 'size']);
  });

  it('closes a function the hunk ends inside, and opens one it starts inside', () => {
    const text = sparse({ 10: '\treturn SIZE_MAX;', 11: '}', 12: '', 13: 'static int added(int x)', 14: '{', 15: '\tif (x)' }, 20);
    const { text: framed } = rebuildFunctionFrames(text, [[10, 15]], [{ line: 10, section: 'size_t max_size(struct device *dev)' }]);
    const parsed = parseFile('x.c', framed);
    expect(parsed.errorCount).toBe(0);
    expect(parsed.functions.map((f) => f.name)).toEqual(['max_size', 'added']);
  });

  it('leaves blocks at file scope alone', () => {
    const text = sparse({ 5: 'static int a(void)', 6: '{', 7: '\treturn 0;', 8: '}' }, 10);
    expect(rebuildFunctionFrames(text, [[5, 8]], [{ line: 5 }]).frames).toEqual([]);
  });

  it('scans parentheses, comments and the ends of the code', () => {
    expect(scanBlock('\t    f(dev, g(dev)))\n\t\treturn false;')).toMatchObject({ parenMin: -1, parenFinal: -1, headerTail: false, firstCode: 'f', lastCode: ';' });
    expect(scanBlock('\taddr = alloc(domain,\n\t\t\tlen,')).toMatchObject({ parenMin: 0, parenFinal: 1, lastCode: ',' });
    expect(scanBlock('\t\tphys_addr_t phys, size_t size)\n{\n\tint x;')).toMatchObject({ headerTail: true, minDepth: 0, finalDepth: 1 });
    expect(scanBlock('\t * the rest of a comment\n\t */\n\tx = 1;')).toMatchObject({ startsInComment: true, firstCode: 'x' });
    expect(scanBlock('\t\treturn x;\n\t}\n\ty();')).toMatchObject({ minDepth: -1, lowestCloseIndented: true });
    expect(scanBlock('\treturn x;\n}\n')).toMatchObject({ minDepth: -1, lowestCloseIndented: false });
  });

  const framedFunctions = (lines: Record<number, string>, total: number, section: string) => {
    const text = sparse(lines, total);
    const first = Math.min(...Object.keys(lines).map(Number));
    const last = Math.max(...Object.keys(lines).map(Number));
    const parsed = parseFile('x.c', text, { knownLines: [[first, last]], sections: [{ line: first, section }] });
    return { parsed, framed: parsed.text.split('\n') };
  };

  it('completes a statement the hunk cuts at its end with an opaque value', () => {
    const { parsed, framed } = framedFunctions(
      { 10: '\tif (!size)', 11: '\t\treturn false;', 12: '', 13: '\taddr = iommu_dma_alloc_iova(domain,', 14: '\t\t\tiova_align(iovad, size + iova_off),' },
      20,
      'static bool reserve(struct device *dev,',
    );
    expect(parsed.errorCount).toBe(0);
    expect(framed[14]).toBe(`${CUT_VALUE}); }`);
    const call = parsed.functions[0]!.node.descendantsOfType('call_expression').find((c) => c.text.startsWith('iommu_dma_alloc_iova'))!;
    expect(call.childForFieldName('arguments')!.namedChildren.map((a) => a.text)).toEqual(['domain', 'iova_align(iovad, size + iova_off)', CUT_VALUE]);
  });

  it('completes a condition the hunk cuts after an operator', () => {
    const { parsed } = framedFunctions({ 30: '\tx = 1;', 31: '', 32: '\tif (dev_use_swiotlb(dev, size, dir) &&' }, 40, 'int link(struct device *dev)');
    expect(parsed.errorCount).toBe(0);
    expect(parsed.functions.map((f) => f.name)).toEqual(['link']);
  });

  it('reopens a statement the hunk starts inside of', () => {
    const { parsed, framed } = framedFunctions(
      { 20: '\t    iommu_deferred_attach(dev, iommu_get_domain_for_dev(dev)))', 21: '\t\treturn false;', 22: '', 23: '\tif (WARN_ON_ONCE(!size))', 24: '\t\treturn false;' },
      30,
      'bool try_alloc(struct device *dev, struct dma_iova_state *state,',
    );
    expect(parsed.errorCount).toBe(0);
    expect(framed[18]).toMatch(/\{ if \($/);
    expect(parsed.functions.map((f) => [f.name, f.partial, f.hasError])).toEqual([['try_alloc', true, false]]);
  });

  it('opens one more level when the lowest closing brace is indented (the hunk starts in an inner block)', () => {
    const { parsed } = framedFunctions(
      { 50: '\t\treturn link_swiotlb(dev, state, phys,', 51: '\t\t\t\tdir, attrs);', 52: '\t}', 53: '', 54: '\treturn link(dev, addr, phys,', 55: '\t\t\tsize, dir);', 56: '}' },
      60,
      'int dma_iova_link(struct device *dev, struct dma_iova_state *state,',
    );
    expect(parsed.errorCount).toBe(0);
    expect(parsed.functions.map((f) => [f.name, f.lines.start, f.lines.end])).toEqual([['dma_iova_link', 49, 56]]);
  });

  it('continues git\'s section when the hunk starts inside the parameter list', () => {
    const { parsed } = framedFunctions(
      { 18: '\t\tphys_addr_t phys, size_t size)', 19: '{', 20: '\tstruct iova_domain *iovad;', 21: '\tu32 len;', 22: '', 23: '\tmemset(state, 0, sizeof(*state));' },
      30,
      'bool dma_iova_try_alloc(struct device *dev, struct dma_iova_state *state,',
    );
    expect(parsed.errorCount).toBe(0);
    const fn = parsed.functions[0]!;
    expect([fn.name, fn.partial]).toEqual(['dma_iova_try_alloc', true]);
    expect(fn.params.map((p) => `${p.type} ${p.name}`)).toEqual(['struct device * dev', 'struct dma_iova_state * state', 'phys_addr_t phys', 'size_t size']);
  });

  it('reopens a comment the hunk starts inside of', () => {
    const { parsed } = framedFunctions({ 70: '\t * make sure the caller did not set the flag', 71: '\t */', 72: '\tif (WARN_ON_ONCE(size & FLAG))', 73: '\t\treturn false;' }, 80, 'bool f(size_t size)');
    expect(parsed.errorCount).toBe(0);
    expect(parsed.functions.map((f) => f.name)).toEqual(['f']);
  });

  it('knows a block that starts with the body of an unseen if, or with else', () => {
    expect(startsInBracelessBody(['\t\treturn false;', '', '\t/* next */', '\tif (x)'])).toBe(true);
    expect(startsInBracelessBody(['\telse', '\t\tfree(x);'])).toBe(true);
    expect(startsInBracelessBody(['\tx = 1;', '\tif (y)', '\t\treturn 0;'])).toBe(false);
    expect(startsInBracelessBody(['\t\treturn 0;', '\t}', '\ty();'])).toBe(false); // an inner block's end, not a braceless body
    const { parsed, framed } = framedFunctions({ 10: '\t\treturn false;', 11: '', 12: '\taddr = alloc(size);', 13: '\tif (!addr)', 14: '\t\treturn false;' }, 20, 'bool f(size_t size)');
    expect(parsed.errorCount).toBe(0);
    expect(framed[8]).toMatch(new RegExp(`\\{ if \\(${CUT_VALUE}\\)$`));
    const fn = parsed.functions[0]!;
    const call = fn.node.descendantsOfType('call_expression').find((c) => c.text.startsWith('alloc'))!;
    expect(analyze(fn).isReachable(call)).toBe(true);
  });

  describe('hunks of one function share one frame', () => {
    const section = 'bool try_alloc(struct device *dev, struct dma_iova_state *state,';
    const text = sparse(
      {
        20: '\tsize_t iova_off;',
        21: '\tdma_addr_t addr;',
        22: '\tu32 len;',
        23: '\tstruct iova_domain *iovad = dev_iovad(dev);',
        24: '',
        25: '\tmemset(state, 0, sizeof(*state));',
        40: '\tlen = iova_align(iovad, size + iova_off);',
        41: '\taddr = alloc(len);',
        42: '\tif (!addr)',
        43: '\t\treturn false;',
      },
      50,
    );
    const known: Array<[number, number]> = [[20, 25], [40, 43]];
    const parsed = parseFile('x.c', text, { knownLines: known, sections: [{ line: 20, section }, { line: 40, section }] });

    it('parses as one partial function with the unseen lines as one call', () => {
      expect(parsed.errorCount).toBe(0);
      expect(parsed.functions.map((f) => [f.name, f.lines.start, f.lines.end, f.partial])).toEqual([['try_alloc', 19, 44, true]]);
      const gap = parsed.text.split('\n')[25]!;
      expect(gap.startsWith(`; ${GAP_CALL}(`)).toBe(true);
    });

    it('lets declared types reach across, and no shown local that may be reassigned keep its definition', () => {
      const fn = parsed.functions[0]!;
      const a = analyze(fn);
      const len = fn.node.descendantsOfType('identifier').find((i) => i.text === 'len' && i.startPosition.row === 40)!;
      expect(a.variable('len', len.startIndex)?.type).toBe('u32');
      // iova_off is declared without its value: the unseen lines may set it
      const off = fn.node.descendantsOfType('identifier').find((i) => i.text === 'iova_off' && i.startPosition.row === 39)!;
      expect(a.uniqueDefinition(off)).toBeUndefined();
      // iovad is declared with its value and never assigned again: it keeps it
      const iovad = fn.node.descendantsOfType('identifier').find((i) => i.text === 'iovad' && i.startPosition.row === 39)!;
      expect(a.uniqueDefinition(iovad)?.kind).toBe('init');
    });

    it('does not join hunks of different functions', () => {
      const other = parseFile('x.c', text, { knownLines: known, sections: [{ line: 20, section }, { line: 40, section: 'static int other(struct device *dev)' }] });
      expect(other.functions.map((f) => f.name)).toEqual(['try_alloc', 'other']);
    });
  });

  it('closes a comment a block at file scope ends inside of, and opens one it starts inside of', () => {
    const text = sparse({ 1: '// SPDX-License-Identifier: GPL-2.0', 2: '/*', 3: ' * Helpers for DMA.', 10: ' * the end of another comment', 11: ' */', 20: 'static int f(void)', 21: '{', 22: '\treturn 0;', 23: '}' }, 30);
    const parsed = parseFile('x.c', text, { knownLines: [[1, 3], [10, 11], [20, 23]], sections: [{ line: 1 }, { line: 10 }, { line: 20 }] });
    expect(parsed.errorCount).toBe(0);
    expect(parsed.functions.map((f) => [f.name, f.partial])).toEqual([['f', false]]);
  });
});
