/**
 * `npm run demo` as a child process on ports the kernel picks (every DEMO_*_PORT=0), for tests
 * and benchmarks: the shop prints the ports it bound (demo/lib/ports-line.ts), read back here.
 * No port is chosen before the child binds it, so nothing can take it in between.
 */
import { join } from 'node:path';
import { startProcess, waitForHttp, waitForOutput, type RunningProcess } from '../scripts/lib/process.ts';
import { shopPortEnv } from './env.ts';
import { parseShopPortsLine, shopPortsLinePattern } from './lib/ports-line.ts';
import type { ShopPorts } from './lib/services.ts';
import { ephemeralShopPorts } from './shop.ts';

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
    args: ['--import', 'tsx', join(import.meta.dirname, 'main.ts')],
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
