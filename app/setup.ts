// Registering the GitHub App from app.yml (GitHub's manifest flow), with Probot's setup mode:
// run from the directory that holds app.yml, open http://localhost:PORT, press "Register GitHub
// App"; GitHub creates the app from the manifest and Probot writes APP_ID, PRIVATE_KEY and
// WEBHOOK_SECRET to ./.env, which `npm start` reads. GHE_HOST/GHE_PROTOCOL register on GitHub
// Enterprise Server instead.
import { run } from 'probot';
import iovalint from './index.js';

if (process.env.NODE_ENV === 'production') {
  console.error('iovalint setup: Probot serves the manifest flow only outside production (unset NODE_ENV)');
  process.exit(1);
}
// Probot enters setup mode when the app's credentials are absent.
const env = { ...process.env, APP_ID: '', PRIVATE_KEY: '', PRIVATE_KEY_PATH: '' };
run(iovalint, { env }).catch((err: unknown) => {
  console.error(`iovalint setup: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  process.exit(1);
});
