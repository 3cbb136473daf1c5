// The app's pure parts: the ChangedFile built from a PR file, suggestion text, placement on the
// diff, the queue's superseding and concurrency, the delivery log, conclusions, the environment.
import { describe, expect, it } from 'vitest';
import { annotationBatches, checkTitle, conclusionFor } from '../../app/check-run.js';
import { validateConfigObject } from '../../app/config.js';
import { changedFileFromPatch } from '../../app/pr-changeset.js';
import { DeliveryLog, ReviewQueue, type JobSignal } from '../../app/queue.js';
import { fingerprintMarker, fingerprintsIn, placeFinding, suggestionLines } from '../../app/review-comments.js';
import { environmentProblem } from '../../app/start.js';
import { defaultConfig } from '../../review/config.js';
import { finding, reportOf } from './helpers/harness.js';
import { XFER_PATH, xfer } from './helpers/scenarios.js';

describe('ChangedFile from a PR file', () => {
  it('changed lines, deletion points and the pre-image come from the PR diff and the head text', () => {
    for (const push of xfer.push) {
      const built = changedFileFromPatch({ path: XFER_PATH, status: 'modified' }, push.patch, push.text);
      expect(built.ok).toBe(true);
      if (!built.ok) continue;
      expect(built.file.preImage).toBe(xfer.base);
      const lines = push.text.split('\n');
      for (const l of built.file.changedLines) expect(push.patch).toContain(`+${lines[l - 1]}`);
      expect(built.file.changedLines.size).toBe(push.patch.split('\n').filter((l) => l.startsWith('+')).length);
      expect(built.file.partial).toBe(false);
    }
  });

  it('a deletion is recorded after the line above it', () => {
    const post = 'a\nb\nd\n';
    const built = changedFileFromPatch({ path: 'x.c', status: 'modified' }, '@@ -1,4 +1,3 @@\n a\n b\n-c\n d\n', post);
    expect(built.ok && [...built.file.deletionPoints]).toEqual([2]);
    expect(built.ok && built.file.preImage).toBe('a\nb\nc\nd\n');
    expect(built.ok && built.file.changedLines.size).toBe(0);
  });

  it('a diff that does not match the head text is refused as a value', () => {
    const built = changedFileFromPatch({ path: 'x.c', status: 'modified' }, '@@ -1,2 +1,2 @@\n a\n-b\n+z\n', 'a\ny\n');
    expect(built).toEqual({ ok: false, reason: 'the diff does not match the file at the head commit (line 2)' });
    const bad = changedFileFromPatch({ path: 'x.c', status: 'modified' }, '@@ -1,5 +1,5 @@\n a\n', 'a\n');
    expect(bad.ok).toBe(false);
  });

  it('added files have no pre-image; renamed files keep their old path', () => {
    const added = changedFileFromPatch({ path: 'n.c', status: 'added' }, '@@ -0,0 +1,2 @@\n+int a;\n+int b;\n', 'int a;\nint b;\n');
    expect(added.ok && added.file.preImage).toBeUndefined();
    expect(added.ok && [...added.file.changedLines]).toEqual([1, 2]);
    const renamed = changedFileFromPatch({ path: 'n.c', status: 'renamed', oldPath: 'o.c' }, '@@ -1 +1 @@\n-int a;\n+int b;\n', 'int b;\n');
    expect(renamed.ok && renamed.file).toMatchObject({ status: 'renamed', oldPath: 'o.c', preImage: 'int a;\n' });
  });
});

