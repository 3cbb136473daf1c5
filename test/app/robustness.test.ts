// What review bots get wrong: stale SHAs, crashes leaving check runs in progress, large files,
// limits, pagination, more than 50 annotations, comments off the diff, oversized summaries.
import { describe, expect, it } from 'vitest';
import { RAW_MEDIA_TYPE } from '../../app/pull-request.js';
import { SUMMARY_LIMIT } from '../../app/check-run.js';
import type { ChangeSet } from '../../patch/types.js';
import type { Finding } from '../../review/types.js';
import type { FakePull } from './helpers/fake-github.js';
import { engineDouble, finding, fingerprint, harness } from './helpers/harness.js';
import { pullRequestPayload } from './helpers/payloads.js';
import { BULK_PATH, XFER_PATH, additionPatch, bulkSource, fullDiff, loadBulkPull, loadXferPull, sha, xfer } from './helpers/scenarios.js';

const linkLines = (cs: ChangeSet): Finding[] =>
  cs.files.flatMap((f) =>
    (f.postImage ?? '').split('\n').flatMap((text, i) => (/^\tdma_iova_link\(/.test(text) ? [finding(f.path, i + 1, { fingerprint: fingerprint(`${f.path}:${text}`) })] : [])),
  );

describe('current and never stuck', () => {
  it('a push during analysis makes the SHA stale: check run cancelled, nothing published', async () => {
    const holder: { gh?: Awaited<ReturnType<typeof harness>>['gh'] } = {};
    const engine = engineDouble((cs) => {
      loadXferPull(holder.gh!, 2); // the PR moves on while the engine runs
      return linkLines(cs);
    });
    const h = await harness({ engine });
    const gh = (holder.gh = h.gh);
    const pull = loadXferPull(gh, 1);
    await h.receive('pull_request', pullRequestPayload(gh, 'opened', pull));
    const [run] = gh.runsFor(pull.headSha);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(run!.annotations).toHaveLength(0);
    expect(run!.output.summary).toContain(sha('xfer-push2'));
    expect(gh.reviews).toHaveLength(0);
  });

  it('a push while a review runs supersedes it: cancelled without publishing, then the new head is reviewed', async () => {
    const holder: { h?: Awaited<ReturnType<typeof harness>> } = {};
    let pushed = false;
    const engine = engineDouble(async (cs) => {
      if (!pushed) {
        // The push arrives (and is queued) before this review's engine returns.
        pushed = true;
        const { gh, probot } = holder.h!;
        await probot.receive({ id: 'push-2', name: 'pull_request', payload: pullRequestPayload(gh, 'synchronize', loadXferPull(gh, 2)) } as Parameters<typeof probot.receive>[0]);
      }
      return linkLines(cs);
    });
    const h = (holder.h = await harness({ engine }));
    const pull = loadXferPull(h.gh, 1);
    await h.receive('pull_request', pullRequestPayload(h.gh, 'opened', pull));
    await h.app.queue.idle();
    expect(h.gh.runsFor(pull.headSha)[0]).toMatchObject({ conclusion: 'cancelled', output: { title: 'Superseded by a newer push' } });
    expect(h.gh.runsFor(pull.headSha)[0]!.annotations).toHaveLength(0);
    expect(h.gh.runsFor(sha('xfer-push2'))[0]).toMatchObject({ conclusion: 'failure' });
    expect(h.gh.reviews.map((r) => r.commit_id)).toEqual([sha('xfer-push2')]);
  });

  it('an exception in analysis completes the check run neutral with the message', async () => {
    const { gh, receive } = await harness({
      engine: engineDouble(() => {
        throw new Error('parser exploded on line 7');
      }),
    });
    const pull = loadXferPull(gh, 1);
    await receive('pull_request', pullRequestPayload(gh, 'opened', pull));
    const [run] = gh.runsFor(pull.headSha);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'neutral', output: { title: 'iovalint could not finish' } });
    expect(run!.output.summary).toContain('parser exploded on line 7');
  });

  it('a GitHub error mid-review (no retries here) also leaves a neutral, completed check run', async () => {
    const { gh, receive } = await harness({ engine: engineDouble(linkLines) });
    gh.injectFault('GET', /pulls\/\{pull_number\}\/files$/, 500, 1);
    const pull = loadXferPull(gh, 1);
    await receive('pull_request', pullRequestPayload(gh, 'opened', pull));
    const [run] = gh.runsFor(pull.headSha);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(run!.output.summary).toContain('GitHub answered HTTP 500');
  });

  it('when earlier comments cannot be read, no review is posted (no repeats) and the check run still completes', async () => {
    const { gh, receive } = await harness({ engine: engineDouble(linkLines) });
    gh.injectFault('GET', /pulls\/\{pull_number\}\/comments$/, 500, 1);
    const pull = loadXferPull(gh, 1);
    await receive('pull_request', pullRequestPayload(gh, 'opened', pull));
    const [run] = gh.runsFor(pull.headSha);
    expect(run).toMatchObject({ conclusion: 'failure' });
    expect(run!.annotations).toHaveLength(2);
    expect(gh.reviews).toHaveLength(0);
    expect(run!.output.summary).toContain('earlier review comments could not be read');
  });

  it('a rejected review still completes the check run with its conclusion, and says so', async () => {
    const { gh, receive } = await harness({ engine: engineDouble(linkLines) });
    gh.injectFault('POST', /reviews$/, 422, 1, {}, { message: 'Validation Failed' });
    const pull = loadXferPull(gh, 1);
    await receive('pull_request', pullRequestPayload(gh, 'opened', pull));
    const [run] = gh.runsFor(pull.headSha);
    expect(run).toMatchObject({ conclusion: 'failure' });
    expect(run!.annotations).toHaveLength(2);
    expect(run!.output.summary).toContain('the review could not be posted');
  });
});

