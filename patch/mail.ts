// One mail message: RFC 5322 headers (unfolded, RFC 2047 words decoded), the body decoded from its
// transfer encoding (quoted-printable, base64) and charset, and multipart bodies reduced to their
// text parts (patches sent as attachments).

const HEADER_LINE = /^([!-9;-~]+):[ \t]?(.*)$/;
const MAX_MIME_DEPTH = 4;
const MAX_MIME_PARTS = 1000;

export interface MailMessage {
  /** Lower-cased header name → values in order. Empty when the text has no header block. */
  headers: Map<string, string[]>;
  /** Decoded body lines (the message's own lines when the body needed no decoding). */
  bodyLines: string[];
  /** Input line number of the body's first line (exact unless the body was re-encoded). */
  bodyFirstLine: number;
}

/** Does this text start with a mail header block (From:/Subject:/Date:/Message-ID: among them)? */
export function startsWithMailHeaders(lines: readonly string[]): boolean {
  let sawKey = false;
  for (let k = 0; k < lines.length && k < 200; k++) {
    const line = lines[k]!;
    if (line === '') return sawKey;
    if (k > 0 && (line[0] === ' ' || line[0] === '\t')) continue;
    const m = HEADER_LINE.exec(line);
    if (!m) return false;
    if (/^(from|subject|date|message-id)$/i.test(m[1]!)) sawKey = true;
  }
  return sawKey;
}

export function headerValue(message: MailMessage, name: string): string | undefined {
  return message.headers.get(name.toLowerCase())?.[0];
}

/** Parse a message given as lines (without line terminators) starting at input line `firstLine`. */
export function parseMail(lines: readonly string[], firstLine: number): MailMessage {
  const { headers, next } = startsWithMailHeaders(lines) ? readHeaderBlock(lines) : { headers: new Map(), next: 0 };
  const raw = lines.slice(next);
  const decoded = needsDecoding(headers) ? decodeBody(raw, headers, 0).split('\n') : raw;
  if (decoded !== raw && decoded[decoded.length - 1] === '') decoded.pop();
  const contentType = parseContentType(headers.get('content-type')?.[0]);
  if (contentType.params.get('format')?.toLowerCase() === 'flowed') unstuffFlowed(decoded);
  return { headers, bodyLines: decoded, bodyFirstLine: firstLine + next };
}

/**
 * RFC 3676: a format=flowed sender adds a space to every line that starts with one, so a diff's
 * context lines arrive with two. Undo it. (Soft line breaks are left alone: joining lines at
 * trailing spaces would corrupt diffs that carry trailing whitespace.)
 */
function unstuffFlowed(lines: string[]): void {
  for (let k = 0; k < lines.length; k++) {
    if (lines[k]!.startsWith(' ')) lines[k] = lines[k]!.slice(1);
  }
}

/** A plain 7bit/8bit text body is used as it is: no copy of a large series is made. */
function needsDecoding(headers: Map<string, string[]>): boolean {
  const encoding = (headers.get('content-transfer-encoding')?.[0] ?? '8bit').trim().toLowerCase();
  const type = parseContentType(headers.get('content-type')?.[0]).type;
  return encoding === 'quoted-printable' || encoding === 'base64' || type.startsWith('multipart/');
}

/** Read "Name: value" lines (with folded continuations) up to the blank line that ends them. */
function readHeaderBlock(lines: readonly string[]): { headers: Map<string, string[]>; next: number } {
  const headers = new Map<string, string[]>();
  let name: string | null = null;
  let value = '';
  const flush = (): void => {
    if (name === null) return;
    const list = headers.get(name) ?? [];
    list.push(decodeEncodedWords(value.trim()));
    headers.set(name, list);
    name = null;
  };
  let k = 0;
  for (; k < lines.length; k++) {
    const line = lines[k]!;
    if (line === '') {
      k++;
      break;
    }
    if ((line[0] === ' ' || line[0] === '\t') && name !== null) {
      value += ' ' + line.trim();
      continue;
    }
    const m = HEADER_LINE.exec(line);
    if (!m) break;
    flush();
    name = m[1]!.toLowerCase();
    value = m[2]!;
  }
  flush();
  return { headers, next: k };
}

