// `iovalint sim FILE… --function NAME`: run one function once and print the trace.
import { UsageError } from './errors.js';

export async function runSim(_files: string[], _options: Record<string, unknown>): Promise<number> {
  throw new UsageError('the simulator is not built yet (issue 5)');
}
