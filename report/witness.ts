// Witness rendering shared by the text, Markdown and GitHub formats.
import type { Witness } from '../review/types.js';

type RangePicture = NonNullable<Witness['picture']>;

const MAX_PICTURE_CELLS = 48;

export function describeScenario(scenario: Witness['scenario']): string {
  const parts = [
    `${scenario.arch}-bit`,
    `granule ${formatBytes(scenario.granule)}`,
    `mask ${scenario.mask === 0 ? 'unset (32)' : `${scenario.mask}-bit`}`,
  ];
  if (scenario.busLimit) parts.push(`bus limit ${scenario.busLimit}-bit`);
  if (!scenario.iommu) parts.push('no IOMMU');
  if (!scenario.coherent) parts.push('non-coherent');
  if (scenario.untrusted) parts.push('untrusted');
  if (scenario.pci) parts.push('PCI');
  return parts.join(', ');
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

function formatArgs(args: Record<string, string>): string {
  return Object.entries(args)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
}

/** The witness as indented lines (no trailing newline), for text output and Markdown code blocks. */
export function witnessLines(witness: Witness, indent = '    '): string[] {
  const lines: string[] = [];
  lines.push(`${indent}witness: ${witness.summary}`);
  lines.push(`${indent}  scenario: ${describeScenario(witness.scenario)}`);
  const inputs = formatArgs(witness.inputs);
  if (inputs) lines.push(`${indent}  inputs: ${inputs}`);
  if (witness.trace.length > 0) {
    lines.push(`${indent}  trace:`);
    for (const entry of witness.trace) {
      const at = entry.line ? `line ${entry.line}: ` : '';
      const result = entry.result !== undefined ? ` = ${entry.result}` : '';
      lines.push(`${indent}    ${at}${entry.fn}(${formatArgs(entry.args)})${result}`);
      for (const event of entry.events) {
        lines.push(`${indent}      ${event.kind === 'warn' ? 'WARN' : event.kind}: ${event.message}`);
      }
    }
  }
  if (witness.returned !== undefined) lines.push(`${indent}  returned: ${witness.returned}`);
  if (witness.breach) lines.push(`${indent}  broken: ${witness.breach.invariant}: ${witness.breach.message}`);
  const picture = witness.picture ? renderPicture(witness.picture) : undefined;
  if (picture) {
    lines.push(`${indent}  ${picture.line}`);
    lines.push(`${indent}  ${picture.legend}`);
  }
  return lines;
}

/**
 * One line of granules: each cell is one granule between the lowest and highest address of the
 * picture. '#' buffer inside the reservation (mapped when mappings are known), '!' buffer outside
 * it or unmapped, '=' reserved only, '.' neither.
 */
export function renderPicture(picture: RangePicture): { line: string; legend: string } | undefined {
  const granule = BigInt(picture.granule);
  if (granule <= 0n) return undefined;
  const ranges = [picture.reservation, picture.buffer, ...(picture.mapped ?? [])].filter(
    (r): r is [string, string] => r !== undefined,
  );
  if (ranges.length === 0) return undefined;
  const toBig = (r: [string, string]): [bigint, bigint] => [BigInt(r[0]), BigInt(r[1])];
  const lo = ranges.map((r) => toBig(r)[0]).reduce((a, b) => (a < b ? a : b));
  const hi = ranges.map((r) => toBig(r)[1]).reduce((a, b) => (a > b ? a : b));
  const first = lo / granule;
  const cells = Number((hi + granule - 1n) / granule - first);
  if (cells <= 0 || cells > MAX_PICTURE_CELLS) return undefined;
  const overlaps = (r: [string, string] | undefined, cell: bigint): boolean => {
    if (!r) return false;
    const [start, end] = toBig(r);
    const cellStart = cell * granule;
    return start < cellStart + granule && end > cellStart;
  };
  let line = '';
  for (let i = 0; i < cells; i++) {
    const cell = first + BigInt(i);
    const inBuffer = overlaps(picture.buffer, cell);
    const inReservation = overlaps(picture.reservation, cell);
    const mapped = picture.mapped ? picture.mapped.some((r) => overlaps(r, cell)) : inReservation;
    if (inBuffer) line += inReservation && mapped ? '#' : '!';
    else line += inReservation ? '=' : '.';
  }
  const hex = (v: bigint): string => `0x${v.toString(16)}`;
  return {
    line: `granules [${line}] ${hex(first * granule)}..${hex(hi)}`,
    legend: `(one cell per ${formatBytes(Number(granule))} granule: # buffer mapped in reservation, ! buffer byte outside it or unmapped, = reserved only)`,
  };
}
