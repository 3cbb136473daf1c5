// Functions rebuilt from hunks. Without a tree, a hunk inside a function shows a few lines of its
// body but not its header, so tree-sitter sees stray statements and no function. Here each known
// block of a partial post-image gets a synthetic frame on the unknown lines around it: the header
// git printed as the hunk's section (or a placeholder) with as many `{` as the block closes
// beyond what it opens, and the matching `}` after it. Known lines keep their text, line and
// column; the frame only fills lines that were unknown, so the functions come out partial.

export interface SectionHint {
  /** First post-image line of a hunk. */
  line: number;
  /** The function context git printed after the second @@. */
  section?: string;
}

export interface RebuildResult {
  text: string;
  /** Lines that hold a synthetic frame (header or closing braces). */
  frames: number[];
}

const PLACEHOLDER = 'static void __iovalint_unknown_function(void)';

/** The type given to variables the frame declares for a block (an opaque name: no rule reads a width into it). */
export const UNKNOWN_TYPE = '__iovalint_unknown_t';

const NOT_VARIABLES = new Set(
  (
    'auto break case char const continue default do double else enum extern float for goto if inline int long ' +
    'register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while ' +
    'bool true false NULL u8 u16 u32 u64 s8 s16 s32 s64 __u8 __u16 __u32 __u64 __le16 __le32 __le64 __be16 __be32 __be64 ' +
    'fallthrough likely unlikely typeof __func__'
  ).split(' '),
);

/** The block without comments, strings, character literals and preprocessor lines. */
function codeOnly(block: string): string {
  return block
    .replace(/\/\*[\s\S]*?(\*\/|$)/g, ' ')
    .replace(/\/\/[^\n]*/g, ' ')
    .replace(/"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g, ' ')
    .replace(/^[ \t]*#.*$/gm, ' ');
}

/** Names declared in code (`T name =`, `struct s *name;`), as far as a regular expression reads them. */
function declarationsIn(code: string): Set<string> {
  const declared = new Set<string>();
  const declaration = /(?:^|[;{}(])\s*(?:(?:const|static|volatile|unsigned|signed|register)\s+)*(?:(?:struct|enum|union)\s+)?[A-Za-z_]\w*[\s*]+([A-Za-z_]\w*)\s*(?=[=;,[)])/gm;
  for (let m = declaration.exec(code); m; m = declaration.exec(code)) {
    if (!NOT_VARIABLES.has(m[1]!) && !/^(return|goto|case|else|sizeof)$/.test(code.slice(m.index).trim().split(/\s/)[0] ?? '')) declared.add(m[1]!);
  }
  return declared;
}

/**
 * Identifiers a block reads or writes as variables but does not declare: the parameters and
 * locals of the unseen part of its function. The frame declares them as parameters of an opaque
 * type, so the rules see values flowing in from the caller, which is what an unseen part gives.
 */
export function freeVariables(block: string, alreadyDeclared: ReadonlySet<string>): string[] {
  const code = codeOnly(block);
  const declared = new Set([...alreadyDeclared, ...declarationsIn(code)]);
  const free: string[] = [];
  const word = /[A-Za-z_]\w*/g;
  for (let m = word.exec(code); m; m = word.exec(code)) {
    const name = m[0];
    if (NOT_VARIABLES.has(name) || declared.has(name) || free.includes(name)) continue;
    if (/^[A-Z0-9_]+$/.test(name) || name.endsWith('_t') || name.startsWith('__')) continue; // macros, constants, types
    const before = code.slice(Math.max(0, m.index - 8), m.index);
    const after = code.slice(m.index + name.length).match(/^\s*(\S)/)?.[1];
    if (/(->|\.)\s*$/.test(before) || /\b(struct|enum|union|goto)\s+$/.test(before)) continue;
    if (after === '(' || after === ':') continue; // calls, macros, labels
    if (/^\s*\(\s*$/.test(before.slice(-2)) && code.slice(m.index + name.length).match(/^\s*\*?\s*\)/)) continue; // (type) casts
    free.push(name);
  }
  return free;
}

/** The header with extra parameters of the opaque type. */
function withParameters(header: string, names: readonly string[]): string {
  if (names.length === 0) return header;
  const extra = names.map((n) => `${UNKNOWN_TYPE} ${n}`).join(', ');
  const close = header.lastIndexOf(')');
  const open = header.indexOf('(');
  const inside = header.slice(open + 1, close).trim();
  return inside === '' || inside === 'void' ? `${header.slice(0, open + 1)}${extra})` : `${header.slice(0, close)}, ${extra})`;
}

function parameterNames(header: string): Set<string> {
  const inside = header.slice(header.indexOf('(') + 1, header.lastIndexOf(')'));
  const names = new Set<string>();
  for (const part of inside.split(',')) {
    const m = /([A-Za-z_]\w*)\s*(\[[^\]]*\])?\s*$/.exec(part.trim());
    if (m && m[1] !== 'void') names.add(m[1]!);
  }
  return names;
}

/** A compilable function header from git's section line, or undefined when it is not a function. */
export function headerFromSection(section: string | undefined): string | undefined {
  if (!section) return undefined;
  const text = section.replace(/\/\*.*?\*\//g, ' ').replace(/\s*\{\s*$/, '').trim();
  const open = text.indexOf('(');
  if (open <= 0 || /[;=]/.test(text.slice(0, open)) || /^(struct|union|enum)\s+\w+\s*$/.test(text.slice(0, open).trim())) return undefined;
  if (!/^[A-Za-z_][\w\s*]*\b[A-Za-z_]\w*\s*$/.test(text.slice(0, open))) return undefined;
  let header = text.replace(/[,\s]+$/, '');
  let depth = 0;
  for (const c of header) depth += c === '(' ? 1 : c === ')' ? -1 : 0;
  if (depth < 0) return undefined;
  header += ')'.repeat(depth);
  return header;
}

interface BraceScan {
  minDepth: number;
  finalDepth: number;
  /** The block ends inside a block comment. */
  inComment: boolean;
}

/** Brace depth over C text, skipping comments, strings and character literals. */
export function scanBraces(text: string): BraceScan {
  let depth = 0;
  let minDepth = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return { minDepth, finalDepth: depth, inComment: true };
      i = end + 2;
    } else if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      i = j + 1;
    } else if (c === '#' && (i === 0 || text[i - 1] === '\n' || /^[ \t]*$/.test(text.slice(text.lastIndexOf('\n', i - 1) + 1, i)))) {
      // a preprocessor line: its braces (if any) are not code
      let j = i;
      while (j < n && text[j] !== '\n') j += text[j] === '\\' && text[j + 1] === '\n' ? 2 : 1;
      i = j;
    } else {
      if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (depth < minDepth) minDepth = depth;
      }
      i++;
    }
  }
  return { minDepth, finalDepth: depth, inComment: false };
}

