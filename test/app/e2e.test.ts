// End to end: the app's real HTTP server (startServer, what `npm start` runs) on 127.0.0.1 with an
// ephemeral port, Probot's environment variables, GitHub played by a loopback FakeGitHub reached
// through GHE_HOST/GHE_PROTOCOL, webhooks signed with X-Hub-Signature-256, the real review()
// engine with test rules. Waits poll recorded state with a bound; nothing depends on timing.
import { afterEach, describe, expect, it } from 'vitest';
import type { ProbotOctokit } from 'probot';
import { createEngine } from '../../app/engine.js';
import { createIovalintApp, type IovalintApp } from '../../app/index.js';
import { appOctokit } from '../../app/octokit.js';
import { startServer, type RunningServer } from '../../app/start.js';
import { FakeGitHub, diffLines } from './helpers/fake-github.js';
import { NoRetryOctokit, privateKey } from './helpers/harness.js';
import { deliver, pullRequestPayload } from './helpers/payloads.js';
import { XFER_PATH, loadBulkPull, loadCrashPull, loadXferPull, xfer } from './helpers/scenarios.js';
import { TEST_RULES } from './helpers/test-rules.js';

const SECRET = 'e2e-webhook-secret';
const WEBHOOK_PATH = '/hooks/github';

interface Running {
  gh: FakeGitHub;
  app: IovalintApp;
  server: RunningServer;
  hooks: string;
}

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.app.queue.idle();
    await r.server.close();
    await r.gh.close();
  }
});

async function start(Octokit: typeof ProbotOctokit = NoRetryOctokit): Promise<Running> {
  const gh = new FakeGitHub();
  const host = await gh.listen();
  const app = createIovalintApp({ engine: createEngine({ rules: TEST_RULES, simulator: false }), concurrency: 2 });
  const server = await startServer({
    env: {
      APP_ID: '4711',
      PRIVATE_KEY: privateKey(),
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      GHE_HOST: host,
      GHE_PROTOCOL: 'http',
      LOG_LEVEL: 'fatal',
    },
    Octokit,
    app,
  });
  const r = { gh, app, server, hooks: `http://127.0.0.1:${server.port}${WEBHOOK_PATH}` };
  running.push(r);
  return r;
}

let ids = 0;
const nextId = () => `e2e-${process.pid}-${++ids}`;

