/** HTTP helpers shared by the gateway, the health ports and the admin endpoint. */
import { status as grpcStatus } from '@grpc/grpc-js';
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import { detailsOf, statusOf } from './rpc-server.ts';
import { poolHealthHttpStatus, poolHealthReport, type PoolHealthReport, type PoolUnavailable } from './pool-health.ts';
import type { connectivityState } from '@grpc/grpc-js';

/** A client mistake or a refusal, answered as `{ error: { code, message } }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const httpOfGrpc: Partial<Record<grpcStatus, [number, string]>> = {
  [grpcStatus.INVALID_ARGUMENT]: [400, 'invalid_argument'],
  [grpcStatus.UNAUTHENTICATED]: [401, 'unauthorized'],
  [grpcStatus.PERMISSION_DENIED]: [403, 'forbidden'],
  [grpcStatus.NOT_FOUND]: [404, 'not_found'],
  [grpcStatus.ALREADY_EXISTS]: [409, 'conflict'],
  [grpcStatus.FAILED_PRECONDITION]: [409, 'conflict'],
  [grpcStatus.RESOURCE_EXHAUSTED]: [429, 'resource_exhausted'],
  [grpcStatus.UNAVAILABLE]: [503, 'service_unavailable'],
  [grpcStatus.DEADLINE_EXCEEDED]: [504, 'deadline_exceeded'],
};

/** Last middleware: every failure becomes a JSON error, never a crash or an HTML page. */
export const jsonErrors: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  let status: number;
  let code: string;
  let message: string;
  if (err instanceof HttpError) {
    ({ status, code, message } = err);
  } else if (isBodyParserError(err)) {
    status = err.status;
    code = err.type === 'entity.parse.failed' ? 'invalid_json' : 'invalid_body';
    message = `${req.method} ${req.path}: request body: ${err.message}`;
  } else {
    const grpc = statusOf(err);
    [status, code] = httpOfGrpc[grpc] ?? [502, 'upstream_error'];
    message = detailsOf(err);
    if (status === 502) console.error(`${req.method} ${req.path}: upstream ${grpcStatus[grpc]}: ${message}`);
  }
  res.status(status).json({ error: { code, message } });
};

function isBodyParserError(err: unknown): err is { status: number; type: string; message: string } {
  return typeof err === 'object' && err !== null && 'type' in err && 'status' in err && typeof err.status === 'number' && err.status >= 400 && err.status < 500;
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`));
};

/** GET /health/pools/detailed: the fixture contract; `states` undefined means no pool manager (per-call mode). */
export function poolHealthRoute(states: () => Map<string, connectivityState[]> | undefined, poolMode: string): RequestHandler {
  return (_req, res) => {
    const current = states();
    const body: PoolHealthReport | PoolUnavailable = current
      ? poolHealthReport(current)
      : { status: 'unavailable', error: `connection pool manager not initialized (POOL_MODE=${poolMode}: every RPC dials its own channel)` };
    res.status(poolHealthHttpStatus(body)).json(body);
  };
}

export function bodyOf(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid_body', `${req.method} ${req.path}: expected a JSON object body (Content-Type: application/json)`);
  }
  return body as Record<string, unknown>;
}

/** Listen on host:port (0: the kernel picks; read it back with boundPort()). */
export async function listen(app: Express, port: number, host: string, what: string): Promise<Server> {
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`${what}: cannot listen on ${host}:${port}: ${err.message}`)));
    server.listen(port, host, () => resolve());
  });
  return server;
}

export function boundPort(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('boundPort: the server is not listening on TCP');
  return address.port;
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
