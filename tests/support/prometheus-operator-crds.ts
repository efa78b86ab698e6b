/**
 * The prometheus-operator's CRDs, from its Go module (downloaded through the Go module proxy
 * into Go's module cache): each kind's openAPIV3Schema per version, for validating the generated
 * resources the way the API server would with strict field validation.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

/** The newest version of the module the proxy serves here (pkg/apis/monitoring is newer, but the CRDs ship with the root module). */
export const PROMETHEUS_OPERATOR_MODULE = 'github.com/prometheus-operator/prometheus-operator@v0.85.0';

export type Schema = Record<string, unknown>;

interface Crd {
  spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Schema } }[] };
}

/** `${apiVersion}/${kind}` -> schema, e.g. monitoring.coreos.com/v1/Probe. */
export async function prometheusOperatorSchemas(): Promise<Map<string, Schema>> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)('go', ['mod', 'download', '-json', PROMETHEUS_OPERATOR_MODULE], { cwd: tmpdir(), timeout: 600_000 }));
  } catch (err) {
    const e = err as { stdout?: string; message: string };
    throw new Error(`go mod download ${PROMETHEUS_OPERATOR_MODULE} failed (needs Go and the Go module proxy): ${e.stdout ?? e.message}`);
  }
  const dir = join((JSON.parse(stdout) as { Dir: string }).Dir, 'example/prometheus-operator-crd');
  const schemas = new Map<string, Schema>();
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.yaml'))) {
    const crd = parse(await readFile(join(dir, file), 'utf8')) as Crd;
    for (const version of crd.spec.versions) {
      schemas.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, version.schema.openAPIV3Schema);
    }
  }
  return schemas;
}

/**
 * Strict field validation, as `kubectl apply --validate=strict` does: an object schema with
 * `properties` accepts no other field unless it preserves unknown fields. (The API server would
 * otherwise drop a misspelled field without a word.)
 */
export function strict(schema: Schema): Schema {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const result: Schema = {};
    for (const [key, value] of Object.entries(node)) result[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, walk(v)])) : walk(value);
    if (result.properties && result.additionalProperties === undefined && result['x-kubernetes-preserve-unknown-fields'] !== true) result.additionalProperties = false;
    return result;
  };
  return walk(schema) as Schema;
}

/**
 * The CRDs' patterns are Go (RE2) regular expressions; some open with the inline flag `(?i)`,
 * which JavaScript lacks: such a pattern is compiled case-insensitive as a whole (slightly looser
 * than RE2, never stricter). For Ajv's `code.regExp` option.
 */
export const goRegExp = Object.assign(
  (pattern: string, flags: string): RegExp => (pattern.includes('(?i)') ? new RegExp(pattern.replaceAll('(?i)', ''), `${flags}i`) : new RegExp(pattern, flags)),
  { code: 'new RegExp' },
);
