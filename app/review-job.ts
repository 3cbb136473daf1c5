// One review of one pull request at one head SHA: config, check run in progress, the PR's change,
// the engine, then — only if the PR head is still that SHA — one review with inline comments and
// the completed check run. Whatever fails, the check run is completed (neutral, with the error).
import type { Logger } from 'probot';
import type { ChangedFile } from '../patch/types.js';
import type { Finding } from '../review/types.js';
import {
  annotationBatches,
  checkTitle,
  completeCheckRun,
  conclusionFor,
  createCheckRun,
  summaryMarkdown,
  type GitHub,
  type RepoRef,
} from './check-run.js';
import { readRawConfig, validateConfigObject, wantsDrafts } from './config.js';
import type { ReviewEngine } from './engine.js';
import { loadPullRequestChange } from './pull-request.js';
import type { JobSignal } from './queue.js';
import { fingerprintsIn, planComments } from './review-comments.js';

export interface JobDependencies {
  engine: () => Promise<ReviewEngine>;
  log: Logger;
  /** Inline comments per review; the rest stay in the annotations. */
  maxComments: number;
}

export interface ReviewTarget extends RepoRef {
  number: number;
  headSha: string;
  /** From the webhook when it carries the PR; fetched otherwise. */
  title?: string;
  draft?: boolean;
  /** The repository's web address, for links in the summary. */
  htmlUrl?: string;
  /** What asked for the review ("pull_request.synchronize", "check_run.rerequested"). */
  trigger: string;
  /** Rerequests name a SHA that may no longer be the head: then nothing is done. */
  requireCurrentHead: boolean;
}

/** Reads `.github/<name>` through Probot's context.config. */
export type ConfigReader = (name: string) => Promise<unknown>;

/** The PR's head SHA now (re-read before publishing) and what the webhook may not have said. */
async function readPullRequest(gh: GitHub, target: ReviewTarget) {
  const { data } = await gh.rest.pulls.get({ owner: target.owner, repo: target.repo, pull_number: target.number });
  return { headSha: data.head.sha, title: data.title, draft: data.draft === true, state: data.state };
}

function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const status = (err as { status?: number }).status;
  return `${status ? `GitHub answered HTTP ${status}: ` : ''}${message.split('\n')[0]}`;
}

export async function runReviewJob(gh: GitHub, target: ReviewTarget, readConfig: ConfigReader, deps: JobDependencies, signal: JobSignal): Promise<void> {
  const { log } = deps;
  const repo = { owner: target.owner, repo: target.repo };
  const where = `${target.owner}/${target.repo}#${target.number}@${target.headSha.slice(0, 7)}`;

  let title = target.title;
  let draft = target.draft;
  if (title === undefined || draft === undefined || target.requireCurrentHead) {
    const current = await readPullRequest(gh, target);
    if (target.requireCurrentHead && current.headSha !== target.headSha) {
      log.info(`${where}: not the head of the pull request any more (${current.headSha.slice(0, 7)}); nothing to do`);
      return;
    }
    title ??= current.title;
    draft ??= current.draft;
  }

  const raw = await readRawConfig(readConfig);
  if (draft && !wantsDrafts(raw)) {
    log.info(`${where}: draft pull request skipped (set 'drafts: true' in .github/iovalint.yml to review drafts)`);
    return;
  }

  const checkRunId = await createCheckRun(gh, repo, target.headSha, `${target.number}`);
  const superseded = async (): Promise<boolean> => {
    if (!signal.supersededBy) return false;
    await completeCheckRun(gh, repo, checkRunId, {
      conclusion: 'cancelled',
      title: 'Superseded by a newer push',
      summary: `Commit ${signal.supersededBy} was pushed to the pull request; the review of ${target.headSha} was stopped and nothing was published for it.`,
    });
    log.info(`${where}: superseded by ${signal.supersededBy.slice(0, 7)}`);
    return true;
  };

  try {
    const engine = await deps.engine();
    const config = raw.ok ? validateConfigObject(raw.value, await engine.knownRuleIds()) : raw;
    if (!config.ok) {
      await completeCheckRun(gh, repo, checkRunId, {
        conclusion: 'neutral',
        title: 'Configuration error',
        summary: `iovalint did not review this commit: the configuration is invalid.\n\n\`${config.message}\`\n`,
      });
      return;
    }
    const settings = config.config;
    if (await superseded()) return;
    const loaded = await loadPullRequestChange(gh, { ...repo, number: target.number, headSha: target.headSha, title: title ?? '' }, settings.app.limits);
    if (await superseded()) return;
    const report = await engine.review(loaded.changeSet, settings);
    if (await superseded()) return;

    // Publish only for the PR's current head.
    const now = await readPullRequest(gh, target);
    if (now.headSha !== target.headSha) {
      await completeCheckRun(gh, repo, checkRunId, {
        conclusion: 'cancelled',
        title: 'Stale: the pull request moved on',
        summary: `The pull request's head is now ${now.headSha}; nothing was published for ${target.headSha}.`,
      });
      log.info(`${where}: stale (head is ${now.headSha.slice(0, 7)}); nothing published`);
      return;
    }

    const notes = [...(raw.ok && raw.unreadable ? [raw.unreadable] : []), ...loaded.notes].map((n) => `> ${n}`);
    if (settings.app.comments === 'review') {
      notes.push(await publishReview(gh, target, report.findings, loaded.changeSet.files, deps));
    } else {
      notes.push(`_Inline comments are off (\`comments: ${settings.app.comments}\`)._`);
    }
    const linkTo = target.htmlUrl
      ? (f: Finding) => `${target.htmlUrl}/blob/${target.headSha}/${f.file.split('/').map(encodeURIComponent).join('/')}#L${f.line}`
      : undefined;
    await completeCheckRun(gh, repo, checkRunId, {
      conclusion: conclusionFor(report, settings.app.conclusion),
      title: checkTitle(report),
      summary: summaryMarkdown(report, notes, linkTo),
      batches: settings.app.comments === 'off' ? [] : annotationBatches(report),
    });
    log.info(`${where}: ${report.findings.length} findings published`);
  } catch (err) {
    log.error({ err }, `${where}: review failed`);
    try {
      await completeCheckRun(gh, repo, checkRunId, {
        conclusion: 'neutral',
        title: 'iovalint could not finish',
        summary: `iovalint stopped with an error and reviewed nothing for this commit:\n\n\`\`\`\n${oneLine(err)}\n\`\`\`\n`,
      });
    } catch (completeErr) {
      log.error({ err: completeErr }, `${where}: could not complete the check run`);
    }
  }
}