describe('suggestions and placement', () => {
  const post = ['\tfoo(a, b);', '\tbar(ü, c);', '\treturn 0;'];

  it('rebuilds whole lines around the fix columns (code points, end exclusive)', () => {
    expect(suggestionLines(post, { startLine: 1, startColumn: 2, endLine: 1, endColumn: 2, text: 'ret = ', verified: true })).toEqual(['\tret = foo(a, b);']);
    expect(suggestionLines(post, { startLine: 2, startColumn: 6, endLine: 2, endColumn: 7, text: 'x', verified: true })).toEqual(['\tbar(x, c);']);
    expect(suggestionLines(post, { startLine: 1, startColumn: 2, endLine: 2, endColumn: 12, text: 'baz();', verified: true })).toEqual(['\tbaz();']);
    expect(suggestionLines(post, { startLine: 3, startColumn: 40, endLine: 3, endColumn: 41, text: 'x', verified: true })).toBeUndefined();
  });

  it('comments only on lines inside a hunk; suggestions only for verified fixes inside one hunk', () => {
    const built = changedFileFromPatch({ path: 'x.c', status: 'modified' }, '@@ -1,2 +1,3 @@\n \tfoo(a, b);\n+\tbar(ü, c);\n \treturn 0;\n', post.join('\n') + '\n');
    if (!built.ok) throw new Error(built.reason);
    const file = { ...built.file, hunks: [{ ...built.file.hunks[0]!, newLines: 2 }] }; // lines 1-2 only
    expect(placeFinding(finding('x.c', 3), file, post)).toBeUndefined();
    expect(placeFinding(finding('x.c', 2), file, post)).toEqual({ startLine: 2, endLine: 2 });
    const fixed = finding('x.c', 1, { fix: { startLine: 1, startColumn: 2, endLine: 1, endColumn: 2, text: 'ret = ', verified: true } });
    expect(placeFinding(fixed, file, post)).toEqual({ startLine: 1, endLine: 1, suggestion: ['\tret = foo(a, b);'] });
    const unverified = finding('x.c', 1, { fix: { startLine: 1, startColumn: 2, endLine: 1, endColumn: 2, text: 'ret = ', verified: false } });
    expect(placeFinding(unverified, file, post)).toEqual({ startLine: 1, endLine: 1 });
    expect(placeFinding(finding('x.c', 1, { endLine: 2 }), file, post)).toEqual({ startLine: 1, endLine: 2 });
  });

  it('markers round-trip and are found among other text', () => {
    const body = `text\n${fingerprintMarker('abc123')}\n> quoted ${fingerprintMarker('def456')}`;
    expect(fingerprintsIn(body)).toEqual(['abc123', 'def456']);
    expect(fingerprintsIn('<!-- iovalint:fingerprint= -->')).toEqual([]);
  });
});

describe('the queue', () => {
  function blockingJob(pr: string, headSha: string, log: string[], supersedes = true) {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const signals: JobSignal[] = [];
    return {
      job: {
        pr,
        headSha,
        supersedes,
        run: async (signal: JobSignal) => {
          signals.push(signal);
          log.push(`start ${pr}@${headSha}`);
          await gate;
          log.push(`end ${pr}@${headSha}${signal.supersededBy ? ` superseded by ${signal.supersededBy}` : ''}`);
        },
      },
      release,
      signals,
    };
  }

  it('one job per PR at a time; a newer head drops the queued older one and flags the running one', async () => {
    const log: string[] = [];
    const dropped: string[] = [];
    const queue = new ReviewQueue({ concurrency: 2, maxPending: 10, onDropped: (j, why) => dropped.push(`${j.headSha}: ${why}`) });
    const a1 = blockingJob('pr1', 'a1', log);
    const a2 = blockingJob('pr1', 'a2', log);
    const a3 = blockingJob('pr1', 'a3', log);
    const b1 = blockingJob('pr2', 'b1', log);
    expect(queue.enqueue(a1.job)).toBe('queued');
    expect(queue.enqueue(a1.job)).toBe('duplicate');
    await new Promise((r) => setImmediate(r));
    expect(queue.enqueue(a2.job)).toBe('queued');
    expect(queue.enqueue(b1.job)).toBe('queued');
    expect(queue.enqueue(a3.job)).toBe('queued');
    expect(dropped).toEqual(['a2: superseded by a3']);
    await new Promise((r) => setImmediate(r));
    expect(queue.size).toEqual({ pending: 1, running: 2 });
    a1.release();
    b1.release();
    a3.release();
    await queue.idle();
    expect(log).toContain('end pr1@a1 superseded by a3');
    expect(log).not.toContain('start pr1@a2');
    expect(log.indexOf('start pr1@a3')).toBeGreaterThan(log.indexOf('end pr1@a1 superseded by a3'));
  });

  it('concurrency is bounded, the pending list too, and rerequests supersede nothing', async () => {
    const log: string[] = [];
    const queue = new ReviewQueue({ concurrency: 1, maxPending: 2, onError: () => undefined });
    const jobs = ['p1', 'p2', 'p3', 'p4'].map((pr) => blockingJob(pr, 's', log));
    expect(jobs.map((j) => queue.enqueue(j.job))).toEqual(['queued', 'queued', 'queued', 'queue-full']);
    await new Promise((r) => setImmediate(r));
    expect(queue.size).toEqual({ pending: 2, running: 1 });
    const rerequest = blockingJob('p1', 'older', log, false);
    expect(queue.enqueue(rerequest.job)).toBe('queue-full');
    for (const j of [...jobs, rerequest]) j.release();
    await queue.idle();
    expect(log.filter((l) => l.startsWith('start'))).toEqual(['start p1@s', 'start p2@s', 'start p3@s']);
  });

  it('a failing job is reported and does not stop the queue', async () => {
    const errors: string[] = [];
    const queue = new ReviewQueue({ concurrency: 1, maxPending: 5, onError: (_j, e) => errors.push((e as Error).message) });
    let ran = false;
    queue.enqueue({ pr: 'x', headSha: '1', supersedes: true, run: async () => Promise.reject(new Error('boom')) });
    queue.enqueue({ pr: 'y', headSha: '1', supersedes: true, run: async () => void (ran = true) });
    await queue.idle();
    expect(errors).toEqual(['boom']);
    expect(ran).toBe(true);
  });

  it('the delivery log forgets the oldest ids beyond its capacity', () => {
    const deliveries = new DeliveryLog(2);
    expect(deliveries.firstTime('a')).toBe(true);
    expect(deliveries.firstTime('a')).toBe(false);
    deliveries.firstTime('b');
    deliveries.firstTime('c');
    expect(deliveries.firstTime('a')).toBe(true);
  });
});