describe('annotations and comments', () => {
  it('more than 50 findings: annotations in batches of at most 50, all delivered, completed last', async () => {
    const { gh, receive } = await harness({ engine: engineDouble(linkLines), maxComments: 50 });
    const pull = loadBulkPull(gh, 120);
    await receive('pull_request', pullRequestPayload(gh, 'opened', pull));
    const updates = gh.calls('/repos/{owner}/{repo}/check-runs/{check_run_id}', 'PATCH');
    expect(updates).toHaveLength(3);
    const sizes = updates.map((u) => ((u.body as { output: { annotations?: unknown[] } }).output.annotations ?? []).length);
    expect(sizes).toEqual([50, 50, 20]);
    expect(updates.map((u) => (u.body as { conclusion?: string }).conclusion)).toEqual([undefined, undefined, 'failure']);
    const [run] = gh.runsFor(pull.headSha);
    expect(run!.annotations).toHaveLength(120);
    expect(new Set(run!.annotations.map((a) => a.start_line)).size).toBe(120);
    // One review, capped at 50 comments; the rest are annotations only, and the summary says so.
    expect(gh.reviews).toHaveLength(1);
    expect(gh.reviews[0]!.comments).toHaveLength(50);
    expect(run!.output.summary).toContain('70 over the cap of 50 comments per review');
    expect(gh.schemaErrors).toEqual([]);
  });

  it('verified fixes become suggestion blocks replacing whole lines; unverified fixes do not', async () => {
    const engine = engineDouble((cs) => {
      const file = cs.files.find((f) => f.path === XFER_PATH)!;
      const lines = file.postImage!.split('\n');
      const first = lines.findIndex((l) => l.startsWith('\tdma_iova_link(req->dev, &req->iova, head->phys')) + 1;
      const second = lines.findIndex((l) => l.startsWith('\tdma_iova_link(req->dev, &req->iova, tail->phys')) + 1;
      return [
        finding(XFER_PATH, first, {
          endLine: first + 1,
          fix: { startLine: first, startColumn: 2, endLine: first + 1, endColumn: 21, text: 'ret = dma_iova_link(req->dev, &req->iova, head->phys, 0, head->len,\n\t\t\t    req->dir, 0);\n\tif (ret)\n\t\tgoto out', verified: true },
        }),
        finding(XFER_PATH, second, { fix: { startLine: second, startColumn: 2, endLine: second, endColumn: 2, text: 'ret = ', verified: false } }),
      ];
    });
    const { gh, receive } = await harness({ engine });
    const pull = loadXferPull(gh, 1);
    await receive('pull_request', pullRequestPayload(gh, 'opened', pull));
    const [withFix, withoutFix] = gh.reviews[0]!.comments;
    expect(withFix!.start_line).toBeDefined();
    expect(withFix!.line).toBe(withFix!.start_line! + 1);
    expect(withFix!.body).toContain(
      '```suggestion\n\tret = dma_iova_link(req->dev, &req->iova, head->phys, 0, head->len,\n\t\t\t    req->dir, 0);\n\tif (ret)\n\t\tgoto out;\n```',
    );
    expect(withoutFix!.body).not.toContain('suggestion');
    expect(xfer.push[0]!.text).toContain('\t\t      req->dir, 0);\n\tdma_iova_link(req->dev, &req->iova, tail->phys');
  });

  it('existing review comments are read across pages; a known fingerprint is never re-posted', async () => {
    const { gh, receive } = await harness({ engine: engineDouble(linkLines) });
    const pull = loadXferPull(gh, 1);
    const known = fingerprint(`${XFER_PATH}:${xfer.push[0]!.text.split('\n').find((l) => l.startsWith('\tdma_iova_link(req->dev, &req->iova, tail'))}`);
    for (let i = 0; i < 230; i++) {
      const body = i === 229 ? `old finding\n\n<!-- iovalint:fingerprint=${known} -->` : `a person's comment ${i}`;
      gh.reviewComments.push({ id: i + 1, pull: 1, path: XFER_PATH, line: 40, commit_id: 'x', original_commit_id: 'x', body, pull_request_review_id: 1 });
    }
    await receive('pull_request', pullRequestPayload(gh, 'opened', pull));
    expect(gh.calls('/repos/{owner}/{repo}/pulls/{pull_number}/comments').map((r) => r.query.get('page') ?? '1')).toEqual(['1', '2', '3']);
    expect(gh.reviews[0]!.comments).toHaveLength(1);
    const headLink = xfer.push[0]!.text.split('\n').findIndex((l) => l.startsWith('\tdma_iova_link(req->dev, &req->iova, head')) + 1;
    expect(gh.reviews[0]!.comments[0]!.line).toBe(headLink);
  });

  it('summaries stay under GitHub’s 65,535 characters however many findings', async () => {
    const long = 'x'.repeat(3000);
    const { gh, receive } = await harness({ engine: engineDouble((cs) => linkLines(cs).map((f) => ({ ...f, message: long }))) });
    const pull = loadBulkPull(gh, 200);
    await receive('pull_request', pullRequestPayload(gh, 'opened', pull));
    const [run] = gh.runsFor(pull.headSha);
    expect(run!.output.summary!.length).toBeLessThanOrEqual(SUMMARY_LIMIT);
    expect(run!.annotations).toHaveLength(200);
    expect(gh.schemaErrors).toEqual([]);
  });
});

