import { describe, expect, it } from 'vitest';
import { freeVariables, headerFromSection, rebuildFunctionFrames, scanBraces } from '../../c/rebuild.js';
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
});
