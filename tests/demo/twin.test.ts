/**
 * The demo shop as a twin of the real gateway's observable side (datngth03/ecommerce-go-app):
 * the gateway's /metrics with the real metric names and labels, the backends' own /metrics, and
 * grpc.health.v1 on every backend, checked with the Prometheus project's real blackbox_exporter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gatewayMetric } from '../../contract/metrics.ts';
import type { RunningShop } from '../../demo/shop.ts';
import { startBlackbox, type TestBlackbox } from '../support/blackbox.ts';
import { eventually, requestJson, startTestShop } from './helpers.ts';

/** `name{labels} value` lines of an exposition, as a map (HELP/TYPE dropped). */
async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const match = /^(\S+) (\S+)$/.exec(line);
    if (match?.[1] && !line.startsWith('#')) samples.set(match[1], Number(match[2]));
  }
  return samples;
}

describe('demo shop: the real gateway\'s metrics and gRPC health', () => {
  let shop: RunningShop;
  let blackbox: TestBlackbox;
  before(async () => {
    [shop, blackbox] = await Promise.all([startTestShop(), startBlackbox()]);
  });
  after(async () => {
    await Promise.all([shop?.stop(), blackbox?.stop()]);
  });

  it('gateway /metrics: gRPC client calls per backend, method and status, HTTP requests by route pattern', async () => {
    assert.equal((await requestJson(`${shop.urls.api}/products/prod-0001`)).status, 200);
    await shop.fault('product', 'down');
    try {
      // The real product handler answers a failed GetProduct 500 (handleGRPCError maps only NotFound, InvalidArgument, ...).
      assert.equal((await requestJson(`${shop.urls.api}/products/prod-0001`)).status, 500);
    } finally {
      await shop.fault('product', 'up');
    }
    const m = await scrape(`${shop.urls.gateway}/metrics`);
    const calls = gatewayMetric.grpcClientRequests;
    assert.equal(m.get(`${calls}{service="product-service",method="GetProduct",status="success"}`), 1);
    assert.equal(m.get(`${calls}{service="product-service",method="GetProduct",status="error"}`), 1);
    assert.equal(m.get(`${calls}{service="inventory-service",method="GetStock",status="success"}`), 1);
    // Failed calls are in the histogram too: it has no status label, as the real one.
    assert.equal(m.get(`${gatewayMetric.grpcClientDuration}_count{service="product-service",method="GetProduct"}`), 2);
    assert.equal(m.get(`${gatewayMetric.grpcClientDuration}_bucket{le="10",service="product-service",method="GetProduct"}`), 2);
    assert.equal(m.get(`${gatewayMetric.grpcClientDuration}_bucket{le="0.005",service="product-service",method="GetProduct"}`) !== undefined, true);
    // Route patterns, as gin's FullPath(): one series per route, not per product id.
    assert.equal(m.get(`${gatewayMetric.httpRequests}{method="GET",path="/api/v1/products/:id",status="200"}`), 1);
    assert.equal(m.get(`${gatewayMetric.httpRequests}{method="GET",path="/api/v1/products/:id",status="500"}`), 1);
    assert.equal(m.get(`${gatewayMetric.httpDuration}_count{method="GET",path="/api/v1/products/:id"}`), 2);
    assert.equal([...m.keys()].some((k) => k.includes('path="/products/:id"')), false, 'a failed request lost its route prefix');
  });

  it('each backend serves its own /metrics on its HTTP port', async () => {
    const m = await scrape(`${shop.urls.health.product}/metrics`);
    assert.ok((m.get('product_service_grpc_requests_total{method="GetProduct",status="success"}') ?? 0) >= 1);
    assert.ok((m.get('product_service_grpc_request_duration_seconds_count{method="GetProduct"}') ?? 0) >= 1);
  });

  it('every backend answers grpc.health.v1 SERVING to blackbox_exporter; a stopped one fails the probe, and passes again when up', async () => {
    for (const [service, port] of Object.entries(shop.options.ports.grpc)) {
      const probe = await blackbox.probeGrpc(`127.0.0.1:${port}`);
      assert.equal(probe.get('probe_success'), 1, `${service}: ${JSON.stringify([...probe])}`);
      assert.equal(probe.get('probe_grpc_healthcheck_response{serving_status="SERVING"}'), 1, service);
    }
    const payment = `127.0.0.1:${shop.options.ports.grpc.payment}`;
    await shop.fault('payment', 'down');
    const down = await blackbox.probeGrpc(payment);
    assert.equal(down.get('probe_success'), 0);
    assert.equal(down.get('probe_grpc_status_code'), 14, 'UNAVAILABLE');
    await shop.fault('payment', 'up');
    const up = await eventually('payment health SERVING again', async () => {
      const probe = await blackbox.probeGrpc(payment);
      return probe.get('probe_success') === 1 ? probe : undefined;
    });
    assert.equal(up.get('probe_grpc_healthcheck_response{serving_status="SERVING"}'), 1);
  });

  it('repair: failed channels become new IDLE ones, which the health JSON calls healthy, the backend still down', async () => {
    type Pool = { idle_connections: number; failed_connections: number; connecting: number; status: string };
    const productPool = async (): Promise<Pool | undefined> =>
      ((await requestJson(shop.urls.poolHealth['api-gateway'])).body as { services: Record<string, Pool> }).services['product-service'];
    await shop.fault('product', 'down');
    try {
      // One RPC per channel (round-robin), each failing.
      for (let i = 0; i < 5; i++) assert.equal((await requestJson(`${shop.urls.api}/products/prod-0001`)).status, 500);
      const failing = await eventually('product pool all TRANSIENT_FAILURE', async () => {
        const pool = await productPool();
        return pool?.failed_connections === 5 ? pool : undefined;
      });
      assert.equal(failing.status, 'unhealthy');
      assert.equal(shop.repairPools() >= 5, true, 'the repair pass replaced the five failed channels');
      const repaired = await productPool();
      assert.equal(repaired?.idle_connections, 5);
      assert.equal(repaired?.status, 'healthy', 'IDLE counts as healthy, as in the real pool manager');
      assert.equal((await blackbox.probeGrpc(`127.0.0.1:${shop.options.ports.grpc.product}`)).get('probe_success'), 0, 'the backend is still down');
    } finally {
      await shop.fault('product', 'up');
    }
  });
});
