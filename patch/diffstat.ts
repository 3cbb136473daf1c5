// The diffstat of a format-patch mail (" drivers/x.c | 12 ++--"). Used only to tell which files a
// quoted reply names but does not show, so the report can say they were not reviewed.

import type { LineSource } from './lines.js';

const DIFFSTAT_LINE = /^\s*(\S.*?)\s+\|\s+(?:\d+(?:\s+[+-]*)?|Bin\b.*)$/;

/** Paths named by diffstat lines before the first diff header (renames give the new name). */
export function readDiffstatPaths(src: LineSource): string[] {
  const paths: string[] = [];
  for (let i = 0; i < src.length; i++) {
    const line = src.text(i);
    if (line.startsWith('diff --git ') || line.startsWith('@@ -')) break;
    const m = DIFFSTAT_LINE.exec(line);
    if (m) paths.push(newNameOf(m[1]!));
  }
  return paths;
}

/** "a => b" → b; "dir/{old => new}/f.c" → dir/new/f.c. */
function newNameOf(field: string): string {
  const braced = /^(.*)\{(.*) => (.*)\}(.*)$/.exec(field);
  if (braced) return (braced[1]! + braced[3]! + braced[4]!).replace(/\/\//g, '/');
  const arrow = field.indexOf(' => ');
  return arrow >= 0 ? field.slice(arrow + 4) : field;
}

/** Does a diffstat entry (possibly abbreviated ".../tail") name this path? */
export function diffstatNames(entry: string, path: string): boolean {
  if (entry.startsWith('.../')) return path.endsWith(entry.slice(3));
  return entry === path;
}
