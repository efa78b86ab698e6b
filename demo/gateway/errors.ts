/**
 * The real gateway's error answers: always {"error": "<text>"}. Handlers of orders, carts and
 * payments put the gRPC error's text ("rpc error: code = NotFound desc = ...") in it; user and
 * product handlers map the gRPC code to an HTTP status (handleGRPCError).
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { detailsOf, statusOf } from '../lib/rpc-server.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Go's codes.Code names, as in grpc-go's status error text. */
const codeNames: Record<number, string> = {
  [grpcStatus.CANCELLED]: 'Canceled',
  [grpcStatus.UNKNOWN]: 'Unknown',
  [grpcStatus.INVALID_ARGUMENT]: 'InvalidArgument',
  [grpcStatus.DEADLINE_EXCEEDED]: 'DeadlineExceeded',
  [grpcStatus.NOT_FOUND]: 'NotFound',
  [grpcStatus.ALREADY_EXISTS]: 'AlreadyExists',
  [grpcStatus.PERMISSION_DENIED]: 'PermissionDenied',
  [grpcStatus.RESOURCE_EXHAUSTED]: 'ResourceExhausted',
  [grpcStatus.FAILED_PRECONDITION]: 'FailedPrecondition',
  [grpcStatus.ABORTED]: 'Aborted',
  [grpcStatus.OUT_OF_RANGE]: 'OutOfRange',
  [grpcStatus.UNIMPLEMENTED]: 'Unimplemented',
  [grpcStatus.INTERNAL]: 'Internal',
  [grpcStatus.UNAVAILABLE]: 'Unavailable',
  [grpcStatus.DATA_LOSS]: 'DataLoss',
  [grpcStatus.UNAUTHENTICATED]: 'Unauthenticated',
};

/** grpc-go's `err.Error()` of a status error. */
export function rpcErrorText(err: unknown): string {
  return `rpc error: code = ${codeNames[statusOf(err)] ?? 'Unknown'} desc = ${detailsOf(err)}`;
}

/** An RPC failure as an order/cart/payment handler answers it: a fixed status, the error's text. */
export function rpcFailure(httpStatus: number) {
  return (err: unknown): never => {
    if (err instanceof ApiError) throw err;
    throw new ApiError(httpStatus, rpcErrorText(err));
  };
}

/** handleGRPCError of the real user and product handlers. */
export function grpcToHttp(err: unknown): never {
  if (err instanceof ApiError) throw err;
  const byCode: Partial<Record<number, number>> = {
    [grpcStatus.NOT_FOUND]: 404,
    [grpcStatus.INVALID_ARGUMENT]: 400,
    [grpcStatus.ALREADY_EXISTS]: 409,
    [grpcStatus.PERMISSION_DENIED]: 403,
    [grpcStatus.UNAUTHENTICATED]: 401,
    [grpcStatus.FAILED_PRECONDITION]: 400,
  };
  throw new ApiError(byCode[statusOf(err)] ?? 500, detailsOf(err));
}

/** gin's answer to a route it does not have (text, not JSON). */
export const ginNotFound: RequestHandler = (_req, res) => {
  res.status(404).type('text/plain').send('404 page not found');
};

export const apiErrors: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  if (err instanceof ApiError) {
    res.status(err.status).json({ error: err.message });
    return;
  }
  if (typeof err === 'object' && err !== null && 'type' in err && 'status' in err && typeof err.status === 'number' && err.status < 500) {
    // A body that is not JSON: Go's decoder error in gin, here the parser's.
    const message = err instanceof Error ? err.message : 'invalid request body';
    res.status(400).json({ error: message });
    return;
  }
  console.error(`${req.method} ${req.path}: ${err instanceof Error ? err.stack : String(err)}`);
  res.status(500).json({ error: rpcErrorText(err) });
};
