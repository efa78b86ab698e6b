/**
 * startShop(): the whole demo shop in this process — six gRPC backends on their own ports, the
 * HTTP health ports, the API gateway and the admin endpoint. Every hop between them is real gRPC
 * over TCP on 127.0.0.1 through the pools (or per-call channels). Tests, the benchmark, the k6
 * harness and `npm run demo` all start it through here.
 */
import { credentials, ServerCredentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import type { Server } from 'node:http';
import { demoTargetName, type DemoTargetName } from '../contract/targets.ts';
import { createAdminApp, type FaultAction } from './admin.ts';
import { createGatewayApp } from './gateway/app.ts';
import { createHealthApp } from './health-server.ts';
import { noDefects, type Defects } from './gateway/defects.ts';
import type { RateLimit } from './gateway/rate-limit.ts';
import { realRateLimit } from '../k6/lib/contract.ts';
import { DEFAULT_REPAIR_INTERVAL_MS, type PoolMode } from './lib/channels.ts';
import { GatewayMetrics } from './gateway/metrics.ts';
import { BackendMetrics } from './lib/backend-metrics.ts';
import { Downstreams, type Clients } from './lib/downstreams.ts';
import { GrpcEndpoint } from './lib/endpoint.ts';
import { boundPort, closeServer, listen } from './lib/http.ts';
import { defaultShopPorts, poolsOf, serviceNames, type ServiceName, type ShopPorts } from './lib/services.ts';
import { generateSelfSignedCert } from './lib/tls.ts';
import { createInventoryService } from './services/inventory.ts';
import { createNotificationService } from './services/notification.ts';
import { createOrderService } from './services/order.ts';
import { createPaymentService } from './services/payment.ts';
import { createProductService } from './services/product.ts';
import { createUserService } from './services/user.ts';

export interface ShopPortOverrides {
  gateway?: number;
  admin?: number;
  health?: Partial<Record<ServiceName, number>>;
  grpc?: Partial<Record<ServiceName, number>>;
}

export interface ShopOptions {
  /**
   * Missing entries take the defaults (8000, 8099, 9001-9006, 50051-50056). 0: the kernel picks
   * a port (ephemeralShopPorts()); RunningShop.options.ports then holds the ports it got.
   */
  ports?: ShopPortOverrides;
  /** Default 'pooled'. */
  poolMode?: PoolMode;
  /** Channels per pool, default 5. */
  poolSize?: number;
  /** gRPC over TLS with a self-signed certificate made at start. Default false. */
  tls?: boolean;
  /** Simulated network round trip on every gRPC connection (delaying proxy). Default 0. */
  rttMs?: number;
  /** Default '/api/v1'. */
  apiPrefix?: string;
  /** Deadline of every internal RPC, default 5000 ms. */
  rpcDeadlineMs?: number;
  /** Address of the gateway and health HTTP listeners, default 127.0.0.1 (admin is always 127.0.0.1). */
  bindHost?: string;
  /** Clients dial these ports instead of ports.grpc (tests put a counting proxy in between). */
  dialPorts?: Partial<Record<ServiceName, number>>;
  /** The gateway's per-IP rate limit; default the real gateway's (50/s, burst 100); null: off. */
  rateLimit?: RateLimit | null;
  /** Upstream defects to reproduce from the start (default none; the admin endpoint flips them). */
  defects?: Partial<Defects>;
  /** Period of the pools' repair loop, default 30 000 ms as the real gateway's. */
  repairIntervalMs?: number;
}

export interface ResolvedShopOptions {
  /** As asked by resolveShopOptions(); on a RunningShop, the ports bound (never 0). */
  ports: ShopPorts;
  poolMode: PoolMode;
  poolSize: number;
  tls: boolean;
  rttMs: number;
  apiPrefix: string;
  rpcDeadlineMs: number;
  bindHost: string;
  rateLimit: RateLimit | null;
  repairIntervalMs: number;
}

export interface ShopUrls {
  gateway: string;
  /** gateway + apiPrefix */
  api: string;
  admin: string;
  health: Record<ServiceName, string>;
  /** GET /health/pools/detailed targets, keyed by the target names they are probed as (contract/targets.ts). */
  poolHealth: Record<DemoTargetName, string>;
}

export interface RunningShop {
  options: ResolvedShopOptions;
  urls: ShopUrls;
  /** The same operations as the admin endpoint, without HTTP. */
  fault(service: ServiceName, action: FaultAction, latencyMs?: number): Promise<void>;
  /** Live defect switches of the gateway (as the admin endpoint flips them). */
  defects: Defects;
  /** One pass of every pool's repair loop now (tests; the loop itself runs every repairIntervalMs). */
  repairPools(): number;
  stop(): Promise<void>;
}

export function resolveShopOptions(options: ShopOptions = {}): ResolvedShopOptions {
  const ports: ShopPorts = {
    gateway: options.ports?.gateway ?? defaultShopPorts.gateway,
    admin: options.ports?.admin ?? defaultShopPorts.admin,
    health: { ...defaultShopPorts.health, ...options.ports?.health },
    grpc: { ...defaultShopPorts.grpc, ...options.ports?.grpc },
  };
  const resolved: ResolvedShopOptions = {
    ports,
    poolMode: options.poolMode ?? 'pooled',
    poolSize: options.poolSize ?? 5,
    tls: options.tls ?? false,
    rttMs: options.rttMs ?? 0,
    apiPrefix: options.apiPrefix ?? '/api/v1',
    rpcDeadlineMs: options.rpcDeadlineMs ?? 5_000,
    bindHost: options.bindHost ?? '127.0.0.1',
    repairIntervalMs: options.repairIntervalMs ?? DEFAULT_REPAIR_INTERVAL_MS,
    rateLimit: options.rateLimit === undefined ? { requestsPerSecond: realRateLimit.requestsPerSecond, burst: realRateLimit.burst } : options.rateLimit,
  };
  if (!Number.isInteger(resolved.repairIntervalMs) || resolved.repairIntervalMs < 100) throw new Error(`demo shop: repairIntervalMs must be an integer >= 100, got ${resolved.repairIntervalMs}`);
  if (resolved.rateLimit && !(resolved.rateLimit.requestsPerSecond > 0 && resolved.rateLimit.burst >= 1)) {
    throw new Error(`demo shop: rateLimit needs requestsPerSecond > 0 and burst >= 1, got ${JSON.stringify(resolved.rateLimit)}`);
  }
  if (resolved.poolMode !== 'pooled' && resolved.poolMode !== 'per-call') throw new Error(`demo shop: poolMode must be pooled or per-call, got ${String(resolved.poolMode)}`);
  if (!Number.isInteger(resolved.poolSize) || resolved.poolSize < 1 || resolved.poolSize > 100) throw new Error(`demo shop: poolSize must be an integer from 1 to 100, got ${resolved.poolSize}`);
  if (!Number.isFinite(resolved.rttMs) || resolved.rttMs < 0) throw new Error(`demo shop: rttMs must be >= 0, got ${resolved.rttMs}`);
  if (!Number.isFinite(resolved.rpcDeadlineMs) || resolved.rpcDeadlineMs <= 0) throw new Error(`demo shop: rpcDeadlineMs must be > 0, got ${resolved.rpcDeadlineMs}`);
  if (!resolved.apiPrefix.startsWith('/')) throw new Error(`demo shop: apiPrefix must start with /, got ${resolved.apiPrefix}`);
  const all = [ports.gateway, ports.admin, ...Object.values(ports.health), ...Object.values(ports.grpc)];
  for (const port of all) {
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`demo shop: invalid port ${port}`);
  }
  const duplicate = all.find((port, i) => port !== 0 && all.indexOf(port) !== i);
  if (duplicate !== undefined) throw new Error(`demo shop: port ${duplicate} is assigned twice`);
  return resolved;
}

