// The app's handlers under Probot's test setup (probot.receive), GitHub answered in-process by the
// fake, the engine replaced by a double so these tests are about GitHub plumbing only.
import { describe, expect, it } from 'vitest';
import type { ChangeSet } from '../../patch/types.js';
import type { Finding } from '../../review/types.js';
import { fingerprintsIn } from '../../app/review-comments.js';
import { diffLines } from './helpers/fake-github.js';
import { engineDouble, finding, fingerprint, harness } from './helpers/harness.js';
import { checkRunRerequestedPayload, checkSuiteRerequestedPayload, pullRequestPayload } from './helpers/payloads.js';
import { XFER_PATH, loadXferPull, sha, xfer } from './helpers/scenarios.js';

/** Errors on each statement line starting with dma_iova_link(; a warning at xfer_prepare's closing brace. */
function xferFindings(changeSet: ChangeSet): Finding[] {
  const out: Finding[] = [];
  for (const file of changeSet.files) {
    if (!file.postImage) continue;
    const lines = file.postImage.split('\n');
    lines.forEach((text, i) => {
      if (/^\tdma_iova_link\(/.test(text)) out.push(finding(file.path, i + 1, { fingerprint: fingerprint(`link-${text.trim()}`) }));
    });
    const prepare = lines.findIndex((l) => l.startsWith('static int xfer_prepare('));
    const hasUnlink = lines.slice(prepare).findIndex((l) => l.includes('dma_iova_unlink')) >= 0 && lines.slice(prepare, lines.indexOf('}', prepare)).some((l) => l.includes('dma_iova_unlink'));
    if (prepare >= 0 && !hasUnlink && lines.slice(prepare).some((l) => l.includes('dma_iova_link'))) {
      const brace = lines.indexOf('}', prepare);
      out.push(finding(file.path, brace + 1, { severity: 'warning', ruleId: 'test/warn', fingerprint: fingerprint('prepare-brace'), column: 1, endColumn: 2 }));
    }
  }
  return out;
}

describe('pull_request events', () => {
  it('opened: check run in progress then completed failure, annotations, one review on diff lines only', async () => {
    const engine = engineDouble(xferFindings);
    const { gh, receive } = await harness({ engine });
    const pull = loadXferPull(gh, 1);
    await receive('pull_request', pullRequestPayload(gh, 'opened', pull));

    const creates = gh.calls('/repos/{owner}/{repo}/check-runs', 'POST');
    expect(creates).toHaveLength(1);
    expect(creates[0]!.body).toMatchObject({ name: 'iovalint', head_sha: pull.headSha, status: 'in_progress' });
    const [run] = gh.runsFor(pull.headSha);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(run!.annotations).toHaveLength(3);
    expect(run!.annotations.map((a) => a.annotation_level).sort()).toEqual(['failure', 'failure', 'warning']);
    expect(run!.output.title).toBe('2 errors, 1 warning');
    expect(run!.output.summary).toContain('| `test/double` | 2 |');

    expect(gh.reviews).toHaveLength(1);
    const review = gh.reviews[0]!;
    expect(review).toMatchObject({ commit_id: pull.headSha, event: 'COMMENT' });
    const onDiff = diffLines(xfer.push[0]!.patch);
    expect(review.comments).toHaveLength(2);
    for (const c of review.comments) {
      expect(c.path).toBe(XFER_PATH);
      expect(onDiff.has(c.line)).toBe(true);
      expect(fingerprintsIn(c.body)).toHaveLength(1);
    }
    // The warning at xfer_prepare's closing brace is off the diff: annotation only.
    const warning = run!.annotations.find((a) => a.annotation_level === 'warning')!;
    expect(onDiff.has(warning.start_line as number)).toBe(false);
    expect(run!.output.summary).toContain('1 outside the diff (annotations only)');
    expect(gh.schemaErrors).toEqual([]);

    // The engine saw the PR's own diff: changed lines are the added ones, the README is not C.
    const cs = engine.seen[0]!;
    const c = cs.files.find((f) => f.path === XFER_PATH)!;
    expect(c.postImage).toBe(xfer.push[0]!.text);
    expect(c.preImage).toBe(xfer.base);
    expect([...c.changedLines].length).toBe(xfer.push[0]!.patch.split('\n').filter((l) => l.startsWith('+')).length);
    expect(cs.files.find((f) => f.path.endsWith('.rst'))?.isC).toBe(false);
  });

  it('a redelivered webhook (same delivery id) does nothing twice', async () => {
    const { gh, receive } = await harness({ engine: engineDouble(xferFindings) });
    const pull = loadXferPull(gh, 1);
    const payload = pullRequestPayload(gh, 'opened', pull);
    await receive('pull_request', payload, 'same-delivery');
    const before = gh.requests.length;
    await receive('pull_request', payload, 'same-delivery');
    expect(gh.requests.length).toBe(before);
    expect(gh.checkRuns.size).toBe(1);
  });

  it('later pushes: no comment re-posted for a known fingerprint; the fixing push is success with no review', async () => {
    const { gh, receive } = await harness({ engine: engineDouble(xferFindings) });
    await receive('pull_request', pullRequestPayload(gh, 'opened', loadXferPull(gh, 1)));
    expect(gh.reviews).toHaveLength(1);

    const push2 = loadXferPull(gh, 2);
    await receive('pull_request', pullRequestPayload(gh, 'synchronize', push2));
    const [run2] = gh.runsFor(push2.headSha);
    expect(run2).toMatchObject({ conclusion: 'failure' });
    expect(run2!.annotations).toHaveLength(2);
    expect(gh.reviews).toHaveLength(1);
    expect(run2!.output.summary).toContain('1 already commented on an earlier push');

    const push3 = loadXferPull(gh, 3);
    await receive('pull_request', pullRequestPayload(gh, 'synchronize', push3));
    const [run3] = gh.runsFor(push3.headSha);
    expect(run3).toMatchObject({ conclusion: 'success' });
    expect(run3!.annotations).toHaveLength(0);
    expect(run3!.output.title).toBe('No findings');
    expect(gh.reviews).toHaveLength(1);
    expect(gh.schemaErrors).toEqual([]);
  });

  it('drafts are skipped unless the config asks for them; ready_for_review reviews', async () => {
    const { gh, receive } = await harness({ engine: engineDouble(xferFindings) });
    const draft = loadXferPull(gh, 1, { draft: true });
    await receive('pull_request', pullRequestPayload(gh, 'opened', draft));
    expect(gh.checkRuns.size).toBe(0);

    const ready = loadXferPull(gh, 1, { draft: false });
    await receive('pull_request', pullRequestPayload(gh, 'ready_for_review', ready));
    expect(gh.checkRuns.size).toBe(1);

    gh.config = 'drafts: true\n';
    const draft2 = loadXferPull(gh, 2, { draft: true });
    await receive('pull_request', pullRequestPayload(gh, 'synchronize', draft2));
    expect(gh.runsFor(draft2.headSha)).toHaveLength(1);
  });

  it('ignores other pull_request actions', async () => {
    const { gh, receive } = await harness({ engine: engineDouble(xferFindings) });
    await receive('pull_request', pullRequestPayload(gh, 'labeled', loadXferPull(gh, 1)));
    expect(gh.requests).toHaveLength(0);
  });
});

describe('configuration', () => {
  it('a bad .github/iovalint.yml gives a neutral check run naming the key', async () => {
    const { gh, receive } = await harness({ engine: engineDouble(xferFindings, ['test/double']) });
    gh.config = 'comments: sometimes\n';
    const pull = loadXferPull(gh, 1);
    await receive('pull_request', pullRequestPayload(gh, 'opened', pull));
    const [run] = gh.runsFor(pull.headSha);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(run!.output.title).toBe('Configuration error');
    expect(run!.output.summary).toContain(".github/iovalint.yml: 'comments' must be review, annotations-only or off, not 'sometimes'");
    expect(gh.reviews).toHaveLength(0);

    gh.config = 'rules:\n  iova/no-such-rule: off\n';
    const pull2 = loadXferPull(gh, 2);
    await receive('pull_request', pullRequestPayload(gh, 'synchronize', pull2));
    expect(gh.runsFor(pull2.headSha)[0]!.output.summary).toContain("unknown rule 'iova/no-such-rule'");

    gh.config = 'rules: [unclosed\n';
    const pull3 = loadXferPull(gh, 3);
    await receive('pull_request', pullRequestPayload(gh, 'synchronize', pull3));
    const run3 = gh.runsFor(pull3.headSha)[0]!;
    expect(run3.conclusion).toBe('neutral');
    expect(run3.output.summary).toContain('.github/iovalint.yml: cannot be read: not valid YAML');
  });

  it('a config GitHub will not serve (HTTP error) does not block the review: defaults, and the summary says so', async () => {
    const { gh, receive } = await harness({ engine: engineDouble(xferFindings) });
    gh.injectFault('GET', /contents\/\{path\}$/, 500, 1);
    const pull = loadXferPull(gh, 1);
    await receive('pull_request', pullRequestPayload(gh, 'opened', pull));
    const [run] = gh.runsFor(pull.headSha);
    expect(run).toMatchObject({ conclusion: 'failure' });
    expect(run!.output.summary).toContain('.github/iovalint.yml could not be read (HTTP 500); the defaults were used.');
  });

  it('conclusion mapping and comment modes are configurable', async () => {
    const { gh, receive } = await harness({ engine: engineDouble(xferFindings) });
    gh.config = 'conclusion:\n  error: neutral\ncomments: annotations-only\n';
    const pull = loadXferPull(gh, 1);
    await receive('pull_request', pullRequestPayload(gh, 'opened', pull));
    const [run] = gh.runsFor(pull.headSha);
    expect(run).toMatchObject({ conclusion: 'neutral' });
    expect(run!.annotations).toHaveLength(3);
    expect(gh.reviews).toHaveLength(0);

    gh.config = 'comments: "off"\n';
    const pull2 = loadXferPull(gh, 2);
    await receive('pull_request', pullRequestPayload(gh, 'synchronize', pull2));
    const [run2] = gh.runsFor(pull2.headSha);
    expect(run2).toMatchObject({ conclusion: 'failure' });
    expect(run2!.annotations).toHaveLength(0);
    expect(gh.reviews).toHaveLength(0);
  });

  it('warnings only → neutral; nothing → success (defaults)', async () => {
    const { gh, receive } = await harness({ engine: engineDouble((cs) => xferFindings(cs).filter((f) => f.severity === 'warning')) });
    const pull = loadXferPull(gh, 1);
    await receive('pull_request', pullRequestPayload(gh, 'opened', pull));
    expect(gh.runsFor(pull.headSha)[0]).toMatchObject({ conclusion: 'neutral' });
  });
});

describe('rerequests', () => {
  it('check_run.rerequested and check_suite.rerequested run the SHA again', async () => {
    const { gh, receive } = await harness({ engine: engineDouble(xferFindings) });
    const pull = loadXferPull(gh, 1);
    await receive('pull_request', pullRequestPayload(gh, 'opened', pull));
    await receive('check_run', checkRunRerequestedPayload(gh, pull.headSha, [1]));
    expect(gh.runsFor(pull.headSha)).toHaveLength(2);
    expect(gh.runsFor(pull.headSha)[1]).toMatchObject({ conclusion: 'failure' });
    expect(gh.reviews).toHaveLength(1);
    await receive('check_suite', checkSuiteRerequestedPayload(gh, pull.headSha, [1]));
    expect(gh.runsFor(pull.headSha)).toHaveLength(3);
    expect(gh.reviews).toHaveLength(1);
  });

  it('a rerequested check run of another app is ignored; a stale SHA is not rerun', async () => {
    const { gh, receive } = await harness({ engine: engineDouble(xferFindings) });
    const pull = loadXferPull(gh, 2);
    await receive('check_run', checkRunRerequestedPayload(gh, pull.headSha, [1], 'other-check'));
    expect(gh.requests).toHaveLength(0);
    await receive('check_run', checkRunRerequestedPayload(gh, sha('xfer-push1'), [1]));
    expect(gh.checkRuns.size).toBe(0);
  });

  it('without pull_requests in the payload (fork PRs), the PRs are found by commit', async () => {
    const { gh, receive } = await harness({ engine: engineDouble(xferFindings) });
    const pull = loadXferPull(gh, 1);
    await receive('check_suite', checkSuiteRerequestedPayload(gh, pull.headSha, []));
    expect(gh.calls('/repos/{owner}/{repo}/commits/{commit_sha}/pulls')).toHaveLength(1);
    expect(gh.runsFor(pull.headSha)[0]).toMatchObject({ conclusion: 'failure' });
    await receive('check_suite', checkSuiteRerequestedPayload(gh, sha('nowhere'), []));
    expect(gh.runsFor(sha('nowhere'))[0]).toMatchObject({ conclusion: 'neutral', output: { title: 'No pull request' } });
  });
});
