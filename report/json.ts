// The Report as JSON: findings, refuted ones, every file and function analysed, the not-checked list.
import type { Report } from '../review/types.js';

export function formatJson(report: Report): string {
  return JSON.stringify(report, null, 2) + '\n';
}