/** What a block's text leaves open: braces, parentheses, a comment, and how its code starts and ends. */
export interface BlockScan extends BraceScan {
  /** Lowest parenthesis depth reached (negative: the block starts inside an expression or a header). */
  parenMin: number;
  /** Parenthesis depth at the end (positive: the block ends inside an expression). */
  parenFinal: number;
  /** Parentheses close below 0 before the first `{` and no `;` comes first: the block starts inside a function header. */
  headerTail: boolean;
  /** The block starts inside a block comment (its first comment close comes before any open). */
  startsInComment: boolean;
  /** First and last characters of code (outside comments, strings and directives). */
  firstCode: string;
  lastCode: string;
  /** The code ends with `++` or `--` (a postfix update, complete as it is). */
  endsWithUpdate: boolean;
  /** Leading whitespace of the line of the `}` that reached the lowest brace depth, if any. */
  lowestCloseIndented: boolean;
}

/** Braces, parentheses, comments and code ends of a block (the same skipping as scanBraces). */
export function scanBlock(text: string): BlockScan {
  const firstClose = text.indexOf('*/');
  const firstOpen = text.indexOf('/*');
  const startsInComment = firstClose >= 0 && (firstOpen < 0 || firstClose < firstOpen);
  let depth = 0;
  let minDepth = 0;
  let paren = 0;
  let parenMin = 0;
  let sawBraceOrSemicolon = false;
  let headerTail = false;
  let lowestCloseIndented = false;
  let code = '';
  let i = startsInComment ? firstClose + 2 : 0;
  const n = text.length;
  let inComment = false;
  while (i < n) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) {
        inComment = true;
        break;
      }
      i = end + 2;
    } else if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      code += 'x';
      i = j + 1;
    } else if (c === '#' && (i === 0 || text[i - 1] === '\n' || /^[ \t]*$/.test(text.slice(text.lastIndexOf('\n', i - 1) + 1, i)))) {
      let j = i;
      while (j < n && text[j] !== '\n') j += text[j] === '\\' && text[j + 1] === '\n' ? 2 : 1;
      i = j;
    } else {
      if (!/\s/.test(c)) code += c;
      if (c === '(') paren++;
      else if (c === ')') {
        paren--;
        if (paren < parenMin) parenMin = paren;
      } else if (c === ';' && !sawBraceOrSemicolon) sawBraceOrSemicolon = true;
      else if (c === '{') {
        if (!sawBraceOrSemicolon && parenMin < 0 && depth === 0) headerTail = true;
        sawBraceOrSemicolon = true;
        depth++;
      } else if (c === '}') {
        sawBraceOrSemicolon = true;
        depth--;
        if (depth < minDepth) {
          minDepth = depth;
          const lineStart = text.lastIndexOf('\n', i - 1) + 1;
          lowestCloseIndented = /^[ \t]/.test(text.slice(lineStart, i + 1));
        }
      }
      i++;
    }
  }
  return {
    minDepth,
    finalDepth: depth,
    inComment,
    parenMin,
    parenFinal: paren,
    headerTail,
    startsInComment,
    firstCode: code[0] ?? '',
    lastCode: code.at(-1) ?? '',
    endsWithUpdate: /(\+\+|--)$/.test(code),
    lowestCloseIndented,
  };
}

