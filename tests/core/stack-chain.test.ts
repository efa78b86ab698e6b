/**
 * The generated configs working together with the real components: the real pool exporter reads
 * the generated pool-exporter.yml; a real Prometheus with the generated prometheus.yml (127.0.0.1
 * flavour) probes it with the multi-target pattern and evaluates the generated pool alerts.
 * The "service" is a small HTTP server answering the contract's degraded sample.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { jobs, poolExporterService } from '../../monitoring/config/stack.ts';
import { poolExporterConfig } from '../../monitoring/generators/pool-exporter-config.ts';
import { prometheusConfig } from '../../monitoring/generators/prometheus-config.ts';
import { generatedYaml } from '../../monitoring/lib/yaml.ts';
import { FIXTURES_DIR, startExporter, startHttpServer, type TestExporter, type TestServer } from '../exporter/support.ts';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.ts';
import { repoRoot, run } from './support.ts';

test('the real exporter accepts the committed pool-exporter.yml (--check-config)', () => {
  const result = run(process.execPath, ['--import', 'tsx', 'exporters/pool-exporter/src/main.ts', '--config', 'monitoring/pool-exporter/pool-exporter.yml', '--check-config']);
  assert.equal(result.status, 0, result.output);
});

describe('exporter -> Prometheus -> pool alerts, all from generated configs', () => {
  let service: TestServer;
  let exporter: TestExporter;
  let prom: TestPrometheus;
  before(async () => {
    const degraded = await readFile(join(FIXTURES_DIR, 'degraded.json'), 'utf8');
    service = await startHttpServer((req, res) => {
      res.writeHead(req.url === '/health/pools/detailed' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(degraded);
    });
    const exporterYaml = generatedYaml(poolExporterConfig({ 'order-service': `127.0.0.1:${service.port}` }, {}), 'test');
    exporter = await startExporter(exporterYaml);
    const config = prometheusConfig({
      poolExporter: `127.0.0.1:${exporter.port}`,
      alertmanager: '127.0.0.1:9',
      prometheus: '127.0.0.1:9',
      probeTargets: ['order-service'],
      ruleFiles: [join(repoRoot, 'monitoring/prometheus/rules/*.yml')],
      scrapeInterval: '1s',
      scrapeTimeout: '1s',
      evaluationInterval: '1s',
    });
    prom = await startPrometheus({ config: generatedYaml(config, 'test') });
  });
  after(async () => {
    await prom?.stop();
    await exporter?.stop();
    await service?.close();
  });

  async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < 120; i++) {
      const value = await probe();
      if (value !== undefined) return value;
      await sleep(250);
    }
    throw new Error(`timed out waiting for ${what}; exporter log:\n${await exporter.log()}`);
  }

  test('probe series carry service and instance from the target name, and pool from the payload', async () => {
    const ratio = await until('grpc_pool_healthy_ratio', async () => {
      const result = await prom.query(`grpc_pool_healthy_ratio{job="${jobs.poolProbe}",pool="payment-service"}`);
      return result.length > 0 ? result : undefined;
    });
    assert.equal(ratio.length, 1);
    assert.equal(ratio[0]?.metric.service, 'order-service');
    assert.equal(ratio[0]?.metric.instance, 'order-service');
    assert.equal(Number(ratio[0]?.value?.[1]), 0.6);
    const exporterUp = await until('the exporter scraped', async () => {
      const result = await prom.query(`up{job="${jobs.poolExporter}"}`);
      return result.length > 0 ? result : undefined;
    });
    assert.equal(exporterUp[0]?.value?.[1], '1');
    // The label PoolExporterDown carries and the exporter-down inhibition matches.
    assert.equal(exporterUp[0]?.metric.service, poolExporterService);
  });

  test('the degraded pool raises GrpcPoolDegraded and GrpcPoolConnectionsFailing, not GrpcPoolUnhealthy', async () => {
    interface ApiAlert {
      labels: Record<string, string>;
      state: string;
    }
    const alerts = await until('pool alerts', async () => {
      const list = (await prom.api<{ alerts: ApiAlert[] }>('alerts')).alerts;
      const names = new Set(list.map((a) => a.labels.alertname));
      // Before the exporter's first scrape, absent(up) holds PoolExporterDown pending: wait it out.
      return names.has('GrpcPoolDegraded') && names.has('GrpcPoolConnectionsFailing') && !names.has('PoolExporterDown') ? list : undefined;
    });
    const degraded = alerts.find((a) => a.labels.alertname === 'GrpcPoolDegraded');
    assert.equal(degraded?.labels.service, 'order-service');
    assert.equal(degraded?.labels.pool, 'payment-service');
    assert.equal(degraded?.labels.severity, 'warning');
    assert.ok(!alerts.some((a) => ['GrpcPoolUnhealthy', 'PoolHealthProbeFailing', 'PoolExporterDown'].includes(a.labels.alertname ?? '')), JSON.stringify(alerts));
  });
});
