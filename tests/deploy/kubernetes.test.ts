/**
 * deploy/kubernetes/ (written by `npm run generate`, drift-tested with the other generated files):
 * every prometheus-operator resource validates against its CRD's openAPIV3Schema from the
 * operator's Go module, strictly (no unknown field), the other objects against the Kubernetes
 * fields they use, and the objects agree with each other and with the plain files' sources.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Ajv, type ValidateFunction } from 'ajv';
import { goRegExp, prometheusOperatorSchemas, strict } from '../support/prometheus-operator-crds.ts';
import { kubernetesSchemas } from '../support/kubernetes-schemas.ts';
import { ruleFiles } from '../../monitoring/rules/index.ts';
import { dashboards } from '../../monitoring/dashboards/index.ts';
import { jobs } from '../../monitoring/config/stack.ts';
import { kubernetes } from '../../monitoring/config/kubernetes.ts';
import { alertmanagerConfig } from '../../monitoring/generators/alertmanager-config.ts';
import { isK6AuthEnv } from '../../tools/remote-write-auth.ts';

const dir = join(import.meta.dirname, '../../deploy/kubernetes');

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
const objects: { file: string; obj: Obj }[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return { file, obj: doc.toJS() as Obj };
  }),
);
const find = (kind: string, name?: string): Obj[] => objects.map((o) => o.obj).filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
const one = (kind: string, name?: string): Obj => {
  const found = find(kind, name);
  assert.equal(found.length, 1, `exactly one ${kind} ${name ?? ''}`);
  return found[0] as Obj;
};

describe('deploy/kubernetes', () => {
  const validators = new Map<string, ValidateFunction>();
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, logger: false, code: { regExp: goRegExp } });
  before(async () => {
    const crds = await prometheusOperatorSchemas();
    for (const [key, schema] of crds) validators.set(key, ajv.compile(strict(schema)));
    for (const [key, schema] of Object.entries(kubernetesSchemas)) validators.set(key, ajv.compile(schema));
  });
  const validate = (obj: unknown): string[] => {
    const o = obj as Obj;
    const validator = validators.get(`${o.apiVersion}/${o.kind}`);
    if (!validator) return [`no schema for ${o.apiVersion} ${o.kind}`];
    return validator(obj) ? [] : (validator.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  };

  it('holds every kind the issue names, in one namespace with the common labels', () => {
    for (const kind of ['PrometheusRule', 'Probe', 'ServiceMonitor', 'AlertmanagerConfig', 'ConfigMap', 'Deployment', 'Service', 'TestRun']) {
      assert.ok(find(kind).length > 0, kind);
    }
    for (const { file, obj } of objects) {
      assert.equal(obj.metadata.namespace, kubernetes.namespace, `${file} ${obj.kind}/${obj.metadata.name}`);
      assert.equal(obj.metadata.labels?.['app.kubernetes.io/part-of'], kubernetes.commonLabels['app.kubernetes.io/part-of']);
    }
  });

  it('validates: prometheus-operator kinds against their CRDs, the others against the fields they use', () => {
    const problems = objects.flatMap(({ file, obj }) => validate(obj).map((p) => `${file} ${obj.kind}/${obj.metadata.name}: ${p}`));
    assert.deepEqual(problems, []);
    assert.ok(validators.has('monitoring.coreos.com/v1/PrometheusRule') && validators.has('monitoring.coreos.com/v1alpha1/AlertmanagerConfig'));
  });

  it('the validation fails on a misspelled field, a bad duration and a wrong type', () => {
    const probe = structuredClone(one('Probe'));
    (probe.spec as Record<string, unknown>).intervall = '5s';
    assert.match(validate(probe).join('\n'), /must NOT have additional properties.*intervall/);
    const rule = structuredClone(find('PrometheusRule')[1] as Obj);
    const groups = (rule.spec as { groups: { rules: { for?: string }[] }[] }).groups;
    const alert = groups.flatMap((g) => g.rules).find((r) => r.for !== undefined);
    assert.ok(alert);
    alert.for = '5 minutes';
    assert.match(validate(rule).join('\n'), /\/for must match pattern/);
    const run = structuredClone(one('TestRun'));
    (run.spec as Record<string, unknown>).parallelism = '3';
    assert.match(validate(run).join('\n'), /parallelism must be integer/);
    const deployment = structuredClone(one('Deployment'));
    (deployment.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0]!.imagePullPolicyy = 'Always';
    assert.match(validate(deployment).join('\n'), /must NOT have additional properties/);
  });

  it('carries the same rules, dashboards and routes as the plain files', () => {
    const rules = find('PrometheusRule').flatMap((r) => (r.spec as { groups: unknown[] }).groups);
    assert.deepEqual(rules, Object.values(ruleFiles()).flatMap((f) => f.groups));
    const maps = find('ConfigMap').filter((c) => c.metadata.labels?.grafana_dashboard === '1');
    assert.deepEqual(
      maps.map((m) => Object.values(m.data ?? {}).map((json) => JSON.parse(json) as unknown)).flat(),
      dashboards().map((d) => JSON.parse(JSON.stringify(d)) as unknown),
    );
    const am = one('AlertmanagerConfig').spec as { receivers: { name: string }[]; route: { receiver: string; routes: { receiver: string }[] }; inhibitRules: unknown[] };
    const plain = alertmanagerConfig({ sinkUrl: kubernetes.sinkUrl }) as { receivers: { name: string }[]; inhibit_rules: unknown[] };
    assert.deepEqual(am.receivers.map((r) => r.name), plain.receivers.map((r) => r.name));
    for (const receiver of [am.route.receiver, ...am.route.routes.map((r) => r.receiver)]) assert.ok(am.receivers.some((r) => r.name === receiver), receiver);
    assert.equal(am.inhibitRules.length, plain.inhibit_rules.length);
  });

  it('wires the exporter: Deployment, Service, ServiceMonitor and Probe agree on labels, ports and names', () => {
    const deployment = one('Deployment', kubernetes.poolExporter.name).spec as {
      selector: { matchLabels: Record<string, string> };
      template: { metadata: { labels: Record<string, string> }; spec: { containers: { ports: { name: string; containerPort: number }[] }[]; volumes: { configMap: { name: string } }[] } };
    };
    const podLabels = deployment.template.metadata.labels;
    for (const [k, v] of Object.entries(deployment.selector.matchLabels)) assert.equal(podLabels[k], v, `selector ${k}`);
    const service = one('Service', kubernetes.poolExporter.name);
    const serviceSpec = service.spec as { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] };
    for (const [k, v] of Object.entries(serviceSpec.selector)) assert.equal(podLabels[k], v, `service selector ${k}`);
    const containerPorts = deployment.template.spec.containers[0]?.ports ?? [];
    for (const port of serviceSpec.ports) assert.ok(containerPorts.some((p) => p.name === port.targetPort), `targetPort ${port.targetPort}`);
    assert.ok(find('ConfigMap', deployment.template.spec.volumes[0]?.configMap.name).length === 1, 'the exporter config ConfigMap exists');
    const monitor = one('ServiceMonitor').spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] };
    for (const [k, v] of Object.entries(monitor.selector.matchLabels)) assert.equal(service.metadata.labels?.[k], v, `service monitor selector ${k}`);
    for (const endpoint of monitor.endpoints) assert.ok(serviceSpec.ports.some((p) => p.name === endpoint.port), endpoint.port);
    // job and service labels come from the Service's name: what the alerts select on.
    assert.equal(service.metadata.name, jobs.poolExporter);
    const probe = one('Probe').spec as { jobName: string; prober: { url: string } };
    assert.equal(probe.jobName, jobs.poolProbe);
    assert.equal(probe.prober.url, `${service.metadata.name}.${kubernetes.namespace}.svc:${serviceSpec.ports[0]?.port}`);
  });

  it('runs the k6 test as a TestRun: the script in the ConfigMap, parallelism, remote write, one instance per runner', () => {
    const run = one('TestRun').spec as { parallelism: number; script: { configMap: { name: string; file: string } }; arguments: string; runner: { env: { name: string; value?: string; valueFrom?: unknown }[]; envFrom?: unknown[] } };
    const scripts = one('ConfigMap', run.script.configMap.name);
    const script = scripts.data?.[run.script.configMap.file];
    assert.ok(script, `${run.script.configMap.file} in ConfigMap ${run.script.configMap.name}`);
    // A bundle: only k6's own modules are imported, nothing from the repository's folders.
    const imports = [...script.matchAll(/^\s*import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    assert.ok(imports.length > 0);
    assert.deepEqual([...new Set(imports)].filter((i) => !/^k6(\/|$)/.test(i ?? '')), []);
    assert.ok(Buffer.byteLength(JSON.stringify(scripts.data)) < 1024 * 1024, 'a ConfigMap holds at most 1 MiB');
    assert.equal(run.parallelism, kubernetes.k6.parallelism);
    assert.match(run.arguments, /-o experimental-prometheus-rw/);
    assert.match(run.arguments, new RegExp(`--tag testid=${kubernetes.k6.testid}`));
    const env = new Map(run.runner.env.map((e) => [e.name, e]));
    assert.equal(env.get('K6_PROMETHEUS_RW_SERVER_URL')?.value, kubernetes.k6.remoteWriteUrl);
    assert.equal(env.get('K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM')?.value, 'true');
    assert.deepEqual(env.get('INSTANCE')?.valueFrom, { fieldRef: { fieldPath: 'metadata.name' } });
    // Auth and headers from an optional Secret (k6 reads its own variables), never written into the TestRun.
    assert.deepEqual(run.runner.envFrom, [{ secretRef: { name: kubernetes.k6.remoteWriteSecret, optional: true } }]);
    assert.deepEqual(run.runner.env.map((e) => e.name).filter(isK6AuthEnv), []);
  });
});
