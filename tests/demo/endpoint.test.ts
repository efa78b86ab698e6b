/**
 * Fault injection in process: a `down` is a killed process, so a call that was waiting out an
 * injected latency must never run its handler (no downstream calls, no state change) afterwards.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceName } from '../../demo/lib/services.ts';
import type { RunningShop } from '../../demo/shop.ts';
import { eventually, registerAndLogin, requestJson, startTestShop } from './helpers.ts';

/** Room for the poll below to see the call arrive and take the service down before the delay ends. */
const LATENCY_MS = 2_000;

async function rpcsHandled(shop: RunningShop): Promise<Record<ServiceName, number>> {
  const res = await requestJson(`${shop.urls.admin}/admin/services`);
  const data = (res.body as { data: Record<ServiceName, { rpcs_handled: number }> }).data;
  return Object.fromEntries(Object.entries(data).map(([service, state]) => [service, state.rpcs_handled])) as Record<ServiceName, number>;
}

describe('order-service down while a CreateOrder waits out its injected latency', () => {
  it('drops the waiting call: it never reaches user, product, inventory, payment or notification', async () => {
    const shop = await startTestShop();
    try {
      const token = await registerAndLogin(shop.urls.api, 'latency@example.com');
      const cart = await requestJson(`${shop.urls.api}/cart`, { method: 'POST', token, body: { product_id: 'prod-0001', quantity: 1 } });
      assert.equal(cart.status, 200, JSON.stringify(cart.body));
      await shop.fault('order', 'latency', LATENCY_MS);
      const atStart = await rpcsHandled(shop);
      const pending = requestJson(`${shop.urls.api}/orders`, { method: 'POST', token, body: { shipping_address: '1 Test Street', payment_method: 'credit_card' } });
      const waiting = await eventually('CreateOrder is waiting out its latency', async () => {
        const now = await rpcsHandled(shop);
        return now.order > atStart.order ? now : undefined;
      });
      await shop.fault('order', 'down');
      const answer = await pending;
      assert.notEqual(answer.status, 201, JSON.stringify(answer.body));
      // Past the moment the handler would have run without the down.
      await sleep(LATENCY_MS + 300);
      const after = await rpcsHandled(shop);
      for (const service of ['user', 'product', 'inventory', 'payment', 'notification'] as const) {
        assert.equal(after[service], waiting[service], `${service}-service was called by a CreateOrder of a downed order-service`);
      }
    } finally {
      await shop.stop();
    }
  });
});
