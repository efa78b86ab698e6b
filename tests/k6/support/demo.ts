/**
 * The demo shop in its own process on ports the kernel picks (so the shop and the load generator
 * do not share an event loop, as in a real test), configured through its documented environment
 * variables; `fault()` runs demo/fault.ts against it exactly as `npm run demo:fault -- ...` does.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { RunningProcess } from '../../../scripts/lib/process.ts';
import { startDemoChild } from '../../../demo/child.ts';
import type { ShopPorts } from '../../../demo/lib/services.ts';

export interface DemoProcess {
  /** Gateway origin, e.g. http://127.0.0.1:41234 (the k6 BASE_URL). */
  baseUrl: string;
  ports: ShopPorts;
  process: RunningProcess;
  /** `npm run demo:fault -- <args>` against this shop; throws when it exits non-zero. */
  fault(...args: string[]): string;
  stop(): Promise<void>;
}

export async function startDemoProcess(opts: { poolMode?: 'pooled' | 'per-call'; rttMs?: number } = {}): Promise<DemoProcess> {
  const env: NodeJS.ProcessEnv = { POOL_MODE: opts.poolMode ?? 'pooled' };
  if (opts.rttMs !== undefined) env.DEMO_RTT_MS = String(opts.rttMs);
  const child = await startDemoChild({ name: `demo shop (${env.POOL_MODE})`, env });
  return {
    baseUrl: child.gatewayUrl,
    ports: child.ports,
    process: child.process,
    fault(...args) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../../demo/fault.ts'), ...args], {
        env: { ...process.env, DEMO_ADMIN_PORT: String(child.ports.admin) },
        encoding: 'utf8',
        timeout: 30_000,
      });
      if (run.status !== 0) throw new Error(`demo:fault ${args.join(' ')} exited ${run.status}: ${run.stdout}${run.stderr}`);
      return run.stdout;
    },
    stop: () => child.stop(),
  };
}
