/**
 * `npm run demo` as a child process on free ports, driven by demo/fault.ts exactly as
 * `npm run demo:fault -- ...` runs it. The pools behave as the real gateway's
 * (fixtures/real-gateway): down with no traffic leaves them IDLE and "healthy"; calls
 * turn them TRANSIENT_FAILURE (503); the repair loop (here every 1.5 s instead of 30 s) puts
 * new IDLE channels in, "healthy" again although the backend is still down; up and traffic make
 * them READY. Latency slows one service.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { startDemoChild } from '../../tools/demo-process.ts';
import type { RunningProcess } from '../../tools/process.ts';
import { dataOf, eventually, placeOrder, readFixture, registerAndLogin, requestJson, shapeOf } from './helpers.ts';
import type { ShopPorts } from '../../demo/lib/services.ts';

interface PoolReport {
  status: string;
  services: Record<string, { ready_connections: number; idle_connections: number; connecting: number; failed_connections: number; status: string; is_healthy: boolean }>;
}

const REPAIR_MS = 1_500;

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
    // Every port 0: the shop prints the ports it bound (no free port guessed beforehand).
    const child = await startDemoChild({ env: { DEMO_POOL_REPAIR_INTERVAL_MS: String(REPAIR_MS) } });
    ports = child.ports;
    demo = child.process;
  });
  after(async () => {
    await demo?.stop();
  });

  it('prints its URLs when ready', () => {
    assert.match(demo.output(), new RegExp(`demo shop ready: POOL_MODE=pooled POOL_SIZE=5`));
    assert.match(demo.output(), new RegExp(`http://127.0.0.1:${ports.gateway}/api/v1`));
  });

  it('order down: IDLE and "healthy" without traffic, unhealthy (503) with it, repaired to IDLE; up: READY with traffic', async () => {
    const token = await registerAndLogin(`http://127.0.0.1:${ports.gateway}/api/v1`, 'fault@example.com');
    const orderPool = async (): Promise<{ status: number; body: PoolReport; pool: PoolReport['services'][string] }> => {
      const res = await requestJson(gatewayPools());
      const body = res.body as PoolReport;
      const pool = body.services['order-service'];
      assert.ok(pool, 'no order-service pool');
      return { status: res.status, body, pool };
    };
    /**
     * Five calls through the gateway to order-service, one per channel (round-robin): the gRPC code
     * of each (the gateway answers every GetOrder failure 404, with the gRPC error as text).
     */
    const callOrders = async (): Promise<string[]> => {
      const codes: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await requestJson(`http://127.0.0.1:${ports.gateway}/api/v1/orders/no-such-order`, { token });
        codes.push(/code = (\w+)/.exec(String((res.body as { error?: string }).error))?.[1] ?? `HTTP ${res.status}`);
      }
      return codes;
    };
    const notFound = ['NotFound', 'NotFound', 'NotFound', 'NotFound', 'NotFound'];
    assert.deepEqual(await callOrders(), notFound);
    assert.equal((await orderPool()).pool.ready_connections, 5);

    const down = fault('order', 'down');
    assert.equal(down.status, 0, down.output);
    // No traffic: the dropped channels fall back to IDLE, which the pool counts as healthy (gw-payment-stopped-no-traffic.json).
    const quiet = await eventually('gateway pool to order-service all IDLE', async () => {
      const view = await orderPool();
      return view.pool.idle_connections === 5 ? view : undefined;
    });
    assert.equal(quiet.status, 200);
    assert.equal(quiet.pool.status, 'healthy');
    const health = await requestJson(`http://127.0.0.1:${ports.health.order}/health`);
    assert.equal(health.status, 503);

    // Traffic: every call fails and leaves its channel in TRANSIENT_FAILURE.
    assert.deepEqual(await callOrders(), ['Unavailable', 'Unavailable', 'Unavailable', 'Unavailable', 'Unavailable']);
    const failing = await eventually('gateway pool to order-service unhealthy', async () => {
      const view = await orderPool();
      return view.status === 503 && view.pool.failed_connections + view.pool.connecting === 5 ? view : undefined;
    });
    assert.equal(failing.body.status, 'unhealthy');
    assert.equal(failing.pool.is_healthy, false);
    assert.equal(failing.body.services['user-service']?.status, 'healthy');
    assert.deepEqual(shapeOf(failing.body), shapeOf(readFixture('unhealthy.json')));

    // The repair loop replaces the failed channels by new IDLE ones: "healthy" again, the backend still down.
    const repaired = await eventually('gateway pool to order-service repaired to IDLE', async () => {
      const view = await orderPool();
      return view.pool.idle_connections === 5 ? view : undefined;
    }, 10 * REPAIR_MS);
    assert.equal(repaired.status, 200);
    assert.equal(repaired.pool.status, 'healthy');
    assert.equal((await requestJson(`http://127.0.0.1:${ports.health.order}/health`)).status, 503);

    const up = fault('order-service', 'up');
    assert.equal(up.status, 0, up.output);
    assert.deepEqual(await callOrders(), notFound);
    const ready = await orderPool();
    assert.equal(ready.pool.ready_connections, 5);
    assert.equal(ready.status, 200);
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
