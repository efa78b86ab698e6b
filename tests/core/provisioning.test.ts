/**
 * Cross-file agreement of the generated configs: Grafana's datasource uids are the ones the
 * dashboards and config.ts use, Prometheus probes exactly the exporter's targets, and the
 * exporter's file keeps the ${VAR:-default} placeholders that let compose and native mode share it.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { datasourceUids, demoPoolTargetPortEnv, demoPoolTargets, jobs } from '../../monitoring/config/stack.ts';
import { GRAFANA_DASHBOARDS_PATH } from '../../monitoring/generators/grafana-provisioning.ts';
import { repoRoot } from './support.ts';

async function yamlOf<T>(path: string): Promise<T> {
  return parse(await readFile(join(repoRoot, path), 'utf8')) as T;
}

test('Grafana datasources: fixed uids, Prometheus default, Alertmanager with the prometheus implementation', async () => {
  const { datasources } = await yamlOf<{ datasources: { uid: string; type: string; url: string; isDefault?: boolean; jsonData?: Record<string, unknown> }[] }>(
    'monitoring/grafana/provisioning/datasources/datasources.yml',
  );
  const prometheus = datasources.find((d) => d.type === 'prometheus');
  const alertmanager = datasources.find((d) => d.type === 'alertmanager');
  assert.equal(prometheus?.uid, datasourceUids.prometheus);
  assert.equal(prometheus?.url, 'http://prometheus:9090');
  assert.equal(prometheus?.isDefault, true);
  assert.equal(alertmanager?.uid, datasourceUids.alertmanager);
  assert.equal(alertmanager?.url, 'http://alertmanager:9093');
  assert.equal(alertmanager?.jsonData?.implementation, 'prometheus');
});

test('Grafana dashboards provider reads the folder compose mounts the generated dashboards into', async () => {
  const { providers } = await yamlOf<{ providers: { type: string; options: { path: string } }[] }>('monitoring/grafana/provisioning/dashboards/dashboards.yml');
  assert.equal(providers.length, 1);
  assert.equal(providers[0]?.type, 'file');
  assert.equal(providers[0]?.options.path, GRAFANA_DASHBOARDS_PATH);
});

test('Prometheus probes exactly the targets the exporter knows, through the exporter', async () => {
  const exporter = await yamlOf<{ listen: string; targets: Record<string, { url: string; timeout: string }> }>('monitoring/pool-exporter/pool-exporter.yml');
  const prometheus = await yamlOf<{ scrape_configs: { job_name: string; static_configs: { targets: string[] }[]; relabel_configs?: { replacement?: string }[] }[] }>(
    'monitoring/prometheus/prometheus.yml',
  );
  const probe = prometheus.scrape_configs.find((job) => job.job_name === jobs.poolProbe);
  assert.deepEqual(probe?.static_configs[0]?.targets, Object.keys(exporter.targets));
  assert.deepEqual(Object.keys(exporter.targets), Object.keys(demoPoolTargets));
  assert.equal(probe?.relabel_configs?.at(-1)?.replacement, 'pool-exporter:9470');
  assert.equal(exporter.listen, '${POOL_EXPORTER_LISTEN:-127.0.0.1:9470}');
  for (const [name, hostPort] of Object.entries(demoPoolTargets)) {
    const port = hostPort.split(':')[1];
    const portVariable = demoPoolTargetPortEnv[name as keyof typeof demoPoolTargetPortEnv];
    assert.equal(exporter.targets[name]?.url, `http://\${DEMO_HOST:-127.0.0.1}:\${${portVariable}:-${port}}/health/pools/detailed`);
    assert.equal(exporter.targets[name]?.timeout, '3s');
  }
});

test('scrape timing agrees across files: probe timeout < scrape timeout <= interval = Grafana timeInterval', async () => {
  const seconds = (value: string | undefined, what: string): number => {
    const match = /^(\d+)s$/.exec(value ?? '');
    assert.ok(match, `${what}: ${JSON.stringify(value)} is not a whole number of seconds`);
    return Number(match[1]);
  };
  const prometheus = await yamlOf<{ global: { scrape_interval: string; scrape_timeout: string } }>('monitoring/prometheus/prometheus.yml');
  const exporter = await yamlOf<{ targets: Record<string, { timeout: string }> }>('monitoring/pool-exporter/pool-exporter.yml');
  const { datasources } = await yamlOf<{ datasources: { type: string; jsonData?: { timeInterval?: string } }[] }>(
    'monitoring/grafana/provisioning/datasources/datasources.yml',
  );
  const interval = seconds(prometheus.global.scrape_interval, 'scrape_interval');
  const timeout = seconds(prometheus.global.scrape_timeout, 'scrape_timeout');
  assert.ok(timeout <= interval, `scrape_timeout ${timeout}s exceeds scrape_interval ${interval}s`);
  for (const [name, target] of Object.entries(exporter.targets)) {
    // A probe that outlives the scrape loses its probe_success 0 answer to a failed scrape.
    assert.ok(seconds(target.timeout, `${name} timeout`) < timeout, `${name}: probe timeout ${target.timeout} is not under scrape_timeout ${timeout}s`);
  }
  const grafana = datasources.find((d) => d.type === 'prometheus');
  assert.equal(seconds(grafana?.jsonData?.timeInterval, 'timeInterval'), interval, 'Grafana timeInterval differs from the scrape interval');
});
