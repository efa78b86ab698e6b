/**
 * The demo gateway speaks the real Go gateway's contract (k6/lib/contract.ts). First it replays
 * the requests captured from the real gateway (fixtures/real-gateway-api-exchanges.txt, copied
 * from ../shared/fixtures/real-gateway) and compares status, error text and body keys; then the
 * contract's steps in flow order, the statuses each accepts, and the edges (validation, auth,
 * duplicate register, the rate limit, the read-back defect switch).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { RunningShop } from '../../demo/shop.ts';
import { bindingError, isPaid, orderBody, realGatewayRoutes, steps, type StepKey } from '../../k6/lib/contract.ts';
import { dataOf, requestJson, startTestShop } from './helpers.ts';
import { demoRoutes } from '../../scripts/lib/contract-doc.ts';

interface Exchange {
  method: string;
  path: string;
  body: unknown;
  status: number;
  answer: string;
}

/** `== METHOD PATH BODY` / answer / `  -> HTTP NNN` blocks. */
function readExchanges(): Exchange[] {
  const text = readFileSync(new URL('./fixtures/real-gateway-api-exchanges.txt', import.meta.url), 'utf8');
  const out: Exchange[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const head = /^== (\S+) (\S+) ?(.*)$/.exec(lines[i] ?? '');
    if (!head) continue;
    const answer = lines[i + 1] ?? '';
    const status = /-> HTTP (\d+)/.exec(lines[i + 2] ?? '');
    assert.ok(status, `exchange at line ${i + 1} has no status line`);
    out.push({ method: head[1] ?? '', path: head[2] ?? '', body: head[3] ? JSON.parse(head[3]) : undefined, status: Number(status[1]), answer });
  }
  return out;
}

/** Top-level keys of `data` (or of the first array element), for shape comparison. */
function dataKeys(body: unknown): string[] {
  if (typeof body !== 'object' || body === null || !('data' in body)) return [];
  const data = Array.isArray(body.data) ? body.data[0] : body.data;
  return typeof data === 'object' && data !== null ? Object.keys(data).sort() : [];
}

/** Fields of the real answers the demo leaves out (payment-gateway internals it does not simulate). */
const notSimulated = new Set(['gateway_payment_id', 'metadata']);

