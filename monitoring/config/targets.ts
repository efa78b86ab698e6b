/**
 * Target presets: what the stack watches in a system. One preset feeds the pool exporter's target
 * list and Prometheus' scrape jobs (the services' own /metrics, blackbox_exporter's gRPC health
 * probes) in compose and in native mode, so the three can never name different services.
 *
 * Hosts are not part of a preset: they come from one setting (TARGET_HOST, scripts/stack/settings.ts):
 * 127.0.0.1 natively, each endpoint's compose service name (`composeHost`) or one host such as
 * host.docker.internal under compose.
 */
import { demoPoolTargetPortEnv, demoPoolTargets, demoShopPorts, ports } from './stack.ts';

export interface TargetEndpoint {
  /** The `service` label of every series from this endpoint (the pool exporter's target name for pool health). */
  service: string;
  port: number;
  /** Environment variable that moves this port (the demo shop's own port variables); none for a fixed port. */
  portEnv?: string;
  /** Host name of this endpoint inside a compose network (its compose service name). */
  composeHost: string;
}

export interface TargetPreset {
  /** Which system this preset describes (README table). */
  description: string;
  /** GET /health/pools/detailed, read through the pool exporter. */
  poolHealth: readonly TargetEndpoint[];
  /** Prometheus exposition on GET /metrics (one scrape job, `service` label). */
  metrics: readonly TargetEndpoint[];
  /** grpc.health.v1.Health/Check, probed by blackbox_exporter's grpc prober. */
  grpcHealth: readonly TargetEndpoint[];
}

const demoServices = ['user', 'product', 'order', 'inventory', 'payment', 'notification'] as const;
const upper = (name: string): string => name.toUpperCase();

/** The demo shop (`npm run demo`): everything runs in one process, reachable as `demo` under compose. */
const demo: TargetPreset = {
  description: 'the demo shop of this repository (`npm run demo`, compose profile `demo`)',
  poolHealth: Object.entries(demoPoolTargets).map(([service, hostPort]) => ({
    service,
    port: Number(hostPort.split(':').at(-1)),
    portEnv: demoPoolTargetPortEnv[service as keyof typeof demoPoolTargets],
    composeHost: 'demo',
  })),
  metrics: [
    { service: 'api-gateway', port: ports.demoGateway, portEnv: 'DEMO_GATEWAY_PORT', composeHost: 'demo' },
    ...demoServices.map((s) => ({ service: `${s}-service`, port: demoShopPorts.health[s], portEnv: `DEMO_${upper(s)}_HEALTH_PORT`, composeHost: 'demo' })),
  ],
  grpcHealth: demoServices.map((s) => ({ service: `${s}-service`, port: demoShopPorts.grpc[s], portEnv: `DEMO_${upper(s)}_GRPC_PORT`, composeHost: 'demo' })),
};

/**
 * datngth03/ecommerce-go-app as its docker-compose.yaml and services' cmd/main.go lay it out: only
 * the gateway serves pool health; every service serves /metrics on its HTTP port (80xx) and
 * grpc.health.v1 on its gRPC port (90xx). notification-service (8004/9004) is left out: the
 * gateway has no route to it and it needs SMTP to start; add it as in README "Add a service".
 */
const ecommerceGoApp: TargetPreset = {
  description: 'datngth03/ecommerce-go-app: Go API gateway on :8000, services on :8001-:8006 (HTTP) and :9001-:9006 (gRPC)',
  poolHealth: [{ service: 'api-gateway', port: 8000, composeHost: 'api-gateway' }],
  metrics: [
    { service: 'api-gateway', port: 8000, composeHost: 'api-gateway' },
    { service: 'user-service', port: 8001, composeHost: 'user-service' },
    { service: 'product-service', port: 8002, composeHost: 'product-service' },
    { service: 'order-service', port: 8003, composeHost: 'order-service' },
    { service: 'inventory-service', port: 8005, composeHost: 'inventory-service' },
    { service: 'payment-service', port: 8006, composeHost: 'payment-service' },
  ],
  grpcHealth: [
    { service: 'user-service', port: 9001, composeHost: 'user-service' },
    { service: 'product-service', port: 9002, composeHost: 'product-service' },
    { service: 'order-service', port: 9003, composeHost: 'order-service' },
    { service: 'inventory-service', port: 9005, composeHost: 'inventory-service' },
    { service: 'payment-service', port: 9006, composeHost: 'payment-service' },
  ],
};

export const targetPresets = { demo, 'ecommerce-go-app': ecommerceGoApp } as const satisfies Record<string, TargetPreset>;
export type TargetPresetName = keyof typeof targetPresets;
export const defaultTargetPreset: TargetPresetName = 'demo';

export function targetPreset(name: string): TargetPreset {
  if (!Object.hasOwn(targetPresets, name)) {
    throw new Error(`unknown target preset ${JSON.stringify(name)}; one of ${Object.keys(targetPresets).join(', ')}`);
  }
  return targetPresets[name as TargetPresetName];
}

/** How the host of every endpoint is chosen: one host for all, or each endpoint's compose service name. */
export type TargetHost = { kind: 'host'; host: string } | { kind: 'compose-service' };

/** A target with its host and port decided (ports from the environment where the preset allows it). */
export interface ResolvedTarget {
  service: string;
  /** host:port */
  address: string;
}

const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/;

export function checkHost(host: string, what: string): string {
  if (!HOST.test(host)) throw new Error(`${what}: ${JSON.stringify(host)} is not a host name or IPv4 address`);
  return host;
}

export function portOf(endpoint: TargetEndpoint, env: Record<string, string | undefined>): number {
  const raw = endpoint.portEnv ? env[endpoint.portEnv] : undefined;
  if (raw === undefined || raw === '') return endpoint.port;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`${endpoint.portEnv} must be a TCP port (1-65535), got "${raw}"`);
  return port;
}

export function resolveTargets(endpoints: readonly TargetEndpoint[], host: TargetHost, env: Record<string, string | undefined> = {}): ResolvedTarget[] {
  return endpoints.map((endpoint) => ({
    service: endpoint.service,
    address: `${host.kind === 'host' ? checkHost(host.host, 'TARGET_HOST') : endpoint.composeHost}:${portOf(endpoint, env)}`,
  }));
}
