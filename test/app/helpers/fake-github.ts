// A loopback fake of the GitHub REST API, just wide enough for the app: installation tokens, pull
// requests (JSON and diff), paginated PR files and review comments, contents (JSON and raw),
// reviews, check runs. Written for these tests (not GitHub's code). It records every request,
// validates JSON request bodies against GitHub's OpenAPI schemas, behaves like GitHub where the app
// could go wrong (review comments off the diff → 422, more than 50 annotations → 422), and can
// inject failures. Served over HTTP (end-to-end) or as a `fetch` function (unit tests).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { githubBodyValidator } from './openapi.js';

export interface FakeFile {
  filename: string;
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  previous_filename?: string;
  /** GitHub's per-file patch; leave undefined to act as GitHub does for large diffs. */
  patch?: string;
}

export interface FakePull {
  number: number;
  title: string;
  draft: boolean;
  state: 'open' | 'closed';
  headSha: string;
  baseSha: string;
  files: FakeFile[];
  /** The whole PR diff (Accept: diff); null answers 406 as GitHub does for huge diffs. */
  diff?: string | null;
}

export interface RecordedRequest {
  method: string;
  /** Path without the GHE /api/v3 prefix and without the query. */
  path: string;
  query: URLSearchParams;
  accept: string;
  body: unknown;
  /** The OpenAPI path template matched, e.g. /repos/{owner}/{repo}/check-runs. */
  route: string;
  /** Sent under /api/v3, the GitHub Enterprise Server base path. */
  enterprisePath: boolean;
  status: number;
}

export interface CheckRunState {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  output: { title?: string; summary?: string };
  annotations: Array<Record<string, unknown>>;
  external_id?: string;
}

export interface ReviewState {
  id: number;
  pull: number;
  commit_id: string;
  event: string;
  body: string;
  comments: Array<{ path: string; line: number; start_line?: number; side?: string; body: string }>;
}

interface Fault {
  method: string;
  route: RegExp;
  remaining: number;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const RAW_ACCEPT = /application\/vnd\.github(\.v3)?\.raw/;
const DIFF_ACCEPT = /application\/vnd\.github(\.v3)?\.diff/;
const BIG_FILE = 1024 * 1024;

function json(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) };
}

/** Lines (new side) each hunk of a per-file patch covers: where GitHub accepts RIGHT-side comments. */
export function diffLines(patch: string): Set<number> {
  const lines = new Set<number>();
  for (const m of patch.matchAll(/^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/gm)) {
    const start = Number(m[1]);
    const count = m[2] === undefined ? 1 : Number(m[2]);
    for (let l = start; l < start + count; l++) lines.add(l);
  }
  return lines;
}

export class FakeGitHub {
  readonly owner = 'kernel-dev';
  readonly repo = 'linux-iova';
  readonly repoId = 4242;
  readonly installationId = 777;
  readonly defaultBranchSha = 'default-branch';
  readonly pulls = new Map<number, FakePull>();
  /** commit SHA → path → file text. */
  readonly commits = new Map<string, Map<string, string>>();
  readonly checkRuns = new Map<number, CheckRunState>();
  readonly reviews: ReviewState[] = [];
  readonly reviewComments: Array<{ id: number; pull: number; path: string; line: number; commit_id: string; original_commit_id: string; body: string; pull_request_review_id: number }> = [];
  readonly requests: RecordedRequest[] = [];
  /** Request bodies GitHub's schemas reject (the tests expect none). */
  readonly schemaErrors: string[] = [];
  /** `.github/iovalint.yml` on the default branch; undefined = no such file. */
  config: string | undefined;
  /** Answer contents requests with the raw bytes whatever the Accept header (a lax server). */
  contentsAlwaysRaw = false;
  private faults: Fault[] = [];
  private nextId = 1000;
  private server?: Server;

  addCommit(sha: string, files: Record<string, string>): void {
    this.commits.set(sha, new Map(Object.entries(files)));
  }

  setPull(pull: FakePull): void {
    this.pulls.set(pull.number, pull);
  }

  /** The next `times` requests matching method and route answer `status` (then the real answer). */
  injectFault(method: string, route: RegExp, status: number, times = 1, headers: Record<string, string> = {}, body: unknown = { message: 'Server Error' }): void {
    this.faults.push({ method, route, remaining: times, status, headers, body });
  }

