/**
 * The gateway's HTTP API as the load tests use it: one function per step of k6/lib/contract.ts.
 * Each call tags its request with the step name (metrics group by endpoint, not by URL), accepts
 * exactly the contract's statuses, and records ONE named check: `GET /orders/:id → 200` when it
 * passes, `GET /orders/:id → 404 {"error":"..."}` (status and a short, id-free body) when it fails,
 * so the summary can say which step failed, how often, with which status and answer.
 * Successful calls go to their latency trend; failed ones to `errors` and `failed_requests`.
 */
import http from 'k6/http';
import type { RefinedResponse, ResponseType } from 'k6/http';
import { check } from 'k6';
import type { Trend } from 'k6/metrics';
import { apiUrl, debug } from './config.ts';
import { isPaid, orderBody, paymentMethod, steps, type PaymentAnswer, type Step, type StepKey } from './contract.ts';
import { apiGatewayLatency, errors, failedRequests, loginDuration, orderServiceLatency, paymentServiceLatency } from './metrics.ts';

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
  price: number;
}

export interface Order {
  id: string;
  status: string;
  total_amount: number;
}

/** What one step call did: its payload when it passed, and what it answered either way. */
export interface StepResult<T> {
  step: string;
  ok: boolean;
  /** HTTP status; 0 when no answer came (refused, timed out). */
  status: number;
  data: T | null;
}

type Response = RefinedResponse<ResponseType | undefined>;

/** The latency trend of each step; register (once per VU, setup work) has none. */
const trendOf: Partial<Record<StepKey, Trend | null>> = {
  register: null,
  login: loginDuration,
  createOrder: orderServiceLatency,
  pay: paymentServiceLatency,
};

const callbacks = new Map<StepKey, ReturnType<typeof http.expectedStatuses>>();
function params(key: StepKey, token?: string) {
  const step: Step = steps[key];
  let callback = callbacks.get(key);
  if (!callback) {
    callback = http.expectedStatuses(...step.accepts);
    callbacks.set(key, callback);
  }
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  // `kind` lets http_req_duration thresholds leave login and register out (k6/lib/thresholds.ts).
  return { headers, tags: { name: step.name, kind: key === 'login' || key === 'register' ? 'auth' : 'api' }, responseCallback: callback };
}

/** The `data` member of a JSON answer, or null. */
function payload<T>(res: Response): T | null {
  if (typeof res.body !== 'string' || res.body === '') return null;
  try {
    const parsed = JSON.parse(res.body) as { data?: T };
    return parsed.data ?? null;
  } catch {
    return null;
  }
}

/** A short answer for a check name: ids and numbers masked, so one kind of failure is one check. */
export function shortBody(body: unknown): string {
  if (typeof body !== 'string' || body === '') return '(no body)';
  const masked = body
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/\b(usr|ord|pay|auth|prod)-[\w-]+/g, '<id>')
    .replace(/\d+/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();
  return masked.length > 100 ? `${masked.slice(0, 100)}…` : masked;
}

/** The check name of a step call: `POST /orders → 201`, or with the failure's short body. */
export function checkName(step: string, status: number, ok: boolean, body: unknown, missing: string): string {
  if (ok) return `${step} → ${status}`;
  if (status === 0) return `${step} → 0 (no answer)`;
  return `${step} → ${status} ${shortBody(body)}${missing ? ` (missing: ${missing})` : ''}`;
}

const loggedFailures = new Set<string>();

