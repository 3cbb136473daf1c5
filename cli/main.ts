// The `iovalint` command: arguments, input selection, config, output, exit codes.
// Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 usage, input, config or internal error.
import { Command, CommanderError, Option } from 'commander';
import { FORMATS, formatReport, type Format } from '../report/index.js';
import type { Severity } from '../review/types.js';
import { TOOL_VERSION } from '../review/version.js';
import { UsageError, describeError } from './errors.js';
import { writeOutputAtomically, writeStdout } from './output.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

const SEVERITY_RANK: Record<Severity, number> = { note: 0, warning: 1, error: 2 };

export interface CliOptions {
  tree?: string;
  git?: string;
  file?: string[];
  all?: boolean;
  format: Format;
  output?: string;
  failOn: Severity;
  rule: string[];
  disable: string[];
  config?: string;
  showRefuted: boolean;
  sim: boolean;
  maxBytes?: number;
  quiet: boolean;
  prefilter: boolean;
  cache?: string;
  jobs?: number;
  listRules?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseBytes(value: string): number {
  const match = /^(\d+)\s*([kmg]i?b?)?$/i.exec(value.trim());
  if (!match) throw new UsageError(`--max-bytes: '${value}' is not a size (e.g. 50M, 1G, 1048576)`);
  const unit = (match[2] ?? '').toLowerCase()[0];
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Number(match[1]) * factor;
}

function parsePositiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag}: '${value}' is not a positive integer`);
    return n;
  };
}

export function buildProgram(): Command {
  const program = new Command('iovalint')
    .description('Review Linux-kernel patches that touch the DMA/IOMMU IOVA API; each finding is checked by a bundled simulator.')
    .version(TOOL_VERSION, '-V, --version')
    .argument('[inputs...]', 'patch, git format-patch mail, mbox series or quoted reply; - for stdin')
    .option('--tree <dir>', 'kernel tree the patch applies to (whole functions, exact post-images)')
    .option('--git <range>', 'review a git range A..B of the current repository')
    .option('--file <paths...>', 'review whole files or directories (every line counts as changed)')
    .option('--all', 'with --tree and no inputs: review every .c/.h file of the tree')
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS as unknown as string[]).default('text'))
    .option('-o, --output <file>', 'write the report to a file (written whole or not at all)')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above').choices(['error', 'warning', 'note']).default('warning'))
    .option('--rule <id>', 'run only this rule (repeatable)', collect, [])
    .option('--disable <id>', 'do not run this rule (repeatable)', collect, [])
    .option('-c, --config <file>', 'config file (default: .iovalint.yml in the tree root or working directory)')
    .option('--show-refuted', 'also show findings the simulator refuted', false)
    .option('--no-sim', 'do not run the simulator (findings stay unconfirmed)')
    .option('--max-bytes <size>', 'refuse inputs larger than this (default 1G)', parseBytes)
    .option('-q, --quiet', 'no progress line', false)
    .option('--no-prefilter', 'scans: parse every file, even those naming nothing the rules look at')
    .option('--cache <dir>', 'scans: reuse per-file results from this directory')
    .option('-j, --jobs <n>', 'scans: worker threads (default: the number of cores)', parsePositiveInt('--jobs'))
    .option('--list-rules', 'list the rules and exit')
    .showHelpAfterError(false)
    // Options after `sim` belong to the subcommand (its own --format).
    .enablePositionalOptions()
    .exitOverride();

  program
    .command('sim')
    .description('run one function of a C file once in the simulator and print the trace')
    .argument('<files...>', 'C files (or patches) holding the function')
    .requiredOption('--function <name>', 'the function to run')
    .option('--scenario <key=value>', 'arch, granule, mask, coherent_mask, bus_limit, iommu, coherent, untrusted, pci', collect, [])
    .option('--arg <name=value>', 'an integer parameter value', collect, [])
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .exitOverride();
  return program;
}

/** Runs the command; returns the exit code. Never throws. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  let subcommand: { name: string; args: string[]; options: Record<string, unknown> } | undefined;
  program.commands[0]!.action((files: string[], options: Record<string, unknown>) => {
    subcommand = { name: 'sim', args: files, options };
  });
  // A root action makes commander take non-command words as inputs instead of unknown commands.
  program.action(() => undefined);
  let errText = '';
  program.configureOutput({ writeErr: (s) => (errText += s) });
  for (const c of program.commands) c.configureOutput({ writeErr: (s) => (errText += s) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
      const line = (errText.split('\n').find((l) => l.trim()) ?? err.message).replace(/^error: /, '');
      process.stderr.write(`iovalint: ${line}\n`);
      return EXIT_ERROR;
    }
    process.stderr.write(`iovalint: ${describeError(err)}\n`);
    return EXIT_ERROR;
  }
  try {
    // The engine (tree-sitter, rules, model, simulator) loads only when there is work for it,
    // so --version and --help start fast.
    if (subcommand) {
      const { runSim } = await import('./sim-command.js');
      return await runSim(subcommand.args, subcommand.options);
    }
    const { runReview } = await import('./review-command.js');
    const options = program.opts<CliOptions>();
    const inputs = program.args;
    const { report, listing, streamed } = await runReview(inputs, options);
    if (listing !== undefined) {
      await writeStdout(listing);
      return EXIT_OK;
    }
    // A streamed scan already printed its findings; only the end remains.
    const text = streamed
      ? options.format === 'text'
        ? (await import('../report/text.js')).formatTextSummary(report!)
        : ''
      : formatReport(report!, options.format, { showRefuted: options.showRefuted });
    if (options.output) writeOutputAtomically(options.output, text);
    else await writeStdout(text);
    const threshold = SEVERITY_RANK[options.failOn];
    return report!.findings.some((f) => SEVERITY_RANK[f.severity] >= threshold) ? EXIT_FINDINGS : EXIT_OK;
  } catch (err) {
    process.stderr.write(`iovalint: ${describeError(err)}\n`);
    return EXIT_ERROR;
  }
}
