/** Reading request input at the gateway: each failure names the field and what was wrong. */
import { HttpError } from '../lib/http.ts';
import type { LineItem } from '../lib/types.ts';
import { MAX_ORDER_LINES, MAX_QUANTITY } from '../services/validation.ts';

const invalid = (message: string): HttpError => new HttpError(400, 'invalid_argument', message);

export function requiredString(body: Record<string, unknown>, field: string, maxLength = 256): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${field}: required, a non-empty string`);
  if (value.length > maxLength) throw invalid(`${field}: at most ${maxLength} characters`);
  return value;
}

export function optionalString(body: Record<string, unknown>, field: string, fallback: string): string {
  return body[field] === undefined ? fallback : requiredString(body, field);
}

export function quantity(value: unknown, field: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_QUANTITY) {
    throw invalid(`${field}: an integer from 1 to ${MAX_QUANTITY} is required, got ${JSON.stringify(value) ?? 'nothing'}`);
  }
  return value;
}

/** `items` of POST /orders: absent means "order my cart". */
export function orderItems(body: Record<string, unknown>): LineItem[] {
  const items = body.items;
  if (items === undefined) return [];
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_ORDER_LINES) {
    throw invalid(`items: an array of 1 to ${MAX_ORDER_LINES} {product_id, quantity} objects is required (omit it to order the cart)`);
  }
  return items.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null) throw invalid(`items[${i}]: an object {product_id, quantity} is required`);
    const line = item as Record<string, unknown>;
    return { product_id: requiredString(line, 'product_id'), quantity: quantity(line.quantity, `items[${i}].quantity`, 1), unit_price_cents: 0 };
  });
}

/** Integer query parameter from min to max. */
export function queryInt(value: unknown, field: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const parsed = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw invalid(`query ${field}: an integer from ${min} to ${max} is required, got ${JSON.stringify(value)}`);
  }
  return parsed;
}
