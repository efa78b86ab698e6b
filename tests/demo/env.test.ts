/** `npm run demo`'s environment: every variable read, bad values refused with the variable named. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shopOptionsFromEnv, shopPortEnv } from '../../demo/env.ts';
import { resolveShopOptions } from '../../demo/shop.ts';
import { defaultShopPorts } from '../../demo/lib/services.ts';

describe('demo shop options from the environment', () => {
  it('an empty environment takes every default', () => {
    assert.deepEqual(resolveShopOptions(shopOptionsFromEnv({})), resolveShopOptions({}));
    assert.deepEqual(resolveShopOptions(shopOptionsFromEnv({})).ports, defaultShopPorts);
  });

  it('reads every variable', () => {
    const options = shopOptionsFromEnv({
      POOL_MODE: 'per-call',
      POOL_SIZE: '7',
      DEMO_TLS: 'yes',
      DEMO_RTT_MS: '5',
      DEMO_RPC_DEADLINE_MS: '1500',
      DEMO_API_PREFIX: '/api/v2',
      DEMO_BIND_HOST: '0.0.0.0',
      DEMO_ORDER_HEALTH_PORT: '19003',
      DEMO_PAYMENT_GRPC_PORT: '60055',
    });
    assert.equal(options.poolMode, 'per-call');
    assert.equal(options.poolSize, 7);
    assert.equal(options.tls, true);
    assert.equal(options.rttMs, 5);
    assert.equal(options.rpcDeadlineMs, 1500);
    assert.equal(options.apiPrefix, '/api/v2');
    assert.equal(options.bindHost, '0.0.0.0');
    const ports = resolveShopOptions(options).ports;
    assert.equal(ports.health.order, 19003);
    assert.equal(ports.grpc.payment, 60055);
    assert.equal(ports.health.user, defaultShopPorts.health.user, 'the others keep their defaults');
  });

  it('DEMO_PORT_OFFSET moves every default port (a named port still wins); rate limit and defects', () => {
    const ports = resolveShopOptions(shopOptionsFromEnv({ DEMO_PORT_OFFSET: '1000', DEMO_ADMIN_PORT: '18099' })).ports;
    assert.equal(ports.gateway, defaultShopPorts.gateway + 1000);
    assert.equal(ports.admin, 18099);
    for (const service of ['user', 'order', 'notification'] as const) {
      assert.equal(ports.health[service], defaultShopPorts.health[service] + 1000);
      assert.equal(ports.grpc[service], defaultShopPorts.grpc[service] + 1000);
    }
    assert.deepEqual(resolveShopOptions({}).rateLimit, { requestsPerSecond: 50, burst: 100 }, 'the real gateway\'s default');
    assert.deepEqual(shopOptionsFromEnv({ RATE_LIMIT_RPS: '5000' }).rateLimit, { requestsPerSecond: 5000, burst: 100 });
    assert.deepEqual(shopOptionsFromEnv({ SECURITY_RATE_LIMIT_BURST: '7' }).rateLimit, { requestsPerSecond: 50, burst: 7 });
    assert.equal(shopOptionsFromEnv({ SECURITY_RATE_LIMIT_ENABLED: 'false', RATE_LIMIT_RPS: '5' }).rateLimit, null);
    assert.deepEqual(shopOptionsFromEnv({ DEMO_DEFECTS: 'order-readback-404' }).defects, { 'order-readback-404': true });
  });

  it('shopPortEnv is the inverse for ports: a child process started with it uses exactly these ports', () => {
    const ports = {
      gateway: 18000,
      admin: 18099,
      health: { user: 19001, product: 19002, order: 19003, inventory: 19004, payment: 19005, notification: 19006 },
      grpc: { user: 60051, product: 60052, order: 60053, inventory: 60054, payment: 60055, notification: 60056 },
    };
    const env = shopPortEnv(ports);
    assert.equal(Object.keys(env).length, 14);
    assert.equal(env.DEMO_NOTIFICATION_GRPC_PORT, '60056');
    assert.deepEqual(resolveShopOptions(shopOptionsFromEnv(env)).ports, ports);
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{ POOL_MODE: 'pool' }, /^POOL_MODE=pool: expected pooled or per-call/],
    [{ POOL_SIZE: '0' }, /^POOL_SIZE=0: an integer from 1 to 100/],
    [{ POOL_SIZE: '2.5' }, /^POOL_SIZE=2\.5: an integer/],
    [{ DEMO_TLS: 'maybe' }, /^DEMO_TLS=maybe: expected 1\/0/],
    [{ DEMO_RTT_MS: '-1' }, /^DEMO_RTT_MS=-1: an integer from 0/],
    [{ DEMO_GATEWAY_PORT: '70000' }, /^DEMO_GATEWAY_PORT=70000: an integer from 0 to 65535/],
    [{ DEMO_INVENTORY_GRPC_PORT: 'x' }, /^DEMO_INVENTORY_GRPC_PORT=x: an integer/],
    [{ RATE_LIMIT_RPS: 'fast' }, /^RATE_LIMIT_RPS=fast: a number > 0/],
    [{ SECURITY_RATE_LIMIT_BURST: '0' }, /^SECURITY_RATE_LIMIT_BURST=0: an integer from 1/],
    [{ DEMO_DEFECTS: 'slow-login' }, /^DEMO_DEFECTS: unknown defect "slow-login"/],
    [{ DEMO_PORT_OFFSET: '-5' }, /^DEMO_PORT_OFFSET=-5: an integer from 0/],
  ];
  for (const [env, message] of bad) {
    it(`refuses ${JSON.stringify(env)} naming the variable`, () => {
      assert.throws(() => shopOptionsFromEnv(env), { message });
    });
  }
});
