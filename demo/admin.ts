/**
 * The fault-injection endpoint (127.0.0.1 only) that `npm run demo:fault` drives:
 *   GET  /admin/services                      state of every backend
 *   POST /admin/services/:service/down        stop its gRPC server (connections drop)
 *   POST /admin/services/:service/up          start it again on the same port
 *   POST /admin/services/:service/latency     body {"ms": 250} or ?ms=250; 0 clears
 */
import express, { type Express } from 'express';
import type { GrpcEndpoint } from './lib/endpoint.ts';
import { HttpError, jsonErrors, notFound } from './lib/http.ts';
import { parseServiceName, serviceNames, type ServiceName } from './lib/services.ts';

export const faultActions = ['down', 'up', 'latency'] as const;
export type FaultAction = (typeof faultActions)[number];

export function createAdminApp(endpoints: Record<ServiceName, GrpcEndpoint>): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '4kb' }));

  const states = () => Object.fromEntries(serviceNames.map((s) => [s, endpoints[s].state()]));
  app.get('/admin/services', (_req, res) => {
    res.json({ data: states() });
  });

  app.post('/admin/services/:service/:action', async (req, res) => {
    const service = parseServiceName(req.params.service);
    if (!service) throw new HttpError(404, 'not_found', `unknown service ${JSON.stringify(req.params.service)}; one of ${serviceNames.join(', ')}`);
    const endpoint = endpoints[service];
    const action = req.params.action;
    if (action === 'down') await endpoint.down();
    else if (action === 'up') await endpoint.up();
    else if (action === 'latency') endpoint.setLatency(latencyMs(req.body, req.query.ms));
    else throw new HttpError(400, 'invalid_argument', `unknown action ${JSON.stringify(action)}; one of ${faultActions.join(', ')}`);
    res.json({ data: { service, ...endpoint.state() } });
  });

  app.use(notFound);
  app.use(jsonErrors);
  return app;
}

function latencyMs(body: unknown, query: unknown): number {
  const raw = typeof body === 'object' && body !== null && 'ms' in body ? body.ms : query;
  const ms = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > 60_000) {
    throw new HttpError(400, 'invalid_argument', `latency: ms must be a number from 0 to 60000, got ${JSON.stringify(raw) ?? 'nothing'}`);
  }
  return ms;
}
