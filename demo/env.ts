/** ShopOptions from environment variables (docs/demo.md lists them). Bad values are errors, never ignored. */
import type { ShopOptions } from './shop.ts';
import { realRateLimit } from '../k6/lib/contract.ts';
import { parseDefects } from './gateway/defects.ts';
import { defaultShopPorts, serviceNames, type ServiceName, type ShopPorts } from './lib/services.ts';

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name}=${raw}: an integer from ${min} to ${max} is expected`);
  return value;
}

function flag(env: Env, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new Error(`${name}=${raw}: expected 1/0, true/false, yes/no or on/off`);
}

type PortKind = 'HEALTH_PORT' | 'GRPC_PORT';
const portVariable = (service: ServiceName, kind: PortKind): string => `DEMO_${service.toUpperCase()}_${kind}`;

function perService(env: Env, kind: PortKind): Partial<Record<ServiceName, number>> {
  const ports: Partial<Record<ServiceName, number>> = {};
  for (const service of serviceNames) {
    const port = integer(env, portVariable(service, kind), 0, 65_535);
    if (port !== undefined) ports[service] = port;
  }
  return ports;
}

/** The inverse for ports: the variables that make a `npm run demo` child process use these ports. */
export function shopPortEnv(ports: ShopPorts): Record<string, string> {
  const env: Record<string, string> = { DEMO_GATEWAY_PORT: String(ports.gateway), DEMO_ADMIN_PORT: String(ports.admin) };
  for (const service of serviceNames) {
    env[portVariable(service, 'HEALTH_PORT')] = String(ports.health[service]);
    env[portVariable(service, 'GRPC_PORT')] = String(ports.grpc[service]);
  }
  return env;
}

export function shopOptionsFromEnv(env: Env): ShopOptions {
  const mode = env.POOL_MODE;
  if (mode !== undefined && mode !== '' && mode !== 'pooled' && mode !== 'per-call') {
    throw new Error(`POOL_MODE=${mode}: expected pooled or per-call`);
  }
  // DEMO_PORT_OFFSET moves every default port, so a second shop (the per-call baseline) runs
  // beside the stack's; a port named explicitly still wins. 0: the kernel picks the port, and
  // `npm run demo` prints the ones it got (demo/lib/ports-line.ts).
  const offset = integer(env, 'DEMO_PORT_OFFSET', 0, 10_000) ?? 0;
  const shift = (all: Record<ServiceName, number>): Record<ServiceName, number> =>
    Object.fromEntries(serviceNames.map((s) => [s, all[s] + offset])) as Record<ServiceName, number>;
  const ports: NonNullable<ShopOptions['ports']> = {
    health: { ...(offset ? shift(defaultShopPorts.health) : {}), ...perService(env, 'HEALTH_PORT') },
    grpc: { ...(offset ? shift(defaultShopPorts.grpc) : {}), ...perService(env, 'GRPC_PORT') },
  };
  const gateway = integer(env, 'DEMO_GATEWAY_PORT', 0, 65_535) ?? (offset ? defaultShopPorts.gateway + offset : undefined);
  const admin = integer(env, 'DEMO_ADMIN_PORT', 0, 65_535) ?? (offset ? defaultShopPorts.admin + offset : undefined);
  if (gateway !== undefined) ports.gateway = gateway;
  if (admin !== undefined) ports.admin = admin;
  const options: ShopOptions = { ports };
  if (mode === 'pooled' || mode === 'per-call') options.poolMode = mode;
  const poolSize = integer(env, 'POOL_SIZE', 1, 100);
  if (poolSize !== undefined) options.poolSize = poolSize;
  const tls = flag(env, 'DEMO_TLS');
  if (tls !== undefined) options.tls = tls;
  const rtt = integer(env, 'DEMO_RTT_MS', 0, 10_000);
  if (rtt !== undefined) options.rttMs = rtt;
  const deadline = integer(env, 'DEMO_RPC_DEADLINE_MS', 1, 600_000);
  if (deadline !== undefined) options.rpcDeadlineMs = deadline;
  const repair = integer(env, 'DEMO_POOL_REPAIR_INTERVAL_MS', 100, 3_600_000);
  if (repair !== undefined) options.repairIntervalMs = repair;
  if (env.DEMO_API_PREFIX) options.apiPrefix = env.DEMO_API_PREFIX;
  if (env.DEMO_BIND_HOST) options.bindHost = env.DEMO_BIND_HOST;
  // The real gateway's variable names, so one .env serves both.
  const rps = env[realRateLimit.envRps];
  if (rps !== undefined && rps !== '') {
    const value = Number(rps);
    if (!(value > 0)) throw new Error(`${realRateLimit.envRps}=${rps}: a number > 0 is expected`);
  }
  const burst = integer(env, realRateLimit.envBurst, 1, 10_000_000);
  if (flag(env, realRateLimit.envEnabled) === false) options.rateLimit = null;
  else if ((rps !== undefined && rps !== '') || burst !== undefined) {
    options.rateLimit = { requestsPerSecond: rps ? Number(rps) : realRateLimit.requestsPerSecond, burst: burst ?? realRateLimit.burst };
  }
  if (env.DEMO_DEFECTS) options.defects = parseDefects(env.DEMO_DEFECTS);
  return options;
}
