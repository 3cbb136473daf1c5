// Output formats (DESIGN.md §8). One entry point; each format lives in its own file.
import type { Report } from '../review/types.js';
import { formatGithub } from './github.js';
import { formatJson } from './json.js';
import { formatMarkdown } from './markdown.js';
import { formatSarif } from './sarif.js';
import { formatTerse } from './terse.js';
import { formatText } from './text.js';

export const FORMATS = ['text', 'terse', 'json', 'sarif', 'github', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

export interface FormatOptions {
  showRefuted?: boolean;
}

export function formatReport(report: Report, format: Format, options: FormatOptions = {}): string {
  const showRefuted = options.showRefuted ?? false;
  switch (format) {
    case 'text':
      return formatText(report, { showRefuted });
    case 'terse':
      return formatTerse(report, showRefuted);
    case 'json':
      return formatJson(report);
    case 'sarif':
      return formatSarif(report, showRefuted);
    case 'github':
      return formatGithub(report, showRefuted);
    case 'markdown':
      return formatMarkdown(report, { showRefuted });
  }
}

export { summaryCounts } from './summary.js';
export { formatText, formatTextSummary } from './text.js';
export { formatTerse } from './terse.js';
export { formatGithub } from './github.js';
export { witnessMarkdown, formatMarkdown } from './markdown.js';
export { witnessLines, renderPicture } from './witness.js';
