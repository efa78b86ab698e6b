/** GET /health/pools/detailed follows the shared fixture contract, computed and served live. */
import { connectivityState } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { poolHealthHttpStatus, poolHealthReport } from '../../demo/lib/pool-health.ts';
import type { RunningShop } from '../../demo/shop.ts';
import { eventually, readFixture, requestJson, shapeOf, startTestShop } from './helpers.ts';

const stateOfField = {
  ready_connections: connectivityState.READY,
  idle_connections: connectivityState.IDLE,
  connecting: connectivityState.CONNECTING,
  failed_connections: connectivityState.TRANSIENT_FAILURE,
  shutdown: connectivityState.SHUTDOWN,
} as const;

interface FixtureReport {
  status: string;
  services: Record<string, Record<string, unknown>>;
  summary: Record<string, number>;
}

/** Rebuild the connection states a fixture describes, pool by pool. */
function statesOf(fixture: FixtureReport): Map<string, connectivityState[]> {
  return new Map(
    Object.entries(fixture.services).map(([key, pool]) => [
      key,
      Object.entries(stateOfField).flatMap(([field, state]) => Array<connectivityState>(Number(pool[field])).fill(state)),
    ]),
  );
}

describe('pool health report (pure)', () => {
  for (const [file, httpStatus] of [['healthy.json', 200], ['degraded.json', 200], ['unhealthy.json', 503], ['cold-start-idle.json', 200]] as const) {
    it(`reproduces ${file} exactly from its connection states (HTTP ${httpStatus})`, () => {
      const fixture = readFixture(file) as FixtureReport;
      const report = poolHealthReport(statesOf(fixture));
      assert.deepEqual(JSON.parse(JSON.stringify(report)), fixture);
      assert.equal(poolHealthHttpStatus(report), httpStatus);
    });
  }

  it('draws the degraded and unhealthy lines at 80 % and 50 %', () => {
    const { READY, TRANSIENT_FAILURE: FAILED, CONNECTING } = connectivityState;
    const status = (states: connectivityState[]): string => poolHealthReport(new Map([['x-service', states]])).services['x-service']?.status ?? 'missing';
    assert.equal(status([READY, READY, READY, READY, FAILED]), 'healthy');
    assert.equal(status([READY, READY, READY, FAILED, FAILED]), 'degraded');
    assert.equal(status([READY, READY, FAILED, FAILED, CONNECTING]), 'unhealthy');
    assert.equal(status([FAILED, FAILED, FAILED, FAILED, CONNECTING]), 'unhealthy');
  });
});

describe('pool health served by a pooled shop', () => {
  let shop: RunningShop;
  before(async () => {
    shop = await startTestShop({ poolSize: 5 });
  });
  after(async () => {
    await shop?.stop();
  });

  it('gateway: six pools of five, the same shape as healthy.json, HTTP 200', async () => {
    const fixture = readFixture('healthy.json') as FixtureReport;
    const res = await eventually('gateway pools all READY', async () => {
      const r = await requestJson(shop.urls.poolHealth['api-gateway']);
      return (r.body as FixtureReport).summary.ready_connections === 30 ? r : undefined;
    });
    assert.equal(res.status, 200);
    assert.deepEqual(shapeOf(res.body), shapeOf(fixture));
    const body = res.body as FixtureReport;
    assert.equal(body.status, 'healthy');
    assert.deepEqual(Object.keys(body.services).sort(), Object.keys(fixture.services).sort());
    for (const pool of Object.values(body.services)) assert.equal(pool.total_connections, 5);
    assert.equal(body.summary.overall_health_percentage, 100);
  });

  it('order-service holds five pools and payment-service two, same per-pool shape', async () => {
    const fixturePool = shapeOf((readFixture('healthy.json') as FixtureReport).services['user-service']);
    const expected = {
      'order-service': ['inventory-service', 'notification-service', 'payment-service', 'product-service', 'user-service'],
      'payment-service': ['notification-service', 'order-service'],
    } as const;
    for (const [owner, pools] of Object.entries(expected)) {
      // Pools dial in the background: on a busy machine a connection may still be CONNECTING (a
      // degraded pool carries a `warning`), so wait for all of them, as the gateway test does.
      const res = await eventually(`${owner} pools all READY`, async () => {
        const r = await requestJson(shop.urls.poolHealth[owner as keyof typeof expected]);
        return (r.body as FixtureReport).summary.ready_connections === pools.length * 5 ? r : undefined;
      });
      assert.equal(res.status, 200, owner);
      const body = res.body as FixtureReport;
      assert.deepEqual(Object.keys(body.services).sort(), pools, owner);
      for (const pool of Object.values(body.services)) assert.deepEqual(shapeOf(pool), fixturePool, owner);
      assert.deepEqual(Object.keys(body.summary).sort(), Object.keys((readFixture('healthy.json') as FixtureReport).summary).sort());
    }
  });

  it('services without pools answer 404 on their health port, and 200 on /health', async () => {
    const res = await requestJson(`${shop.urls.health.user}/health/pools/detailed`);
    assert.equal(res.status, 404);
    const health = await requestJson(`${shop.urls.health.user}/health`);
    assert.equal(health.status, 200);
    assert.equal((health.body as { grpc: string }).grpc, 'up');
  });
});

describe('pool health served by a per-call shop', () => {
  it('is unavailable (503) like unavailable.json: there is no pool manager', async () => {
    const shop = await startTestShop({ poolMode: 'per-call' });
    try {
      for (const url of Object.values(shop.urls.poolHealth)) {
        const res = await requestJson(url);
        assert.equal(res.status, 503, url);
        assert.deepEqual(shapeOf(res.body), shapeOf(readFixture('unavailable.json')), url);
        assert.equal((res.body as { status: string }).status, 'unavailable');
      }
    } finally {
      await shop.stop();
    }
  });
});