/**
 * One review on the head SHA with the findings inside the diff that no earlier comment carries
 * (by fingerprint marker). Returns the summary's sentence about it. A failure to post is reported
 * in the summary, not fatal: the annotations carry every finding.
 */
async function publishReview(
  gh: GitHub,
  target: ReviewTarget,
  findings: readonly Finding[],
  files: readonly ChangedFile[],
  deps: JobDependencies,
): Promise<string> {
  if (findings.length === 0) return '_No inline comments: nothing found._';
  const pr = { owner: target.owner, repo: target.repo, pull_number: target.number };
  const existing = new Set<string>();
  try {
    const comments = await gh.paginate(gh.rest.pulls.listReviewComments, { ...pr, per_page: 100 });
    for (const comment of comments) for (const fp of fingerprintsIn(comment.body ?? '')) existing.add(fp);
  } catch (err) {
    // Without the earlier comments a review could repeat them: post none this time.
    deps.log.error({ err }, `review comments of ${target.owner}/${target.repo}#${target.number} not readable`);
    return `_Review: not posted, because the earlier review comments could not be read (${oneLine(err)}) and comments must not be repeated; the annotations carry every finding._`;
  }
  const byPath = new Map(files.filter((f) => f.postImage !== undefined).map((f) => [f.path, f]));
  const plan = planComments(findings, byPath, existing, deps.maxComments);
  const parts: string[] = [];
  if (plan.comments.length > 0) {
    const body = [
      `**iovalint** reviewed ${target.headSha.slice(0, 7)}: ${findings.length} finding${findings.length === 1 ? '' : 's'}, ` +
        `${plan.comments.length} new on lines of this diff (below). The check run lists every finding.`,
      '',
      `<!-- iovalint:review sha=${target.headSha} -->`,
    ].join('\n');
    try {
      await gh.rest.pulls.createReview({ ...pr, commit_id: target.headSha, event: 'COMMENT', body, comments: plan.comments });
      parts.push(`${plan.comments.length} inline comment${plan.comments.length === 1 ? '' : 's'} posted in a review of this commit`);
    } catch (err) {
      deps.log.error({ err }, `review of ${target.owner}/${target.repo}#${target.number} not posted`);
      parts.push(`the review could not be posted (${oneLine(err)}); the annotations carry every finding`);
    }
  } else {
    parts.push('no new inline comments');
  }
  if (plan.alreadyCommented) parts.push(`${plan.alreadyCommented} already commented on an earlier push`);
  if (plan.offDiff) parts.push(`${plan.offDiff} outside the diff (annotations only)`);
  if (plan.overCap) parts.push(`${plan.overCap} over the cap of ${deps.maxComments} comments per review (annotations only)`);
  return `_Review: ${parts.join('; ')}._`;
}
