/**
 * A real Prometheus, configured by the same generator that writes monitoring/prometheus/
 * prometheus.yml (multi-target job grpc-pools and its relabelling, 127.0.0.1 addresses), scrapes
 * the real exporter, which probes the live demo shop and a server of the contract's samples.
 * The series must arrive with service and instance labels, and follow a fault in the shop.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { ephemeralShopPorts, startShop, type RunningShop } from '../../demo/shop.ts';
import { demoPoolTargets, jobs } from '../../monitoring/config/stack.ts';
import { prometheusConfig } from '../../monitoring/generators/prometheus-config.ts';
import { startPrometheus, type PromSample, type TestPrometheus } from '../support/prometheus.ts';
import { fixture, startExporter, startHttpServer, type TestExporter, type TestServer } from './support.ts';

const FIXTURE_TARGETS = { 'fixture-unhealthy': ['unhealthy.json', 503], 'fixture-unavailable': ['unavailable.json', 503] } as const;

describe('Prometheus scrapes the exporter with the generated probe job', () => {
  let shop: RunningShop;
  let samples: TestServer;
  let exporter: TestExporter;
  let prometheus: TestPrometheus;

  before(async () => {
    shop = await startShop({ ports: ephemeralShopPorts() });
    const bodies = new Map<string, [string, number]>();
    for (const [name, [file, status]] of Object.entries(FIXTURE_TARGETS)) bodies.set(`/${name}`, [await fixture(file), status]);
    samples = await startHttpServer((req, res) => {
      const [body, status] = bodies.get(req.url ?? '') ?? ['{}', 404];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
    const targets = {
      ...shop.urls.poolHealth,
      ...Object.fromEntries(Object.keys(FIXTURE_TARGETS).map((name) => [name, `${samples.url}/${name}`])),
    };
    exporter = await startExporter(
      `targets:\n${Object.entries(targets).map(([name, url]) => `  ${name}:\n    url: ${url}\n    timeout: 3s\n`).join('')}`,
    );
    const config = prometheusConfig({
      poolExporter: `127.0.0.1:${exporter.port}`,
      // No rule files, so no alert is ever sent: any address of ours will do (a free one is a race).
      alertmanager: `127.0.0.1:${samples.port}`,
      prometheus: '127.0.0.1:9090',
      probeTargets: Object.keys(targets),
      ruleFiles: [],
    });
    prometheus = await startPrometheus({ config: stringify(config) });
  });

  after(async () => {
    await prometheus?.stop();
    await exporter?.stop();
    await samples?.close();
    await shop?.stop();
  });

  /** Poll an instant query until check() accepts its result (scrapes are every 5 s). */
  const eventually = async (expr: string, check: (r: PromSample[]) => boolean, timeoutMs = 30_000): Promise<PromSample[]> => {
    const deadline = Date.now() + timeoutMs;
    let last: PromSample[] = [];
    while (Date.now() < deadline) {
      last = await prometheus.query(expr);
      if (check(last)) return last;
      await sleep(500);
    }
    throw new Error(`${expr}: not as expected after ${timeoutMs} ms; last result ${JSON.stringify(last)}`);
  };
  const value = (r: PromSample[]): number => Number(r[0]?.value?.[1]);

  it('every probe target is up and carries service and instance labels from relabelling', async () => {
    const names = [...Object.keys(demoPoolTargets), ...Object.keys(FIXTURE_TARGETS)].sort();
    const up = await eventually(`up{job="${jobs.poolProbe}"}`, (r) => r.length === names.length && r.every((s) => s.value?.[1] === '1'));
    assert.deepEqual(up.map((s) => s.metric.service).sort(), names);
    for (const s of up) assert.equal(s.metric.instance, s.metric.service);
    const success = await prometheus.query(`probe_success{job="${jobs.poolProbe}"}`);
    assert.deepEqual(success.map((s) => `${s.metric.service}=${s.value?.[1]}`).sort(), names.map((n) => `${n}=1`));
  });

  it('pool series from the live demo shop: five states for every pool, pool sizes, healthy ratios', async () => {
    const gateway = await eventually(`grpc_pool_connections{job="${jobs.poolProbe}",service="api-gateway"}`, (r) => r.length > 0);
    const pools = new Set(gateway.map((s) => s.metric.pool));
    assert.ok(pools.size >= 1, 'the gateway reports its pools');
    assert.equal(gateway.length, pools.size * 5);
    for (const s of gateway) {
      assert.equal(s.metric.instance, 'api-gateway');
      assert.equal(s.metric.job, jobs.poolProbe);
    }
    const sizes = await prometheus.query(`grpc_pool_size{service="api-gateway"}`);
    // One size per pool (an empty result would pass `every` vacuously).
    assert.equal(sizes.length, pools.size, JSON.stringify(sizes));
    assert.ok(sizes.every((s) => s.value?.[1] === '5'), JSON.stringify(sizes));
    const ratios = await prometheus.query(`grpc_pool_healthy_ratio{service=~"api-gateway|order-service|payment-service"}`);
    assert.ok(ratios.length >= pools.size && ratios.every((s) => Number(s.value?.[1]) === 1), JSON.stringify(ratios));
  });

  it('a 503 sample is data: unhealthy state set and unavailable manager status', async () => {
    const status = await eventually(
      `grpc_pool_status{service="fixture-unhealthy",pool="order-service"} == 1`,
      (r) => r.length === 1,
    );
    assert.equal(status[0]?.metric.status, 'unhealthy');
    assert.equal(value(await prometheus.query(`probe_http_status_code{service="fixture-unhealthy"}`)), 503);
    assert.equal(value(await prometheus.query(`grpc_pool_healthy_ratio{service="fixture-unhealthy",pool="payment-service"}`)), 1);
    const manager = await prometheus.query(`grpc_pool_manager_status{service="fixture-unavailable"} == 1`);
    assert.equal(manager[0]?.metric.status, 'unavailable');
  });

  it('the exporter itself is scraped as job pool-exporter and counts probes per target', async () => {
    // Its own scrape may come before the first probes: wait for one that saw them all.
    const probes = await eventually(
      `pool_exporter_probes_total{job="${jobs.poolExporter}"}`,
      (r) => r.length === 5 && r.every((s) => Number(s.value?.[1]) >= 1),
    );
    assert.ok(probes.every((s) => s.metric.service === 'pool-exporter'));
    const failures = await prometheus.query(`sum(pool_exporter_probe_failures_total{job="${jobs.poolExporter}"})`);
    assert.equal(value(failures), 0);
  });

  it('follows a fault in the shop: product-service down and called makes the gateway pool unhealthy', async () => {
    await shop.fault('product', 'down');
    try {
      // As the real gateway's pool: the channels to a stopped backend stay IDLE until calls try them.
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${shop.urls.api}/products/prod-0001`);
        assert.equal(res.status, 500);
        await res.arrayBuffer();
      }
      const expr = `grpc_pool_status{service="api-gateway",pool="product-service",status="unhealthy"} == 1`;
      await eventually(expr, (r) => r.length === 1, 40_000);
      assert.equal(value(await prometheus.query(`probe_success{service="api-gateway"}`)), 1, 'a 503 answer still counts');
      assert.equal(value(await prometheus.query(`probe_http_status_code{service="api-gateway"}`)), 503);
      assert.equal(value(await prometheus.query(`grpc_pool_connections{service="api-gateway",pool="product-service",state="ready"}`)), 0);
    } finally {
      await shop.fault('product', 'up');
    }
  });
});