describe('demo gateway: the real gateway contract', () => {
  let shop: RunningShop;
  let token = '';
  let otherToken = '';
  const api = (path: string): string => `${shop.urls.api}${path}`;

  const login = async (email: string): Promise<string> => {
    const reg = await requestJson(api('/auth/register'), { method: 'POST', body: { email, password: 'correct-horse-1', name: email } });
    assert.equal(reg.status, 201);
    const res = await requestJson(api('/auth/login'), { method: 'POST', body: { email, password: 'correct-horse-1' } });
    return String(dataOf(res).access_token);
  };

  before(async () => {
    shop = await startTestShop({ rateLimit: null });
    token = await login('alice@example.com');
    otherToken = await login('bob@example.com');
  });
  after(async () => {
    await shop?.stop();
  });

  it('answers the captured real requests as the real gateway did (with its read-back defect switched on)', async () => {
    const exchanges = readExchanges();
    assert.ok(exchanges.length >= 10);
    const realProduct = '3e0e57d1-93bc-4d7d-a1f6-e8830ab060bd';
    const ids = new Map<string, string>([[realProduct, 'prod-0005']]);
    const swap = (text: string): string => [...ids].reduce((t, [real, demo]) => t.split(real).join(demo), text);
    shop.defects['order-readback-404'] = true;
    try {
      for (const ex of exchanges) {
        const where = `${ex.method} ${ex.path} ${JSON.stringify(ex.body) ?? ''}`;
        const res = await fetch(api(swap(ex.path)), {
          method: ex.method,
          headers: { authorization: `Bearer ${token}`, ...(ex.body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: ex.body === undefined ? undefined : swap(JSON.stringify(ex.body)),
        });
        const text = await res.text();
        assert.equal(res.status, ex.status, `${where}: ${text}`);
        if (!ex.answer.startsWith('{')) {
          assert.equal(text, ex.answer, where);
          continue;
        }
        const real = JSON.parse(ex.answer) as Record<string, unknown>;
        const demo = JSON.parse(text) as Record<string, unknown>;
        assert.deepEqual(Object.keys(demo).sort(), Object.keys(real).sort(), `${where}: top-level keys`);
        if (typeof real.error === 'string') {
          // Validation and the read-back defect are the same words; other errors name demo ids.
          if (real.error.startsWith('Key: ') || real.error.includes('order not found: order not found')) assert.equal(demo.error, real.error, where);
          continue;
        }
        assert.equal(demo.message, real.message, where);
        const missing = dataKeys(real).filter((k) => !notSimulated.has(k) && !dataKeys(demo).includes(k));
        assert.deepEqual(missing, [], `${where}: data lacks ${missing.join(', ')}`);
        // Remember the demo's id for the real one, so later requests address the same order.
        if (ex.method === 'POST' && ex.path === '/orders') {
          ids.set(String((real.data as { id: string }).id), String((demo.data as { id: string }).id));
        }
      }
    } finally {
      shop.defects['order-readback-404'] = false;
    }
  });

  it('runs every contract step in flow order with a status the step accepts, and the order reads back (no defect)', async () => {
    const answered = new Map<StepKey, number>();
    const accept = (key: StepKey, status: number, body: unknown): void => {
      answered.set(key, status);
      assert.ok((steps[key].accepts as readonly number[]).includes(status), `${steps[key].name} → ${status}: ${JSON.stringify(body)}`);
    };
    const email = 'carol@example.com';
    const reg = await requestJson(api(steps.register.route), { method: 'POST', body: { email, password: 'correct-horse-1', name: 'Carol' } });
    accept('register', reg.status, reg.body);
    const session = await requestJson(api(steps.login.route), { method: 'POST', body: { email, password: 'correct-horse-1' } });
    accept('login', session.status, session.body);
    const t = String(dataOf(session).access_token);
    const list = await requestJson(api(`${steps.listProducts.route}?page=2&page_size=3`));
    accept('listProducts', list.status, list.body);
    const page = dataOf(list) as { products: { id: string; price: number }[]; total_count: number; page: number; page_size: number };
    assert.deepEqual([page.products.map((p) => p.id), page.total_count, page.page, page.page_size], [['prod-0004', 'prod-0005', 'prod-0006'], 20, 2, 3]);
    const product = await requestJson(api('/products/prod-0002'));
    accept('getProduct', product.status, product.body);
    assert.equal(dataOf(product).price, 7.49);
    const cart = await requestJson(api(steps.addToCart.route), { method: 'POST', token: t, body: { product_id: 'prod-0002', quantity: 2 } });
    accept('addToCart', cart.status, cart.body);
    assert.equal(dataOf(cart).total_amount, 14.98);
    const order = await requestJson(api(steps.createOrder.route), { method: 'POST', token: t, body: orderBody });
    accept('createOrder', order.status, order.body);
    const o = dataOf(order) as { id: string; total_amount: number; status: string; shipping_address: string };
    assert.deepEqual([o.total_amount, o.status, o.shipping_address], [14.98, 'pending', orderBody.shipping_address]);
    const paid = await requestJson(api(steps.pay.route), { method: 'POST', token: t, body: { order_id: o.id, amount: o.total_amount, method: 'credit_card' } });
    accept('pay', paid.status, paid.body);
    assert.ok(isPaid(dataOf(paid)));
    assert.equal((paid.body as { success: boolean }).success, true);
    const byOrder = await requestJson(api(`/payments/order/${o.id}`), { token: t });
    accept('getPaymentByOrder', byOrder.status, byOrder.body);
    assert.ok(isPaid(dataOf(byOrder)));
    assert.equal(dataOf(byOrder).amount, 14.98);
    const readBack = await requestJson(api(`/orders/${o.id}`), { token: t });
    accept('getOrder', readBack.status, readBack.body);
    assert.equal(dataOf(readBack).id, o.id);
    assert.deepEqual([...answered.keys()].sort(), Object.keys(steps).sort(), 'every step of the contract was exercised');
    // GET /payments/:id, and another user's order is not theirs to read.
    assert.equal((await requestJson(api(`/payments/${String(dataOf(paid).id)}`), { token: t })).status, 200);
    assert.equal((await requestJson(api(`/orders/${o.id}`), { token: otherToken })).status, 404);
  });

  it('refuses bad bodies with gin binding errors (400, the real words)', async () => {
    const cases: [string, unknown, string][] = [
      ['/cart', { product_id: 'prod-0001', quantity: 0 }, bindingError(steps.addToCart.body[1], 'required')],
      ['/cart', { product_id: 'prod-0001', quantity: 'two' }, 'json: cannot unmarshal string into Go struct field .quantity of type int32'],
      ['/cart', { quantity: 1 }, bindingError(steps.addToCart.body[0], 'required')],
      ['/orders', { shipping_address: 'x' }, bindingError(steps.createOrder.body[1], 'required')],
      ['/payments', { order_id: 'x', method: 'credit_card', amount: -1 }, bindingError(steps.pay.body[1], 'min')],
      ['/payments', { order_id: 'x', method: 'credit_card' }, bindingError(steps.pay.body[1], 'required')],
    ];
    for (const [path, body, error] of cases) {
      const res = await requestJson(api(path), { method: 'POST', token, body });
      assert.deepEqual([res.status, res.body], [400, { error }], `${path} ${JSON.stringify(body)}`);
    }
    const empty = await requestJson(api('/orders'), { method: 'POST', token, body: orderBody });
    assert.deepEqual([empty.status, empty.body], [500, { error: 'rpc error: code = Internal desc = failed to create order: cart is empty' }]);
  });

  it('register: 201 for a new account and for a duplicate ("User with this email already exists"); login: 200, a token only for good credentials', async () => {
    const dup = await requestJson(api('/auth/register'), { method: 'POST', body: { email: 'alice@example.com', password: 'correct-horse-1', name: 'A' } });
    assert.deepEqual([dup.status, dup.body], [201, { data: { message: 'User with this email already exists' } }]);
    const wrong = await requestJson(api('/auth/login'), { method: 'POST', body: { email: 'alice@example.com', password: 'wrong-password' } });
    assert.deepEqual([wrong.status, wrong.body], [200, { data: { message: 'Invalid credentials' } }]);
    const bad = await requestJson(api('/auth/register'), { method: 'POST', body: { email: 7 } });
    assert.deepEqual([bad.status, bad.body], [400, { error: 'invalid request body' }]);
  });

  it('auth middleware: the real 401 messages', async () => {
    const cases: [Record<string, string>, string][] = [
      [{}, 'Authorization header required'],
      [{ authorization: 'Token abc' }, 'Invalid authorization header format. Expected: Bearer <token>'],
      [{ authorization: 'Bearer forged.token' }, 'Invalid or expired token'],
    ];
    for (const [headers, error] of cases) {
      const res = await fetch(api('/cart'), { headers });
      assert.deepEqual([res.status, await res.json()], [401, { error }]);
    }
  });

  it('serves exactly the real routes docs/k6.md says it serves (the others: gin\'s 404)', async () => {
    const served = demoRoutes();
    for (const route of realGatewayRoutes) {
      const path = route.route.replace(/:[a-z_]+/g, 'x');
      const res = await fetch(`${shop.urls.gateway}${path}`, { method: route.method, headers: { authorization: `Bearer ${token}` } });
      const text = await res.text();
      const notFound = res.status === 404 && text === '404 page not found';
      assert.equal(!notFound, served.has(`${route.method} ${route.route}`), `${route.method} ${route.route}: HTTP ${res.status} ${text.slice(0, 80)}`);
    }
  });

  it('unknown routes: gin\'s text 404', async () => {
    const res = await fetch(api('/cart/items'), { method: 'POST' });
    assert.deepEqual([res.status, await res.text()], [404, '404 page not found']);
  });
});

describe('demo gateway: the per-IP rate limit', () => {
  it('answers 429 {"error":"Rate limit exceeded"} past the burst, health routes included, and a raised limit lets the same burst through', async () => {
    const limited = await startTestShop({ rateLimit: { requestsPerSecond: 0.001, burst: 5 } });
    const raised = await startTestShop({ rateLimit: { requestsPerSecond: 0.001, burst: 50 } });
    try {
      const burst = async (shop: RunningShop): Promise<number[]> => {
        const statuses: number[] = [];
        for (let i = 0; i < 8; i += 1) statuses.push((await fetch(`${shop.urls.gateway}/health`)).status);
        return statuses;
      };
      assert.deepEqual(await burst(limited), [200, 200, 200, 200, 200, 429, 429, 429]);
      const refused = await fetch(`${limited.urls.gateway}/health/pools/detailed`);
      assert.deepEqual([refused.status, await refused.json()], [429, { error: 'Rate limit exceeded' }]);
      assert.deepEqual(await burst(raised), [200, 200, 200, 200, 200, 200, 200, 200]);
    } finally {
      await Promise.all([limited.stop(), raised.stop()]);
    }
  });
});
