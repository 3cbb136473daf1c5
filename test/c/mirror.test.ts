import { describe, expect, it } from 'vitest';
import { Mirror } from '../../c/mirror.js';
import { fixture } from './helpers.js';

describe('mirror: a plain copy of the tree', () => {
  for (const name of ['guards.c', 'iova-api.c', 'functions.c']) {
    it(`matches tree-sitter node for node on ${name} (types, offsets, fields)`, () => {
      const file = fixture(name);
      const mirror = new Mirror(file.tree.rootNode);
      const cursor = file.tree.rootNode.walk();
      let i = 0;
      for (;;) {
        const m = mirror.nodes[i++];
        expect([m.type, m.start, m.end, m.field ?? null]).toEqual([cursor.nodeType, cursor.startIndex, cursor.endIndex, cursor.currentFieldName ?? null]);
        if (cursor.gotoFirstChild()) continue;
        let done = false;
        while (!cursor.gotoNextSibling()) {
          if (!cursor.gotoParent()) {
            done = true;
            break;
          }
        }
        if (done) break;
      }
      expect(i).toBe(mirror.nodes.length);
    });
  }

  it('maps SyntaxNodes to mirror nodes and back', () => {
    const file = fixture('iova-api.c');
    const fn = file.functions[0];
    const mirror = new Mirror(fn.node);
    const call = fn.node.descendantsOfType('call_expression')[0];
    const m = mirror.find(call)!;
    expect(m.type).toBe('call_expression');
    expect(mirror.textOf(m)).toBe(call.text);
    expect(mirror.syntax(m).id).toBe(call.id);
  });
});
