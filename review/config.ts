// The configuration file (.iovalint.yml for the command, .github/iovalint.yml for the app):
// parsed with `yaml`, validated key by key, every error naming the key, the file and the line.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node as YamlNode, YAMLMap } from 'yaml';
import type { Severity } from '../rules/types.js';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'note'];
export type Conclusion = 'success' | 'neutral' | 'failure';
export type CommentMode = 'review' | 'annotations-only' | 'off';

export interface RuleConfig {
  enabled: boolean;
  /** Overrides the rule's default severity. */
  severity?: Severity;
  options: Record<string, unknown>;
}

export interface IgnoreEntry {
  /** Glob of repository-relative paths. */
  path: string;
  rule: string;
  /** Limits the ignore to one finding. */
  fingerprint?: string;
}

export interface SimConfig {
  enabled: boolean;
  /** Patched function name → model API function it implements (differential mode). */
  implements: Record<string, string>;
  /** Budgets of one review (the simulator clamps them to its own maxima). */
  maxSteps: number;
  maxRunsPerFunction: number;
  maxMillis: number;
}

export interface AppConfig {
  comments: CommentMode;
  conclusion: Record<'error' | 'warning' | 'note' | 'none', Conclusion>;
  drafts: boolean;
  limits: { files: number; bytesPerFile: number; totalBytes: number };
}

export interface IovalintConfig {
  rules: Record<string, RuleConfig>;
  include: string[];
  exclude: string[];
  sim: SimConfig;
  ignore: IgnoreEntry[];
  app: AppConfig;
  /** The file the configuration came from, when any. */
  source?: string;
}

export class ConfigError extends Error {
  constructor(
    message: string,
    public readonly file: string,
    public readonly line?: number,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
  oneLine(): string {
    return `${this.file}${this.line ? `:${this.line}` : ''}: ${this.message}`;
  }
}

export const CONFIG_FILE_NAMES = ['.iovalint.yml', '.iovalint.yaml'];

export function defaultConfig(): IovalintConfig {
  return {
    rules: {},
    include: [],
    exclude: [],
    sim: { enabled: true, implements: {}, maxSteps: 200_000, maxRunsPerFunction: 64, maxMillis: 20_000 },
    ignore: [],
    app: {
      comments: 'review',
      conclusion: { error: 'failure', warning: 'neutral', note: 'success', none: 'success' },
      drafts: false,
      limits: { files: 300, bytesPerFile: 2_000_000, totalBytes: 20_000_000 },
    },
  };
}

/** Finds the config for a tree root or working directory: the first of CONFIG_FILE_NAMES in `dir`. */
export function findConfigFile(dir: string): string | undefined {
  for (const name of CONFIG_FILE_NAMES) {
    const candidate = join(resolve(dir), name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function loadConfigFile(path: string, knownRules: ReadonlySet<string>, allowAppKeys = false): IovalintConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, path);
  }
  return parseConfig(text, path, knownRules, allowAppKeys);
}

/** Parses and validates config text. `file` names the source in errors. */
export function parseConfig(
  text: string,
  file: string,
  knownRules: ReadonlySet<string>,
  allowAppKeys = false,
): IovalintConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw new ConfigError(`not valid YAML: ${first.message.split('\n')[0]}`, file, first.linePos?.[0]?.line);
  }
  const config = defaultConfig();
  config.source = file;
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return config;
  const lineOf = (node: YamlNode | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  const fail = (message: string, node: YamlNode | null | undefined): never => {
    throw new ConfigError(message, file, lineOf(node));
  };
  if (!isMap(root)) fail('the config must be a mapping of keys', root);

  const appKeys = new Set(['comments', 'conclusion', 'drafts', 'limits']);
  for (const pair of (root as YAMLMap).items) {
    const keyNode = pair.key as YamlNode;
    const key = isScalar(keyNode) ? String(keyNode.value) : '';
    const value = pair.value as YamlNode | null;
    if (appKeys.has(key) && !allowAppKeys) {
      fail(`key '${key}' is only valid in the GitHub App's .github/iovalint.yml`, keyNode);
    }
    switch (key) {
      case 'rules':
        readRules(value, config, knownRules, fail);
        break;
      case 'include':
      case 'exclude':
        config[key] = readStringList(value, key, fail);
        break;
      case 'sim':
        readSim(value, config, fail);
        break;
      case 'ignore':
        readIgnore(value, config, knownRules, fail);
        break;
      case 'comments': {
        const mode = readScalar(value, key, fail);
        if (mode !== 'review' && mode !== 'annotations-only' && mode !== 'off') {
          fail(`'comments' must be review, annotations-only or off, not '${String(mode)}'`, value);
        }
        config.app.comments = mode as CommentMode;
        break;
      }
      case 'conclusion':
        readConclusion(value, config, fail);
        break;
      case 'drafts':
        config.app.drafts = readBoolean(value, key, fail);
        break;
      case 'limits':
        readLimits(value, config, fail);
        break;
      default:
        fail(`unknown key '${key}'`, keyNode);
    }
  }
  return config;
}

