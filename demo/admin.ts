/**
 * The fault-injection endpoint (127.0.0.1 only) that `npm run demo:fault` drives:
 *   GET  /admin/services                      state of every backend
 *   POST /admin/services/:service/down        stop its gRPC server (connections drop)
 *   POST /admin/services/:service/up          start it again on the same port
 *   POST /admin/services/:service/latency     body {"ms": 250} or ?ms=250; 0 clears
 *   GET  /admin/defects                       the real gateway's defects the demo reproduces
 *   POST /admin/defects/:name/on|off          switch one (demo/gateway/defects.ts)
 */
import express, { type Express } from 'express';
import type { GrpcEndpoint } from './lib/endpoint.ts';
import { HttpError, jsonErrors, notFound } from './lib/http.ts';
import { defectNames, noDefects, type DefectName, type Defects } from './gateway/defects.ts';
import { parseServiceName, serviceNames, type ServiceName } from './lib/services.ts';

export const faultActions = ['down', 'up', 'latency'] as const;
export type FaultAction = (typeof faultActions)[number];

export function createAdminApp(endpoints: Record<ServiceName, GrpcEndpoint>, defects: Defects = noDefects()): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '4kb' }));

  const states = () => Object.fromEntries(serviceNames.map((s) => [s, endpoints[s].state()]));
  app.get('/admin/services', (_req, res) => {
    res.json({ data: states() });
  });

  app.get('/admin/defects', (_req, res) => {
    res.json({ data: defects });
  });
  app.post('/admin/defects/:name/:state', (req, res) => {
    const name = req.params.name;
    if (!(defectNames as readonly string[]).includes(name)) throw new HttpError(404, 'not_found', `unknown defect ${JSON.stringify(name)}; one of ${defectNames.join(', ')}`);
    if (req.params.state !== 'on' && req.params.state !== 'off') throw new HttpError(400, 'invalid_argument', `state must be on or off, got ${JSON.stringify(req.params.state)}`);
    defects[name as DefectName] = req.params.state === 'on';
    res.json({ data: defects });
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
