// SARIF 2.1.0: results with partialFingerprints, confirmation in properties, witnesses as codeFlows,
// fixes as replacements; the rules with their help in tool.driver.rules.
import type * as Sarif from 'sarif';
import type { Finding, Report, Severity } from '../review/types.js';
import { witnessLines } from './witness.js';

const LEVEL: Record<Severity, Sarif.Result.level> = { error: 'error', warning: 'warning', note: 'note' };
const SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
const SRCROOT = '%SRCROOT%';

function artifact(file: string): Sarif.ArtifactLocation {
  return { uri: encodeURI(file), uriBaseId: SRCROOT };
}

function location(finding: Finding): Sarif.Location {
  return {
    physicalLocation: {
      artifactLocation: artifact(finding.file),
      region: {
        startLine: finding.line,
        startColumn: finding.column,
        endLine: finding.endLine,
        endColumn: finding.endColumn,
      },
    },
    ...(finding.function
      ? { logicalLocations: [{ name: finding.function, kind: 'function', fullyQualifiedName: `${finding.file}:${finding.function}` }] }
      : {}),
  };
}

function codeFlows(finding: Finding): Sarif.CodeFlow[] | undefined {
  const witness = finding.witness;
  if (!witness || witness.path.length === 0) return undefined;
  const locations: Sarif.ThreadFlowLocation[] = witness.path.map((step, index) => {
    const call = witness.trace.find((t) => t.line === step.line);
    const text = call ? `${step.text.trim()}  →  ${call.fn} = ${call.result ?? 'void'}` : step.text.trim();
    return {
      executionOrder: index,
      location: {
        physicalLocation: { artifactLocation: artifact(step.file), region: { startLine: step.line } },
        message: { text: text || `line ${step.line}` },
      },
    };
  });
  return [
    {
      message: { text: witness.summary },
      threadFlows: [{ locations }],
    },
  ];
}

function result(finding: Finding, ruleIndex: number, refuted: boolean): Sarif.Result {
  const res: Sarif.Result = {
    ruleId: finding.ruleId,
    ...(ruleIndex >= 0 ? { ruleIndex } : {}),
    level: LEVEL[finding.severity],
    message: { text: finding.message },
    locations: [location(finding)],
    partialFingerprints: { 'iovalint/v1': finding.fingerprint },
    properties: {
      confirmation: finding.confirmation ?? 'unconfirmed',
      ...(finding.confirmationNote ? { confirmationNote: finding.confirmationNote } : {}),
      ...(finding.witness ? { witness: witnessLines(finding.witness, '').join('\n') } : {}),
      ...(finding.patch !== undefined ? { patch: finding.patch } : {}),
    },
  };
  const flows = codeFlows(finding);
  if (flows) res.codeFlows = flows;
  if (finding.fix) {
    res.fixes = [
      {
        description: { text: finding.fix.verified ? 'Mechanical fix, re-checked by the simulator' : 'Mechanical fix' },
        artifactChanges: [
          {
            artifactLocation: artifact(finding.file),
            replacements: [
              {
                deletedRegion: {
                  startLine: finding.fix.startLine,
                  startColumn: finding.fix.startColumn,
                  endLine: finding.fix.endLine,
                  endColumn: finding.fix.endColumn,
                },
                insertedContent: { text: finding.fix.text },
              },
            ],
          },
        ],
      },
    ];
  }
  if (refuted) {
    res.suppressions = [{ kind: 'external', justification: finding.confirmationNote ?? 'refuted by simulation' }];
  }
  return res;
}

export function buildSarif(report: Report, showRefuted: boolean): Sarif.Log {
  const ruleIndex = new Map(report.rules.map((r, i) => [r.id, i]));
  const rules: Sarif.ReportingDescriptor[] = report.rules.map((rule) => ({
    id: rule.id,
    name: rule.id.replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase()),
    shortDescription: { text: rule.description },
    fullDescription: { text: `${rule.description} (confidence: ${rule.confidence}).` },
    help: { text: `See ${rule.docs} in the iovalint repository.`, markdown: `See [\`${rule.docs}\`](${rule.docs}).` },
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: { confidence: rule.confidence, fixable: rule.fixable },
  }));
  const results = report.findings.map((f) => result(f, ruleIndex.get(f.ruleId) ?? -1, false));
  if (showRefuted) results.push(...report.refuted.map((f) => result(f, ruleIndex.get(f.ruleId) ?? -1, true)));
  const notifications: Sarif.Notification[] = report.notChecked.map((item) => ({
    level: 'note',
    message: { text: `not checked${item.function ? ` ${item.function}()` : ''}: ${item.reason}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: artifact(item.file),
          ...(item.line ? { region: { startLine: item.line } } : {}),
        },
      },
    ],
  }));
  return {
    $schema: SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'iovalint',
            version: report.tool.version,
            semanticVersion: report.tool.version,
            rules,
            properties: { modelVersion: report.tool.modelVersion },
          },
        },
        invocations: [{ executionSuccessful: true, toolExecutionNotifications: notifications }],
        originalUriBaseIds: { [SRCROOT]: { description: { text: 'The root of the kernel tree the change applies to.' } } },
        results,
        columnKind: 'unicodeCodePoints',
      },
    ],
  };
}

export function formatSarif(report: Report, showRefuted: boolean): string {
  return JSON.stringify(buildSarif(report, showRefuted), null, 2) + '\n';
}
