// Path handling for diff headers: git's C-style quoting, the a/ b/ prefixes, and the safety check
// that keeps every path repository-relative.

/** Undo git's C-style quoting of a path ("a/tab\there" → a/tab<TAB>here). Returns null if malformed. */
export function unquoteCPath(quoted: string): { value: string; rest: string } | null {
  if (!quoted.startsWith('"')) return null;
  const bytes: number[] = [];
  let i = 1;
  while (i < quoted.length) {
    const ch = quoted[i]!;
    if (ch === '"') {
      return { value: Buffer.from(bytes).toString('utf8'), rest: quoted.slice(i + 1) };
    }
    if (ch !== '\\') {
      for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
      i++;
      continue;
    }
    const next = quoted[i + 1];
    if (next === undefined) return null;
    const simple: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, '"': 34 };
    if (next in simple) {
      bytes.push(simple[next]!);
      i += 2;
    } else if (/[0-7]/.test(next)) {
      const octal = /^[0-7]{1,3}/.exec(quoted.slice(i + 1))![0];
      bytes.push(parseInt(octal, 8) & 0xff);
      i += 1 + octal.length;
    } else {
      return null;
    }
  }
  return null;
}

/** A path field of "---"/"+++"/"rename from" lines: unquoted, timestamp (after a tab) dropped. */
export function readPathField(field: string): string {
  const unquoted = unquoteCPath(field);
  if (unquoted) return unquoted.value;
  const tab = field.indexOf('\t');
  return (tab >= 0 ? field.slice(0, tab) : field).trimEnd();
}

/** Strip git's one-letter prefix (a/, b/, or a mnemonic c/ i/ w/ o/). */
export function stripGitPrefix(path: string): string {
  return /^[a-z]\//.test(path) ? path.slice(2) : path;
}

/** Strip the first path component, as `patch -p1` does for non-git diffs. */
export function stripFirstComponent(path: string): string {
  const slash = path.indexOf('/');
  return slash >= 0 ? path.slice(slash + 1) : path;
}

/**
 * Split the two paths of a "diff --git a/x b/x" line. When unquoted paths contain spaces, the
 * split is ambiguous; the equal-halves rule resolves the common case (same path on both sides).
 */
export function splitGitHeaderPaths(rest: string): [string, string] | null {
  if (rest.startsWith('"')) {
    const first = unquoteCPath(rest);
    if (!first || !first.rest.startsWith(' ')) return null;
    const secondField = first.rest.slice(1);
    const second = unquoteCPath(secondField);
    return [first.value, second ? second.value : secondField];
  }
  if ((rest.length - 1) % 2 === 0) {
    const half = (rest.length - 1) / 2;
    const a = rest.slice(0, half);
    const b = rest.slice(half + 1);
    if (rest[half] === ' ' && stripGitPrefix(a) === stripGitPrefix(b)) return [a, b];
  }
  const quotedSecond = rest.indexOf(' "');
  if (quotedSecond > 0) {
    const second = unquoteCPath(rest.slice(quotedSecond + 1));
    if (second) return [rest.slice(0, quotedSecond), second.value];
  }
  const bAt = rest.indexOf(' b/');
  if (bAt > 0) return [rest.slice(0, bAt), rest.slice(bAt + 1)];
  const space = rest.indexOf(' ');
  return space > 0 ? [rest.slice(0, space), rest.slice(space + 1)] : null;
}

/**
 * Why a path cannot be used as a repository-relative path, or null if it can. Absolute paths and
 * ".." components would let a patch read or name files outside the tree.
 */
export function unsafePathReason(path: string): string | null {
  if (path === '') return 'empty path';
  if (path.startsWith('/')) return 'absolute path';
  if (path.includes('\0')) return 'NUL in path';
  if (path.split('/').some((part) => part === '..')) return "'..' in path";
  return null;
}

/** True for C sources and headers: the files the C layer parses. */
export function isCPath(path: string): boolean {
  return /\.[ch]$/.test(path);
}
