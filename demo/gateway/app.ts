/**
 * The API gateway: HTTP/JSON in front, gRPC through the connection pools behind. Routes, bodies,
 * validation errors and statuses are the real Go gateway's (k6/lib/contract.ts), minus its
 * defects (which demo/gateway/defects.ts can switch back on).
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { status as grpcStatus, type connectivityState } from '@grpc/grpc-js';
import { steps } from '../../k6/lib/contract.ts';
import type { Clients } from '../lib/downstreams.ts';
import { poolHealthRoute } from '../lib/http.ts';
import { poolHealthReport } from '../lib/pool-health.ts';
import type { Cart, LineItem, Order, Payment, Product, User } from '../lib/types.ts';
import { bindJson, num, str } from './binding.ts';
import { orderReadbackDefectError, noDefects, type Defects } from './defects.ts';
import { ApiError, apiErrors, ginNotFound, grpcToHttp, rpcErrorText, rpcFailure } from './errors.ts';
import { statusOf } from '../lib/rpc-server.ts';
import { rateLimitPerIp, type RateLimit } from './rate-limit.ts';

export interface GatewayOptions {
  clients: Clients;
  /** Live pool states; undefined in per-call mode (no pool manager). */
  poolStates: () => Map<string, connectivityState[]> | undefined;
  poolMode: string;
  apiPrefix: string;
  /** Per-IP rate limit; null turns it off (SECURITY_RATE_LIMIT_ENABLED=false). */
  rateLimit: RateLimit | null;
  /** Live defect switches (the admin endpoint flips them). */
  defects?: Defects;
}

/** The authenticated user of a request (set by requireUser). */
type Authed = Response<unknown, { user: User }>;

const dollars = (cents: number): number => cents / 100;
const timestamp = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 });

const lineOut = (l: LineItem) => ({
  product_id: l.product_id,
  product_name: l.product_name,
  quantity: l.quantity,
  price: dollars(l.unit_price_cents),
  subtotal: dollars(l.unit_price_cents * l.quantity),
});
const cartOut = (c: Cart) => ({
  user_id: c.user_id,
  items: c.items.map(lineOut),
  total_amount: dollars(c.items.reduce((s, l) => s + l.unit_price_cents * l.quantity, 0)),
  updated_at: timestamp(Date.now()),
});
const orderOut = (o: Order) => ({
  id: o.id,
  user_id: o.user_id,
  status: o.status,
  total_amount: dollars(o.total_cents),
  shipping_address: o.shipping_address,
  payment_method: o.payment_method,
  items: o.items.map((l) => ({ order_id: o.id, ...lineOut(l) })),
  created_at: timestamp(o.created_at_ms),
  updated_at: timestamp(o.created_at_ms),
});
const paymentOut = (p: Payment) => ({
  id: p.id,
  order_id: p.order_id,
  user_id: p.user_id,
  amount: dollars(p.amount_cents),
  currency: p.currency,
  status: p.status,
  method: p.method,
  created_at: new Date(p.created_at_ms).toISOString().replace(/\.\d+Z$/, 'Z'),
  updated_at: new Date(p.created_at_ms).toISOString().replace(/\.\d+Z$/, 'Z'),
});
const productOut = (p: Product) => ({ id: p.id, name: p.name, price: dollars(p.price_cents), category_id: p.category, is_active: true });
const userOut = (u: User) => ({ id: u.id, email: u.email, name: u.name, is_active: true, created_at: timestamp(u.created_at_ms) });

/** Go's strconv.Atoi: a malformed number is 0 (the handler then takes its default). */
const atoi = (value: unknown): number => (typeof value === 'string' && /^[+-]?\d+$/.test(value) ? Number(value) : 0);

