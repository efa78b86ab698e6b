/**
 * The API contract of the real Go shop's gateway (`datngth03/ecommerce-go-app`,
 * services/api-gateway: routes in cmd/main.go, handlers in internal/handler), in one place:
 * routes, request bodies with their gin `binding` rules, the statuses a load-test step accepts,
 * and the "is it paid" rule. The k6 scripts call through it (k6/lib/api.ts), the demo gateway
 * validates with it (demo/gateway/), and docs/k6.md's contract table is generated from it.
 *
 * Plain data and pure functions: k6, the demo and the docs generator all import it.
 */

/** A body field as the real handler declares it: Go type and gin `binding` tag. */
export interface FieldRule {
  /** JSON name. */
  json: string;
  /** The Go struct field (gin names it in validation errors). */
  goField: string;
  goType: 'string' | 'int32' | 'float64';
  /** gin binding rules, e.g. ['required', 'min=1']; [] for an optional field. */
  binding: readonly string[];
}

export interface Step {
  /** Step name, also the k6 `name` tag and the start of its check: `POST /orders`. */
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Route under the API prefix, with `:params` as gin writes them. */
  route: string;
  /** Bearer token required (the route is behind AuthMiddleware). */
  auth: boolean;
  /** Statuses the step accepts; any other status fails the step. */
  accepts: readonly number[];
  /** Request body fields (gin ShouldBindJSON into the handler's struct); undefined: no body. */
  body?: readonly FieldRule[];
  /** What else must hold in the answer for the step to pass. */
  requires: string;
}

const field = (json: string, goField: string, goType: FieldRule['goType'], ...binding: string[]): FieldRule => ({ json, goField, goType, binding });

/** The steps the load tests use, keyed by what they do. */
export const steps = {
  register: {
    name: 'POST /auth/register',
    method: 'POST',
    route: '/auth/register',
    auth: false,
    // The real gateway answers 201 for a duplicate too, with data.success false and
    // "User with this email already exists": either way the account exists; login proves it.
    accepts: [201],
    body: [field('email', 'Email', 'string'), field('password', 'Password', 'string'), field('name', 'Name', 'string'), field('phone', 'Phone', 'string')],
    requires: 'data.success, or data.message "User with this email already exists"',
  },
  login: {
    name: 'POST /auth/login',
    method: 'POST',
    route: '/auth/login',
    auth: false,
    accepts: [200],
    body: [field('email', 'Email', 'string'), field('password', 'Password', 'string')],
    // Wrong credentials are 200 too, with data.message "Invalid credentials" and no token.
    requires: 'data.access_token',
  },
  listProducts: {
    name: 'GET /products',
    method: 'GET',
    route: '/products',
    auth: false,
    accepts: [200],
    requires: 'data.products not empty (query page, page_size, category_id)',
  },
  getProduct: {
    name: 'GET /products/:id',
    method: 'GET',
    route: '/products/:id',
    auth: false,
    accepts: [200],
    requires: 'data.id is the product asked for',
  },
  addToCart: {
    name: 'POST /cart',
    method: 'POST',
    route: '/cart',
    auth: true,
    accepts: [200],
    body: [field('product_id', 'ProductID', 'string', 'required'), field('quantity', 'Quantity', 'int32', 'required', 'min=1')],
    requires: 'data.items holds the product',
  },
  createOrder: {
    name: 'POST /orders',
    method: 'POST',
    route: '/orders',
    auth: true,
    accepts: [201],
    // The order is made of the user's cart (which it empties); the body has no items.
    body: [field('shipping_address', 'ShippingAddress', 'string', 'required'), field('payment_method', 'PaymentMethod', 'string', 'required')],
    requires: 'data.id, data.total_amount',
  },
  pay: {
    name: 'POST /payments',
    method: 'POST',
    route: '/payments',
    auth: true,
    accepts: [201],
    body: [
      field('order_id', 'OrderID', 'string', 'required'),
      field('amount', 'Amount', 'float64', 'required', 'min=0'),
      field('method', 'Method', 'string', 'required'),
      field('currency', 'Currency', 'string'),
      field('payment_method_id', 'PaymentMethodID', 'string'),
    ],
    requires: 'data.id, and data.status paid (isPaid)',
  },
  getPaymentByOrder: {
    name: 'GET /payments/order/:order_id',
    method: 'GET',
    route: '/payments/order/:order_id',
    auth: true,
    accepts: [200],
    requires: 'data.order_id is the order, and isPaid(data)',
  },
  getOrder: {
    name: 'GET /orders/:id',
    method: 'GET',
    route: '/orders/:id',
    auth: true,
    // The real gateway answers 404 here for every order (upstream defect: order-service never
    // reads the user id from the call); the step still accepts only 200, so the run says so.
    accepts: [200],
    requires: 'data.id is the order',
  },
} as const satisfies Record<string, Step>;

export type StepKey = keyof typeof steps;