interface ContentType {
  type: string;
  params: Map<string, string>;
}

function parseContentType(value: string | undefined): ContentType {
  const params = new Map<string, string>();
  if (!value) return { type: 'text/plain', params };
  const [type, ...rest] = value.split(';');
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    let val = part.slice(eq + 1).trim();
    if (val.startsWith('"') && val.endsWith('"') && val.length >= 2) val = val.slice(1, -1);
    params.set(key, val);
  }
  return { type: type!.trim().toLowerCase(), params };
}

function decodeBody(bodyLines: readonly string[], headers: Map<string, string[]>, depth: number): string {
  const contentType = parseContentType(headers.get('content-type')?.[0]);
  const encoding = (headers.get('content-transfer-encoding')?.[0] ?? '8bit').trim().toLowerCase();
  const boundary = contentType.params.get('boundary');
  if (contentType.type.startsWith('multipart/') && boundary && depth < MAX_MIME_DEPTH) {
    return decodeMultipart(bodyLines, boundary, depth);
  }
  const charset = contentType.params.get('charset') ?? 'utf-8';
  if (encoding === 'quoted-printable') return decodeBytes(decodeQuotedPrintable(bodyLines), charset);
  if (encoding === 'base64') return decodeBytes(Buffer.from(bodyLines.join(''), 'base64'), charset);
  return bodyLines.join('\n');
}

/** The text parts of a multipart body, decoded and joined (HTML alternatives left out). */
function decodeMultipart(bodyLines: readonly string[], boundary: string, depth: number): string {
  const open = `--${boundary}`;
  const close = `--${boundary}--`;
  const parts: string[][] = [];
  let current: string[] | null = null;
  for (const line of bodyLines) {
    const trimmed = line.trimEnd();
    if (trimmed === close) break;
    if (trimmed === open) {
      if (parts.length >= MAX_MIME_PARTS) break;
      current = [];
      parts.push(current);
      continue;
    }
    current?.push(line);
  }
  const texts: string[] = [];
  for (const part of parts) {
    const message = parseMimePart(part, depth + 1);
    if (message !== null) texts.push(message);
  }
  return texts.join('\n');
}

function parseMimePart(lines: readonly string[], depth: number): string | null {
  const { headers, next } = readHeaderBlock(lines);
  const type = parseContentType(headers.get('content-type')?.[0]).type;
  const disposition = headers.get('content-disposition')?.[0] ?? '';
  const patchAttachment = /\.(patch|diff)\b/i.test(disposition) || /patch|diff/.test(type);
  if (type === 'text/html') return null;
  if (!type.startsWith('text/') && !type.startsWith('multipart/') && !patchAttachment) return null;
  return decodeBody(lines.slice(next), headers, depth);
}

/** Quoted-printable to bytes: "=XX" escapes and "=" soft line breaks (RFC 2045 §6.7). */
export function decodeQuotedPrintable(lines: readonly string[]): Buffer {
  let capacity = 0;
  for (const line of lines) capacity += Buffer.byteLength(line, 'utf8') + 1;
  const out = Buffer.alloc(capacity);
  let n = 0;
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!.replace(/[ \t]+$/, '');
    let softBreak = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (ch === '=') {
        if (i === line.length - 1) {
          softBreak = true;
          break;
        }
        const hex = line.slice(i + 1, i + 3);
        if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
          out[n++] = parseInt(hex, 16);
          i += 2;
          continue;
        }
      }
      const code = ch.charCodeAt(0);
      if (code < 0x80) out[n++] = code;
      else n += out.write(ch, n, 'utf8');
    }
    if (!softBreak && li < lines.length - 1) out[n++] = 10;
  }
  return out.subarray(0, n);
}

function decodeBytes(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset.toLowerCase()).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** RFC 2047 encoded words ("=?UTF-8?q?J=C3=B6rg?=") in header values. */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_all, charset: string, kind: string, data: string) => {
      const bytes =
        kind.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64')
          : decodeQuotedPrintable([data.replace(/_/g, ' ')]);
      return decodeBytes(bytes, charset);
    });
}