export function createGatewayApp({ clients, poolStates, poolMode, apiPrefix, rateLimit, defects = noDefects() }: GatewayOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  if (rateLimit) app.use(rateLimitPerIp(rateLimit));
  app.use(express.json({ limit: '10mb', strict: false }));

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'api-gateway', pool_mode: poolMode });
  });
  app.get('/ready', (_req, res) => {
    const states = poolStates();
    const report = states ? poolHealthReport(states) : undefined;
    const blocked = report ? Object.entries(report.services).filter(([, pool]) => !pool.is_healthy).map(([key]) => key) : [];
    res.status(blocked.length === 0 ? 200 : 503).json({ status: blocked.length === 0 ? 'ready' : 'not_ready', pool_mode: poolMode, unavailable_pools: blocked });
  });
  app.get('/health/pools/detailed', poolHealthRoute(poolStates, poolMode));

  // AuthMiddleware: any failure to validate the token (the user service down included) is 401.
  const requireUser = async (req: Request, res: Authed, next: NextFunction): Promise<void> => {
    const header = req.get('authorization');
    if (!header) throw new ApiError(401, 'Authorization header required');
    const parts = header.split(' ');
    if (parts.length !== 2 || parts[0] !== 'Bearer') throw new ApiError(401, 'Invalid authorization header format. Expected: Bearer <token>');
    res.locals.user = await clients.user.call('ValidateToken', { token: parts[1] ?? '' }).catch(() => {
      throw new ApiError(401, 'Invalid or expired token');
    });
    next();
  };

  /** The user handlers bind into protobuf structs: any decode failure is "invalid request body". */
  const protoBody = (req: Request, fields: readonly string[]): Record<string, string> => {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'invalid request body');
    const out: Record<string, string> = {};
    for (const f of fields) {
      const value = (body as Record<string, unknown>)[f];
      if (value !== undefined && value !== null && typeof value !== 'string') throw new ApiError(400, 'invalid request body');
      out[f] = typeof value === 'string' ? value : '';
    }
    return out;
  };

  const api = express.Router();
  api.post(steps.register.route, async (req, res) => {
    const body = protoBody(req, ['email', 'password', 'name', 'phone']);
    // The real user-service answers refusals inside a 201: {success: false, message}.
    const refused = (message: string) => res.status(201).json({ data: { message } });
    for (const f of ['email', 'name', 'password'] as const) {
      if (body[f] === '') return refused(`rpc error: code = InvalidArgument desc = ${f} is required`);
    }
    let user: User;
    try {
      user = await clients.user.call('Register', { email: body.email ?? '', password: body.password ?? '', name: body.name ?? '' });
    } catch (err) {
      if (statusOf(err) === grpcStatus.ALREADY_EXISTS) return refused('User with this email already exists');
      if (statusOf(err) === grpcStatus.INVALID_ARGUMENT) return refused(rpcErrorText(err));
      return grpcToHttp(err);
    }
    await clients.notification.call('Send', { user_id: user.id, kind: 'welcome', reference_id: user.id });
    return res.status(201).json({ data: { success: true, message: 'User created successfully', user: userOut(user) } });
  });
  api.post(steps.login.route, async (req, res) => {
    const body = protoBody(req, ['email', 'password']);
    if (!body.email || !body.password) return res.json({ data: { message: 'Email and password are required' } });
    try {
      const login = await clients.user.call('Login', { email: body.email, password: body.password });
      return res.json({
        data: {
          success: true,
          message: 'Login successful',
          access_token: login.access_token,
          user: login.user ? userOut(login.user) : undefined,
          expires_at: timestamp(Date.now() + login.expires_in_s * 1000),
        },
      });
    } catch (err) {
      if (statusOf(err) === grpcStatus.UNAUTHENTICATED) return res.json({ data: { message: 'Invalid credentials' } });
      return grpcToHttp(err);
    }
  });

  api.get(steps.listProducts.route, async (req, res) => {
    let page = atoi(req.query.page ?? '1');
    let pageSize = atoi(req.query.page_size ?? '20');
    if (page < 1) page = 1;
    if (pageSize < 1 || pageSize > 100) pageSize = 20;
    const category = typeof req.query.category_id === 'string' ? req.query.category_id : '';
    const found = await clients.product.call('ListProducts', { limit: pageSize, offset: (page - 1) * pageSize, category }).catch(grpcToHttp);
    res.json({ data: { products: found.products.map(productOut), total_count: found.total, page, page_size: pageSize } });
  });
  api.get(steps.getProduct.route, async (req, res) => {
    const id = String(req.params.id);
    const [product, stock] = await Promise.all([clients.product.call('GetProduct', { id }), clients.inventory.call('GetStock', { product_id: id })]).catch(grpcToHttp);
    // `stock` is the demo's addition (the real answer has none).
    res.json({ data: { ...productOut(product), stock: stock.available } });
  });

  api.post(steps.addToCart.route, requireUser, async (req, res: Authed) => {
    const body = bindJson(req.body, steps.addToCart.body);
    const cart = await clients.order.call('AddCartItem', { user_id: res.locals.user.id, product_id: str(body, 'product_id'), quantity: num(body, 'quantity') }).catch(rpcFailure(500));
    res.json({ message: 'item added to cart successfully', data: cartOut(cart) });
  });
  api.get('/cart', requireUser, async (_req, res: Authed) => {
    const cart = await clients.order.call('GetCart', { user_id: res.locals.user.id }).catch(rpcFailure(500));
    res.json({ message: 'cart retrieved successfully', data: cartOut(cart) });
  });
  api.put('/cart/:product_id', requireUser, async (req, res: Authed) => {
    const body = bindJson(req.body, [steps.addToCart.body[1]]);
    const cart = await clients.order.call('UpdateCartItem', { user_id: res.locals.user.id, product_id: String(req.params.product_id), quantity: num(body, 'quantity') }).catch(rpcFailure(500));
    res.json({ message: 'cart item updated successfully', data: cartOut(cart) });
  });
  api.delete('/cart/:product_id', requireUser, async (req, res: Authed) => {
    const cart = await clients.order.call('RemoveCartItem', { user_id: res.locals.user.id, product_id: String(req.params.product_id) }).catch(rpcFailure(500));
    res.json({ message: 'item removed from cart successfully', data: cartOut(cart) });
  });
  api.delete('/cart', requireUser, async (_req, res: Authed) => {
    await clients.order.call('ClearCart', { user_id: res.locals.user.id }).catch(rpcFailure(500));
    res.json({ message: 'cart cleared successfully' });
  });

  api.post(steps.createOrder.route, requireUser, async (req, res: Authed) => {
    const body = bindJson(req.body, steps.createOrder.body);
    const order = await clients.order
      .call('CreateOrder', { user_id: res.locals.user.id, items: [], shipping_address: str(body, 'shipping_address'), payment_method: str(body, 'payment_method') })
      .catch(rpcFailure(500));
    res.status(201).json({ message: 'order created successfully', data: orderOut(order) });
  });
  api.get(steps.getOrder.route, requireUser, async (req, res: Authed) => {
    if (defects['order-readback-404']) throw new ApiError(404, orderReadbackDefectError);
    const order = await clients.order.call('GetOrder', { id: String(req.params.id), user_id: res.locals.user.id }).catch(rpcFailure(404));
    res.json({ message: 'order retrieved successfully', data: orderOut(order) });
  });

  api.post(steps.pay.route, requireUser, async (req, res: Authed) => {
    const body = bindJson(req.body, steps.pay.body);
    const payment = await clients.payment
      .call('ProcessPayment', {
        order_id: str(body, 'order_id'),
        user_id: res.locals.user.id,
        method: str(body, 'method'),
        amount_cents: Math.round(num(body, 'amount') * 100),
        currency: str(body, 'currency') || 'USD',
      })
      .catch(rpcFailure(500));
    res.status(201).json({ message: 'payment processed successfully', data: paymentOut(payment), success: true });
  });
  api.get('/payments/order/:order_id', requireUser, async (req, res: Authed) => {
    const payment = await clients.payment.call('GetPaymentByOrder', { order_id: String(req.params.order_id) }).catch(rpcFailure(404));
    res.json({ message: 'payment retrieved successfully', data: paymentOut(payment) });
  });
  api.get('/payments/:id', requireUser, async (req, res: Authed) => {
    const payment = await clients.payment.call('GetPayment', { id: String(req.params.id) }).catch(rpcFailure(404));
    res.json({ message: 'payment retrieved successfully', data: paymentOut(payment) });
  });
  app.use(apiPrefix, api);

  app.use(ginNotFound);
  app.use(apiErrors);
  return app;
}
