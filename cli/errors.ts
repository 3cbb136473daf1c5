// One-line descriptions of every error the command can meet; no stack trace ever reaches a user.

/** A bad command line that commander itself does not catch (conflicting flags, bad values). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function describeError(err: unknown): string {
  // InputError (patch/) and ConfigError (review/config) carry their own one-line form; matched by
  // shape so that this module stays light (it is loaded before the engine).
  const named = err as { name?: string; oneLine?: () => string };
  if ((named?.name === 'InputError' || named?.name === 'ConfigError') && typeof named.oneLine === 'function') return named.oneLine();
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
