/** Server-side glue: async handlers become grpc-js unary handlers with proper status codes. */
import { status, Metadata, type handleUnaryCall, type ServiceError, type sendUnaryData } from '@grpc/grpc-js';

/** A failure with a gRPC status; the gateway maps the status to an HTTP code. */
export class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export type AsyncHandler<Req, Res> = (request: Req) => Promise<Res>;

/** Reads the gRPC status of a failure: ours, or a downstream ServiceError passed through. */
export function statusOf(err: unknown): status {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number' && err.code in status) {
    return err.code;
  }
  return status.INTERNAL;
}

/** What a ServiceError says, without grpc-js' "N CODE: " prefix. */
export function detailsOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'details' in err && typeof err.details === 'string') return err.details;
  return err instanceof Error ? err.message : String(err);
}

export function unary<Req, Res>(handler: AsyncHandler<Req, Res>): handleUnaryCall<Req, Res> {
  return (call, callback: sendUnaryData<Res>) => {
    handler(call.request).then(
      (response) => callback(null, response),
      (err: unknown) => {
        const failure: Partial<ServiceError> = { code: statusOf(err), details: detailsOf(err), metadata: new Metadata() };
        callback(failure);
      },
    );
  };
}
