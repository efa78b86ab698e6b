/** inventory-service: stock per product; orders reserve it. */
import { status } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { RpcError, unary } from '../lib/rpc-server.ts';
import type { GetStockRequest, ReserveRequest, Reservation, Stock } from '../lib/types.ts';
import { catalogue } from './product.ts';
import { validateQuantity } from './validation.ts';

// Large enough that a long load test never runs out; a bigger request than stock still fails.
const INITIAL_STOCK = 1_000_000_000;

export function createInventoryService() {
  const stock = new Map(catalogue.map((p) => [p.id, INITIAL_STOCK]));
  const available = (productId: string): number => {
    const level = stock.get(productId);
    if (level === undefined) throw new RpcError(status.NOT_FOUND, `no stock record for product ${productId}`);
    return level;
  };
  return {
    GetStock: unary<GetStockRequest, Stock>(async ({ product_id }) => ({ product_id, available: available(product_id) })),
    Reserve: unary<ReserveRequest, Reservation>(async ({ order_id, items }) => {
      if (items.length === 0) throw new RpcError(status.INVALID_ARGUMENT, `order ${order_id}: nothing to reserve`);
      for (const item of items) {
        validateQuantity(item.quantity, `order ${order_id}, product ${item.product_id}`);
        if (available(item.product_id) < item.quantity) {
          throw new RpcError(status.FAILED_PRECONDITION, `product ${item.product_id}: only ${available(item.product_id)} in stock`);
        }
      }
      // All checked first, then taken: a failed reservation takes nothing.
      for (const item of items) stock.set(item.product_id, available(item.product_id) - item.quantity);
      return { id: `rsv-${randomUUID()}`, order_id };
    }),
  };
}
