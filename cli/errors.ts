// One-line descriptions of every error the command can meet; no stack trace ever reaches a user.
import { ConfigError } from '../review/config.js';
import { InputError } from '../patch/types.js';

/** A bad command line that commander itself does not catch (conflicting flags, bad values). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function describeError(err: unknown): string {
  if (err instanceof InputError || err instanceof ConfigError) return err.oneLine();
  if (err instanceof UsageError) return err.message;
  const errno = err as NodeJS.ErrnoException;
  if (errno && typeof errno.code === 'string' && typeof errno.path === 'string') {
    const what: Record<string, string> = {
      ENOENT: 'no such file or directory',
      EACCES: 'permission denied',
      EISDIR: 'is a directory',
      ENOTDIR: 'not a directory',
      EMFILE: 'too many open files',
      ENOSPC: 'no space left on device',
    };
    return `${errno.path}: ${what[errno.code] ?? errno.code}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `internal error: ${message.split('\n')[0]} (please report this with the input that caused it)`;
}
