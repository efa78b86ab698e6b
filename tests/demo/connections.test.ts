/**
 * Per-call mode really dials once per RPC and pooled mode really holds `poolSize` connections per
 * pool, counted on the server side: a counting TCP proxy sits in front of product-service and
 * every client of product-service dials through it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ephemeralShopPorts, startShop, type RunningShop, type ShopOptions } from '../../demo/shop.ts';
import { startCountingProxy, type CountingProxy } from './counting-proxy.ts';
import { eventually, requestJson } from './helpers.ts';

const REQUESTS = 30;

async function shopBehindProxy(options: ShopOptions): Promise<{ shop: RunningShop; proxy: CountingProxy }> {
  // product-service binds port 0, so the proxy learns its upstream once the shop runs.
  let upstream: (port: number) => void = () => {};
  const proxy = await startCountingProxy(new Promise<number>((resolve) => (upstream = resolve)));
  const shop = await startShop({ ...options, ports: ephemeralShopPorts(), dialPorts: { product: proxy.port } });
  upstream(shop.options.ports.grpc.product);
  return { shop, proxy };
}

/** GET /products/:id calls product-service exactly once (and inventory once). */
async function fetchProducts(shop: RunningShop, count: number, concurrency: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const res = await requestJson(`${shop.urls.api}/products/prod-0001`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function productRpcsHandled(shop: RunningShop): Promise<number> {
  const res = await requestJson(`${shop.urls.admin}/admin/services`);
  return (res.body as { data: { product: { rpcs_handled: number } } }).data.product.rpcs_handled;
}

describe('connections seen by product-service', () => {
  for (const tls of [false, true]) {
    it(`per-call${tls ? ' + TLS' : ''}: one new connection per RPC, each closed afterwards`, async () => {
      const { shop, proxy } = await shopBehindProxy({ poolMode: 'per-call', tls });
      try {
        assert.equal(proxy.accepted(), 0, 'nothing dials before the first RPC');
        await fetchProducts(shop, REQUESTS, 4);
        assert.equal(await productRpcsHandled(shop), REQUESTS);
        assert.equal(proxy.accepted(), REQUESTS);
        await eventually('per-call connections closed', async () => (proxy.open() === 0 ? true : undefined), 30_000);
      } finally {
        await shop.stop();
        await proxy.close();
      }
    });
  }

  it('pooled: no dial before the first RPC, then 5 connections per pool, reused by every RPC', async () => {
    const { shop, proxy } = await shopBehindProxy({ poolMode: 'pooled', poolSize: 5 });
    try {
      // As the real pool (grpc.NewClient): channels start IDLE and connect on their first RPC.
      assert.equal(proxy.accepted(), 0, 'a pooled channel dialled before any RPC');
      await fetchProducts(shop, REQUESTS, 4);
      assert.equal(await productRpcsHandled(shop), REQUESTS);
      // GET /products/:id reaches product-service through the gateway's pool only; round-robin uses all 5.
      assert.equal(proxy.accepted(), 5, 'no connection beyond the gateway pool');
      assert.equal(proxy.open(), 5);
    } finally {
      await shop.stop();
      await proxy.close();
    }
  });
});