describe('conclusions, annotations, config, environment', () => {
  const cs = { files: [], patches: [], source: 't', wholeFiles: false };
  it('maps the worst severity through the configured conclusions', () => {
    const mapping = defaultConfig().app.conclusion;
    expect(conclusionFor(reportOf(cs, []), mapping)).toBe('success');
    expect(conclusionFor(reportOf(cs, [finding('a.c', 1, { severity: 'note' })]), mapping)).toBe('success');
    expect(conclusionFor(reportOf(cs, [finding('a.c', 1, { severity: 'warning' })]), mapping)).toBe('neutral');
    expect(conclusionFor(reportOf(cs, [finding('a.c', 1, { severity: 'warning' }), finding('a.c', 2)]), mapping)).toBe('failure');
    expect(conclusionFor(reportOf(cs, [finding('a.c', 2)]), { ...mapping, error: 'neutral' })).toBe('neutral');
  });

  it('titles count findings by severity, and say when no C file was reviewed', () => {
    const analysed = { ...cs, files: [{ path: 'a.c', status: 'modified' as const, isC: true, binary: false, postImage: 'x', partial: false, changedLines: new Set<number>(), deletionPoints: new Set<number>(), lineOrigin: new Map<number, number>(), hunks: [] }] };
    expect(checkTitle(reportOf(analysed, []))).toBe('No findings');
    expect(checkTitle(reportOf(cs, []))).toBe('No C files reviewed');
    expect(checkTitle(reportOf(analysed, [finding('a.c', 1), finding('a.c', 2, { severity: 'note' })]))).toBe('1 error, 1 note');
  });

  it('annotations: columns only on one-line findings, levels by severity, batches of 50', () => {
    const findings = Array.from({ length: 101 }, (_, i) => finding('a.c', i + 1, { severity: i % 2 ? 'warning' : 'note', endLine: i % 3 ? i + 1 : i + 2 }));
    const batches = annotationBatches(reportOf(cs, findings));
    expect(batches.map((b) => b.length)).toEqual([50, 50, 1]);
    expect(batches[0]![0]).toMatchObject({ annotation_level: 'notice', start_line: 1, end_line: 2 });
    expect(batches[0]![0]!.start_column).toBeUndefined();
    expect(batches[0]![1]).toMatchObject({ annotation_level: 'warning', start_column: 2, end_column: 9 });
  });

  it('config objects from context.config are validated with errors naming file and key', () => {
    const known = new Set(['iova/size-zero-guard']);
    expect(validateConfigObject(null, known)).toMatchObject({ ok: true });
    const ok = validateConfigObject({ comments: 'annotations-only', limits: { files: 5 }, rules: { 'iova/size-zero-guard': 'warning' } }, known);
    expect(ok.ok && ok.config.app).toMatchObject({ comments: 'annotations-only', limits: { files: 5 } });
    expect(validateConfigObject({ limits: { file: 5 } }, known)).toEqual({
      ok: false,
      message: ".github/iovalint.yml: unknown key 'file' in 'limits' (use files, bytes-per-file, total-bytes)",
    });
    expect(validateConfigObject(['x'], known)).toMatchObject({ ok: false });
  });

  it('refuses to start without WEBHOOK_SECRET outside tests, and names what is missing', () => {
    const full = { APP_ID: '1', PRIVATE_KEY: 'k', WEBHOOK_SECRET: 's' };
    expect(environmentProblem(full)).toBeUndefined();
    expect(environmentProblem({ ...full, WEBHOOK_SECRET: '' })).toMatch(/^WEBHOOK_SECRET is not set; refusing to start/);
    expect(environmentProblem({ ...full, WEBHOOK_SECRET: undefined, NODE_ENV: 'test' })).toBeUndefined();
    expect(environmentProblem({ ...full, APP_ID: undefined })).toMatch(/^APP_ID/);
    expect(environmentProblem({ ...full, PRIVATE_KEY: undefined })).toMatch(/^PRIVATE_KEY or PRIVATE_KEY_PATH/);
    expect(environmentProblem({ ...full, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: '/k.pem' })).toBeUndefined();
    expect(environmentProblem({ ...full, PORT: 'eighty' })).toMatch(/^PORT/);
  });
});
