/** The HTTP health port of one backend (9001-9006): /health, its own /metrics, and the pool JSON where it holds pools. */
import express, { type Express } from 'express';
import type { connectivityState } from '@grpc/grpc-js';
import type { BackendMetrics } from './lib/backend-metrics.ts';
import type { GrpcEndpoint } from './lib/endpoint.ts';
import { HttpError, jsonErrors, notFound, poolHealthRoute } from './lib/http.ts';
import { poolKey } from './lib/services.ts';

export function createHealthApp(
  endpoint: GrpcEndpoint,
  poolStates: (() => Map<string, connectivityState[]> | undefined) | undefined,
  poolMode: string,
  metrics: BackendMetrics,
): Express {
  const app = express();
  app.disable('x-powered-by');
  const name = poolKey(endpoint.service);
  app.get('/health', (_req, res) => {
    const state = endpoint.state();
    res.status(state.grpc === 'up' ? 200 : 503).json({ status: state.grpc === 'up' ? 'ok' : 'unavailable', service: name, ...state });
  });
  app.get('/metrics', metrics.handler);
  if (poolStates) {
    app.get('/health/pools/detailed', poolHealthRoute(poolStates, poolMode));
  } else {
    app.get('/health/pools/detailed', () => {
      throw new HttpError(404, 'not_found', `${name} holds no connection pools (only the gateway, order-service and payment-service do)`);
    });
  }
  app.use(notFound);
  app.use(jsonErrors);
  return app;
}
