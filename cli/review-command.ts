// The main job: choose the input (patches, stdin, --git, --file, --tree --all), load the config,
// run the engine.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  applyToTree,
  buildChangeSet,
  changeSetFromGit,
  parsePatchInput,
  readPatchSource,
  type ChangeSet,
  type ParsedInput,
} from '../patch/index.js';
import { findConfigFile, loadConfigFile, defaultConfig, type IovalintConfig } from '../review/config.js';
import { review } from '../review/index.js';
import { scanTree } from '../review/scan.js';
import { registeredRules } from '../review/defaults.js';
import type { Report } from '../review/types.js';
import type { CliOptions } from './main.js';
import { UsageError } from './errors.js';

export async function runReview(
  inputs: string[],
  options: CliOptions,
): Promise<{ report?: Report; listing?: string; streamed?: boolean }> {
  const rules = registeredRules();
  const known = new Set(rules.map((r) => r.meta.id));
  if (options.listRules) {
    const width = Math.max(...rules.map((r) => r.meta.id.length), 10);
    return {
      listing: rules.map((r) => `${r.meta.id.padEnd(width)}  ${r.meta.severity.padEnd(7)}  ${r.meta.description}\n`).join(''),
    };
  }
  for (const id of [...options.rule, ...options.disable]) {
    if (!known.has(id)) throw new UsageError(`unknown rule '${id}' (see --list-rules)`);
  }
  const config = loadConfig(options, known);
  if (options.file !== undefined || options.all) {
    if (inputs.length > 0 || options.git !== undefined) throw new UsageError('give patches, --git, --file or --tree --all, not several of them');
    if (options.all && !options.tree) throw new UsageError('--all needs --tree DIR');
    if (options.all && options.file) throw new UsageError('--all reviews the whole --tree; --file is not needed');
    return { report: await runScan(options, config), streamed: streams(options) };
  }
  const changeSet = await selectInput(inputs, options);
  const report = await review(changeSet, {
    config,
    only: options.rule,
    disable: options.disable,
    ...(options.sim ? {} : { simulator: false as const }),
    notCIsError: true,
  });
  return { report };
}

function loadConfig(options: CliOptions, known: ReadonlySet<string>): IovalintConfig {
  if (options.config) return loadConfigFile(options.config, known);
  const found = findConfigFile(options.tree ?? process.cwd());
  return found ? loadConfigFile(found, known) : defaultConfig();
}

async function selectInput(inputs: string[], options: CliOptions): Promise<ChangeSet> {
  const modes = [inputs.length > 0, options.git !== undefined, options.file !== undefined, options.all === true].filter(Boolean).length;
  if (modes > 1) throw new UsageError('give patches, --git, --file or --tree --all, not several of them');
  if (options.all && !options.tree) throw new UsageError('--all needs --tree DIR');
  if (options.git !== undefined) {
    if (options.tree) throw new UsageError('--git reads post-images from git; --tree is not needed');
    return changeSetFromGit(options.git, process.cwd(), options.maxBytes ? { maxBytes: options.maxBytes } : {});
  }
  if (inputs.length === 0) {
    if (process.stdin.isTTY) {
      throw new UsageError('no input: give a patch file (or - for stdin), --git A..B or --file PATH; see --help');
    }
    inputs = ['-'];
  }
  const parsed: ParsedInput[] = [];
  for (const input of inputs) {
    const source = await readPatchSource(input, options.maxBytes ? { maxBytes: options.maxBytes } : {});
    parsed.push(parsePatchInput(source.text, source.origin, options.maxBytes ? { maxBytes: options.maxBytes } : {}));
  }
  const series = joinSeries(parsed);
  return options.tree ? applyToTree(series, options.tree) : buildChangeSet(series);
}

/** Several input files (0001-….patch 0002-….patch) form one series, in the order given. */
function joinSeries(parsed: ParsedInput[]): ParsedInput {
  if (parsed.length === 1) return parsed[0]!;
  const patches = parsed.flatMap((p) => p.patches).map((patch, index) => ({ ...patch, info: { ...patch.info, index } }));
  return {
    form: parsed.every((p) => p.form === parsed[0]!.form) ? parsed[0]!.form : 'mbox',
    origin: parsed.map((p) => p.origin).join(' '),
    patches,
    omittedFiles: parsed.flatMap((p) => p.omittedFiles),
    notes: parsed.flatMap((p) => p.notes),
  };
}

/** Text-like formats print each file's findings as the scan goes (stdout only). */
function streams(options: CliOptions): boolean {
  return !options.output && (options.format === 'text' || options.format === 'terse' || options.format === 'github');
}

/** --file PATH… and --tree DIR --all: a parallel scan with prefilter and optional cache. */
async function runScan(options: CliOptions, config: IovalintConfig): Promise<Report> {
  const paths = options.all ? [options.tree!] : options.file!;
  const progress = !options.quiet && process.stderr.isTTY;
  const streaming = streams(options);
  const { formatText, formatTerse, formatGithub } = await import('../report/index.js');
  let lastDraw = 0;
  const report = await scanTree({
    paths,
    ...(options.tree ? { root: resolve(options.tree) } : kernelRootOf(paths[0]!) ? { root: kernelRootOf(paths[0]!)! } : {}),
    ...(options.jobs ? { jobs: options.jobs } : {}),
    settings: {
      config,
      only: options.rule,
      disable: options.disable,
      sim: options.sim,
      prefilter: options.prefilter,
      ...(options.cache ? { cacheDir: options.cache } : {}),
      maxFileBytes: options.maxBytes ?? 64 * 1024 * 1024,
    },
    onProgress: progress
      ? (done, current) => {
          const now = Date.now();
          if (now - lastDraw < 100) return;
          lastDraw = now;
          process.stderr.write(`\r\x1b[K[${done}] ${current}`.slice(0, (process.stderr.columns || 80) + 4));
        }
      : undefined,
    onFile: streaming
      ? (fileReport) => {
          if (fileReport.findings.length === 0 && !(options.showRefuted && fileReport.refuted.length)) return;
          if (progress) process.stderr.write('\r\x1b[K');
          const text =
            options.format === 'terse'
              ? formatTerse(fileReport, options.showRefuted)
              : options.format === 'github'
                ? formatGithub(fileReport, options.showRefuted)
                : formatText(fileReport, { showRefuted: options.showRefuted, summary: false });
          process.stdout.write(text);
        }
      : undefined,
  });
  if (progress) process.stderr.write('\r\x1b[K');
  return report;
}

/**
 * The top of the kernel tree holding `path` (like checkpatch.pl, which looks for it too), so that
 * reported paths are repository-relative (drivers/iommu/dma-iommu.c) without --tree.
 */
export function kernelRootOf(path: string): string | undefined {
  let dir = resolve(path);
  for (let depth = 0; depth < 64; depth++) {
    if (existsSync(join(dir, 'MAINTAINERS')) && existsSync(join(dir, 'Makefile')) && existsSync(join(dir, 'drivers')) && existsSync(join(dir, 'include/linux'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}
