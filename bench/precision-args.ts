// The command line the precision scripts share: KERNEL_DIR [--list FILE] [--rule ID] [--json OUT].
import { existsSync } from 'node:fs';

export interface PrecisionArgs {
  tree: string;
  /** The file list (default: ../shared/kernel/dma-files.txt). */
  listPath: string;
  /** Only this rule id. */
  only?: string;
  /** Write the findings as JSON here. */
  jsonOut?: string;
}

/** Parses the arguments, or prints the usage of `script` and exits 2. */
export function precisionArgs(script: string, argv: readonly string[] = process.argv.slice(2)): PrecisionArgs {
  const tree = argv[0];
  if (!tree || !existsSync(tree)) {
    console.error(`usage: npx tsx ${script} KERNEL_DIR [--list FILE] [--rule ID] [--json OUT]`);
    process.exit(2);
  }
  const option = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = option('--rule');
  const jsonOut = option('--json');
  return {
    tree,
    listPath: option('--list') ?? new URL('../../shared/kernel/dma-files.txt', import.meta.url).pathname,
    ...(only ? { only } : {}),
    ...(jsonOut ? { jsonOut } : {}),
  };
}
