// Starting the app's HTTP server from Probot's standard environment: APP_ID, PRIVATE_KEY or
// PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT, HOST, WEBHOOK_PATH, GHE_HOST, GHE_PROTOCOL, LOG_LEVEL.
// `npm start` (app/server.ts) calls startServer; tests call it in-process with their own Octokit.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { createNodeMiddleware, createProbot, type ApplicationFunction, type Probot, type ProbotOctokit } from 'probot';
import iovalint from './index.js';
import { appOctokit } from './octokit.js';

export const DEFAULT_WEBHOOK_PATH = '/api/github/webhooks';

/**
 * Why the environment cannot run the app (one line), or undefined. Probot would silently accept
 * webhooks signed with the secret "development" when WEBHOOK_SECRET is unset: refused here,
 * except under NODE_ENV=test.
 */
export function environmentProblem(env: NodeJS.ProcessEnv): string | undefined {
  if (!env.WEBHOOK_SECRET && env.NODE_ENV !== 'test') {
    return 'WEBHOOK_SECRET is not set; refusing to start (without it Probot would accept webhooks signed with the public default secret "development")';
  }
  if (!env.APP_ID || !/^\d+$/.test(env.APP_ID)) return 'APP_ID is not set to the GitHub App\'s numeric id';
  if (!env.PRIVATE_KEY && !env.PRIVATE_KEY_PATH) return 'PRIVATE_KEY or PRIVATE_KEY_PATH must give the GitHub App\'s private key';
  if (env.PORT !== undefined && env.PORT !== '' && !/^\d+$/.test(env.PORT)) return `PORT must be a port number, not '${env.PORT}'`;
  return undefined;
}

/** Variables from ./.env (as Probot's `run` loads them), under the process environment. */
export function withDotEnv(env: NodeJS.ProcessEnv, cwd = process.cwd()): NodeJS.ProcessEnv {
  let fromFile: NodeJS.Dict<string> = {};
  try {
    fromFile = parseEnv(readFileSync(join(cwd, '.env'), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return { ...fromFile, ...env };
}

export interface StartOptions {
  env: NodeJS.ProcessEnv;
  /** Octokit class (default: Probot's, retry and throttling on, secondary limits retried). */
  Octokit?: typeof ProbotOctokit;
  /** The app (default: iovalint's default export). */
  app?: ApplicationFunction;
}

export interface RunningServer {
  probot: Probot;
  server: Server;
  port: number;
  /** http://host:port, for logs and tests. */
  url: string;
  close(): Promise<void>;
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { env } = options;
  const problem = environmentProblem(env);
  if (problem) throw new Error(problem);
  const webhookPath = env.WEBHOOK_PATH || DEFAULT_WEBHOOK_PATH;
  // createProbot reads APP_ID, the private key, WEBHOOK_SECRET, LOG_LEVEL and GHE_HOST /
  // GHE_PROTOCOL (base URL `${GHE_PROTOCOL}://${GHE_HOST}/api/v3`) from `env`.
  let probot: Probot;
  try {
    probot = createProbot({ env: { ...env, WEBHOOK_PATH: webhookPath }, overrides: { Octokit: options.Octokit ?? appOctokit() } });
  } catch (err) {
    // createProbot swallows the key reader's error and Probot then says the key is missing.
    if (/privateKey/.test((err as Error).message)) {
      throw new Error('the private key in PRIVATE_KEY or PRIVATE_KEY_PATH could not be read (a PEM file, PKCS#1 or PKCS#8, is expected)');
    }
    throw err;
  }
  const middleware = await createNodeMiddleware(options.app ?? iovalint, { probot, webhooksPath: webhookPath });
  const server = createServer((req, res) => {
    Promise.resolve(
      middleware(req, res, () => {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }),
    ).catch((err: unknown) => {
      probot.log.error({ err }, 'request failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  // PORT=0 asks for an ephemeral port. Without HOST, listen on every interface (IPv4 and IPv6),
  // so 127.0.0.1 and ::1 both reach it.
  const port = env.PORT ? Number(env.PORT) : 3000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, ...(env.HOST ? { host: env.HOST } : {}) }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? (address.address === '::' ? 'localhost' : `[${address.address}]`) : address.address === '0.0.0.0' ? 'localhost' : address.address;
  return {
    probot,
    server,
    port: address.port,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
