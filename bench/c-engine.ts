// What the C layer costs beyond parsing, on real kernel files.
//
//   npx tsx bench/c-engine.ts /work/linux [--list FILE] [--limit N] [--all]
//
// For each file of the list: plain tree-sitter parse (the floor), then the C layer as a review
// uses it: pre-pass + parse + function index, and for every function that calls a DMA API
// function, its CFG, dominators, def-use and the guards at each of those calls (with the file's
// functions as helpers). --all analyses every function instead. CPU time (process.cpuUsage) is
// reported beside wall time because the machine may be shared.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, parseC, parseFile } from '../c/index.js';

const DMA_CALLS = /^(dma_map_|dma_unmap_|dma_iova_|dma_set_mask|dma_set_coherent_mask|dma_get_mask|iova_align|iova_offset|iommu_dma_|alloc_iova|iommu_map)/;
/** The same names anywhere in a text: a cheap filter before any tree is read. */
const DMA_WORDS = /\b(dma_map_|dma_unmap_|dma_iova_|dma_set_mask|dma_set_coherent_mask|dma_get_mask|iova_align|iova_offset|iommu_dma_|alloc_iova|iommu_map)/;

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function main(): void {
  const argv = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const root = argv.find((a, i) => !a.startsWith('--') && (i === 0 || !argv[i - 1].startsWith('--'))) ?? '/work/linux';
  const list = opt('--list') ?? join(import.meta.dirname, '../../shared/kernel/dma-files.txt');
  const limit = Number(opt('--limit') ?? Infinity);
  const all = argv.includes('--all');
  if (!existsSync(root)) {
    console.error(`c-engine: no kernel tree at ${root}`);
    process.exit(2);
  }
  const names = readFileSync(list, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean).filter((n) => existsSync(join(root, n))).slice(0, limit);
  let bytes = 0;
  let floorWall = 0;
  let floorCpu = 0;
  let layerWall = 0;
  let layerCpu = 0;
  let analysisWall = 0;
  let analysisCpu = 0;
  let functions = 0;
  let analysed = 0;
  let guardQueries = 0;
  let noCfg = 0;
  for (const name of names) {
    const text = readFileSync(join(root, name), 'utf8');
    bytes += text.length;
    let w = performance.now();
    let c = cpuMs();
    parseC(text);
    floorWall += performance.now() - w;
    floorCpu += cpuMs() - c;

    w = performance.now();
    c = cpuMs();
    const file = parseFile(name, text);
    layerWall += performance.now() - w;
    layerCpu += cpuMs() - c;
    functions += file.functions.length;

    w = performance.now();
    c = cpuMs();
    const helpers = new Map(file.functions.map((f) => [f.name, f]));
    for (const f of file.functions) {
      if (f.hasError) continue;
      // a rule filters on the function's text first (no tree access), then asks for the calls
      if (!all && !DMA_WORDS.test(f.node.text)) continue;
      const a = analyze(f);
      const calls = a.callsTo(DMA_CALLS);
      if (!all && calls.length === 0) continue;
      analysed++;
      if (!a.cfg) {
        noCfg++;
        continue;
      }
      void a.dominators;
      void a.postDominators;
      void a.defUse;
      for (const call of calls) {
        a.guardsAt(call, { helpers });
        guardQueries++;
      }
    }
    analysisWall += performance.now() - w;
    analysisCpu += cpuMs() - c;
  }
  const mb = bytes / 1e6;
  const rate = (ms: number): string => `${(mb / (ms / 1000)).toFixed(2)} MB/s`;
  console.log(`files ${names.length}, ${mb.toFixed(1)} MB, ${functions} functions; analysed ${analysed} (${all ? 'all' : 'those calling the DMA API'}), ${guardQueries} guard queries, ${noCfg} without CFG`);
  console.log(`parse only (floor):          wall ${floorWall.toFixed(0)} ms (${rate(floorWall)}), cpu ${floorCpu.toFixed(0)} ms`);
  console.log(`pre-pass + parse + index:    wall ${layerWall.toFixed(0)} ms (${(layerWall / floorWall).toFixed(2)}x), cpu ${layerCpu.toFixed(0)} ms (${(layerCpu / floorCpu).toFixed(2)}x)`);
  console.log(`CFG + dominators + def-use + guards: wall ${analysisWall.toFixed(0)} ms, cpu ${analysisCpu.toFixed(0)} ms`);
  console.log(`C layer total / floor:       wall ${((layerWall + analysisWall) / floorWall).toFixed(2)}x, cpu ${((layerCpu + analysisCpu) / floorCpu).toFixed(2)}x`);
}

main();