/** Record one step call: one check, the error rate, and a trend sample only when it passed. */
function record<T>(key: StepKey, res: Response, data: T | null, requirementMet: boolean): StepResult<T> {
  const step: Step = steps[key];
  const statusOk = (step.accepts as readonly number[]).includes(res.status);
  const ok = statusOk && requirementMet;
  const name = checkName(step.name, res.status, ok, res.body, statusOk && !requirementMet ? step.requires : '');
  check(res, { [name]: () => ok });
  errors.add(!ok);
  if (ok) {
    const trend = trendOf[key] === undefined ? apiGatewayLatency : trendOf[key];
    trend?.add(res.timings.duration);
  } else {
    failedRequests.add(1, { step: step.name, status: String(res.status) });
    // The whole answer once per kind of failure and VU (the check name holds a short one).
    if (!loggedFailures.has(name)) {
      loggedFailures.add(name);
      console.warn(`step failed: ${step.name} → HTTP ${res.status}: ${String(res.body ?? res.error).slice(0, 300)}`);
    } else {
      debug(`${name}`);
    }
  }
  return { step: step.name, ok, status: res.status, data: ok ? data : null };
}

/** Register: 201, also for an existing account ("User with this email already exists"). */
export function register(user: TestUser): StepResult<true> {
  const res = http.post(apiUrl(steps.register.route), JSON.stringify(user), params('register'));
  const data = payload<{ success?: boolean; message?: string }>(res);
  const usable = data?.success === true || data?.message === 'User with this email already exists';
  return record('register', res, usable ? true : null, usable);
}

export function login(user: TestUser): StepResult<Session> {
  const res = http.post(apiUrl(steps.login.route), JSON.stringify({ email: user.email, password: user.password }), params('login'));
  const token = payload<{ access_token?: string }>(res)?.access_token ?? '';
  return record('login', res, { email: user.email, token }, token !== '');
}

export function listProducts(): StepResult<Product[]> {
  const res = http.get(apiUrl(`${steps.listProducts.route}?page=1&page_size=20`), params('listProducts'));
  const products = payload<{ products?: Product[] }>(res)?.products ?? [];
  return record('listProducts', res, products, Array.isArray(products) && products.length > 0);
}

export function getProduct(id: string): StepResult<Product> {
  const res = http.get(apiUrl(`/products/${encodeURIComponent(id)}`), params('getProduct'));
  const product = payload<Product>(res);
  return record('getProduct', res, product, product?.id === id);
}

export function addToCart(session: Session, productId: string, quantity = 1): StepResult<true> {
  const res = http.post(apiUrl(steps.addToCart.route), JSON.stringify({ product_id: productId, quantity }), params('addToCart', session.token));
  const cart = payload<{ items?: { product_id?: string }[] }>(res);
  const has = (cart?.items ?? []).some((item) => item.product_id === productId);
  return record('addToCart', res, has ? true : null, has);
}

/** POST /orders orders the cart (the body names address and payment method, not items). */
export function createOrder(session: Session): StepResult<Order> & { durationMs: number } {
  const res = http.post(apiUrl(steps.createOrder.route), JSON.stringify(orderBody), params('createOrder', session.token));
  const order = payload<Order>(res);
  const result = record('createOrder', res, order, typeof order?.id === 'string' && typeof order.total_amount === 'number');
  return { ...result, durationMs: res.timings.duration };
}

export function pay(session: Session, order: Order): StepResult<PaymentAnswer> {
  const body = { order_id: order.id, amount: order.total_amount, method: paymentMethod };
  const res = http.post(apiUrl(steps.pay.route), JSON.stringify(body), params('pay', session.token));
  const payment = payload<PaymentAnswer>(res);
  return record('pay', res, payment, typeof payment?.id === 'string' && isPaid(payment));
}

/** The "is it paid" verification: the order's payment reads back COMPLETED. */
export function paymentOfOrder(session: Session, orderId: string): StepResult<PaymentAnswer> {
  const res = http.get(apiUrl(`/payments/order/${encodeURIComponent(orderId)}`), params('getPaymentByOrder', session.token));
  const payment = payload<PaymentAnswer>(res);
  return record('getPaymentByOrder', res, payment, payment?.order_id === orderId && isPaid(payment));
}

export function getOrder(session: Session, id: string): StepResult<Order> {
  const res = http.get(apiUrl(`/orders/${encodeURIComponent(id)}`), params('getOrder', session.token));
  const order = payload<Order>(res);
  return record('getOrder', res, order, order?.id === id);
}
