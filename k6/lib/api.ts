/**
 * The demo shop's HTTP API (docs/demo.md), one function per call. Each call tags its request with
 * a fixed `name` (so metrics group by endpoint, not by URL), checks the answer in plain language,
 * records its latency trend and the `errors` rate, and returns the parsed payload or null.
 */
import http from 'k6/http';
import type { RefinedResponse, ResponseType } from 'k6/http';
import { check } from 'k6';
import type { Trend } from 'k6/metrics';
import { apiUrl, debug } from './config.ts';
import { apiGatewayLatency, errors, orderServiceLatency, paymentServiceLatency } from './metrics.ts';

export interface TestUser {
  email: string;
  password: string;
  name: string;
}

export interface Session {
  email: string;
  token: string;
}

export interface Product {
  id: string;
  name: string;
  price_cents: number;
}

export interface LineItem {
  product_id: string;
  quantity: number;
}

export interface Order {
  id: string;
  status: string;
  total_cents: number;
}

export interface Payment {
  id: string;
  order_id: string;
  status: string;
}

type Response = RefinedResponse<ResponseType | undefined>;

/** Only expected statuses count as successful in k6's http_req_failed. */
const expectOk = http.expectedStatuses({ min: 200, max: 299 });
const expectOkOrExists = http.expectedStatuses({ min: 200, max: 299 }, 409);

function params(name: string, token?: string, responseCallback = expectOk) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  return { headers, tags: { name }, responseCallback };
}

/** The `data` member of a JSON answer, or null when the body is not the documented envelope. */
function payload<T>(res: Response): T | null {
  if (typeof res.body !== 'string' || res.body === '') return null;
  try {
    const parsed = JSON.parse(res.body) as { data?: T };
    return parsed.data ?? null;
  } catch {
    return null;
  }
}

/** Record one call: latency trend, error rate, one plain-language check. */
function record(res: Response, trend: Trend, checkName: string, ok: boolean): boolean {
  trend.add(res.timings.duration);
  const passed = check(res, { [checkName]: () => ok });
  errors.add(!passed);
  if (!passed) debug(`${checkName} failed: HTTP ${res.status} ${String(res.body).slice(0, 200)}`);
  return passed;
}

/** Register (201) or find the user already there (409): both leave a usable account. */
export function register(user: TestUser): boolean {
  const res = http.post(apiUrl('/auth/register'), JSON.stringify(user), params('POST /auth/register', undefined, expectOkOrExists));
  return check(res, { 'user registered or already exists': (r) => r.status === 201 || r.status === 409 });
}

export function login(user: TestUser): Session | null {
  const res = http.post(
    apiUrl('/auth/login'),
    JSON.stringify({ email: user.email, password: user.password }),
    params('POST /auth/login'),
  );
  const data = payload<{ access_token?: string }>(res);
  const token = data?.access_token ?? '';
  return record(res, apiGatewayLatency, 'login returns a token', res.status === 200 && token !== '')
    ? { email: user.email, token }
    : null;
}

export function listProducts(session: Session): Product[] {
  const res = http.get(apiUrl('/products'), params('GET /products', session.token));
  const data = payload<{ products?: Product[] } | Product[]>(res);
  const products = Array.isArray(data) ? data : (data?.products ?? []);
  record(res, apiGatewayLatency, 'product list is not empty', res.status === 200 && products.length > 0);
  return products;
}

export function getProduct(session: Session, id: string): Product | null {
  const res = http.get(apiUrl(`/products/${encodeURIComponent(id)}`), params('GET /products/:id', session.token));
  const product = payload<Product>(res);
  return record(res, apiGatewayLatency, 'product detail found', res.status === 200 && product?.id === id) ? product : null;
}

export function addToCart(session: Session, item: LineItem): boolean {
  const res = http.post(apiUrl('/cart/items'), JSON.stringify(item), params('POST /cart/items', session.token));
  return record(res, apiGatewayLatency, 'item added to cart (201)', res.status === 201);
}

export function createOrder(session: Session, items: LineItem[]): { order: Order | null; durationMs: number } {
  const res = http.post(apiUrl('/orders'), JSON.stringify({ items }), params('POST /orders', session.token));
  const order = payload<Order>(res);
  const ok = record(res, orderServiceLatency, 'order created (201)', res.status === 201 && typeof order?.id === 'string');
  return { order: ok ? order : null, durationMs: res.timings.duration };
}

export function getOrder(session: Session, id: string): Order | null {
  const res = http.get(apiUrl(`/orders/${encodeURIComponent(id)}`), params('GET /orders/:id', session.token));
  const order = payload<Order>(res);
  return record(res, apiGatewayLatency, 'order can be read back', res.status === 200 && order?.id === id) ? order : null;
}

export function pay(session: Session, orderId: string): Payment | null {
  const res = http.post(
    apiUrl('/payments'),
    JSON.stringify({ order_id: orderId, method: 'credit_card' }),
    params('POST /payments', session.token),
  );
  const payment = payload<Payment>(res);
  const ok = record(res, paymentServiceLatency, 'payment accepted (201)', res.status === 201 && typeof payment?.id === 'string');
  return ok ? payment : null;
}
