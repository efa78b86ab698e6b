/** product-service: a fixed catalogue of twenty products. */
import { status } from '@grpc/grpc-js';
import { RpcError, unary } from '../lib/rpc-server.ts';
import type { GetProductRequest, ListProductsRequest, ListProductsResponse, Product } from '../lib/types.ts';

const categories = ['books', 'electronics', 'garden', 'kitchen'] as const;

export const catalogue: readonly Product[] = Array.from({ length: 20 }, (_, i) => ({
  id: `prod-${String(i + 1).padStart(4, '0')}`,
  name: `Demo product ${i + 1}`,
  category: categories[i % categories.length] ?? 'books',
  price_cents: 499 + i * 250,
  currency: 'USD',
}));

const byId = new Map(catalogue.map((p) => [p.id, p]));
const MAX_PAGE = 100;

export function createProductService() {
  return {
    ListProducts: unary<ListProductsRequest, ListProductsResponse>(async ({ limit, offset, category }) => {
      if (limit < 0 || offset < 0) throw new RpcError(status.INVALID_ARGUMENT, `limit and offset must be >= 0, got ${limit} and ${offset}`);
      const matching = category ? catalogue.filter((p) => p.category === category) : catalogue;
      const pageSize = Math.min(limit || 20, MAX_PAGE);
      return { products: matching.slice(offset, offset + pageSize), total: matching.length };
    }),
    GetProduct: unary<GetProductRequest, Product>(async ({ id }) => {
      const product = byId.get(id);
      if (!product) throw new RpcError(status.NOT_FOUND, `product ${id} not found`);
      return product;
    }),
  };
}
