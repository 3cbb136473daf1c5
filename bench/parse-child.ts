// Child process of the parse benchmark: parses one file and prints the time (JSON).
import { readFileSync } from 'node:fs';
import { parseFile } from '../c/parse-file.js';

const path = process.argv[2]!;
const text = readFileSync(path, 'utf8');
parseFile('warmup.c', 'int f(void) { return 0; }\n');
const start = performance.now();
const parsed = parseFile(path, text);
const parseMs = performance.now() - start;
process.stdout.write(JSON.stringify({ parseMs, functions: parsed.functions.length, errors: parsed.errorCount }) + '\n');
