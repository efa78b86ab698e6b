/** Shared by the demo shop tests: a shop on kernel-picked ports, a JSON HTTP client, fixture shapes. */
import { readFileSync } from 'node:fs';
import { poolHealthFixturesDir, realGatewayFixturesDir } from '../support/fixtures.ts';
import { ephemeralShopPorts, startShop, type RunningShop, type ShopOptions } from '../../demo/shop.ts';

/** The pool health contract's samples: the repository's copy (fixtures/pool-health). */
export const fixtureDir = poolHealthFixturesDir;

export async function startTestShop(options: Omit<ShopOptions, 'ports'> = {}): Promise<RunningShop> {
  return startShop({ ...options, ports: ephemeralShopPorts() });
}

export interface JsonResponse {
  status: number;
  body: unknown;
}

export async function requestJson(url: string, init: { method?: string; body?: unknown; rawBody?: string; token?: string } = {}): Promise<JsonResponse> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined || init.rawBody !== undefined) headers['content-type'] = 'application/json';
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    throw new Error(`${init.method ?? 'GET'} ${url}: HTTP ${res.status} answered non-JSON: ${text.slice(0, 200)}`);
  }
}

/** Reads `data` of a `{ data }` body, failing with the whole body when it is missing. */
export function dataOf(res: JsonResponse): Record<string, unknown> {
  const body = res.body;
  if (typeof body === 'object' && body !== null && 'data' in body && typeof body.data === 'object' && body.data !== null) {
    return body.data as Record<string, unknown>;
  }
  throw new Error(`expected a { data: {...} } body, got HTTP ${res.status} ${JSON.stringify(body)}`);
}

/** Captures of the real Go gateway (datngth03/ecommerce-go-app), copied into fixtures/real-gateway. */
export function readRealGatewayCapture(name: string): unknown {
  return JSON.parse(readFileSync(`${realGatewayFixturesDir}/${name}`, 'utf8'));
}

export function readFixture(name: string): unknown {
  return JSON.parse(readFileSync(`${fixtureDir}/${name}`, 'utf8'));
}

/** Keys and JSON types, recursively: two payloads of the same contract have the same shape. */
export function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, shapeOf(v)]));
  }
  return typeof value;
}

/** Registers and logs in through the gateway API at apiUrl (…/api/v1); returns the access token. */
export async function registerAndLogin(apiUrl: string, email: string): Promise<string> {
  const password = 'correct-horse-1';
  const reg = await requestJson(`${apiUrl}/auth/register`, { method: 'POST', body: { email, password, name: email.split('@')[0] } });
  if (reg.status !== 201) throw new Error(`register ${email}: HTTP ${reg.status} ${JSON.stringify(reg.body)}`);
  const login = await requestJson(`${apiUrl}/auth/login`, { method: 'POST', body: { email, password } });
  const token = dataOf(login).access_token;
  if (typeof token !== 'string') throw new Error(`login ${email}: no data.access_token in ${JSON.stringify(login.body)}`);
  return token;
}

/** Polls until check() returns a value (not undefined) or the time is up. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not reached within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
}

/** The real contract's way to order: put a product in the cart (200), then order the cart. */
export async function placeOrder(apiUrl: string, token: string, productId = 'prod-0001'): Promise<JsonResponse> {
  const cart = await requestJson(`${apiUrl}/cart`, { method: 'POST', token, body: { product_id: productId, quantity: 1 } });
  if (cart.status !== 200) return cart;
  return requestJson(`${apiUrl}/orders`, { method: 'POST', token, body: { shipping_address: '1 Test Street', payment_method: 'credit_card' } });
}
