// The repository's `.github/iovalint.yml`, read through Probot's context.config (from the default
// branch, so a pull request cannot switch its own review off; `_extends` and the organisation's
// `.github` repository work as Probot documents) and validated by review/config.ts.
import { stringify } from 'yaml';
import { ConfigError, defaultConfig, parseConfig, type IovalintConfig } from '../review/config.js';

export const APP_CONFIG_NAME = 'iovalint.yml';
export const APP_CONFIG_FILE = `.github/${APP_CONFIG_NAME}`;

export type LoadedConfig = { ok: true; config: IovalintConfig } | { ok: false; message: string };

/**
 * Adapter (belongs in review/config.ts as a validator of already-parsed objects): context.config
 * hands over the parsed object, not the text, so it is re-serialised and validated by the same
 * parser as `.iovalint.yml`. Line numbers would point into the re-serialised text, so errors name
 * the file and the key only.
 */
export function validateConfigObject(value: unknown, knownRuleIds: ReadonlySet<string>): LoadedConfig {
  if (value === null || value === undefined) return { ok: true, config: { ...defaultConfig(), source: APP_CONFIG_FILE } };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, message: `${APP_CONFIG_FILE}: the config must be a mapping of keys` };
  }
  try {
    return { ok: true, config: parseConfig(stringify(value), APP_CONFIG_FILE, knownRuleIds, true) };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, message: `${err.file}: ${err.message}` };
    throw err;
  }
}

/**
 * The config object, or why it is unusable. `unreadable` is set when GitHub would not serve the
 * file (an HTTP error after retries): the review then goes on with the defaults and says so, since
 * an optional file GitHub cannot serve should not block every review. A file that is there but
 * bad is `ok: false`, and the review stops on it.
 */
export type RawConfig = { ok: true; value: unknown; unreadable?: string } | { ok: false; message: string };

/** Reads the config object; an unreadable file or bad YAML is a value naming the file. */
export async function readRawConfig(readConfig: (name: string) => Promise<unknown>): Promise<RawConfig> {
  try {
    return { ok: true, value: await readConfig(APP_CONFIG_NAME) };
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status) return { ok: true, value: null, unreadable: `${APP_CONFIG_FILE} could not be read (HTTP ${status}); the defaults were used.` };
    const cause = (err as { cause?: { message?: string } }).cause?.message?.split('\n')[0];
    const reason = cause ? `not valid YAML: ${cause}` : (err as Error).message.replace(/^\[@probot\/octokit-plugin-config\] /, '');
    return { ok: false, message: `${APP_CONFIG_FILE}: cannot be read: ${reason}` };
  }
}

/** Whether the raw config asks for drafts to be reviewed (read before validation, to skip early). */
export function wantsDrafts(raw: RawConfig): boolean {
  return raw.ok && typeof raw.value === 'object' && raw.value !== null && (raw.value as { drafts?: unknown }).drafts === true;
}

/** Reads and validates the config; every failure (unreadable, bad YAML, bad key) is a value. */
export async function loadAppConfig(
  readConfig: (name: string) => Promise<unknown>,
  knownRuleIds: ReadonlySet<string>,
): Promise<LoadedConfig> {
  const raw = await readRawConfig(readConfig);
  return raw.ok ? validateConfigObject(raw.value, knownRuleIds) : raw;
}