/**
 * Every port 0: each listener takes the port the kernel gives it, and the running shop reports
 * them (RunningShop.options.ports; `npm run demo` prints shopPortsLine). Never a port found free
 * and released before use: another process can take it in between (docs/testing.md).
 */
export function ephemeralShopPorts(): ShopPorts {
  const zero = (): Record<ServiceName, number> => Object.fromEntries(serviceNames.map((s) => [s, 0])) as Record<ServiceName, number>;
  return { gateway: 0, admin: 0, health: zero(), grpc: zero() };
}

/**
 * Clients whose services are filled in later: the order and payment services call each other,
 * and both listen (on ports perhaps picked by the kernel) before anyone can dial them.
 */
function lateClients<T extends ServiceName>(targets: readonly T[]): { clients: Pick<Clients, T>; resolve(real: Pick<Clients, T>): void } {
  let real: Pick<Clients, T> | undefined;
  const clients = {} as Pick<Clients, T>;
  for (const service of targets) {
    Object.defineProperty(clients, service, {
      enumerable: true,
      get: () => {
        if (!real) throw new Error(`demo shop: ${service}-service client used before the shop was wired`);
        return real[service];
      },
    });
  }
  return { clients, resolve: (r) => (real = r) };
}

export async function startShop(options: ShopOptions = {}): Promise<RunningShop> {
  const resolved = resolveShopOptions(options);
  const { ports, poolMode, poolSize, rttMs, rpcDeadlineMs, bindHost } = resolved;

  let serverCredentials = ServerCredentials.createInsecure();
  let channelCredentials: ChannelCredentials = credentials.createInsecure();
  let channelOptions: ChannelOptions = {};
  if (resolved.tls) {
    // Dial 127.0.0.1 but check the certificate as "localhost": SNI may not carry an IP address.
    channelOptions = { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' };
    const cert = await generateSelfSignedCert();
    serverCredentials = ServerCredentials.createSsl(null, [{ cert_chain: cert.certPem, private_key: cert.keyPem }], false);
    channelCredentials = credentials.createSsl(cert.certPem);
  }

  const orderCalls = lateClients(poolsOf.order);
  const paymentCalls = lateClients(poolsOf.payment);
  const implementations = {
    user: createUserService(),
    product: createProductService(),
    order: createOrderService(orderCalls.clients),
    payment: createPaymentService(paymentCalls.clients),
    inventory: createInventoryService(),
    notification: createNotificationService(),
  };
  const backendMetrics = Object.fromEntries(serviceNames.map((service) => [service, new BackendMetrics(service)])) as Record<ServiceName, BackendMetrics>;
  const gatewayMetrics = new GatewayMetrics();
  const endpoints = Object.fromEntries(
    serviceNames.map((service) => [
      service,
      new GrpcEndpoint({
        service,
        port: ports.grpc[service],
        implementation: implementations[service],
        credentials: serverCredentials,
        rttMs,
        bindHost,
        onRpc: backendMetrics[service].observe,
      }),
    ]),
  ) as Record<ServiceName, GrpcEndpoint>;
  const allOut: Pick<Downstreams<ServiceName>, 'startRepairLoops' | 'repairNow' | 'close'>[] = [];

  const defects: Defects = { ...noDefects(), ...options.defects };
  const httpServers: Server[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(httpServers.map(closeServer));
    for (const out of allOut) out.close();
    await Promise.all(serviceNames.map((service) => endpoints[service].down()));
  };

  const bound: ShopPorts = { gateway: 0, admin: 0, health: { ...ports.health }, grpc: { ...ports.grpc } };
  try {
    await Promise.all(serviceNames.map((service) => endpoints[service].up()));
    for (const service of serviceNames) bound.grpc[service] = endpoints[service].port;
    // Dial the ports the backends got (port 0 asks the kernel), unless a test put a proxy between.
    const dialPorts = { ...bound.grpc, ...options.dialPorts };
    const downstreamOptions = { mode: poolMode, poolSize, credentials: channelCredentials, channelOptions, deadlineMs: rpcDeadlineMs, dialPorts, repairIntervalMs: resolved.repairIntervalMs };
    const gatewayOut = new Downstreams(poolsOf.gateway, { ...downstreamOptions, observer: gatewayMetrics.observeCall });
    const orderOut = new Downstreams(poolsOf.order, downstreamOptions);
    const paymentOut = new Downstreams(poolsOf.payment, downstreamOptions);
    allOut.push(gatewayOut, orderOut, paymentOut);
    orderCalls.resolve(orderOut.clients);
    paymentCalls.resolve(paymentOut.clients);
    for (const out of allOut) out.startRepairLoops();
    const poolStatesOf: Partial<Record<ServiceName, () => ReturnType<typeof orderOut.poolStates>>> = {
      order: () => orderOut.poolStates(),
      payment: () => paymentOut.poolStates(),
    };
    for (const service of serviceNames) {
      const app = createHealthApp(endpoints[service], poolStatesOf[service], poolMode, backendMetrics[service]);
      const server = await listen(app, ports.health[service], bindHost, `${service}-service health`);
      httpServers.push(server);
      bound.health[service] = boundPort(server);
    }
    const gateway = createGatewayApp({ clients: gatewayOut.clients, poolStates: () => gatewayOut.poolStates(), poolMode, apiPrefix: resolved.apiPrefix, rateLimit: resolved.rateLimit, defects, metrics: gatewayMetrics });
    const gatewayServer = await listen(gateway, ports.gateway, bindHost, 'api-gateway');
    httpServers.push(gatewayServer);
    bound.gateway = boundPort(gatewayServer);
    const adminServer = await listen(createAdminApp(endpoints, defects), ports.admin, '127.0.0.1', 'demo admin');
    httpServers.push(adminServer);
    bound.admin = boundPort(adminServer);
  } catch (err) {
    await stop();
    throw err;
  }

  const host = bindHost === '0.0.0.0' ? '127.0.0.1' : bindHost;
  const gatewayUrl = `http://${host}:${bound.gateway}`;
  const healthUrl = (service: ServiceName): string => `http://${host}:${bound.health[service]}`;
  return {
    defects,
    options: { ...resolved, ports: bound },
    urls: {
      gateway: gatewayUrl,
      api: `${gatewayUrl}${resolved.apiPrefix}`,
      admin: `http://127.0.0.1:${bound.admin}`,
      health: Object.fromEntries(serviceNames.map((s) => [s, healthUrl(s)])) as Record<ServiceName, string>,
      poolHealth: {
        [demoTargetName.apiGateway]: `${gatewayUrl}/health/pools/detailed`,
        [demoTargetName.orderService]: `${healthUrl('order')}/health/pools/detailed`,
        [demoTargetName.paymentService]: `${healthUrl('payment')}/health/pools/detailed`,
      },
    },
    repairPools: () => allOut.reduce((sum, out) => sum + out.repairNow(), 0),
    async fault(service, action, latencyMs = 0) {
      const endpoint = endpoints[service];
      if (action === 'down') await endpoint.down();
      else if (action === 'up') await endpoint.up();
      else endpoint.setLatency(latencyMs);
    },
    stop,
  };
}
