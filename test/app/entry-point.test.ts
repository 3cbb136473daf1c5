// The entry point `npm start` runs (app/server.ts), as a child process with nothing but Probot's
// environment variables: production Octokit (retries and throttling on), the default engine.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeGitHub, diffLines } from './helpers/fake-github.js';
import { privateKey } from './helpers/harness.js';
import { deliver, pullRequestPayload } from './helpers/payloads.js';
import { loadXferPull, xfer } from './helpers/scenarios.js';

const require = createRequire(import.meta.url);
const SERVER = fileURLToPath(new URL('../../app/server.ts', import.meta.url));
const TSX = pathToFileURL(require.resolve('tsx')).href;

const children: ChildProcessWithoutNullStreams[] = [];
const fakes: FakeGitHub[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const gh of fakes.splice(0)) await gh.close();
});

interface Child {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function launch(env: NodeJS.ProcessEnv): Child {
  // A fresh working directory: no .env of the developer's is picked up.
  const cwd = mkdtempSync(join(tmpdir(), 'iovalint-app-'));
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(APP_ID|PRIVATE_KEY|PRIVATE_KEY_PATH|WEBHOOK_SECRET|WEBHOOK_PATH|PORT|HOST|GHE_HOST|GHE_PROTOCOL|NODE_ENV|VITEST.*)$/.test(k)));
  const child = spawn(process.execPath, ['--import', TSX, SERVER], { cwd, env: { ...base, ...env } });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('npm start (app/server.ts)', () => {
  it('refuses to start without WEBHOOK_SECRET, with one line and exit code 1', async () => {
    const run = launch({ APP_ID: '1', PRIVATE_KEY: privateKey(), PORT: '0' });
    expect(await run.exited).toBe(1);
    expect(run.stderr().trim().split('\n')).toEqual([expect.stringMatching(/^iovalint: WEBHOOK_SECRET is not set; refusing to start/)]);
  });

  it('refuses an unreadable private key with one line', async () => {
    const run = launch({ APP_ID: '1', PRIVATE_KEY: 'not a key', WEBHOOK_SECRET: 's', PORT: '0' });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(/^iovalint: the private key in PRIVATE_KEY or PRIVATE_KEY_PATH could not be read/);
  });

  it('serves /healthz and reviews a signed pull_request against GitHub Enterprise at GHE_HOST', async () => {
    const gh = new FakeGitHub();
    fakes.push(gh);
    const host = await gh.listen();
    const run = launch({
      APP_ID: '4711',
      PRIVATE_KEY: privateKey(),
      WEBHOOK_SECRET: 'child-secret',
      PORT: '0',
      HOST: '127.0.0.1',
      GHE_HOST: host,
      GHE_PROTOCOL: 'http',
      LOG_LEVEL: 'warn',
    });
    const url = await until(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(run.stdout())?.[1], `the server to listen (stderr: ${run.stderr()})`);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    const pull = loadXferPull(gh, 1);
    const answer = await deliver(`${url}/api/github/webhooks`, 'pull_request', pullRequestPayload(gh, 'opened', pull), { id: 'child-1', secret: 'child-secret' });
    expect(answer.status).toBe(200);
    await gh.waitFor(() => gh.runsFor(pull.headSha)[0]?.status === 'completed', 'the check run from the child', 60_000);
    const [run0] = gh.runsFor(pull.headSha);
    expect(['success', 'neutral', 'failure']).toContain(run0!.conclusion);
    expect(run0!.output.title).not.toBe('iovalint could not finish');
    // Every request went to the GHE base URL (/api/v3) and passed GitHub's schemas.
    expect(gh.calls('/app/installations/{installation_id}/access_tokens')).toHaveLength(1);
    expect(gh.requests.every((r) => r.enterprisePath)).toBe(true);
    expect(gh.schemaErrors).toEqual([]);
    const onDiff = diffLines(xfer.push[0]!.patch);
    for (const review of gh.reviews) for (const c of review.comments) expect(onDiff.has(c.line)).toBe(true);

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
