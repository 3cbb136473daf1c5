// Reading a patch input from a path or stdin ("-"), within the size limit: the size is checked
// before reading a file, and stdin stops being read once it passes the limit. The bytes are
// decoded once; nothing holds a second copy.

import { readFile, stat } from 'node:fs/promises';
import { InputError } from './types.js';
import { DEFAULT_MAX_INPUT_BYTES } from './input.js';

export interface ReadOptions {
  maxBytes?: number;
  /** Stream read for "-" (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
}

export interface PatchSource {
  text: string;
  /** Name for messages: the path as given, or "<stdin>". */
  origin: string;
}

export async function readPatchSource(pathOrDash: string, opts: ReadOptions = {}): Promise<PatchSource> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_INPUT_BYTES;
  if (pathOrDash === '-') return { text: await readStream(opts.stdin ?? process.stdin, maxBytes), origin: '<stdin>' };
  let size: number;
  try {
    const info = await stat(pathOrDash);
    if (info.isDirectory()) throw new InputError('is a directory, not a patch file', pathOrDash);
    size = info.size;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read: ${describe(err)}`, pathOrDash);
  }
  if (size > maxBytes) throw new InputError(`input is ${size} bytes, over the size limit of ${maxBytes} bytes`, pathOrDash);
  try {
    return { text: await readFile(pathOrDash, 'utf8'), origin: pathOrDash };
  } catch (err) {
    throw new InputError(`cannot read: ${describe(err)}`, pathOrDash);
  }
}

async function readStream(stream: NodeJS.ReadableStream, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buf.length;
    if (total > maxBytes) {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      throw new InputError(`input is over the size limit of ${maxBytes} bytes`, '<stdin>');
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file or directory';
  if (e.code === 'EACCES') return 'permission denied';
  if (e.code === 'EISDIR') return 'is a directory';
  return e.code ?? String(err);
}