type Fail = (message: string, node: YamlNode | null | undefined) => never;

function readScalar(node: YamlNode | null, key: string, fail: Fail): unknown {
  if (!isScalar(node)) return fail(`'${key}' must be a single value`, node);
  return node.value;
}

function readBoolean(node: YamlNode | null, key: string, fail: Fail): boolean {
  const value = readScalar(node, key, fail);
  if (typeof value !== 'boolean') fail(`'${key}' must be true or false`, node);
  return value as boolean;
}

function readPositiveInt(node: YamlNode | null, key: string, fail: Fail): number {
  const value = readScalar(node, key, fail);
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    fail(`'${key}' must be a positive integer`, node);
  }
  return value as number;
}

function readStringList(node: YamlNode | null, key: string, fail: Fail): string[] {
  if (isScalar(node) && typeof node.value === 'string') return [node.value];
  if (!isSeq(node)) return fail(`'${key}' must be a list of glob patterns`, node);
  return node.items.map((item) => {
    const itemNode = item as YamlNode;
    if (!isScalar(itemNode) || typeof itemNode.value !== 'string') {
      return fail(`'${key}' entries must be strings`, itemNode);
    }
    return itemNode.value;
  });
}

function mapEntries(node: YamlNode | null, key: string, fail: Fail): Array<[string, YamlNode, YamlNode | null]> {
  if (!isMap(node)) return fail(`'${key}' must be a mapping`, node);
  return node.items.map((pair) => {
    const keyNode = pair.key as YamlNode;
    if (!isScalar(keyNode)) return fail(`'${key}' keys must be plain names`, keyNode);
    return [String(keyNode.value), keyNode, pair.value as YamlNode | null];
  });
}

function parseRuleLevel(value: unknown): { enabled: boolean; severity?: Severity } | undefined {
  if (value === 'off' || value === false) return { enabled: false };
  if (value === 'on' || value === true) return { enabled: true };
  if (typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value)) {
    return { enabled: true, severity: value as Severity };
  }
  return undefined;
}

function readRules(node: YamlNode | null, config: IovalintConfig, known: ReadonlySet<string>, fail: Fail): void {
  for (const [id, keyNode, value] of mapEntries(node, 'rules', fail)) {
    if (!known.has(id)) fail(`unknown rule '${id}' in 'rules'`, keyNode);
    const rule: RuleConfig = { enabled: true, options: {} };
    if (isMap(value)) {
      for (const [field, fieldNode, fieldValue] of mapEntries(value, `rules.${id}`, fail)) {
        if (field === 'severity') {
          const level = parseRuleLevel(readScalar(fieldValue, `rules.${id}.severity`, fail));
          if (!level) fail(`'rules.${id}.severity' must be off, on, error, warning or note`, fieldValue);
          rule.enabled = level!.enabled;
          if (level!.severity) rule.severity = level!.severity;
        } else if (field === 'options') {
          if (!isMap(fieldValue)) fail(`'rules.${id}.options' must be a mapping`, fieldValue);
          rule.options = (fieldValue as YAMLMap).toJSON() as Record<string, unknown>;
        } else {
          fail(`unknown key '${field}' in 'rules.${id}'`, fieldNode);
        }
      }
    } else {
      const level = parseRuleLevel(readScalar(value, `rules.${id}`, fail));
      if (!level) fail(`'rules.${id}' must be off, on, error, warning or note`, value);
      rule.enabled = level!.enabled;
      if (level!.severity) rule.severity = level!.severity;
    }
    config.rules[id] = rule;
  }
}

