// Request-body validation against GitHub's own OpenAPI description (@octokit/openapi, the
// api.github.com spec file only). Only the bodies of the endpoints the app calls are compiled;
// `$ref`s resolve into the spec's components; OpenAPI 3.0's `nullable` becomes a JSON-Schema type.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);
type AjvClass = new (opts: object) => {
  addSchema(schema: object, key: string): void;
  compile(schema: object): ValidateFunction;
};
const Ajv = (require('ajv') as { default: AjvClass }).default;
const addFormats = (require('ajv-formats') as { default: (ajv: unknown) => void }).default;

interface Spec {
  paths: Record<string, Record<string, { operationId?: string; requestBody?: { content?: Record<string, { schema?: object }> } }>>;
  components: object;
}

/** OpenAPI 3.0 → JSON Schema: `nullable: true` widens `type`; local refs point into the spec document. */
function toJsonSchema(node: unknown, rewriteRefs: boolean): unknown {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, rewriteRefs));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'example' || key === 'examples' || key === 'description') continue;
    out[key] = key === '$ref' && rewriteRefs && typeof value === 'string' && value.startsWith('#/') ? `github${value}` : toJsonSchema(value, rewriteRefs);
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (out.enum) out.enum = [...(out.enum as unknown[]), null];
    else if (!out.type) return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

export interface BodyValidator {
  /** Validates a request body; returns error lines (empty when valid), or undefined for an unknown endpoint. */
  validate(method: string, pathTemplate: string, body: unknown): string[] | undefined;
}

let cached: BodyValidator | undefined;

export function githubBodyValidator(): BodyValidator {
  if (cached) return cached;
  const specPath = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as Spec;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(toJsonSchema({ components: spec.components }, false) as object, 'github');
  const compiled = new Map<string, ValidateFunction | null>();
  cached = {
    validate(method, pathTemplate, body) {
      const key = `${method.toLowerCase()} ${pathTemplate}`;
      let fn = compiled.get(key);
      if (fn === undefined) {
        const op = spec.paths[pathTemplate]?.[method.toLowerCase()];
        if (!op) return undefined;
        const schema = op.requestBody?.content?.['application/json']?.schema;
        fn = schema ? ajv.compile(toJsonSchema(schema, true) as object) : null;
        compiled.set(key, fn);
      }
      if (fn === null) return body === undefined || body === null || (typeof body === 'object' && Object.keys(body).length === 0) ? [] : ['endpoint takes no body'];
      if (fn(body)) return [];
      return ((fn.errors ?? []) as ErrorObject[]).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'} ${JSON.stringify(e.params)}`);
    },
  };
  return cached;
}
