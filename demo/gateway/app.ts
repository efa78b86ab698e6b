/** The API gateway: HTTP/JSON in front, gRPC through the connection pools behind. */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Clients } from '../lib/downstreams.ts';
import { bodyOf, HttpError, jsonErrors, notFound, poolHealthRoute } from '../lib/http.ts';
import type { User } from '../lib/types.ts';
import type { connectivityState } from '@grpc/grpc-js';
import { poolHealthReport } from '../lib/pool-health.ts';
import type { GatewayMetrics } from './metrics.ts';
import { optionalString, orderItems, quantity, queryInt, requiredString } from './validate.ts';

export interface GatewayOptions {
  clients: Clients;
  /** Live pool states; undefined in per-call mode (no pool manager). */
  poolStates: () => Map<string, connectivityState[]> | undefined;
  poolMode: string;
  apiPrefix: string;
  /** The gateway's own /metrics (names and labels of the real gateway). */
  metrics: GatewayMetrics;
}

/** The authenticated user of a request (set by requireUser). */
type Authed = Response<unknown, { user: User }>;

export function createGatewayApp({ clients, poolStates, poolMode, apiPrefix, metrics }: GatewayOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(metrics.middleware);
  app.get('/metrics', metrics.handler);
  app.use(express.json({ limit: '64kb' }));

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

  const requireUser = async (req: Request, res: Authed, next: NextFunction): Promise<void> => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new HttpError(401, 'unauthorized', `${req.method} ${req.path}: an Authorization: Bearer <access_token> header is required`);
    res.locals.user = await clients.user.call('ValidateToken', { token: match[1] });
    next();
  };

  const api = express.Router();
  api.post('/auth/register', async (req, res) => {
    const body = bodyOf(req);
    const email = requiredString(body, 'email');
    const password = requiredString(body, 'password');
    const name = optionalString(body, 'name', '');
    const user = await clients.user.call('Register', { email, password, name });
    await clients.notification.call('Send', { user_id: user.id, kind: 'welcome', reference_id: user.id });
    res.status(201).json({ data: user });
  });
  api.post('/auth/login', async (req, res) => {
    const body = bodyOf(req);
    const login = await clients.user.call('Login', { email: requiredString(body, 'email'), password: requiredString(body, 'password') });
    res.json({ data: { access_token: login.access_token, token_type: 'Bearer', expires_in: login.expires_in_s, user: login.user } });
  });
  api.get('/products', async (req, res) => {
    // limit 0 would mean "the default page" to product-service while meta said 0.
    const limit = queryInt(req.query.limit, 'limit', 20, 1, 100);
    const offset = queryInt(req.query.offset, 'offset', 0, 0, 1_000_000);
    const category = typeof req.query.category === 'string' ? req.query.category : '';
    const page = await clients.product.call('ListProducts', { limit, offset, category });
    res.json({ data: page.products, meta: { total: page.total, limit, offset } });
  });
  api.get('/products/:id', async (req, res) => {
    const id = routeParam(req, 'id');
    const [product, stock] = await Promise.all([clients.product.call('GetProduct', { id }), clients.inventory.call('GetStock', { product_id: id })]);
    res.json({ data: { ...product, stock: stock.available } });
  });
  api.post('/cart/items', requireUser, async (req, res: Authed) => {
    const body = bodyOf(req);
    const cart = await clients.order.call('AddCartItem', {
      user_id: res.locals.user.id,
      product_id: requiredString(body, 'product_id'),
      quantity: quantity(body.quantity, 'quantity', 1),
    });
    res.status(201).json({ data: cart });
  });
  api.post('/orders', requireUser, async (req, res: Authed) => {
    const items = orderItems(bodyOf(req));
    const order = await clients.order.call('CreateOrder', { user_id: res.locals.user.id, items });
    res.status(201).json({ data: order });
  });
  api.get('/orders/:id', requireUser, async (req, res: Authed) => {
    const order = await clients.order.call('GetOrder', { id: routeParam(req, 'id'), user_id: res.locals.user.id });
    res.json({ data: order });
  });
  api.post('/payments', requireUser, async (req, res: Authed) => {
    const body = bodyOf(req);
    const orderId = requiredString(body, 'order_id');
    const method = body.payment_method !== undefined ? requiredString(body, 'payment_method') : optionalString(body, 'method', 'credit_card');
    const payment = await clients.payment.call('ProcessPayment', { order_id: orderId, user_id: res.locals.user.id, method });
    res.status(201).json({ data: payment });
  });
  app.use(apiPrefix, api);

  app.use(notFound);
  app.use(jsonErrors);
  return app;
}

function routeParam(req: Request, name: string): string {
  const value: unknown = req.params[name];
  if (typeof value !== 'string' || value === '') throw new HttpError(400, 'invalid_argument', `${req.path}: path parameter ${name} is required`);
  return value;
}
