/**
 * The generated Prometheus config and rules, checked by Prometheus' own promtool: both config
 * flavours (compose DNS names, and 127.0.0.1 as the native mode renders it), the rule files, and
 * the promtool unit tests beside the rules (every alert firing and not firing).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { prometheusConfig } from '../../monitoring/generators/prometheus-config.ts';
import { generatedYaml } from '../../monitoring/lib/yaml.ts';
import { allAlerts, ruleFiles } from '../../monitoring/rules/index.ts';
import { NATIVE_HISTOGRAM_RULE_TESTS, ruleTestFiles } from '../../monitoring/rules/rule-tests/index.ts';
import { bin } from '../support/engines.ts';
import { repoRoot, run, runOk } from './support.ts';

const rulesGlob = join(repoRoot, 'monitoring/prometheus/rules/*.yml');
// From the generators, so a new rule file or test file needs no change here.
const ruleFileNames = Object.keys(ruleFiles());
const ruleTestFileNames = Object.keys(ruleTestFiles());
const ruleFilesFound = new RegExp(`SUCCESS: ${ruleFileNames.length} rule files found`);

test('promtool check config: compose flavour (rule_files relative to the config)', () => {
  const output = runOk(bin('promtool'), ['check', 'config', 'monitoring/prometheus/prometheus.yml']);
  assert.match(output, ruleFilesFound);
});

test('promtool check config: 127.0.0.1 flavour, as the native mode renders it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'prom-config-'));
  try {
    const file = join(dir, 'prometheus.yml');
    const config = prometheusConfig({
      poolExporter: '127.0.0.1:9470',
      alertmanager: '127.0.0.1:9093',
      prometheus: '127.0.0.1:9090',
      probeTargets: ['api-gateway', 'order-service', 'payment-service'],
      ruleFiles: [rulesGlob],
    });
    await writeFile(file, generatedYaml(config, 'test'));
    const output = runOk(bin('promtool'), ['check', 'config', file]);
    assert.match(output, ruleFilesFound);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('prometheusConfig rejects an address that is not host:port, naming the field', () => {
  assert.throws(
    () => prometheusConfig({ poolExporter: 'http://x:1', alertmanager: 'a:1', prometheus: 'p:1', probeTargets: ['x'], ruleFiles: [] }),
    /poolExporter must be host:port, got "http:\/\/x:1"/,
  );
  assert.throws(
    () => prometheusConfig({ poolExporter: 'e:1', alertmanager: 'a:1', prometheus: 'p:1', probeTargets: [], ruleFiles: [] }),
    /probeTargets is empty/,
  );
});

test('promtool check rules: every generated rule file', () => {
  const output = runOk(bin('promtool'), ['check', 'rules', ...ruleFileNames.map((name) => `monitoring/prometheus/rules/${name}`)]);
  assert.equal(output.match(/SUCCESS/g)?.length, ruleFileNames.length, output);
});

test('promtool test rules: every alert fires on bad input and stays silent on good input', () => {
  assert.ok(ruleTestFileNames.includes(NATIVE_HISTOGRAM_RULE_TESTS), 'the native-histogram rule tests are generated');
  const output = runOk(bin('promtool'), ['test', 'rules', ...ruleTestFileNames], join(repoRoot, 'monitoring/prometheus/tests'));
  assert.equal(output.match(/SUCCESS/g)?.length, ruleTestFileNames.length, output);
});

test('the promtool tests make every alert fire and stay silent at least once', () => {
  const cases = Object.values(ruleTestFiles()).flatMap((file) => file.tests.flatMap((group) => group.alert_rule_test ?? []));
  assert.ok(cases.length >= 2 * allAlerts().length, `only ${cases.length} alert cases`);
  const missing: string[] = [];
  for (const { alert } of allAlerts()) {
    const own = cases.filter((c) => c.alertname === alert);
    if (!own.some((c) => c.exp_alerts.length > 0)) missing.push(`${alert}: no case where it fires`);
    if (!own.some((c) => c.exp_alerts.length === 0)) missing.push(`${alert}: no case where it stays silent`);
  }
  assert.deepEqual(missing, [], 'add the cases to monitoring/rules/rule-tests/');
});

test('promtool test rules: native histograms through the recording rules fail on a wrong quantile', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'prom-nh-'));
  try {
    const committed = await readFile(join(repoRoot, 'monitoring/prometheus/tests', NATIVE_HISTOGRAM_RULE_TESTS), 'utf8');
    // One bucket lower for the slow run: every expected quantile and the alert text no longer match.
    const moved = committed.replace(/(full_flow_duration_seconds\{testid="run-slow",scenario="full_flow"\}\n\s+values: )(.*)/, (_m, head: string, values: string) =>
      `${head}${values.replace(/offset:(-?\d+)/g, (_o, offset: string) => `offset:${Number(offset) - 1}`)}`,
    );
    assert.notEqual(moved, committed, 'the slow full-flow histogram was not found to move');
    await mkdir(join(dir, 'tests'));
    await mkdir(join(dir, 'rules'));
    for (const f of ['recording.yml', 'loadtest-alerts.yml']) await writeFile(join(dir, 'rules', f), await readFile(join(repoRoot, 'monitoring/prometheus/rules', f), 'utf8'));
    await writeFile(join(dir, 'tests', NATIVE_HISTOGRAM_RULE_TESTS), moved);
    const result = run(bin('promtool'), ['test', 'rules', NATIVE_HISTOGRAM_RULE_TESTS], join(dir, 'tests'));
    assert.notEqual(result.status, 0, `promtool accepted a moved histogram:\n${result.output}`);
    assert.match(result.output, /testid:k6_full_flow_duration_seconds:p95_rate1m/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('promtool test rules fails when a threshold moves (the unit tests can fail)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'prom-rules-'));
  try {
    await mkdir(join(dir, 'rules'));
    await mkdir(join(dir, 'tests'));
    const rules = await readFile(join(repoRoot, 'monitoring/prometheus/rules/pool-alerts.yml'), 'utf8');
    const moved = rules.replace(/grpc_pool_healthy_ratio\{job="grpc-pools"\} < [0-9.]+\n/, 'grpc_pool_healthy_ratio{job="grpc-pools"} < 0.3\n');
    assert.notEqual(moved, rules, 'the GrpcPoolUnhealthy expression was not found to move');
    await writeFile(join(dir, 'rules/pool-alerts.yml'), moved);
    await writeFile(join(dir, 'tests/pool-alerts.test.yml'), await readFile(join(repoRoot, 'monitoring/prometheus/tests/pool-alerts.test.yml'), 'utf8'));
    const result = run(bin('promtool'), ['test', 'rules', 'pool-alerts.test.yml'], join(dir, 'tests'));
    assert.notEqual(result.status, 0, `promtool accepted a moved threshold:\n${result.output}`);
    assert.match(result.output, /GrpcPoolUnhealthy/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