  /** Requests to a route (template), optionally by method. */
  calls(route: string, method?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.route === route && (!method || r.method === method));
  }

  /** Waits (bounded) until `done()` holds, polling the recorded state. */
  async waitFor(done: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; requests: ${this.requests.map((r) => `${r.method} ${r.path} ${r.status}`).join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  // ---- transport ----

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.readBody(req).then(async (text) => {
        const reply = await this.handle(req.method ?? 'GET', req.url ?? '/', String(req.headers.accept ?? ''), text);
        res.writeHead(reply.status, reply.headers).end(reply.body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    await new Promise<void>((resolve) => {
      this.server!.close(() => resolve());
      this.server!.closeAllConnections();
    });
  }

  /** An in-process `fetch` for Probot's `request.fetch` option. */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const headers = new Headers(init?.headers);
    const body = typeof init?.body === 'string' ? init.body : init?.body ? await new Response(init.body).text() : '';
    const reply = await this.handle(init?.method ?? 'GET', url, headers.get('accept') ?? '', body);
    return new Response(reply.status === 204 || reply.status === 304 ? null : reply.body, { status: reply.status, headers: reply.headers });
  };

  private readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
  }

  private async handle(method: string, rawUrl: string, accept: string, text: string): Promise<Reply> {
    const url = new URL(rawUrl, 'http://fake.invalid');
    const path = decodeURIComponent(url.pathname.replace(/^\/api\/v3(?=\/)/, ''));
    let body: unknown;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const { route, reply } = this.route(method, path, url.searchParams, accept, body);
    this.requests.push({ method, path, query: url.searchParams, accept, body, route, status: reply.status, enterprisePath: url.pathname.startsWith('/api/v3/') });
    return reply;
  }

  private route(method: string, path: string, query: URLSearchParams, accept: string, body: unknown): { route: string; reply: Reply } {
    const repoPrefix = `/repos/${this.owner}/${this.repo}`;
    const table: Array<[string, RegExp, string, (m: RegExpExecArray) => Reply]> = [
      ['POST', /^\/app\/installations\/(\d+)\/access_tokens$/, '/app/installations/{installation_id}/access_tokens', () => this.token()],
      ['GET', /^\/repos\/[^/]+\/\.github\/contents\/(.+)$/, '/repos/{owner}/{repo}/contents/{path}', () => json(404, { message: 'Not Found' })],
      ['GET', new RegExp(`^${repoPrefix}/pulls/(\\d+)$`), '/repos/{owner}/{repo}/pulls/{pull_number}', (m) => this.getPull(Number(m[1]), accept)],
      ['GET', new RegExp(`^${repoPrefix}/pulls/(\\d+)/files$`), '/repos/{owner}/{repo}/pulls/{pull_number}/files', (m) => this.listFiles(Number(m[1]), query)],
      ['GET', new RegExp(`^${repoPrefix}/pulls/(\\d+)/comments$`), '/repos/{owner}/{repo}/pulls/{pull_number}/comments', (m) => this.listComments(Number(m[1]), query)],
      ['POST', new RegExp(`^${repoPrefix}/pulls/(\\d+)/reviews$`), '/repos/{owner}/{repo}/pulls/{pull_number}/reviews', (m) => this.createReview(Number(m[1]), body)],
      ['GET', new RegExp(`^${repoPrefix}/contents/(.+)$`), '/repos/{owner}/{repo}/contents/{path}', (m) => this.getContent(m[1]!, query.get('ref'), accept)],
      ['POST', new RegExp(`^${repoPrefix}/check-runs$`), '/repos/{owner}/{repo}/check-runs', () => this.createCheckRun(body)],
      ['PATCH', new RegExp(`^${repoPrefix}/check-runs/(\\d+)$`), '/repos/{owner}/{repo}/check-runs/{check_run_id}', (m) => this.updateCheckRun(Number(m[1]), body)],
      ['GET', new RegExp(`^${repoPrefix}/commits/([0-9a-f]+)/pulls$`), '/repos/{owner}/{repo}/commits/{commit_sha}/pulls', (m) => this.pullsForCommit(m[1]!)],
    ];
    for (const [verb, pattern, template, handler] of table) {
      const m = pattern.exec(path);
      if (!m || verb !== method) continue;
      const fault = this.faults.find((f) => f.remaining > 0 && f.method === method && f.route.test(template));
      if (fault) {
        fault.remaining--;
        return { route: template, reply: json(fault.status, fault.body, fault.headers) };
      }
      if (body !== undefined && method !== 'GET') {
        const errors = githubBodyValidator().validate(method, template, body);
        if (errors === undefined) throw new Error(`no OpenAPI operation for ${method} ${template}`);
        if (errors.length > 0) {
          this.schemaErrors.push(`${method} ${template}: ${errors.join('; ')}`);
          return { route: template, reply: json(422, { message: 'Invalid request', errors }) };
        }
      }
      return { route: template, reply: handler(m) };
    }
    return { route: `unknown ${method} ${path}`, reply: json(404, { message: 'Not Found' }) };
  }

  // ---- endpoints ----

  private token(): Reply {
    return json(201, {
      token: 'ghs_faketoken',
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
      permissions: { checks: 'write', pull_requests: 'write', contents: 'read', metadata: 'read' },
      repository_selection: 'all',
    });
  }

  private pullJson(pull: FakePull) {
    return {
      number: pull.number,
      title: pull.title,
      draft: pull.draft,
      state: pull.state,
      head: { sha: pull.headSha, ref: `topic-${pull.number}`, repo: { id: this.repoId, name: this.repo } },
      base: { sha: pull.baseSha, ref: 'main', repo: { id: this.repoId, name: this.repo } },
    };
  }

  private getPull(number: number, accept: string): Reply {
    const pull = this.pulls.get(number);
    if (!pull) return json(404, { message: 'Not Found' });
    if (DIFF_ACCEPT.test(accept)) {
      if (pull.diff === null || pull.diff === undefined) return json(406, { message: 'Sorry, the diff exceeded the maximum number of lines (20000)' });
      return { status: 200, headers: { 'content-type': 'application/vnd.github.diff; charset=utf-8' }, body: pull.diff };
    }
    return json(200, this.pullJson(pull));
  }

  private page<T>(items: T[], query: URLSearchParams, path: string): Reply {
    const perPage = Math.min(100, Number(query.get('per_page') ?? 30));
    const page = Number(query.get('page') ?? 1);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < items.length) {
      headers.link = `<http://fake.invalid/api/v3${path}?per_page=${perPage}&page=${page + 1}>; rel="next"`;
    }
    return json(200, slice, headers);
  }

  private listFiles(number: number, query: URLSearchParams): Reply {
    const pull = this.pulls.get(number);
    if (!pull) return json(404, { message: 'Not Found' });
    const files = pull.files.map((f, i) => ({
      sha: `blob${i}`,
      filename: f.filename,
      status: f.status,
      additions: 1,
      deletions: 0,
      changes: 1,
      blob_url: 'http://fake.invalid/blob',
      raw_url: 'http://fake.invalid/raw',
      contents_url: 'http://fake.invalid/contents',
      ...(f.patch !== undefined ? { patch: f.patch } : {}),
      ...(f.previous_filename ? { previous_filename: f.previous_filename } : {}),
    }));
    return this.page(files, query, `/repos/${this.owner}/${this.repo}/pulls/${number}/files`);
  }

  private listComments(number: number, query: URLSearchParams): Reply {
    const comments = this.reviewComments.filter((c) => c.pull === number).map((c) => ({ ...c, user: { login: 'iovalint[bot]' } }));
    return this.page(comments, query, `/repos/${this.owner}/${this.repo}/pulls/${number}/comments`);
  }

  private createReview(number: number, body: unknown): Reply {
    const pull = this.pulls.get(number);
    if (!pull) return json(404, { message: 'Not Found' });
    const review = body as ReviewState & { comments?: ReviewState['comments'] };
    if (review.commit_id && review.commit_id !== pull.headSha && !this.commits.has(review.commit_id)) {
      return json(422, { message: 'commit_id is not part of the pull request' });
    }
    for (const c of review.comments ?? []) {
      const file = pull.files.find((f) => f.filename === c.path);
      const lines = file?.patch !== undefined ? diffLines(file.patch) : undefined;
      const onDiff = lines && lines.has(c.line) && (c.start_line === undefined || (lines.has(c.start_line) && c.start_line < c.line)) && (c.side ?? 'RIGHT') === 'RIGHT';
      if (!onDiff) {
        return json(422, { message: 'Unprocessable Entity', errors: [`Line could not be resolved: ${c.path}:${c.line}`] });
      }
    }
    const id = this.nextId++;
    this.reviews.push({ id, pull: number, commit_id: review.commit_id, event: review.event, body: review.body ?? '', comments: review.comments ?? [] });
    for (const c of review.comments ?? []) {
      this.reviewComments.push({ id: this.nextId++, pull: number, path: c.path, line: c.line, commit_id: review.commit_id, original_commit_id: review.commit_id, body: c.body, pull_request_review_id: id });
    }
    return json(200, { id, state: 'COMMENTED', commit_id: review.commit_id, body: review.body });
  }

  private getContent(path: string, ref: string | null, accept: string): Reply {
    if (path === '.github/iovalint.yml' && (ref === null || ref === this.defaultBranchSha)) {
      if (this.config === undefined) return json(404, { message: 'Not Found' });
      return RAW_ACCEPT.test(accept)
        ? { status: 200, headers: { 'content-type': 'application/vnd.github.raw; charset=utf-8' }, body: this.config }
        : json(200, this.contentJson(path, this.config));
    }
    const text = ref ? this.commits.get(ref)?.get(path) : undefined;
    if (text === undefined) return json(404, { message: 'Not Found' });
    if (RAW_ACCEPT.test(accept) || this.contentsAlwaysRaw) return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: text };
    return json(200, this.contentJson(path, text));
  }

  private contentJson(path: string, text: string) {
    const bytes = Buffer.from(text, 'utf8');
    const big = bytes.length > BIG_FILE;
    return {
      type: 'file',
      name: path.split('/').pop(),
      path,
      size: bytes.length,
      sha: 'blobsha',
      encoding: big ? 'none' : 'base64',
      content: big ? '' : bytes.toString('base64'),
    };
  }

  private createCheckRun(body: unknown): Reply {
    const b = body as Partial<CheckRunState> & { output?: CheckRunState['output'] & { annotations?: Array<Record<string, unknown>> } };
    const id = this.nextId++;
    const run: CheckRunState = {
      id,
      name: b.name ?? '',
      head_sha: b.head_sha ?? '',
      status: b.conclusion ? 'completed' : (b.status ?? 'queued'),
      conclusion: b.conclusion ?? null,
      output: { title: b.output?.title, summary: b.output?.summary },
      annotations: [...(b.output?.annotations ?? [])],
      ...(b.external_id ? { external_id: b.external_id } : {}),
    };
    this.checkRuns.set(id, run);
    return json(201, { id, name: run.name, head_sha: run.head_sha, status: run.status, conclusion: run.conclusion });
  }

  private updateCheckRun(id: number, body: unknown): Reply {
    const run = this.checkRuns.get(id);
    if (!run) return json(404, { message: 'Not Found' });
    const b = body as { status?: string; conclusion?: string; output?: { title?: string; summary?: string; annotations?: Array<Record<string, unknown>> } };
    if (run.status === 'completed' && b.conclusion === undefined && b.status !== undefined) {
      return json(422, { message: 'the check run is already completed' });
    }
    if (b.status) run.status = b.status;
    if (b.conclusion) {
      run.conclusion = b.conclusion;
      run.status = 'completed';
    }
    if (b.output) {
      run.output = { title: b.output.title, summary: b.output.summary };
      run.annotations.push(...(b.output.annotations ?? []));
    }
    return json(200, { id, status: run.status, conclusion: run.conclusion });
  }

  private pullsForCommit(sha: string): Reply {
    return json(200, [...this.pulls.values()].filter((p) => p.headSha === sha).map((p) => this.pullJson(p)));
  }

  /** The `iovalint` check runs on a SHA, in creation order. */
  runsFor(sha: string): CheckRunState[] {
    return [...this.checkRuns.values()].filter((r) => r.head_sha === sha);
  }
}
