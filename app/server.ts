// `npm start`: the app's HTTP server, configured by Probot's standard environment variables
// (and ./.env). Any problem with the environment stops it with one line on stderr, exit code 1.
import iovalint from './index.js';
import { startServer, withDotEnv } from './start.js';

/** How long a stop waits for running reviews to complete their check runs. */
const SHUTDOWN_GRACE_MS = 25_000;

async function main(): Promise<void> {
  const env = withDotEnv(process.env);
  const running = await startServer({ env });
  console.log(`iovalint: listening on ${running.url} (webhooks at ${env.WEBHOOK_PATH || '/api/github/webhooks'}, health at /healthz)`);
  const stop = (signal: string) => {
    console.log(`iovalint: ${signal}, stopping (running reviews get ${SHUTDOWN_GRACE_MS / 1000} s to finish)`);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref());
    Promise.all([running.close(), Promise.race([iovalint.queue.close(), grace])]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`iovalint: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  process.exit(1);
});
