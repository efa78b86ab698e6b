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
import { repoRoot, run, runOk } from './support.ts';

const rulesGlob = join(repoRoot, 'monitoring/prometheus/rules/*.yml');

test('promtool check config: compose flavour (rule_files relative to the config)', () => {
  const output = runOk('promtool', ['check', 'config', 'monitoring/prometheus/prometheus.yml']);
  assert.match(output, /SUCCESS: 3 rule files found/);
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
    const output = runOk('promtool', ['check', 'config', file]);
    assert.match(output, /SUCCESS: 3 rule files found/);
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
  const output = runOk('promtool', ['check', 'rules', 'monitoring/prometheus/rules/recording.yml', 'monitoring/prometheus/rules/pool-alerts.yml', 'monitoring/prometheus/rules/loadtest-alerts.yml']);
  assert.equal(output.match(/SUCCESS/g)?.length, 3, output);
});

test('promtool test rules: every alert fires on bad input and stays silent on good input', () => {
  const output = runOk('promtool', ['test', 'rules', 'recording.test.yml', 'pool-alerts.test.yml', 'loadtest-alerts.test.yml'], join(repoRoot, 'monitoring/prometheus/tests'));
  assert.equal(output.match(/SUCCESS/g)?.length, 3, output);
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
    const result = run('promtool', ['test', 'rules', 'pool-alerts.test.yml'], join(dir, 'tests'));
    assert.notEqual(result.status, 0, `promtool accepted a moved threshold:\n${result.output}`);
    assert.match(result.output, /GrpcPoolUnhealthy/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