/** A value standing for the unseen part of a statement the hunk cuts (an opaque identifier). */
export const CUT_VALUE = '__iovalint_cut';

/** The code ends where an operand must follow (after `,`, `(`, `=`, a binary operator). */
function needsOperand(scan: BlockScan): boolean {
  return !scan.endsWithUpdate && /[,(=+\-*/%&|^<>!?:~]/.test(scan.lastCode);
}

/** Width of a line's indentation (a tab is 8 columns). */
function indentWidth(line: string): number {
  let w = 0;
  for (const c of line) {
    if (c === '\t') w += 8 - (w % 8);
    else if (c === ' ') w++;
    else break;
  }
  return w;
}

/**
 * The block starts with the body of an `if`, `else` or loop whose head is in unseen lines: its
 * first statement is indented deeper than a later statement at the same brace depth
 * (`\t\treturn false;` then `\tif (...)`), or it starts with `else`.
 */
export function startsInBracelessBody(blockLines: readonly string[]): boolean {
  const code = blockLines.map((l) => l.replace(/\/\/.*$/, '').replace(/"(?:\\.|[^"\\])*"/g, '""')).filter((l) => l.trim() !== '' && !/^\s*(\/\*|\*|#)/.test(l));
  if (code.length === 0) return false;
  if (/^\s*else\b/.test(code[0]!)) return true;
  const first = indentWidth(code[0]!);
  let depth = 0;
  let statementStart = true;
  for (const line of code) {
    if (depth === 0 && statementStart && line !== code[0] && indentWidth(line) < first && !/^\s*[{}]/.test(line)) return true;
    for (const c of line) depth += c === '{' ? 1 : c === '}' ? -1 : 0;
    if (depth < 0) return false;
    statementStart = /[;{}:]\s*(\/\*.*\*\/\s*)?$/.test(line);
  }
  return false;
}

/**
 * Text that reopens what the unseen lines before the block left open: a block that starts in the
 * middle of an expression (more `)` than `(`) gets `if (` and the missing parentheses, so the tail
 * parses as the condition of an empty `if`; a block that starts with the body of an unseen `if`
 * (or with `else`) gets an `if` of an opaque value; an opening comment when it starts inside one.
 */
function reopening(scan: BlockScan, blockLines: readonly string[]): string {
  let out = '';
  if (scan.parenMin < 0) {
    const operandFirst = /^[,+\-*/%&|^<>=?:]$/.test(scan.firstCode) && scan.firstCode !== '*';
    out += ` if (${operandFirst ? CUT_VALUE + ' ' : ''}${'('.repeat(-scan.parenMin - 1)}`;
  } else if (!scan.startsInComment && startsInBracelessBody(blockLines)) {
    out += /^\s*else\b/.test(blockLines.find((l) => l.trim() !== '') ?? '') ? ` if (${CUT_VALUE}) ;` : ` if (${CUT_VALUE})`;
  }
  if (scan.startsInComment) out += ' /*';
  return out;
}

/**
 * Frames every known block of `text` (lines 1-based; unknown lines are empty) whose braces show
 * it starts or ends inside a function. `hints` give the section of each hunk. A block cut inside
 * a statement is completed with an opaque value (CUT_VALUE) and the missing parentheses; a block
 * that starts inside a function header continues git's section line.
 */
export function rebuildFunctionFrames(
  text: string,
  knownLines: ReadonlyArray<readonly [number, number]>,
  hints: readonly SectionHint[],
): RebuildResult {
  const lines = text.split('\n');
  const known = (line: number): boolean => knownLines.some(([a, b]) => a <= line && line <= b);
  const frames: number[] = [];
  const blocks = [...knownLines].sort((x, y) => x[0] - y[0]).map(([start, end]) => planBlock(lines, start, end, hints));
  // Hunks of one function (the same section, depths that meet, unseen lines between) share one
  // frame: declarations and guards of the first reach the second. The unseen lines between them
  // become a call taking the address of every variable, so no definition reaches across as
  // certain (they may reassign anything) while declared types and dominating checks do.
  const chains: Plan[][] = [];
  for (const b of blocks) {
    const chain = chains.at(-1);
    const prev = chain?.at(-1);
    const gap = prev ? b.start - prev.end - 1 : 0;
    const joins =
      !!chain &&
      !!prev &&
      prev.closes > 0 &&
      !b.scan.headerTail &&
      b.opens > 0 &&
      b.opens === prev.closes &&
      !prev.scan.inComment &&
      !b.scan.startsInComment &&
      gap >= 1 &&
      sameFunction(chain[0]!.hint?.section, b.hint?.section) &&
      Array.from({ length: gap }, (_, i) => prev.end + 1 + i).every((n) => !known(n) && lines[n - 1] === '');
    if (joins) chain.push(b);
    else chains.push([b]);
  }
  for (const chain of chains) {
    const first = chain[0]!;
    const last = chain.at(-1)!;
    const bodies = chain.map((b) => lines.slice(b.start - 1, b.end).join('\n')).join('\n');
    let header: string | undefined;
    let params: string[] = [];
    if (first.scan.headerTail) {
      // the block starts inside the parameter list: git's section is the header's first line
      const open = openHeaderFromSection(first.hint?.section) ?? 'static void __iovalint_unknown_function(';
      // the parameters the block's own part of the header declares are not free
      const body = lines.slice(first.start - 1, first.end).join('\n');
      const tail = body.slice(0, body.indexOf('{'));
      const declared = new Set([...parameterNames(`${open})`), ...parameterNames(`(${tail.slice(0, tail.lastIndexOf(')'))})`)]);
      const free = freeVariables(bodies, declared);
      header = `${open}${free.map((v) => ` ${UNKNOWN_TYPE} ${v},`).join('')}`;
      params = [...declared, ...free];
    } else if (first.opens > 0) {
      const base = headerFromSection(first.hint?.section) ?? PLACEHOLDER;
      const free = freeVariables(bodies, parameterNames(base));
      header = `${withParameters(base, free)} ${'{'.repeat(first.opens)}${reopening(first.scan, lines.slice(first.start - 1, first.end))}`;
      params = [...parameterNames(base), ...free];
    }
    // a block at file scope that starts or ends inside a comment gets the comment's other end
    if (header === undefined && first.scan.startsInComment) header = '/*';
    if (header !== undefined) {
      const headerLine = first.start - 1;
      if (headerLine < 1 || known(headerLine) || lines[headerLine - 1] !== '') continue;
      lines[headerLine - 1] = header;
      frames.push(headerLine);
    }
    for (let i = 1; i < chain.length; i++) {
      const prev = chain[i - 1]!;
      const next = chain[i]!;
      const shown = chain.map((b) => lines.slice(b.start - 1, b.end).join('\n'));
      const before = shown.slice(0, i).join('\n');
      // A local declared with its value and never assigned in the shown lines keeps it across the
      // gap (kernel style); other shown locals may have been changed there. Parameters are read as
      // in a frame of their own (a hunk alone sees an unseen variable as a parameter too).
      const kept = initialisedOnly(before, shown.join('\n'));
      const seen = [...declaredNames(before)].filter((v) => !kept.has(v) && !params.includes(v));
      const havoc = `${GAP_CALL}(${seen.map((v) => `&${v}`).join(', ')});`;
      lines[prev.end] = `${cutCompletion(prev.scan)}; ${havoc}${reopening(next.scan, lines.slice(next.start - 1, next.end))}`;
      frames.push(prev.end + 1);
    }
    if (last.closes <= 0 && last.scan.inComment) {
      const footerLine = last.end + 1;
      if (footerLine <= lines.length && !known(footerLine) && lines[footerLine - 1] === '') {
        lines[footerLine - 1] = '*/';
        frames.push(footerLine);
      }
    }
    if (last.closes > 0) {
      const footerLine = last.end + 1;
      if (footerLine <= lines.length && (known(footerLine) || lines[footerLine - 1] !== '')) continue;
      // `;` first: the block may stop after `if (x)` or `else`, and an empty statement is harmless.
      const footer = `${last.scan.inComment ? '*/ ' : ''}${cutCompletion(last.scan)}; ${'}'.repeat(last.closes)}`;
      if (footerLine > lines.length) lines.push(footer);
      else lines[footerLine - 1] = footer;
      frames.push(footerLine);
    }
  }
  return { text: lines.join('\n'), frames: frames.sort((x, y) => x - y) };
}

/** The call that stands for the unseen lines between two hunks of one function. */
export const GAP_CALL = '__iovalint_unseen';

interface Plan {
  start: number;
  end: number;
  scan: BlockScan;
  hint: SectionHint | undefined;
  /** Braces the frame opens before the block, and closes after it. */
  opens: number;
  closes: number;
}

function planBlock(lines: readonly string[], start: number, end: number, hints: readonly SectionHint[]): Plan {
  const body = lines.slice(start - 1, end).join('\n');
  const scan = scanBlock(body);
  const hint = [...hints].reverse().find((h) => h.line <= start + 3 && h.line >= start - 3) ?? [...hints].reverse().find((h) => h.line <= start);
  let opens = 0;
  if (!scan.headerTail) {
    // Kernel style indents function bodies: a block whose first code line is indented starts inside
    // a function even when its braces balance; a `}` that closes to the lowest depth and is itself
    // indented closes an inner block, so the function is one level further out.
    const firstCode = lines.slice(start - 1, end).find((l) => l.trim() !== '' && !/^\s*(\/\*|\*|\/\/)/.test(l));
    const startsIndented = firstCode !== undefined && /^[ \t]/.test(firstCode);
    opens = scan.minDepth < 0 ? -scan.minDepth + (scan.lowestCloseIndented ? 1 : 0) : startsIndented ? 1 : 0;
  }
  return { start, end, scan, hint, opens, closes: scan.finalDepth + opens };
}

/** What completes a statement the block cuts at its end: an opaque operand and the open parentheses. */
function cutCompletion(scan: BlockScan): string {
  return scan.inComment ? '' : `${needsOperand(scan) ? CUT_VALUE : ''}${')'.repeat(Math.max(0, scan.parenFinal))}`;
}

/** Two hunks' sections name the same function (both known and equal headers). */
function sameFunction(a: string | undefined, b: string | undefined): boolean {
  const ha = headerFromSection(a);
  return ha !== undefined && ha === headerFromSection(b);
}

/** Locals `code` declares with a value (`T x = v;`) and that `all` never assigns again. */
function initialisedOnly(code: string, all: string): Set<string> {
  const text = codeOnly(code);
  const everything = codeOnly(all);
  const out = new Set<string>();
  for (const name of declarationsIn(text)) {
    if (!new RegExp(`[\\s*]${name}\\s*=[^=]`).test(text)) continue;
    const assignments = everything.match(new RegExp(`(^|[^\\w.>])${name}\\s*([-+*/%&|^]|<<|>>)?=(?!=)|\\+\\+\\s*${name}\\b|\\b${name}\\s*\\+\\+|--\\s*${name}\\b|\\b${name}\\s*--|&\\s*${name}\\b(?!\\s*(->|\\.|\\[))`, 'gm')) ?? [];
    if (assignments.length <= 1) out.add(name);
  }
  return out;
}

/** Names the block declares (its locals). */
function declaredNames(block: string): Set<string> {
  return declarationsIn(codeOnly(block));
}

/** Git's section as the open start of a header (`bool f(struct device *dev,`), or undefined. */
function openHeaderFromSection(section: string | undefined): string | undefined {
  const closed = headerFromSection(section);
  if (!closed || !section) return undefined;
  const text = section.replace(/\/\*.*?\*\//g, ' ').trim();
  let depth = 0;
  for (const c of text) depth += c === '(' ? 1 : c === ')' ? -1 : 0;
  if (depth !== 1) return undefined;
  return /[,(]\s*$/.test(text) ? text : `${text},`;
}
