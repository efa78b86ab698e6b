/** The gateway's HTTP API against a real shop (gRPC through the pools), good and bad input. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningShop } from '../../demo/shop.ts';
import { dataOf, registerAndLogin, requestJson, startTestShop } from './helpers.ts';

describe('demo gateway HTTP API', () => {
  let shop: RunningShop;
  let token: string;
  let otherToken: string;
  const api = (path: string): string => `${shop.urls.api}${path}`;

  before(async () => {
    shop = await startTestShop();
    token = await registerAndLogin(shop.urls.api, 'alice@example.com');
    otherToken = await registerAndLogin(shop.urls.api, 'bob@example.com');
  });
  after(async () => {
    await shop?.stop();
  });

  it('serves /health and /ready outside the API prefix', async () => {
    const health = await requestJson(`${shop.urls.gateway}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(health.body, { status: 'ok', service: 'api-gateway', pool_mode: 'pooled' });
    const ready = await requestJson(`${shop.urls.gateway}/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready', pool_mode: 'pooled', unavailable_pools: [] });
  });

  it('registers (201), refuses a duplicate (409) and bad input (400)', async () => {
    const created = await requestJson(api('/auth/register'), { method: 'POST', body: { email: 'carol@example.com', password: 'long-enough-1', name: 'Carol' } });
    assert.equal(created.status, 201);
    const user = dataOf(created);
    assert.equal(user.email, 'carol@example.com');
    assert.equal(user.name, 'Carol');
    assert.match(String(user.id), /^usr-/);
    assert.equal('password' in user, false);

    const again = await requestJson(api('/auth/register'), { method: 'POST', body: { email: 'carol@example.com', password: 'long-enough-1' } });
    assert.equal(again.status, 409);
    assert.deepEqual(again.body, { error: { code: 'conflict', message: 'user carol@example.com already exists' } });

    for (const body of [{ password: 'long-enough-1' }, { email: 'not-an-email', password: 'long-enough-1' }, { email: 'dave@example.com', password: 'short' }, { email: 7, password: 'long-enough-1' }]) {
      const bad = await requestJson(api('/auth/register'), { method: 'POST', body });
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.equal(typeof (bad.body as { error: { message: unknown } }).error.message, 'string');
    }
    const malformed = await requestJson(api('/auth/register'), { method: 'POST', rawBody: '{"email": ' });
    assert.equal(malformed.status, 400);
    assert.equal((malformed.body as { error: { code: string } }).error.code, 'invalid_json');
    const array = await requestJson(api('/auth/register'), { method: 'POST', body: ['x'] });
    assert.equal(array.status, 400);
  });

  it('logs in (200, data.access_token) and refuses a wrong password (401)', async () => {
    const ok = await requestJson(api('/auth/login'), { method: 'POST', body: { email: 'alice@example.com', password: 'correct-horse-1' } });
    assert.equal(ok.status, 200);
    const data = dataOf(ok);
    assert.equal(typeof data.access_token, 'string');
    assert.equal(data.token_type, 'Bearer');
    const wrong = await requestJson(api('/auth/login'), { method: 'POST', body: { email: 'alice@example.com', password: 'wrong-password' } });
    assert.equal(wrong.status, 401);
    const unknown = await requestJson(api('/auth/login'), { method: 'POST', body: { email: 'nobody@example.com', password: 'whatever-123' } });
    assert.equal(unknown.status, 401);
    const missing = await requestJson(api('/auth/login'), { method: 'POST', body: { email: 'alice@example.com' } });
    assert.equal(missing.status, 400);
  });

  it('lists products with paging and returns one with its stock (404 for an unknown id)', async () => {
    const list = await requestJson(api('/products?limit=3&offset=2'));
    assert.equal(list.status, 200);
    const { data, meta } = list.body as { data: { id: string }[]; meta: { total: number } };
    assert.deepEqual(data.map((p) => p.id), ['prod-0003', 'prod-0004', 'prod-0005']);
    assert.equal(meta.total, 20);
    const one = await requestJson(api('/products/prod-0002'));
    assert.equal(one.status, 200);
    assert.equal(dataOf(one).price_cents, 749);
    assert.equal(typeof dataOf(one).stock, 'number');
    assert.equal((await requestJson(api('/products/prod-9999'))).status, 404);
    assert.equal((await requestJson(api('/products?limit=-1'))).status, 400);
    assert.equal((await requestJson(api('/products?limit=0'))).status, 400, 'limit is 1-100: 0 would page 20 while meta said 0');
    assert.equal((await requestJson(api('/products?limit=101'))).status, 400);
    assert.equal((await requestJson(api('/products?limit=abc'))).status, 400);
  });

  it('adds cart items (201) only with a valid bearer token (401) and valid input (400, 404)', async () => {
    const added = await requestJson(api('/cart/items'), { method: 'POST', token, body: { product_id: 'prod-0001', quantity: 2 } });
    assert.equal(added.status, 201);
    assert.deepEqual(dataOf(added).items, [{ product_id: 'prod-0001', quantity: 2, unit_price_cents: 499 }]);
    assert.equal((await requestJson(api('/cart/items'), { method: 'POST', body: { product_id: 'prod-0001', quantity: 1 } })).status, 401);
    assert.equal((await requestJson(api('/cart/items'), { method: 'POST', token: 'forged.token', body: { product_id: 'prod-0001' } })).status, 401);
    assert.equal((await requestJson(api('/cart/items'), { method: 'POST', token, body: { product_id: 'prod-0001', quantity: 0 } })).status, 400);
    assert.equal((await requestJson(api('/cart/items'), { method: 'POST', token, body: { product_id: 'prod-0001', quantity: 'two' } })).status, 400);
    assert.equal((await requestJson(api('/cart/items'), { method: 'POST', token, body: { product_id: 'prod-9999', quantity: 1 } })).status, 404);
  });

  it('creates orders from items or the cart (201), reads them back (200) and hides other users\' (404)', async () => {
    const fromItems = await requestJson(api('/orders'), { method: 'POST', token, body: { items: [{ product_id: 'prod-0003', quantity: 2 }] } });
    assert.equal(fromItems.status, 201);
    const order = dataOf(fromItems);
    assert.match(String(order.id), /^ord-/);
    assert.equal(order.total_cents, 2 * 999);
    assert.equal(order.status, 'pending');

    const fromCart = await requestJson(api('/orders'), { method: 'POST', token, body: {} });
    assert.equal(fromCart.status, 201);
    assert.equal(dataOf(fromCart).total_cents, 2 * 499);
    const emptyCart = await requestJson(api('/orders'), { method: 'POST', token, body: {} });
    assert.equal(emptyCart.status, 400);

    const read = await requestJson(api(`/orders/${String(order.id)}`), { token });
    assert.equal(read.status, 200);
    assert.equal(dataOf(read).id, order.id);
    assert.equal((await requestJson(api(`/orders/${String(order.id)}`), { token: otherToken })).status, 404);
    assert.equal((await requestJson(api('/orders/ord-missing'), { token })).status, 404);
    assert.equal((await requestJson(api(`/orders/${String(order.id)}`))).status, 401);

    for (const body of [{ items: [] }, { items: 'prod-0001' }, { items: [{ quantity: 1 }] }, { items: [{ product_id: 'prod-0001', quantity: 1000 }] }]) {
      assert.equal((await requestJson(api('/orders'), { method: 'POST', token, body })).status, 400, JSON.stringify(body));
    }
    assert.equal((await requestJson(api('/orders'), { method: 'POST', token, body: { items: [{ product_id: 'prod-9999', quantity: 1 }] } })).status, 404);
    assert.equal((await requestJson(api('/orders'), { method: 'POST', body: { items: [{ product_id: 'prod-0001', quantity: 1 }] } })).status, 401);
  });

  it('pays an order once (201, then 409), marks it paid, and refuses bad payments (400, 401, 404)', async () => {
    const order = dataOf(await requestJson(api('/orders'), { method: 'POST', token, body: { items: [{ product_id: 'prod-0004', quantity: 1 }] } }));
    const paid = await requestJson(api('/payments'), { method: 'POST', token, body: { order_id: order.id, payment_method: 'credit_card' } });
    assert.equal(paid.status, 201);
    const payment = dataOf(paid);
    assert.match(String(payment.id), /^pay-/);
    assert.equal(payment.amount_cents, order.total_cents);
    assert.equal(payment.status, 'completed');
    assert.equal(dataOf(await requestJson(api(`/orders/${String(order.id)}`), { token })).status, 'paid');
    assert.equal((await requestJson(api('/payments'), { method: 'POST', token, body: { order_id: order.id } })).status, 409);

    const another = dataOf(await requestJson(api('/orders'), { method: 'POST', token, body: { items: [{ product_id: 'prod-0004', quantity: 1 }] } }));
    assert.equal((await requestJson(api('/payments'), { method: 'POST', token, body: { order_id: another.id, payment_method: 'gold_bars' } })).status, 400);
    assert.equal((await requestJson(api('/payments'), { method: 'POST', token, body: {} })).status, 400);
    assert.equal((await requestJson(api('/payments'), { method: 'POST', token, body: { order_id: 'ord-missing' } })).status, 404);
    assert.equal((await requestJson(api('/payments'), { method: 'POST', token: otherToken, body: { order_id: another.id } })).status, 404);
    assert.equal((await requestJson(api('/payments'), { method: 'POST', body: { order_id: another.id } })).status, 401);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await requestJson(api('/nope'));
    assert.equal(res.status, 404);
    assert.equal((res.body as { error: { code: string } }).error.code, 'not_found');
  });
});
