// Probot's test setup for the app: `new Probot({ appId, privateKey, Octokit })` with retries and
// throttling off, GitHub answered in-process by a FakeGitHub through Probot's `request.fetch`.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { Probot, ProbotOctokit } from 'probot';
import type { ChangeSet } from '../../../patch/types.js';
import type { ReviewEngine } from '../../../app/engine.js';
import { createIovalintApp, type IovalintApp, type IovalintAppOptions } from '../../../app/index.js';
import type { Finding, Report } from '../../../review/types.js';
import { FakeGitHub } from './fake-github.js';

let key: string | undefined;
/** An RSA key for the app's JWT (octokit signs with it; the fake does not check it). */
export function privateKey(): string {
  key ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return key;
}

type OctokitOptions = Record<string, unknown> & { throttle?: Record<string, unknown> };

/**
 * Retries and throttling off, as Probot's testing docs ask. A function default is needed: with an
 * object default, the throttle options Probot builds for every instance would replace ours.
 */
export const NoRetryOctokit = ProbotOctokit.defaults((instance: OctokitOptions) => ({
  ...instance,
  retry: { enabled: false },
  throttle: { ...instance.throttle, enabled: false },
})) as typeof ProbotOctokit;

export interface Harness {
  gh: FakeGitHub;
  probot: Probot;
  app: IovalintApp;
  /** Delivers a webhook in-process and waits until the queue has done all its work. */
  receive(name: string, payload: unknown, id?: string): Promise<void>;
}

let deliveryCounter = 0;

export async function harness(options: IovalintAppOptions = {}): Promise<Harness> {
  const gh = new FakeGitHub();
  const probot = new Probot({
    appId: 12345,
    privateKey: privateKey(),
    Octokit: NoRetryOctokit,
    logLevel: 'fatal',
    request: { fetch: gh.fetch },
  });
  const app = createIovalintApp({ concurrency: 2, ...options });
  await probot.load(app);
  return {
    gh,
    probot,
    app,
    async receive(name, payload, id = `delivery-${++deliveryCounter}`) {
      await probot.receive({ id, name, payload } as Parameters<Probot['receive']>[0]);
      await app.queue.idle();
    },
  };
}

/** A report of `findings` over a change set, as review() shapes it (for engine doubles). */
export function reportOf(changeSet: ChangeSet, findings: Finding[]): Report {
  const ruleIds = [...new Set(findings.map((f) => f.ruleId))];
  return {
    tool: { name: 'iovalint', version: 'test', modelVersion: 'test' },
    rules: ruleIds.map((id) => ({ id, severity: 'error', description: `${id} (double)`, docs: '', fixable: false, confidence: 'high' })),
    source: changeSet.source,
    findings,
    refuted: [],
    unusedSuppressions: [],
    files: [
      ...changeSet.files.map((f) => ({ path: f.path, status: f.status, analysed: f.isC && f.postImage !== undefined, ...(f.isC ? {} : { reason: 'not C' }) })),
      ...(changeSet.omittedFiles ?? []).map((o) => ({ path: o.path, status: 'modified', analysed: false, reason: o.reason })),
    ],
    functions: [],
    // As review() does: files the input names but does not show are not checked, with the reason.
    notChecked: (changeSet.omittedFiles ?? []).map((o) => ({ file: o.path, reason: o.reason })),
    timings: { parseMs: 0, rulesMs: 0, simMs: 0, totalMs: 0 },
  };
}

/**
 * An engine double: findings from a function of the change set. It also records what it was
 * given, so tests can check the ChangeSet the app built.
 */
export function engineDouble(find: (changeSet: ChangeSet) => Finding[] | Promise<Finding[]>, knownRuleIds: string[] = []): ReviewEngine & { seen: ChangeSet[] } {
  const seen: ChangeSet[] = [];
  return {
    seen,
    knownRuleIds: async () => new Set(knownRuleIds),
    review: async (changeSet) => {
      seen.push(changeSet);
      return reportOf(changeSet, await find(changeSet));
    },
  };
}

/** A fingerprint shaped like review/'s (24 hex digits), from any key. */
export function fingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 24);
}

/** A finding on a line of a file (fingerprint from file and line unless given). */
export function finding(file: string, line: number, extra: Partial<Finding> = {}): Finding {
  return {
    ruleId: 'test/double',
    severity: 'error',
    message: `finding at ${file}:${line}`,
    file,
    line,
    column: 2,
    endLine: line,
    endColumn: 10,
    fingerprint: fingerprint(`${file}:${line}`),
    confirmation: 'unconfirmed',
    confirmationNote: 'simulation disabled',
    ...extra,
  };
}
