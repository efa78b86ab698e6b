/** payment-service: authorisations for new orders, and payments, which call order and notification. */
import { status } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import type { Clients } from '../lib/downstreams.ts';
import { RpcError, unary } from '../lib/rpc-server.ts';
import { BoundedMap, TABLE_CAP } from '../lib/store.ts';
import type { AuthorizePaymentRequest, Authorization, GetPaymentByOrderRequest, GetPaymentRequest, Payment, ProcessPaymentRequest } from '../lib/types.ts';
import { PAYMENT_METHODS } from './validation.ts';

export type PaymentDownstreams = Pick<Clients, 'order' | 'notification'>;

/** Larger amounts are declined: a demo card limit (1,000,000.00). */
const AUTHORIZATION_LIMIT_CENTS = 100_000_000;

export function createPaymentService(clients: PaymentDownstreams) {
  const payments = new BoundedMap<string, Payment>(TABLE_CAP);
  const paymentOfOrder = new BoundedMap<string, string>(TABLE_CAP);
  return {
    AuthorizePayment: unary<AuthorizePaymentRequest, Authorization>(async ({ amount_cents }) => {
      if (amount_cents <= 0) throw new RpcError(status.INVALID_ARGUMENT, `amount must be positive, got ${amount_cents} cents`);
      return { id: `auth-${randomUUID()}`, approved: amount_cents <= AUTHORIZATION_LIMIT_CENTS };
    }),
    ProcessPayment: unary<ProcessPaymentRequest, Payment>(async ({ order_id, user_id, method, amount_cents, currency }) => {
      if (!(PAYMENT_METHODS as readonly string[]).includes(method)) {
        throw new RpcError(status.INVALID_ARGUMENT, `payment method ${JSON.stringify(method)} is not one of ${PAYMENT_METHODS.join(', ')}`);
      }
      const order = await clients.order.call('GetOrder', { id: order_id, user_id });
      if (order.status === 'paid') throw new RpcError(status.ALREADY_EXISTS, `order ${order_id} is already paid (payment ${order.payment_id})`);
      const payment: Payment = {
        id: `pay-${randomUUID()}`,
        order_id,
        user_id: order.user_id,
        amount_cents: amount_cents > 0 ? amount_cents : order.total_cents,
        currency: currency || order.currency,
        method,
        status: 'COMPLETED',
        created_at_ms: Date.now(),
      };
      // A concurrent payment of the same order loses here with FAILED_PRECONDITION.
      await clients.order.call('MarkOrderPaid', { id: order_id, payment_id: payment.id });
      payments.set(payment.id, payment);
      paymentOfOrder.set(order_id, payment.id);
      await clients.notification.call('Send', { user_id: order.user_id, kind: 'payment_completed', reference_id: payment.id });
      return payment;
    }),
    GetPayment: unary<GetPaymentRequest, Payment>(async ({ id }) => {
      const payment = payments.get(id);
      if (!payment) throw new RpcError(status.NOT_FOUND, `payment ${id} not found`);
      return payment;
    }),
    GetPaymentByOrder: unary<GetPaymentByOrderRequest, Payment>(async ({ order_id }) => {
      const payment = payments.get(paymentOfOrder.get(order_id) ?? '');
      if (!payment) throw new RpcError(status.NOT_FOUND, `payment for order ${order_id} not found`);
      return payment;
    }),
  };
}
