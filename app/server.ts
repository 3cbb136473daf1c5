// `npm start`: the app's HTTP server, configured by Probot's standard environment variables
// (and ./.env). Any problem with the environment stops it with one line on stderr, exit code 1.
import { startServer, withDotEnv } from './start.js';

async function main(): Promise<void> {
  const env = withDotEnv(process.env);
  const running = await startServer({ env });
  console.log(`iovalint: listening on ${running.url} (webhooks at ${env.WEBHOOK_PATH || '/api/github/webhooks'}, health at /healthz)`);
  const stop = (signal: string) => {
    console.log(`iovalint: ${signal}, stopping`);
    running.close().then(
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
