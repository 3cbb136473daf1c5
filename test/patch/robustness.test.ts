// Any input, however mangled, ends in a ChangeSet or an InputError: never another exception,
// never a hang.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError, buildChangeSet, buildChangeSetFrom, parsePatchInput } from '../../patch/index.js';

const pieces = [
  'diff --git a/x.c b/x.c',
  'diff --git a/y.h b/y.h',
  '--- a/x.c',
  '+++ b/x.c',
  '--- /dev/null',
  '+++ /dev/null',
  '@@ -1,2 +1,2 @@ int f(void)',
  '@@ -1 +1 @@',
  '@@ -3,0 +4,2 @@',
  '@@ -0,0 +1,3 @@',
  ' ctx',
  '+add',
  '-del',
  '',
  '\\ No newline at end of file',
  '> > +quoted',
  '> >  quoted ctx',
  '> > @@ -3,1 +3,2 @@',
  '> > diff --git a/x.c b/x.c',
  '> [...]',
  '>',
  'From 1 Mon Sep 17 00:00:00 2001',
  'Subject: [PATCH 1/2] x',
  'Subject: [PATCH 0/2] cover',
  'Content-Transfer-Encoding: quoted-printable',
  'Content-Type: multipart/mixed; boundary=b',
  '--b',
  'rename from x.c',
  'rename to y.c',
  'copy from x.c',
  'copy to z.c',
  'new file mode 100644',
  'deleted file mode 100644',
  'GIT binary patch',
  'literal 5',
  'Binary files a/x.c and b/x.c differ',
  '-- ',
];

const inputArb = fc
  .array(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...pieces) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }), { maxLength: 40 })
  .map((lines) => lines.join('\n'));

function outcome(run: () => unknown): 'ok' | 'input-error' {
  try {
    run();
    return 'ok';
  } catch (err) {
    if (err instanceof InputError) {
      expect(err.oneLine()).not.toContain('\n');
      return 'input-error';
    }
    throw err;
  }
}

describe('mangled input', () => {
  it('parses and builds, or says why in one line', () => {
    fc.assert(
      fc.property(inputArb, (text) => {
        outcome(() => {
          const parsed = parsePatchInput(text, 'fuzz.patch');
          outcome(() => buildChangeSet(parsed));
          outcome(() => buildChangeSetFrom(parsed, { read: (p) => (p === 'x.c' ? 'ctx\ndel\nctx\n' : null), describe: (p) => `tree/${p}` }));
        });
      }),
      { numRuns: 2000 },
    );
  });
});
