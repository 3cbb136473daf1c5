// The Probot app: wires webhook events to small handlers that enqueue a review and return.
// Everything else is ordinary code in the modules beside this one.
import type { ApplicationFunctionOptions, Context, Probot } from 'probot';
import { CHECK_NAME } from './check-run.js';
import { createWorkerEngine, type ReviewEngine } from './engine.js';
import { DeliveryLog, ReviewQueue } from './queue.js';
import { runReviewJob, type ReviewTarget } from './review-job.js';

export interface IovalintAppOptions {
  /** The engine (default: the rule registry and simulator, as the command line uses them, in worker threads). */
  engine?: ReviewEngine | (() => Promise<ReviewEngine>);
  /** Reviews running at once (default: IOVALINT_CONCURRENCY or 2). */
  concurrency?: number;
  /** Reviews waiting at most (default 500). */
  maxPending?: number;
  /** Inline comments per review (default 50). */
  maxComments?: number;
}

export interface IovalintApp {
  (app: Probot, options?: ApplicationFunctionOptions): void;
  readonly queue: ReviewQueue;
  readonly deliveries: DeliveryLog;
}

export const PULL_REQUEST_ACTIONS = [
  'pull_request.opened',
  'pull_request.synchronize',
  'pull_request.reopened',
  'pull_request.ready_for_review',
] as const;

/** PR numbers of a check payload's pull_requests that target this repository. */
function ownPullRequests(prs: ReadonlyArray<{ number: number; base?: { repo?: { id?: number } } }> | null | undefined, repoId: number): number[] {
  return (prs ?? []).filter((pr) => pr.base?.repo?.id === undefined || pr.base.repo.id === repoId).map((pr) => pr.number);
}

function envConcurrency(): number {
  const n = Number(process.env.IOVALINT_CONCURRENCY);
  return Number.isInteger(n) && n > 0 ? n : 2;
}

export function createIovalintApp(options: IovalintAppOptions = {}): IovalintApp {
  let enginePromise: Promise<ReviewEngine> | undefined;
  const engine = (): Promise<ReviewEngine> => {
    const given = options.engine;
    enginePromise ??= given === undefined ? Promise.resolve(createWorkerEngine()) : typeof given === 'function' ? given() : Promise.resolve(given);
    return enginePromise;
  };
  const deliveries = new DeliveryLog();
  let log: Probot['log'] | undefined;
  const queue = new ReviewQueue({
    concurrency: options.concurrency ?? envConcurrency(),
    maxPending: options.maxPending ?? 500,
    onError: (job, error) => log?.error({ err: error }, `review of ${job.pr}@${job.headSha} failed`),
    onDropped: (job, reason) => log?.info(`review of ${job.pr}@${job.headSha} dropped: ${reason}`),
  });
  const maxComments = options.maxComments ?? 50;

  const enqueue = (context: Context, target: ReviewTarget, supersedes: boolean): void => {
    const result = queue.enqueue({
      pr: `${target.owner}/${target.repo}#${target.number}`,
      headSha: target.headSha,
      supersedes,
      run: (signal) =>
        runReviewJob(context.octokit, target, (name) => context.config(name), { engine, log: context.log, maxComments }, signal),
    });
    context.log.info(`${target.trigger} ${target.owner}/${target.repo}#${target.number}@${target.headSha.slice(0, 7)}: ${result}`);
  };

  /** False (and logged) for a delivery id already handled. */
  const firstDelivery = (context: Context): boolean => {
    if (deliveries.firstTime(context.id)) return true;
    context.log.info(`delivery ${context.id} (${context.name}) already handled; ignored`);
    return false;
  };

  /** Reviews a rerequested SHA on each open PR whose head it is. */
  const rerequest = (context: Context<'check_run' | 'check_suite'>, headSha: string, prNumbers: number[], trigger: string): void => {
    const { owner, repo } = context.repo();
    const htmlUrl = context.payload.repository.html_url;
    if (prNumbers.length > 0) {
      for (const number of prNumbers) enqueue(context, { owner, repo, number, headSha, htmlUrl, trigger, requireCurrentHead: true }, false);
      return;
    }
    // Fork PRs are not listed in check payloads: find the PRs whose head is this SHA.
    queue.enqueue({
      pr: `${owner}/${repo}@${headSha}`,
      headSha,
      supersedes: false,
      run: async (signal) => {
        const { data } = await context.octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: headSha, per_page: 100 });
        const open = data.filter((pr) => pr.state === 'open' && pr.head.sha === headSha);
        if (open.length === 0) {
          await context.octokit.rest.checks.create({
            owner,
            repo,
            name: CHECK_NAME,
            head_sha: headSha,
            status: 'completed',
            conclusion: 'neutral',
            completed_at: new Date().toISOString(),
            output: { title: 'No pull request', summary: `No open pull request has ${headSha} as its head; iovalint reviews pull requests.` },
          });
          return;
        }
        for (const pr of open) {
          const target: ReviewTarget = { owner, repo, number: pr.number, headSha, htmlUrl, trigger, requireCurrentHead: true };
          await runReviewJob(context.octokit, target, (name) => context.config(name), { engine, log: context.log, maxComments }, signal);
        }
      },
    });
  };

  const appFn = (app: Probot, appOptions?: ApplicationFunctionOptions): void => {
    log = app.log;
    try {
      appOptions?.addHandler((req, res) => {
        if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/healthz') return false;
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        return true;
      });
    } catch {
      // Loaded without an HTTP server (Probot's test setup): no routes to add.
    }

    app.on([...PULL_REQUEST_ACTIONS], async (context) => {
      if (!firstDelivery(context)) return;
      const pr = context.payload.pull_request;
      const { owner, repo } = context.repo();
      enqueue(
        context,
        {
          owner,
          repo,
          number: pr.number,
          headSha: pr.head.sha,
          title: pr.title,
          draft: pr.draft === true,
          htmlUrl: context.payload.repository.html_url,
          trigger: `${context.name}.${context.payload.action}`,
          requireCurrentHead: false,
        },
        true,
      );
    });

    app.on('check_run.rerequested', async (context) => {
      if (!firstDelivery(context)) return;
      const run = context.payload.check_run;
      if (run.name !== CHECK_NAME) return;
      rerequest(context, run.head_sha, ownPullRequests(run.pull_requests, context.payload.repository.id), 'check_run.rerequested');
    });

    app.on('check_suite.rerequested', async (context) => {
      if (!firstDelivery(context)) return;
      const suite = context.payload.check_suite;
      rerequest(context, suite.head_sha, ownPullRequests(suite.pull_requests, context.payload.repository.id), 'check_suite.rerequested');
    });
  };

  return Object.assign(appFn, { queue, deliveries });
}

/** The app as Probot loads it: `export default (app) => …`. */
const iovalint: IovalintApp = createIovalintApp();
export default iovalint;