describe('fetching the change', () => {
  function bigPull(gh: Awaited<ReturnType<typeof harness>>['gh'], patchOmitted: boolean, diff: string | null | undefined, size: number): FakePull {
    const head = sha(`big-${size}`);
    // A large generated file: the finding-bearing function at the end, padded with comment lines.
    const pad = Array.from({ length: Math.ceil(size / 60) }, (_, i) => ` * padding line ${i} of a large generated register table........`).join('\n');
    const text = `/*\n${pad}\n */\n${bulkSource(2)}`;
    gh.addCommit(head, { [BULK_PATH]: text });
    const patch = additionPatch(text);
    const pull: FakePull = {
      number: 9,
      title: 'big',
      draft: false,
      state: 'open',
      headSha: head,
      baseSha: sha('big-base'),
      files: [{ filename: BULK_PATH, status: 'added', ...(patchOmitted ? {} : { patch }) }],
      diff: diff === undefined ? fullDiff([{ path: BULK_PATH, patch, added: true }]) : diff,
    };
    gh.setPull(pull);
    return pull;
  }

  it('a file over 1 MB is fetched with the raw media type; a missing patch is taken from the PR diff', async () => {
    const engine = engineDouble(linkLines);
    const { gh, receive } = await harness({ engine });
    const pull = bigPull(gh, true, undefined, 1_200_000);
    await receive('pull_request', pullRequestPayload(gh, 'opened', pull));
    const contents = gh.calls('/repos/{owner}/{repo}/contents/{path}').filter((r) => r.path.endsWith('xfer-bulk.c'));
    expect(contents.map((r) => r.accept)).toEqual([expect.stringContaining('json'), RAW_MEDIA_TYPE]);
    expect(gh.calls('/repos/{owner}/{repo}/pulls/{pull_number}').some((r) => r.accept.includes('diff'))).toBe(true);
    expect(engine.seen[0]!.files[0]!.postImage!.length).toBeGreaterThan(1_000_000);
    expect(gh.runsFor(pull.headSha)[0]).toMatchObject({ conclusion: 'failure' });
    expect(gh.runsFor(pull.headSha)[0]!.annotations).toHaveLength(2);
  });

  it('no patch and no PR diff (GitHub answers 406): the file is not analysed and the summary says why', async () => {
    const { gh, receive } = await harness({ engine: engineDouble(linkLines) });
    const pull = bigPull(gh, true, null, 100);
    await receive('pull_request', pullRequestPayload(gh, 'opened', pull));
    const [run] = gh.runsFor(pull.headSha);
    expect(run).toMatchObject({ conclusion: 'success' });
    expect(run!.output.summary).toContain('Not checked (1)');
    expect(run!.output.summary).toMatch(/xfer-bulk\.c`: GitHub left this file's diff out of the file list \(too large\) and GitHub did not provide the pull request's diff \(HTTP 406\)/);
  });

  it('limits: files, bytes per file and total bytes are enforced before downloading and reported', async () => {
    const engine = engineDouble(linkLines);
    const { gh, receive } = await harness({ engine });
    gh.config = 'limits:\n  files: 1\n';
    const pull = loadXferPull(gh, 1);
    const extra = { filename: 'drivers/misc/xfer/xfer-extra.c', status: 'added' as const, patch: additionPatch('int x;\n') };
    pull.files.push(extra);
    gh.commits.get(pull.headSha)!.set(extra.filename, 'int x;\n');
    await receive('pull_request', pullRequestPayload(gh, 'opened', pull));
    let summary = gh.runsFor(pull.headSha)[0]!.output.summary!;
    expect(summary).toContain('Only the first 1 of 2 changed C files were reviewed (limits.files)');
    expect(summary).toContain('`drivers/misc/xfer/xfer-extra.c`: over limits.files (1 C files per pull request)');
    expect(gh.calls('/repos/{owner}/{repo}/contents/{path}').some((r) => r.path.endsWith('xfer-extra.c'))).toBe(false);

    gh.config = 'limits:\n  bytes-per-file: 1000\n';
    const pull2 = loadXferPull(gh, 2);
    await receive('pull_request', pullRequestPayload(gh, 'synchronize', pull2));
    summary = gh.runsFor(pull2.headSha)[0]!.output.summary!;
    expect(summary).toMatch(/xfer-dma\.c`: \d+ bytes, over limits\.bytes-per-file \(1000\)/);
    expect(gh.runsFor(pull2.headSha)[0]).toMatchObject({ conclusion: 'success' });

    gh.config = 'limits:\n  total-bytes: 1000\n';
    const pull3 = loadXferPull(gh, 3);
    await receive('pull_request', pullRequestPayload(gh, 'synchronize', pull3));
    summary = gh.runsFor(pull3.headSha)[0]!.output.summary!;
    expect(summary).toContain('over limits.total-bytes (1000 bytes per pull request)');
  });

  it('a server that answers the contents API with raw bytes to a JSON request still works', async () => {
    const engine = engineDouble(linkLines);
    const { gh, receive } = await harness({ engine });
    gh.contentsAlwaysRaw = true;
    const pull = loadXferPull(gh, 1);
    await receive('pull_request', pullRequestPayload(gh, 'opened', pull));
    expect(engine.seen[0]!.files.find((f) => f.path === XFER_PATH)!.postImage).toBe(xfer.push[0]!.text);
    expect(gh.runsFor(pull.headSha)[0]!.annotations).toHaveLength(2);
  });

  it('the PR file list is paginated', async () => {
    const engine = engineDouble(linkLines);
    const { gh, receive } = await harness({ engine });
    const pull = loadXferPull(gh, 1);
    for (let i = 0; i < 240; i++) pull.files.unshift({ filename: `Documentation/n${i}.rst`, status: 'added', patch: '@@ -0,0 +1 @@\n+x\n' });
    await receive('pull_request', pullRequestPayload(gh, 'opened', pull));
    expect(gh.calls('/repos/{owner}/{repo}/pulls/{pull_number}/files')).toHaveLength(3);
    expect(engine.seen[0]!.files).toHaveLength(242);
    expect(gh.runsFor(pull.headSha)[0]!.annotations).toHaveLength(2);
  });
});