describe('the HTTP server', () => {
  it('answers /healthz, 404 elsewhere, and rejects forged or missing signatures', async () => {
    const { gh, hooks, server } = await start();
    const health = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(health.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${server.port}/nothing-here`)).status).toBe(404);

    const payload = pullRequestPayload(gh, 'opened', loadXferPull(gh, 1));
    const forged = await deliver(hooks, 'pull_request', payload, { id: nextId(), secret: 'not-the-secret' });
    // @octokit/webhooks answers 400 to a signature that does not match, as to a missing one.
    expect(forged.status).toBe(400);
    const missing = await deliver(hooks, 'pull_request', payload, { id: nextId(), signatureOverride: null });
    expect(missing.status).toBe(400);
    const garbage = await deliver(hooks, 'pull_request', payload, { id: nextId(), signatureOverride: 'sha256=00' });
    expect(garbage.status).toBe(400);
    expect(gh.requests).toEqual([]);
  });
});

describe('reviewing pull requests', () => {
  it('check run, annotations, one review on diff lines; redelivery does nothing; a fixing push is success with nothing re-posted', async () => {
    const { gh, app, hooks } = await start();
    const pull = loadXferPull(gh, 1);
    const payload = pullRequestPayload(gh, 'opened', pull);
    const id = nextId();
    const answer = await deliver(hooks, 'pull_request', payload, { id, secret: SECRET });
    expect(answer.status).toBe(200);
    await gh.waitFor(() => gh.runsFor(pull.headSha)[0]?.status === 'completed', 'the first check run to complete');

    const [run] = gh.runsFor(pull.headSha);
    expect(gh.calls('/repos/{owner}/{repo}/check-runs', 'POST')[0]!.body).toMatchObject({ status: 'in_progress', head_sha: pull.headSha, name: 'iovalint' });
    expect(run!.conclusion).toBe('failure');
    const byRule = run!.annotations.map((a) => `${a.title} ${a.annotation_level}`).sort();
    expect(byRule).toEqual(['test/ignored-link (unconfirmed) failure', 'test/ignored-link (unconfirmed) failure', 'test/link-without-unlink (unconfirmed) warning']);
    expect(run!.output.summary).toContain('| `test/ignored-link` | 2 |');

    await app.queue.idle();
    expect(gh.reviews).toHaveLength(1);
    const onDiff = diffLines(xfer.push[0]!.patch);
    const review = gh.reviews[0]!;
    expect(review).toMatchObject({ commit_id: pull.headSha, event: 'COMMENT' });
    expect(review.comments).toHaveLength(2);
    for (const c of review.comments) {
      expect(c.path).toBe(XFER_PATH);
      expect(onDiff.has(c.line)).toBe(true);
      expect(c.body).toMatch(/<!-- iovalint:fingerprint=[0-9a-f]{24} -->/);
    }
    const lines = xfer.push[0]!.text.split('\n');
    // Each comment spans the ignored call's statement (two lines), starting on the call.
    for (const c of review.comments) {
      expect(lines[(c.start_line ?? c.line) - 1]!.trim()).toMatch(/^dma_iova_link\(/);
      expect(onDiff.has(c.start_line ?? c.line)).toBe(true);
    }
    // The missing-unlink warning sits on xfer_prepare's closing brace, outside the diff.
    const warning = run!.annotations.find((a) => a.annotation_level === 'warning')!;
    expect(onDiff.has(warning.start_line as number)).toBe(false);
    expect(lines[(warning.start_line as number) - 1]).toBe('}');

    // Redelivery of the same delivery id: nothing at all happens.
    const before = gh.requests.length;
    expect((await deliver(hooks, 'pull_request', payload, { id, secret: SECRET })).status).toBe(200);
    await app.queue.idle();
    expect(gh.requests.length).toBe(before);

    // Push 2 checks the first link: still failing, but the remaining finding was already commented.
    const push2 = loadXferPull(gh, 2);
    await deliver(hooks, 'pull_request', pullRequestPayload(gh, 'synchronize', push2), { id: nextId(), secret: SECRET });
    await gh.waitFor(() => gh.runsFor(push2.headSha)[0]?.status === 'completed', 'push 2 check run');
    await app.queue.idle();
    expect(gh.runsFor(push2.headSha)[0]!.conclusion).toBe('failure');
    expect(gh.runsFor(push2.headSha)[0]!.annotations).toHaveLength(2);
    expect(gh.reviews).toHaveLength(1);

    // Push 3 fixes everything: success, no new review, no comment re-posted.
    const push3 = loadXferPull(gh, 3);
    await deliver(hooks, 'pull_request', pullRequestPayload(gh, 'synchronize', push3), { id: nextId(), secret: SECRET });
    await gh.waitFor(() => gh.runsFor(push3.headSha)[0]?.status === 'completed', 'push 3 check run');
    await app.queue.idle();
    expect(gh.runsFor(push3.headSha)[0]!.conclusion).toBe('success');
    expect(gh.runsFor(push3.headSha)[0]!.annotations).toHaveLength(0);
    expect(gh.reviews).toHaveLength(1);
    expect(gh.reviewComments).toHaveLength(2);
    expect(gh.schemaErrors).toEqual([]);
    expect(gh.requests.every((r) => r.enterprisePath)).toBe(true);
  });

  it('more than 50 findings: every annotation arrives, at most 50 per request', async () => {
    const { gh, app, hooks } = await start();
    const pull = loadBulkPull(gh, 75);
    await deliver(hooks, 'pull_request', pullRequestPayload(gh, 'opened', pull), { id: nextId(), secret: SECRET });
    await gh.waitFor(() => gh.runsFor(pull.headSha)[0]?.status === 'completed', 'the bulk check run');
    await app.queue.idle();
    const [run] = gh.runsFor(pull.headSha);
    expect(run!.conclusion).toBe('failure');
    expect(run!.annotations).toHaveLength(75);
    const sizes = gh.calls('/repos/{owner}/{repo}/check-runs/{check_run_id}', 'PATCH').map((u) => ((u.body as { output: { annotations?: unknown[] } }).output.annotations ?? []).length);
    expect(sizes).toEqual([50, 25]);
    expect(gh.reviews[0]!.comments.length).toBeLessThanOrEqual(50);
    expect(gh.schemaErrors).toEqual([]);
  });

  it('an analysis crash leaves a neutral check run with the error', async () => {
    const { gh, app, hooks } = await start();
    const pull = loadCrashPull(gh);
    await deliver(hooks, 'pull_request', pullRequestPayload(gh, 'opened', pull), { id: nextId(), secret: SECRET });
    await gh.waitFor(() => gh.runsFor(pull.headSha)[0]?.status === 'completed', 'the crash check run');
    await app.queue.idle();
    const [run] = gh.runsFor(pull.headSha);
    expect(run).toMatchObject({ conclusion: 'neutral', output: { title: 'iovalint could not finish' } });
    expect(run!.output.summary).toContain('test rule crashed on IOVALINT_TEST_CRASH');
    expect(gh.reviews).toHaveLength(0);
  });

  it('with retries and throttling on: injected 500s and a 403 secondary rate limit are survived', async () => {
    const { gh, app, hooks } = await start(appOctokit({ backoffUnitMs: 1 }));
    gh.injectFault('GET', /pulls\/\{pull_number\}\/files$/, 500, 2);
    gh.injectFault('PATCH', /check-runs\/\{check_run_id\}$/, 502, 1);
    gh.injectFault('POST', /pulls\/\{pull_number\}\/reviews$/, 403, 1, { 'retry-after': '1' }, {
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
    });
    const pull = loadXferPull(gh, 1);
    await deliver(hooks, 'pull_request', pullRequestPayload(gh, 'opened', pull), { id: nextId(), secret: SECRET });
    await gh.waitFor(() => gh.runsFor(pull.headSha)[0]?.status === 'completed', 'the check run despite faults', 60_000);
    await app.queue.idle();
    expect(gh.calls('/repos/{owner}/{repo}/pulls/{pull_number}/files').map((r) => r.status)).toEqual([500, 500, 200]);
    expect(gh.calls('/repos/{owner}/{repo}/pulls/{pull_number}/reviews').map((r) => r.status)).toEqual([403, 200]);
    expect(gh.calls('/repos/{owner}/{repo}/check-runs/{check_run_id}', 'PATCH').map((r) => r.status)).toEqual([502, 200]);
    expect(gh.runsFor(pull.headSha)[0]!.conclusion).toBe('failure');
    expect(gh.reviews).toHaveLength(1);
    expect(gh.reviews[0]!.comments).toHaveLength(2);
  });
});
