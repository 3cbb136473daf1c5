// A linear C lexer for the macro pre-pass: tokens as offsets into the text (no copies), comments
// skipped, each preprocessor directive one token through its continuation lines. It only needs to
// be exact about where tokens start and end; it does not classify operators beyond `...`.

export const enum TokenKind {
  Identifier = 1,
  Number = 2,
  String = 3,
  Char = 4,
  Punct = 5,
  Directive = 6,
}

export interface TokenStream {
  count: number;
  kind: Uint8Array;
  start: Int32Array;
  end: Int32Array;
  /** For identifiers: index into `names` (each distinct spelling sliced once); -1 otherwise. */
  name: Int32Array;
  names: string[];
}

const CH_NL = 10;
const CH_CR = 13;
const CH_SPACE = 32;
const CH_TAB = 9;
const CH_HASH = 35;
const CH_SLASH = 47;
const CH_STAR = 42;
const CH_DQUOTE = 34;
const CH_SQUOTE = 39;
const CH_BACKSLASH = 92;
const CH_DOT = 46;

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** End (exclusive) of a quoted literal starting at `i` (the quote); stops at an unescaped newline. */
function quotedEnd(text: string, i: number, quote: number): number {
  const n = text.length;
  let j = i + 1;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c === CH_BACKSLASH) {
      j += 2;
      continue;
    }
    if (c === quote) return j + 1;
    if (c === CH_NL) return j;
    j++;
  }
  return n;
}

/** End (exclusive, at the newline) of the directive starting at `i` (the `#`). */
function directiveEnd(text: string, i: number): number {
  const n = text.length;
  let j = i + 1;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c === CH_NL) {
      let k = j - 1;
      if (k > i && text.charCodeAt(k) === CH_CR) k--;
      if (text.charCodeAt(k) === CH_BACKSLASH) {
        j++;
        continue;
      }
      return j;
    }
    if (c === CH_SLASH && j + 1 < n) {
      const d = text.charCodeAt(j + 1);
      if (d === CH_STAR) {
        const close = text.indexOf('*/', j + 2);
        j = close < 0 ? n : close + 2;
        continue;
      }
      if (d === CH_SLASH) {
        const nl = text.indexOf('\n', j);
        j = nl < 0 ? n : nl;
        continue;
      }
    }
    if (c === CH_DQUOTE) {
      j = quotedEnd(text, j, CH_DQUOTE);
      continue;
    }
    j++;
  }
  return n;
}

export function lex(text: string): TokenStream {
  const n = text.length;
  let capacity = (n >> 2) + 16;
  let kind = new Uint8Array(capacity);
  let start = new Int32Array(capacity);
  let end = new Int32Array(capacity);
  let name = new Int32Array(capacity);
  const names: string[] = [];
  // open-addressing table of interned names, keyed by a hash of the characters: a repeated
  // identifier is found without slicing the text again
  let tableSize = 1024;
  let table = new Int32Array(tableSize).fill(-1);
  const hashes: number[] = [];
  let count = 0;

  let atLineStart = true;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === CH_NL) {
      atLineStart = true;
      i++;
      continue;
    }
    if (c === CH_SPACE || c === CH_TAB || c === CH_CR || c === 11 || c === 12) {
      i++;
      continue;
    }
    if (c === CH_SLASH && i + 1 < n) {
      const d = text.charCodeAt(i + 1);
      if (d === CH_STAR) {
        const close = text.indexOf('*/', i + 2);
        i = close < 0 ? n : close + 2;
        continue;
      }
      if (d === CH_SLASH) {
        const nl = text.indexOf('\n', i);
        i = nl < 0 ? n : nl;
        continue;
      }
    }
    if (count === capacity) {
      capacity *= 2;
      const k2 = new Uint8Array(capacity);
      k2.set(kind);
      kind = k2;
      const s2 = new Int32Array(capacity);
      s2.set(start);
      start = s2;
      const e2 = new Int32Array(capacity);
      e2.set(end);
      end = e2;
      const n2 = new Int32Array(capacity);
      n2.set(name);
      name = n2;
    }
    let k: TokenKind;
    let e: number;
    let id = -1;
    if (c === CH_HASH && atLineStart) {
      e = directiveEnd(text, i);
      k = TokenKind.Directive;
    } else if (c === CH_DQUOTE) {
      e = quotedEnd(text, i, CH_DQUOTE);
      k = TokenKind.String;
    } else if (c === CH_SQUOTE) {
      e = quotedEnd(text, i, CH_SQUOTE);
      k = TokenKind.Char;
    } else if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentPart(text.charCodeAt(j))) j++;
      const next = j < n ? text.charCodeAt(j) : 0;
      if ((next === CH_DQUOTE || next === CH_SQUOTE) && j - i <= 2 && /^(L|u|U|u8)$/.test(text.slice(i, j))) {
        // L"x", u8"x", u'x': an encoding prefix glued to a literal
        e = quotedEnd(text, j, next);
        k = next === CH_DQUOTE ? TokenKind.String : TokenKind.Char;
      } else {
        e = j;
        k = TokenKind.Identifier;
        let h = 2166136261;
        for (let x = i; x < j; x++) h = Math.imul(h ^ text.charCodeAt(x), 16777619);
        const len = j - i;
        let slot = h & (tableSize - 1);
        for (;;) {
          const candidate = table[slot];
          if (candidate < 0) break;
          if (hashes[candidate] === h && names[candidate].length === len && text.startsWith(names[candidate], i)) {
            id = candidate;
            break;
          }
          slot = (slot + 1) & (tableSize - 1);
        }
        if (id < 0) {
          id = names.length;
          names.push(text.slice(i, j));
          hashes.push(h);
          table[slot] = id;
          if (names.length * 2 > tableSize) {
            tableSize *= 2;
            table = new Int32Array(tableSize).fill(-1);
            for (let n2 = 0; n2 < names.length; n2++) {
              let s2 = hashes[n2] & (tableSize - 1);
              while (table[s2] >= 0) s2 = (s2 + 1) & (tableSize - 1);
              table[s2] = n2;
            }
          }
        }
      }
    } else if (isDigit(c) || (c === CH_DOT && i + 1 < n && isDigit(text.charCodeAt(i + 1)))) {
      // a preprocessing number: digits, letters, underscores, dots, and signed exponents
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (isIdentPart(d) || d === CH_DOT) {
          j++;
          continue;
        }
        if (d === 43 || d === 45) {
          const p = text.charCodeAt(j - 1);
          if (p === 101 || p === 69 || p === 112 || p === 80) {
            j++;
            continue;
          }
        }
        break;
      }
      e = j;
      k = TokenKind.Number;
    } else if (c === CH_DOT && text.charCodeAt(i + 1) === CH_DOT && text.charCodeAt(i + 2) === CH_DOT) {
      e = i + 3;
      k = TokenKind.Punct;
    } else {
      e = i + 1;
      k = TokenKind.Punct;
    }
    if (k !== TokenKind.Directive) atLineStart = false;
    kind[count] = k;
    start[count] = i;
    end[count] = e;
    name[count] = id;
    count++;
    i = e;
  }
  return { count, kind, start, end, name, names };
}

/** The directive name of a Directive token (`if`, `ifdef`, `define`, ...). */
export function directiveName(text: string, start: number, end: number): string {
  let i = start + 1;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c !== CH_SPACE && c !== CH_TAB) break;
    i++;
  }
  let j = i;
  while (j < end && isIdentPart(text.charCodeAt(j))) j++;
  return text.slice(i, j);
}
