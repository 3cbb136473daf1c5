// Property: for any series of edits to one file, applying the mbox (with the base as a tree, and
// without a tree) gives the same post-image, line origins and deletion points as a direct model
// of the edits.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildChangeSet, buildChangeSetFrom, parsePatchInput } from '../../patch/index.js';

interface Edit {
  /** 0-based index of the first replaced line. */
  at: number;
  remove: number;
  insert: number;
}

/** The model: lines with the patch that wrote them, deletion points as line counts. */
class Model {
  lines: { text: string; origin: number }[];
  marks: number[] = [];
  constructor(base: number) {
    this.lines = Array.from({ length: base }, (_, i) => ({ text: `base ${i + 1}`, origin: -1 }));
  }
  apply(edit: Edit, patch: number): void {
    const { at, remove, insert } = edit;
    // Where the engine puts marks it passes (see applyHunks): inside or right after a removed run
    // they land before or after the inserted lines.
    this.marks = this.marks.map((p) => {
      if (p < at) return p;
      if (p === at) return remove > 0 ? at : at + insert;
      if (p < at + remove) return at;
      if (p === at + remove) return at + insert;
      return p - remove + insert;
    });
    if (remove > 0) this.marks.push(at);
    const added = Array.from({ length: insert }, (_, j) => ({ text: `patch ${patch} line ${j + 1}`, origin: patch }));
    this.lines.splice(at, remove, ...added);
  }
  text(): string {
    return this.lines.map((l) => `${l.text}\n`).join('');
  }
}

/** One git-style patch of the edit against the model's current lines, 3 lines of context. */
function patchText(model: Model, edit: Edit, patch: number, total: number): string {
  const { at, remove, insert } = edit;
  const before = model.lines.slice(Math.max(0, at - 3), at);
  const removed = model.lines.slice(at, at + remove);
  const after = model.lines.slice(at + remove, at + remove + 3);
  const oldLines = before.length + removed.length + after.length;
  const newLines = before.length + insert + after.length;
  const oldStart = oldLines === 0 ? at : at - before.length + 1;
  const newStart = newLines === 0 ? at : at - before.length + 1;
  const body = [
    ...before.map((l) => ` ${l.text}`),
    ...removed.map((l) => `-${l.text}`),
    ...Array.from({ length: insert }, (_, j) => `+patch ${patch} line ${j + 1}`),
    ...after.map((l) => ` ${l.text}`),
  ];
  return [
    `From ${patch} Mon Sep 17 00:00:00 2001`,
    `Subject: [PATCH ${patch + 1}/${total}] edit`,
    '',
    '---',
    'diff --git a/drivers/x.c b/drivers/x.c',
    '--- a/drivers/x.c',
    '+++ b/drivers/x.c',
    `@@ -${oldStart},${oldLines} +${newStart},${newLines} @@`,
    ...body,
    '',
  ].join('\n');
}

const editArb = fc.record({ at: fc.nat(), remove: fc.nat({ max: 5 }), insert: fc.nat({ max: 5 }) });

describe('series application matches a model of the edits', () => {
  it('with and without a tree', () => {
    fc.assert(
      fc.property(fc.nat({ max: 30 }), fc.array(editArb, { minLength: 1, maxLength: 4 }), (base, rawEdits) => {
        const model = new Model(base);
        const baseText = model.text();
        const parts: string[] = [];
        rawEdits.forEach((raw, patch) => {
          const at = raw.at % (model.lines.length + 1);
          const edit = { at, remove: Math.min(raw.remove, model.lines.length - at), insert: raw.insert };
          if (edit.remove === 0 && edit.insert === 0) edit.insert = 1;
          parts.push(patchText(model, edit, patch, rawEdits.length));
          model.apply(edit, patch);
        });
        const parsed = parsePatchInput(parts.join('\n'), 'gen.mbox');
        const expectedOrigin = model.lines.flatMap((l, i): [number, number][] => (l.origin >= 0 ? [[i + 1, l.origin]] : []));
        const expectedMarks = [...new Set(model.marks)].sort((a, b) => a - b);

        const tree = buildChangeSetFrom(parsed, { read: () => baseText, describe: (p) => p }).files[0]!;
        expect(tree.postImage).toBe(model.text());
        expect([...tree.lineOrigin].sort((a, b) => a[0] - b[0])).toEqual(expectedOrigin);
        expect([...tree.deletionPoints].sort((a, b) => a - b)).toEqual(expectedMarks);

        const sparse = buildChangeSet(parsed).files[0]!;
        const got = sparse.postImage!.split('\n');
        for (const [from, to] of sparse.knownLines!) {
          for (let n = from; n <= to; n++) expect(got[n - 1]).toBe(model.lines[n - 1]!.text);
        }
        expect([...sparse.lineOrigin].sort((a, b) => a[0] - b[0])).toEqual(expectedOrigin);
        expect([...sparse.deletionPoints].sort((a, b) => a - b)).toEqual(expectedMarks.filter((p) => p <= got.length));
      }),
      { numRuns: 300 },
    );
  });
});
