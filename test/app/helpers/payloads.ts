// Webhook payloads adapted from @octokit/webhooks-examples: a real example of each event, with
// the repository, installation, pull request number and SHAs of the fake GitHub put in.
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import type { FakeGitHub, FakePull } from './fake-github.js';

const require = createRequire(import.meta.url);
type Example = Record<string, unknown> & { action?: string; installation?: unknown };
const definitions = require('@octokit/webhooks-examples/api.github.com/index.json') as Array<{ name: string; examples: Example[] }>;

function example(event: string, action: string): Example {
  const found = definitions.find((d) => d.name === event)?.examples.find((e) => e.action === action && e.installation);
  if (!found) throw new Error(`no ${event}.${action} example with an installation`);
  return structuredClone(found);
}

function repository(gh: FakeGitHub, base: Record<string, unknown>) {
  const owner = { ...(base.owner as object), login: gh.owner };
  return {
    ...base,
    id: gh.repoId,
    name: gh.repo,
    full_name: `${gh.owner}/${gh.repo}`,
    owner,
    html_url: `https://github.example/${gh.owner}/${gh.repo}`,
  };
}

export type PullRequestAction = 'opened' | 'synchronize' | 'reopened' | 'ready_for_review' | 'closed' | 'labeled';

export function pullRequestPayload(gh: FakeGitHub, action: PullRequestAction, pull: FakePull): Example {
  const source = example('pull_request', action);
  const pr = source.pull_request as Record<string, unknown>;
  const repo = repository(gh, source.repository as Record<string, unknown>);
  return {
    ...source,
    number: pull.number,
    installation: { id: gh.installationId, node_id: 'inst' },
    repository: repo,
    pull_request: {
      ...pr,
      number: pull.number,
      title: pull.title,
      draft: pull.draft,
      state: pull.state,
      head: { ...(pr.head as object), sha: pull.headSha, repo },
      base: { ...(pr.base as object), sha: pull.baseSha, repo },
    },
  };
}

export function checkRunRerequestedPayload(gh: FakeGitHub, headSha: string, pullNumbers: number[], name = 'iovalint'): Example {
  const source = example('check_run', 'rerequested');
  const run = source.check_run as Record<string, unknown>;
  return {
    ...source,
    installation: { id: gh.installationId, node_id: 'inst' },
    repository: repository(gh, source.repository as Record<string, unknown>),
    check_run: {
      ...run,
      name,
      head_sha: headSha,
      pull_requests: pullNumbers.map((number) => ({ number, id: number, url: 'http://fake.invalid', head: { sha: headSha, ref: 'x', repo: { id: gh.repoId } }, base: { sha: 'b', ref: 'main', repo: { id: gh.repoId } } })),
    },
  };
}

export function checkSuiteRerequestedPayload(gh: FakeGitHub, headSha: string, pullNumbers: number[]): Example {
  const source = example('check_suite', 'rerequested');
  const suite = source.check_suite as Record<string, unknown>;
  return {
    ...source,
    installation: { id: gh.installationId, node_id: 'inst' },
    repository: repository(gh, source.repository as Record<string, unknown>),
    check_suite: {
      ...suite,
      head_sha: headSha,
      pull_requests: pullNumbers.map((number) => ({ number, id: number, url: 'http://fake.invalid', head: { sha: headSha, ref: 'x', repo: { id: gh.repoId } }, base: { sha: 'b', ref: 'main', repo: { id: gh.repoId } } })),
    },
  };
}

/** `sha256=` + HMAC-SHA256 of the exact body, as GitHub signs webhooks. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface Delivery {
  status: number;
  text: string;
}

/** POSTs a webhook as GitHub does (headers, signature over the exact bytes). */
export async function deliver(
  url: string,
  event: string,
  payload: unknown,
  options: { id: string; secret?: string; signatureOverride?: string | null },
): Promise<Delivery> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': options.id,
    'user-agent': 'GitHub-Hookshot/test',
  };
  const sig = options.signatureOverride === undefined ? signature(options.secret ?? '', body) : options.signatureOverride;
  if (sig !== null) headers['x-hub-signature-256'] = sig;
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}
