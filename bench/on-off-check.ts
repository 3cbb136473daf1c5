// The skeleton of the "changes no finding on real code" checks: every file of a list reviewed
// whole with a speed-up on and off, the files whose findings differ printed, and both times.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wholeFileChange } from '../patch/index.js';
import type { ChangeSet } from '../patch/types.js';
import type { Report } from '../review/types.js';

export interface OnOffCheck {
  /** The script's path, for the usage line. */
  script: string;
  /** What is switched (`the gate`, `the pre-check`), for the output. */
  what: string;
  /** Review one file's change with the speed-up on or off. */
  review(changeSet: ChangeSet, on: boolean): Report;
}

export function runOnOffCheck(check: OnOffCheck, argv: string[]): void {
  const [kernel, list = '/work/shared/kernel/dma-files.txt'] = argv;
  if (!kernel) {
    process.stderr.write(`usage: ${check.script} KERNEL_DIR [LIST]\n`);
    process.exit(2);
  }
  const files = readFileSync(list, 'utf8').trim().split('\n');
  const lines = (r: Report): string[] => r.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.message}`);
  const ms = { on: 0, off: 0 };
  let findings = 0;
  let differing = 0;
  for (const file of files) {
    const bytes = readFileSync(join(kernel, file));
    const run = (on: boolean): string[] => {
      const t = performance.now();
      const out = lines(check.review({ files: [wholeFileChange(file, bytes)], wholeFiles: true } as ChangeSet, on));
      ms[on ? 'on' : 'off'] += performance.now() - t;
      return out;
    };
    const on = run(true);
    const off = run(false);
    findings += off.length;
    if (JSON.stringify(on) !== JSON.stringify(off)) {
      differing++;
      process.stdout.write(`${file}: only without ${check.what} ${JSON.stringify(off.filter((x) => !on.includes(x)))}; only with it ${JSON.stringify(on.filter((x) => !off.includes(x)))}\n`);
    }
  }
  process.stdout.write(
    `${files.length} files, ${findings} findings without ${check.what}, ${differing} files differ; ${check.what} on ${(ms.on / 1000).toFixed(1)} s, off ${(ms.off / 1000).toFixed(1)} s (one thread)\n`,
  );
}
