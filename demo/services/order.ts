/** order-service: carts and orders. CreateOrder calls user, product, inventory, payment, notification. */
import { status } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import type { Clients } from '../lib/downstreams.ts';
import { RpcError, unary } from '../lib/rpc-server.ts';
import { BoundedMap, TABLE_CAP } from '../lib/store.ts';
import type { AddCartItemRequest, Cart, CartItemRequest, CartRequest, CreateOrderRequest, GetOrderRequest, LineItem, MarkOrderPaidRequest, Order } from '../lib/types.ts';
import { MAX_ORDER_LINES, MAX_QUANTITY, validateQuantity } from './validation.ts';

export type OrderDownstreams = Pick<Clients, 'user' | 'product' | 'inventory' | 'payment' | 'notification'>;

export function createOrderService(clients: OrderDownstreams) {
  const orders = new BoundedMap<string, Order>(TABLE_CAP);
  const carts = new BoundedMap<string, LineItem[]>(TABLE_CAP);

  const priced = async (items: readonly LineItem[]): Promise<LineItem[]> =>
    Promise.all(
      items.map(async (item) => {
        validateQuantity(item.quantity, `product ${item.product_id}`);
        const product = await clients.product.call('GetProduct', { id: item.product_id });
        return { product_id: product.id, quantity: item.quantity, unit_price_cents: product.price_cents, product_name: product.name };
      }),
    );

  return {
    AddCartItem: unary<AddCartItemRequest, Cart>(async ({ user_id, product_id, quantity }) => {
      validateQuantity(quantity, `cart of ${user_id}`);
      const product = await clients.product.call('GetProduct', { id: product_id });
      const items = carts.get(user_id) ?? [];
      const line = items.find((i) => i.product_id === product.id);
      if (line) line.quantity = Math.min(line.quantity + quantity, MAX_QUANTITY);
      else items.push({ product_id: product.id, quantity, unit_price_cents: product.price_cents, product_name: product.name });
      carts.set(user_id, items);
      return { user_id, items };
    }),
    GetCart: unary<CartRequest, Cart>(async ({ user_id }) => ({ user_id, items: carts.get(user_id) ?? [] })),
    UpdateCartItem: unary<AddCartItemRequest, Cart>(async ({ user_id, product_id, quantity }) => {
      validateQuantity(quantity, `cart of ${user_id}`);
      const items = carts.get(user_id) ?? [];
      const line = items.find((i) => i.product_id === product_id);
      if (!line) throw new RpcError(status.NOT_FOUND, `product ${product_id} is not in the cart`);
      line.quantity = quantity;
      return { user_id, items };
    }),
    RemoveCartItem: unary<CartItemRequest, Cart>(async ({ user_id, product_id }) => {
      const items = (carts.get(user_id) ?? []).filter((i) => i.product_id !== product_id);
      carts.set(user_id, items);
      return { user_id, items };
    }),
    ClearCart: unary<CartRequest, Cart>(async ({ user_id }) => {
      carts.delete(user_id);
      return { user_id, items: [] };
    }),
    CreateOrder: unary<CreateOrderRequest, Order>(async ({ user_id, items, shipping_address, payment_method }) => {
      const fromCart = items.length === 0;
      const requested = fromCart ? (carts.get(user_id) ?? []) : items;
      // The real order-service's words for an empty cart.
      if (requested.length === 0) throw new RpcError(status.INTERNAL, 'failed to create order: cart is empty');
      if (requested.length > MAX_ORDER_LINES) throw new RpcError(status.INVALID_ARGUMENT, `at most ${MAX_ORDER_LINES} lines per order, got ${requested.length}`);
      const [user, lines] = await Promise.all([clients.user.call('GetUser', { id: user_id }), priced(requested)]);
      const id = `ord-${randomUUID()}`;
      const total = lines.reduce((sum, l) => sum + l.quantity * l.unit_price_cents, 0);
      await clients.inventory.call('Reserve', { order_id: id, items: lines.map(({ product_id, quantity }) => ({ product_id, quantity })) });
      const authorization = await clients.payment.call('AuthorizePayment', { user_id: user.id, amount_cents: total, currency: 'USD' });
      if (!authorization.approved) throw new RpcError(status.FAILED_PRECONDITION, `payment authorization declined for ${total} cents`);
      const order: Order = {
        id,
        user_id: user.id,
        items: lines,
        total_cents: total,
        currency: 'USD',
        status: 'pending',
        payment_authorization_id: authorization.id,
        payment_id: '',
        created_at_ms: Date.now(),
        shipping_address,
        payment_method,
      };
      orders.set(id, order);
      if (fromCart) carts.delete(user_id);
      await clients.notification.call('Send', { user_id: user.id, kind: 'order_created', reference_id: id });
      return order;
    }),
    GetOrder: unary<GetOrderRequest, Order>(async ({ id, user_id }) => {
      const order = orders.get(id);
      // Another user's order is reported as missing: its existence is not theirs to know.
      if (!order || (user_id && order.user_id !== user_id)) throw new RpcError(status.NOT_FOUND, `order ${id} not found`);
      return order;
    }),
    MarkOrderPaid: unary<MarkOrderPaidRequest, Order>(async ({ id, payment_id }) => {
      const order = orders.get(id);
      if (!order) throw new RpcError(status.NOT_FOUND, `order ${id} not found`);
      if (order.status === 'paid') throw new RpcError(status.FAILED_PRECONDITION, `order ${id} is already paid (payment ${order.payment_id})`);
      order.status = 'paid';
      order.payment_id = payment_id;
      return order;
    }),
  };
}
