/**
 * `npm run demo` as a child process on free ports, driven by demo/fault.ts exactly as
 * `npm run demo:fault -- ...` runs it: down makes the pool JSON unhealthy (503) with real
 * TRANSIENT_FAILURE/CONNECTING states, up brings it back, latency slows one service.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { shopPortEnv } from '../../demo/env.ts';
import { freeShopPorts } from '../../demo/shop.ts';
import { startProcess, type RunningProcess } from '../../tools/process.ts';
import { dataOf, eventually, placeOrder, readFixture, registerAndLogin, requestJson, shapeOf } from './helpers.ts';
import type { ShopPorts } from '../../demo/lib/services.ts';

interface PoolReport {
  status: string;
  services: Record<string, { ready_connections: number; connecting: number; failed_connections: number; status: string; is_healthy: boolean }>;
}

describe('demo:fault against a running `npm run demo`', () => {
  let ports: ShopPorts;
  let demo: RunningProcess;
  const gatewayPools = (): string => `http://127.0.0.1:${ports.gateway}/health/pools/detailed`;
  const paymentPools = (): string => `http://127.0.0.1:${ports.health.payment}/health/pools/detailed`;
  const fault = (...args: string[]): { status: number | null; output: string } => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'demo/fault.ts', ...args], {
      env: { ...process.env, DEMO_ADMIN_PORT: String(ports.admin) },
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  };

  before(async () => {
    ports = await freeShopPorts();
    demo = await startProcess({
      name: 'demo shop',
      command: process.execPath,
      args: ['--import', 'tsx', 'demo/main.ts'],
      env: { ...process.env, ...shopPortEnv(ports) },
      readyUrl: `http://127.0.0.1:${ports.gateway}/ready`,
      readyTimeoutMs: 20_000,
    });
  });
  after(async () => {
    await demo?.stop();
  });

  it('prints its URLs when ready', () => {
    assert.match(demo.output(), new RegExp(`demo shop ready: POOL_MODE=pooled POOL_SIZE=5`));
    assert.match(demo.output(), new RegExp(`http://127.0.0.1:${ports.gateway}/api/v1`));
  });

  it('order down: pools to order-service go unhealthy (503), orders fail with 500 Unavailable (the real gateway\'s answer); up: healthy again', async () => {
    const token = await registerAndLogin(`http://127.0.0.1:${ports.gateway}/api/v1`, 'fault@example.com');

    const down = fault('order', 'down');
    assert.equal(down.status, 0, down.output);
    // A dropped channel passes through IDLE on its way to CONNECTING: wait until none is left.
    const unhealthy = await eventually('gateway pool to order-service all CONNECTING/TRANSIENT_FAILURE', async () => {
      const res = await requestJson(gatewayPools());
      const pool = (res.body as PoolReport).services['order-service'];
      return res.status === 503 && pool && pool.connecting + pool.failed_connections === 5 ? res : undefined;
    });
    const body = unhealthy.body as PoolReport;
    assert.equal(body.status, 'unhealthy');
    const orderPool = body.services['order-service'];
    assert.ok(orderPool);
    assert.equal(orderPool.ready_connections, 0);
    assert.equal(orderPool.is_healthy, false);
    assert.equal(body.services['user-service']?.status, 'healthy');
    assert.deepEqual(shapeOf(unhealthy.body), shapeOf(readFixture('unhealthy.json')));
    // payment-service's own pool to order-service sees the same outage.
    const paymentView = await eventually('payment-service pool JSON unhealthy', async () => {
      const res = await requestJson(paymentPools());
      return res.status === 503 ? res : undefined;
    });
    assert.equal((paymentView.body as PoolReport).services['order-service']?.is_healthy, false);
    const health = await requestJson(`http://127.0.0.1:${ports.health.order}/health`);
    assert.equal(health.status, 503);

    const order = await placeOrder(`http://127.0.0.1:${ports.gateway}/api/v1`, token);
    assert.equal(order.status, 500, JSON.stringify(order.body));
    assert.match(String((order.body as { error: string }).error), /^rpc error: code = Unavailable desc = /);

    const up = fault('order-service', 'up');
    assert.equal(up.status, 0, up.output);
    // Reconnects happen on each channel's own backoff: wait for all five, not just "healthy" (80 %).
    const healthy = await eventually('gateway pool to order-service fully READY again', async () => {
      const res = await requestJson(gatewayPools());
      return (res.body as PoolReport).services['order-service']?.ready_connections === 5 ? res : undefined;
    });
    assert.equal(healthy.status, 200);
    assert.equal((healthy.body as PoolReport).status, 'healthy');
    const after = await placeOrder(`http://127.0.0.1:${ports.gateway}/api/v1`, token);
    assert.equal(after.status, 201, JSON.stringify(after.body));
  });

  it('latency <ms> delays every RPC of one service; 0 clears it', async () => {
    const set = fault('product', 'latency', '300');
    assert.equal(set.status, 0, set.output);
    assert.match(set.output, /"latency_ms":300/);
    const started = performance.now();
    const res = await requestJson(`http://127.0.0.1:${ports.gateway}/api/v1/products/prod-0001`);
    // A lower bound only: the injected delay is a timer, so it cannot be shorter.
    assert.ok(performance.now() - started >= 300, 'the request waited for the injected latency');
    assert.equal(res.status, 200);
    const clear = fault('product', 'latency', '0');
    assert.match(clear.output, /"latency_ms":0/);
  });

  it('defect order-readback-404 on|off: the real gateway\'s read-back 404, and back', async () => {
    const api = `http://127.0.0.1:${ports.gateway}/api/v1`;
    const token = await registerAndLogin(api, 'defect@example.com');
    const order = await placeOrder(api, token);
    assert.equal(order.status, 201, JSON.stringify(order.body));
    const url = `${api}/orders/${String(dataOf(order).id)}`;
    const on = fault('defect', 'order-readback-404', 'on');
    assert.equal(on.status, 0, on.output);
    assert.deepEqual(await requestJson(url, { token }), { status: 404, body: { error: 'rpc error: code = NotFound desc = order not found: order not found' } });
    const off = fault('defect', 'order-readback-404', 'off');
    assert.equal(off.status, 0, off.output);
    assert.equal((await requestJson(url, { token })).status, 200);
  });

  it('refuses bad arguments with a usage message and exit code 1', () => {
    for (const args of [['warehouse', 'down'], ['order', 'explode'], ['order', 'latency', 'soon'], ['defect', 'nope', 'on'], ['defect', 'order-readback-404', 'maybe'], []]) {
      const run = fault(...args);
      assert.equal(run.status, 1, args.join(' '));
      assert.match(run.output, /usage: npm run demo:fault/);
    }
  });

  it('SIGTERM stops the shop and frees its ports', async () => {
    await demo.stop();
    assert.equal(await demo.exited, 0);
    await assert.rejects(fetch(`http://127.0.0.1:${ports.gateway}/health`, { signal: AbortSignal.timeout(2_000) }));
  });
});
