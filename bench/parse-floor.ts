// The parse-only floor: plain tree-sitter-c over a list of files, one core, nothing else.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';

const [kernel, list] = process.argv.slice(2);
const files = readFileSync(list!, 'utf8').trim().split('\n');
const parser = new Parser();
parser.setLanguage(C as unknown as Parser.Language);
let bytes = 0;
const start = performance.now();
for (const file of files) {
  const text = readFileSync(join(kernel!, file), 'utf8');
  bytes += Buffer.byteLength(text);
  // the string itself, as c/parser.ts hands it over
  parser.parse(text);
}
const ms = performance.now() - start;
process.stdout.write(JSON.stringify({ files: files.length, mb: bytes / 1024 / 1024, ms, mbPerS: bytes / 1024 / 1024 / (ms / 1000) }) + '\n');
