/** Input rules shared by the gateway (HTTP 400) and the services (INVALID_ARGUMENT). */
import { status } from '@grpc/grpc-js';
import { RpcError } from '../lib/rpc-server.ts';

export const PASSWORD_MIN_LENGTH = 8;
export const MAX_QUANTITY = 100;
export const MAX_ORDER_LINES = 50;
export const PAYMENT_METHODS = ['credit_card', 'debit_card', 'paypal', 'bank_transfer'] as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateCredentials(email: string, password: string): void {
  if (!EMAIL.test(email)) throw new RpcError(status.INVALID_ARGUMENT, `email ${JSON.stringify(email)} is not an e-mail address`);
  if (password.length < PASSWORD_MIN_LENGTH) {
    throw new RpcError(status.INVALID_ARGUMENT, `password must have at least ${PASSWORD_MIN_LENGTH} characters`);
  }
}

export function validateQuantity(quantity: number, where: string): void {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
    throw new RpcError(status.INVALID_ARGUMENT, `${where}: quantity must be an integer from 1 to ${MAX_QUANTITY}, got ${quantity}`);
  }
}
