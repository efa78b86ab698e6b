/**
 * `npm run demo` as a child process on ports the kernel picks (every DEMO_*_PORT=0), for tests
 * and benchmarks: the shop prints the ports it bound (demo/lib/ports-line.ts), read back here.
 * No port is chosen before the child binds it, so nothing can take it in between. The shop and
 * the load generator do not share an event loop, as in a real test.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startProcess, waitForHttp, waitForOutput, type RunningProcess } from './process.ts';
import { shopPortEnv } from '../demo/env.ts';
import { parseShopPortsLine, shopPortsLinePattern } from '../demo/lib/ports-line.ts';
import type { ShopPorts } from '../demo/lib/services.ts';
import { ephemeralShopPorts } from '../demo/shop.ts';

export interface DemoChild {
  process: RunningProcess;
  /** The ports the child bound. */
  ports: ShopPorts;
  /** http://127.0.0.1:<gateway> */
  gatewayUrl: string;
  stop(): Promise<void>;
}

/** Starts demo/main.ts with `env` over process.env (POOL_MODE, DEMO_RTT_MS...); resolves once /ready answers. */
export async function startDemoChild(opts: { name?: string; env?: NodeJS.ProcessEnv; logFile?: string; readyTimeoutMs?: number } = {}): Promise<DemoChild> {
  const timeoutMs = opts.readyTimeoutMs ?? 30_000;
  const proc = await startProcess({
    name: opts.name ?? 'demo shop',
    command: process.execPath,
    args: ['--import', 'tsx', join(import.meta.dirname, '../demo/main.ts')],
    env: { ...process.env, ...opts.env, ...shopPortEnv(ephemeralShopPorts()) },
    logFile: opts.logFile,
  });
  try {
    const line = await waitForOutput(proc, shopPortsLinePattern, timeoutMs);
    const ports = parseShopPortsLine(line[0]);
    if (!ports) throw new Error(`unreadable ports line: ${line[0]}`);
    const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
    let alive = true;
    void proc.exited.then(() => {
      alive = false;
    });
    await waitForHttp(`${gatewayUrl}/ready`, { timeoutMs, isAlive: () => alive });
    return { process: proc, ports, gatewayUrl, stop: () => proc.stop() };
  } catch (err) {
    await proc.stop();
    throw new Error(`${proc.name}: ${err instanceof Error ? err.message : String(err)}\n--- output ---\n${proc.output().slice(-4000)}`);
  }
}

export interface DemoProcess {
  /** Gateway origin, e.g. http://127.0.0.1:41234 (the k6 BASE_URL). */
  baseUrl: string;
  ports: ShopPorts;
  /** The admin endpoint (demo:fault's), e.g. http://127.0.0.1:41235. */
  adminUrl: string;
  process: RunningProcess;
  /** `npm run demo:fault -- <args>` against this shop; throws when it exits non-zero. */
  fault(...args: string[]): string;
  stop(): Promise<void>;
}

/** The shop as the k6 tests and benchmarks use it: POOL_MODE, DEMO_RTT_MS, rate limit off, other variables, and demo:fault. */
export async function startDemoProcess(opts: { poolMode?: 'pooled' | 'per-call'; rttMs?: number; env?: Record<string, string> } = {}): Promise<DemoProcess> {
  // The gateway's per-IP rate limit (50/s) is off unless opts.env turns it on: one load generator
  // on one address would measure the limiter, and whether a smoke run stays under it depends on
  // how fast the machine is (an idle 2-core machine ran the payment script at 52 requests/s).
  const env: NodeJS.ProcessEnv = { POOL_MODE: opts.poolMode ?? 'pooled', SECURITY_RATE_LIMIT_ENABLED: 'false' };
  if (opts.rttMs !== undefined) env.DEMO_RTT_MS = String(opts.rttMs);
  Object.assign(env, opts.env);
  const child = await startDemoChild({ name: `demo shop (${env.POOL_MODE})`, env });
  return {
    baseUrl: child.gatewayUrl,
    adminUrl: `http://127.0.0.1:${child.ports.admin}`,
    ports: child.ports,
    process: child.process,
    fault(...args) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../demo/fault.ts'), ...args], {
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