/** What the scripts send for an order: the real handler requires both fields. */
export const orderBody = { shipping_address: '1 Load Test Street', payment_method: 'credit_card' } as const;
export const paymentMethod = 'credit_card';

/** A payment as GET /payments/order/:order_id and POST /payments return it (fields the scripts read). */
export interface PaymentAnswer {
  id?: string;
  order_id?: string;
  status?: string;
  amount?: number;
}

/**
 * The "is it paid" rule. The real order stays `pending` after a successful payment (nothing
 * updates it), so paid means: the order's payment has status COMPLETED (payment-service's
 * PaymentStatusCompleted).
 */
export function isPaid(payment: PaymentAnswer | null | undefined): boolean {
  return payment?.status === 'COMPLETED';
}

/** The gin validation error of one field, as the real gateway writes it (anonymous request struct). */
export function bindingError(rule: FieldRule, tag: string): string {
  return `Key: '${rule.goField}' Error:Field validation for '${rule.goField}' failed on the '${tag}' tag`;
}

/**
 * Every route of the real gateway (services/api-gateway/cmd/main.go), for docs/k6.md: which of
 * them the load tests use and which the demo serves.
 */
export const realGatewayRoutes: readonly { method: string; route: string; auth: boolean }[] = [
  { method: 'GET', route: '/health', auth: false },
  { method: 'GET', route: '/ready', auth: false },
  { method: 'GET', route: '/health/pools', auth: false },
  { method: 'GET', route: '/health/pools/detailed', auth: false },
  { method: 'GET', route: '/metrics', auth: false },
  { method: 'POST', route: '/api/v1/auth/register', auth: false },
  { method: 'POST', route: '/api/v1/auth/login', auth: false },
  { method: 'POST', route: '/api/v1/auth/refresh', auth: false },
  { method: 'GET', route: '/api/v1/users/:id', auth: false },
  { method: 'GET', route: '/api/v1/users/me', auth: true },
  { method: 'PUT', route: '/api/v1/users/:id', auth: true },
  { method: 'DELETE', route: '/api/v1/users/:id', auth: true },
  { method: 'GET', route: '/api/v1/products', auth: false },
  { method: 'GET', route: '/api/v1/products/:id', auth: false },
  { method: 'POST', route: '/api/v1/products', auth: true },
  { method: 'PUT', route: '/api/v1/products/:id', auth: true },
  { method: 'DELETE', route: '/api/v1/products/:id', auth: true },
  { method: 'GET', route: '/api/v1/categories', auth: false },
  { method: 'GET', route: '/api/v1/categories/:id', auth: false },
  { method: 'POST', route: '/api/v1/categories', auth: true },
  { method: 'PUT', route: '/api/v1/categories/:id', auth: true },
  { method: 'DELETE', route: '/api/v1/categories/:id', auth: true },
  { method: 'POST', route: '/api/v1/orders', auth: true },
  { method: 'GET', route: '/api/v1/orders/:id', auth: true },
  { method: 'GET', route: '/api/v1/orders', auth: true },
  { method: 'DELETE', route: '/api/v1/orders/:id', auth: true },
  { method: 'POST', route: '/api/v1/cart', auth: true },
  { method: 'GET', route: '/api/v1/cart', auth: true },
  { method: 'PUT', route: '/api/v1/cart/:product_id', auth: true },
  { method: 'DELETE', route: '/api/v1/cart/:product_id', auth: true },
  { method: 'DELETE', route: '/api/v1/cart', auth: true },
  { method: 'POST', route: '/api/v1/payments', auth: true },
  { method: 'GET', route: '/api/v1/payments/:id', auth: true },
  { method: 'GET', route: '/api/v1/payments/order/:order_id', auth: true },
  { method: 'GET', route: '/api/v1/payments', auth: true },
  { method: 'POST', route: '/api/v1/payments/:id/confirm', auth: true },
  { method: 'POST', route: '/api/v1/payments/:id/refund', auth: true },
  { method: 'POST', route: '/api/v1/payment-methods', auth: true },
  { method: 'GET', route: '/api/v1/payment-methods', auth: true },
  { method: 'GET', route: '/api/v1/inventory/:product_id', auth: false },
  { method: 'POST', route: '/api/v1/inventory/check-availability', auth: false },
  { method: 'PUT', route: '/api/v1/inventory/:product_id', auth: true },
  { method: 'GET', route: '/api/v1/inventory/:product_id/history', auth: true },
];

/**
 * The real gateway's per-IP rate limit (shared/pkg/middleware RateLimitMiddleware, token bucket,
 * config LoadSecurityConfig): every route, including health and pool health, answers
 * 429 {"error":"Rate limit exceeded"} past it.
 */
export const realRateLimit = { requestsPerSecond: 50, burst: 100, envRps: 'RATE_LIMIT_RPS', envBurst: 'SECURITY_RATE_LIMIT_BURST', envEnabled: 'SECURITY_RATE_LIMIT_ENABLED' } as const;