function readSim(node: YamlNode | null, config: IovalintConfig, fail: Fail): void {
  for (const [field, keyNode, value] of mapEntries(node, 'sim', fail)) {
    switch (field) {
      case 'enabled':
        config.sim.enabled = readBoolean(value, 'sim.enabled', fail);
        break;
      case 'implements':
        for (const [fn, , target] of mapEntries(value, 'sim.implements', fail)) {
          const api = readScalar(target, `sim.implements.${fn}`, fail);
          if (typeof api !== 'string' || !/^[A-Za-z_]\w*$/.test(api)) {
            fail(`'sim.implements.${fn}' must name a model API function`, target);
          }
          config.sim.implements[fn] = api as string;
        }
        break;
      case 'max-steps':
        config.sim.maxSteps = readPositiveInt(value, 'sim.max-steps', fail);
        break;
      case 'max-runs':
        config.sim.maxRunsPerFunction = readPositiveInt(value, 'sim.max-runs', fail);
        break;
      case 'max-seconds':
        config.sim.maxMillis = readPositiveInt(value, 'sim.max-seconds', fail) * 1000;
        break;
      default:
        fail(`unknown key '${field}' in 'sim'`, keyNode);
    }
  }
}

function readIgnore(node: YamlNode | null, config: IovalintConfig, known: ReadonlySet<string>, fail: Fail): void {
  if (!isSeq(node)) fail(`'ignore' must be a list of {path, rule, fingerprint}`, node);
  for (const item of (node as unknown as { items: YamlNode[] }).items) {
    const entry: Partial<IgnoreEntry> = {};
    for (const [field, keyNode, value] of mapEntries(item, 'ignore[]', fail)) {
      if (field !== 'path' && field !== 'rule' && field !== 'fingerprint') {
        fail(`unknown key '${field}' in 'ignore' (use path, rule, fingerprint)`, keyNode);
      }
      const text = readScalar(value, `ignore.${field}`, fail);
      if (typeof text !== 'string') fail(`'ignore.${field}' must be a string`, value);
      entry[field as keyof IgnoreEntry] = text as string;
    }
    if (!entry.path || !entry.rule) fail(`each 'ignore' entry needs 'path' and 'rule'`, item);
    if (!known.has(entry.rule!)) fail(`unknown rule '${entry.rule}' in 'ignore'`, item);
    config.ignore.push(entry as IgnoreEntry);
  }
}

function readConclusion(node: YamlNode | null, config: IovalintConfig, fail: Fail): void {
  for (const [field, keyNode, value] of mapEntries(node, 'conclusion', fail)) {
    if (field !== 'error' && field !== 'warning' && field !== 'note' && field !== 'none') {
      fail(`unknown key '${field}' in 'conclusion' (use error, warning, note, none)`, keyNode);
    }
    const conclusion = readScalar(value, `conclusion.${field}`, fail);
    if (conclusion !== 'success' && conclusion !== 'neutral' && conclusion !== 'failure') {
      fail(`'conclusion.${field}' must be success, neutral or failure`, value);
    }
    config.app.conclusion[field as keyof AppConfig['conclusion']] = conclusion as Conclusion;
  }
}

function readLimits(node: YamlNode | null, config: IovalintConfig, fail: Fail): void {
  for (const [field, keyNode, value] of mapEntries(node, 'limits', fail)) {
    switch (field) {
      case 'files':
        config.app.limits.files = readPositiveInt(value, 'limits.files', fail);
        break;
      case 'bytes-per-file':
        config.app.limits.bytesPerFile = readPositiveInt(value, 'limits.bytes-per-file', fail);
        break;
      case 'total-bytes':
        config.app.limits.totalBytes = readPositiveInt(value, 'limits.total-bytes', fail);
        break;
      default:
        fail(`unknown key '${field}' in 'limits' (use files, bytes-per-file, total-bytes)`, keyNode);
    }
  }
}

/** The directory a config file applies to (its globs are relative to it). */
export function configRoot(config: IovalintConfig): string | undefined {
  return config.source ? dirname(config.source) : undefined;
}
