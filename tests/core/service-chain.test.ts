/**
 * The services' own /metrics and their gRPC health, through the generated Prometheus config, on
 * real components: the demo shop (the real gateway's metric names and labels), the Prometheus
 * project's blackbox_exporter with the generated module, and Prometheus with the generated rules.
 * The gateway's `service` label (the backend) must arrive as `backend`; the scrape target's
 * `service` must stay the gateway; a stopped backend must fire GrpcBackendDown with no traffic.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { backendLabel, jobs } from '../../monitoring/config/stack.ts';
import { gatewayMetric } from '../../contract/metrics.ts';
import { prometheusConfig } from '../../monitoring/generators/prometheus-config.ts';
import { generatedYaml } from '../../monitoring/lib/yaml.ts';
import { ephemeralShopPorts, startShop, type RunningShop } from '../../demo/shop.ts';
import { startBlackbox, type TestBlackbox } from '../support/blackbox.ts';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.ts';
import { repoRoot } from './support.ts';

describe('service /metrics and gRPC health -> Prometheus -> service alerts, from generated configs', () => {
  let shop: RunningShop;
  let blackbox: TestBlackbox;
  let prom: TestPrometheus;
  before(async () => {
    [shop, blackbox] = await Promise.all([startShop({ ports: ephemeralShopPorts() }), startBlackbox()]);
    const config = prometheusConfig({
      poolExporter: '127.0.0.1:9',
      blackboxExporter: blackbox.url.replace('http://', ''),
      alertmanager: '127.0.0.1:9',
      prometheus: '127.0.0.1:9',
      probeTargets: ['api-gateway'],
      metricsTargets: [
        { service: 'api-gateway', address: `127.0.0.1:${shop.options.ports.gateway}` },
        { service: 'payment-service', address: `127.0.0.1:${shop.options.ports.health.payment}` },
      ],
      grpcHealthTargets: [
        { service: 'payment-service', address: `127.0.0.1:${shop.options.ports.grpc.payment}` },
        { service: 'user-service', address: `127.0.0.1:${shop.options.ports.grpc.user}` },
      ],
      ruleFiles: [join(repoRoot, 'monitoring/prometheus/rules/*.yml')],
      scrapeInterval: '1s',
      scrapeTimeout: '1s',
      evaluationInterval: '1s',
    });
    prom = await startPrometheus({ config: generatedYaml(config, 'test') });
  });
  after(async () => {
    await prom?.stop();
    await Promise.all([shop?.stop(), blackbox?.stop()]);
  });

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const value = await probe();
      if (value !== undefined) return value;
      await sleep(250);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  test('the gateway\'s gRPC client series arrive with service = the gateway and backend = the backend, nothing exported_*', async () => {
    const res = await fetch(`${shop.urls.api}/products/prod-0001`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const rows = await until('the gateway\'s client calls', async () => {
      const result = await prom.query(`${gatewayMetric.grpcClientRequests}{job="${jobs.serviceMetrics}"}`);
      return result.length >= 2 ? result : undefined;
    });
    for (const row of rows) {
      assert.equal(row.metric.service, 'api-gateway', JSON.stringify(row.metric));
      assert.equal(row.metric.exported_service, undefined, JSON.stringify(row.metric));
    }
    assert.deepEqual(rows.map((r) => r.metric[backendLabel]).sort(), ['inventory-service', 'product-service']);
    // A backend's own series keep their own service label (it exports no `service`).
    const own = await until('payment-service /metrics scraped', async () => {
      const result = await prom.query(`up{job="${jobs.serviceMetrics}", service="payment-service"} == 1`);
      return result.length === 1 ? result : undefined;
    });
    assert.equal(own[0]?.metric.instance, `127.0.0.1:${shop.options.ports.health.payment}`);
  });

  test('blackbox probes grpc.health.v1 per backend; a stopped backend fires GrpcBackendDown with no traffic, and it resolves when back', async () => {
    const healthy = await until('both backends SERVING', async () => {
      const result = await prom.query(`probe_success{job="${jobs.grpcHealth}"} == 1`);
      return result.length === 2 ? result : undefined;
    });
    assert.deepEqual(healthy.map((r) => r.metric.service).sort(), ['payment-service', 'user-service']);
    await shop.fault('payment', 'down');
    interface ApiAlert {
      labels: Record<string, string>;
      state: string;
    }
    const down = await until('GrpcBackendDown firing', async () => {
      const alerts = (await prom.api<{ alerts: ApiAlert[] }>('alerts')).alerts.filter((a) => a.labels.alertname === 'GrpcBackendDown' && a.state === 'firing');
      return alerts.length > 0 ? alerts : undefined;
    });
    assert.deepEqual(down.map((a) => a.labels.service), ['payment-service']);
    assert.equal(down[0]?.labels.instance, `127.0.0.1:${shop.options.ports.grpc.payment}`);
    await shop.fault('payment', 'up');
    await until('GrpcBackendDown resolved', async () => {
      const alerts = (await prom.api<{ alerts: ApiAlert[] }>('alerts')).alerts.filter((a) => a.labels.alertname === 'GrpcBackendDown');
      return alerts.length === 0 ? true : undefined;
    });
  });
});
