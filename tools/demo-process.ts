/**
 * The demo shop in its own process on free ports (so the shop and the load generator do not share
 * an event loop, as in a real test), configured through its documented environment variables.
 */
import { join } from 'node:path';
import { startProcess, type RunningProcess } from './process.ts';
import { freeShopPorts } from '../demo/shop.ts';
import { serviceNames } from '../demo/lib/services.ts';

export interface DemoProcess {
  /** Gateway origin, e.g. http://127.0.0.1:41234 (the k6 BASE_URL). */
  baseUrl: string;
  /** The admin endpoint (demo:fault's), e.g. http://127.0.0.1:41235. */
  adminUrl: string;
  process: RunningProcess;
  stop(): Promise<void>;
}

export async function startDemoProcess(opts: { poolMode?: 'pooled' | 'per-call'; rttMs?: number; env?: Record<string, string> } = {}): Promise<DemoProcess> {
  const ports = await freeShopPorts();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    POOL_MODE: opts.poolMode ?? 'pooled',
    DEMO_GATEWAY_PORT: String(ports.gateway),
    DEMO_ADMIN_PORT: String(ports.admin),
  };
  if (opts.rttMs !== undefined) env.DEMO_RTT_MS = String(opts.rttMs);
  Object.assign(env, opts.env);
  for (const service of serviceNames) {
    env[`DEMO_${service.toUpperCase()}_HEALTH_PORT`] = String(ports.health[service]);
    env[`DEMO_${service.toUpperCase()}_GRPC_PORT`] = String(ports.grpc[service]);
  }
  const baseUrl = `http://127.0.0.1:${ports.gateway}`;
  const proc = await startProcess({
    name: `demo shop (${env.POOL_MODE})`,
    command: process.execPath,
    args: ['--import', 'tsx', join(import.meta.dirname, '../demo/main.ts')],
    env,
    readyUrl: `${baseUrl}/ready`,
    readyTimeoutMs: 30_000,
  });
  return { baseUrl, adminUrl: `http://127.0.0.1:${ports.admin}`, process: proc, stop: () => proc.stop() };
}
