// The per-file result cache of tree scans (--cache DIR): a file's report is stored under the hash
// of its content, the tool and model versions, and the configuration, so an unchanged tree costs
// little more than hashing. Entries are written whole (temporary file, then rename).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from './types.js';

export class ResultCache {
  constructor(
    private readonly dir: string,
    /** Everything besides the content that decides a result: versions, config, rule selection. */
    private readonly salt: string,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  key(path: string, text: string): string {
    return createHash('sha256').update(this.salt).update('\u0000').update(path).update('\u0000').update(text).digest('hex');
  }

  private file(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key.slice(2)}.json`);
  }

  get(key: string): Report | undefined {
    try {
      return JSON.parse(readFileSync(this.file(key), 'utf8')) as Report;
    } catch {
      return undefined; // absent or unreadable: recompute
    }
  }

  set(key: string, report: Report): void {
    const target = this.file(key);
    mkdirSync(join(this.dir, key.slice(0, 2)), { recursive: true });
    const temp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(temp, JSON.stringify(report));
    renameSync(temp, target);
  }
}

export function cacheSalt(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}
