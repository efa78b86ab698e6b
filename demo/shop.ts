/**
 * startShop(): the whole demo shop in this process — six gRPC backends on their own ports, the
 * HTTP health ports, the API gateway and the admin endpoint. Every hop between them is real gRPC
 * over TCP on 127.0.0.1 through the pools (or per-call channels). Tests, the benchmark, the k6
 * harness and `npm run demo` all start it through here.
 */
import { credentials, ServerCredentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import type { Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { demoTargetName, type DemoTargetName } from '../contract/targets.ts';
import { createAdminApp, type FaultAction } from './admin.ts';
import { createGatewayApp } from './gateway/app.ts';
import { createHealthApp } from './health-server.ts';
import { noDefects, type Defects } from './gateway/defects.ts';
import type { RateLimit } from './gateway/rate-limit.ts';
import { realRateLimit } from '../k6/lib/contract.ts';
import type { PoolMode } from './lib/channels.ts';
import { Downstreams } from './lib/downstreams.ts';
import { GrpcEndpoint } from './lib/endpoint.ts';
import { closeServer, listen } from './lib/http.ts';
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
  /** Missing entries take the defaults (8000, 8099, 9001-9006, 50051-50056). */
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
}

export interface ResolvedShopOptions {
  ports: ShopPorts;
  poolMode: PoolMode;
  poolSize: number;
  tls: boolean;
  rttMs: number;
  apiPrefix: string;
  rpcDeadlineMs: number;
  bindHost: string;
  rateLimit: RateLimit | null;
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
    rateLimit: options.rateLimit === undefined ? { requestsPerSecond: realRateLimit.requestsPerSecond, burst: realRateLimit.burst } : options.rateLimit,
  };
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
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`demo shop: invalid port ${port}`);
  }
  const duplicate = all.find((port, i) => all.indexOf(port) !== i);
  if (duplicate !== undefined) throw new Error(`demo shop: port ${duplicate} is assigned twice`);
  return resolved;
}

/**
 * Fourteen distinct free ports on 127.0.0.1, so a test shop never collides with a running one.
 * All fourteen are held open together before any is released: asking one at a time can hand out
 * the same port twice.
 */
export async function freeShopPorts(): Promise<ShopPorts> {
  const count = 2 + 2 * serviceNames.length;
  const held = await Promise.all(Array.from({ length: count }, () => holdFreePort()));
  await Promise.all(held.map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve()))));
  const ports = held.map(({ port }) => port);
  const take = (): number => {
    const port = ports.shift();
    if (port === undefined) throw new Error('freeShopPorts: ran out of ports');
    return port;
  };
  const perService = (): Record<ServiceName, number> => Object.fromEntries(serviceNames.map((s) => [s, take()])) as Record<ServiceName, number>;
  return { gateway: take(), admin: take(), health: perService(), grpc: perService() };
}

function holdFreePort(): Promise<{ server: NetServer; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('freeShopPorts: no TCP port was assigned'));
      else resolve({ server, port: address.port });
    });
  });
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

  const dialPorts = { ...ports.grpc, ...options.dialPorts };
  const downstreamOptions = { mode: poolMode, poolSize, credentials: channelCredentials, channelOptions, deadlineMs: rpcDeadlineMs, dialPorts };
  const gatewayOut = new Downstreams(poolsOf.gateway, downstreamOptions);
  const orderOut = new Downstreams(poolsOf.order, downstreamOptions);
  const paymentOut = new Downstreams(poolsOf.payment, downstreamOptions);
  const allOut = [gatewayOut, orderOut, paymentOut];

  const implementations = {
    user: createUserService(),
    product: createProductService(),
    order: createOrderService(orderOut.clients),
    payment: createPaymentService(paymentOut.clients),
    inventory: createInventoryService(),
    notification: createNotificationService(),
  };
  const endpoints = Object.fromEntries(
    serviceNames.map((service) => [
      service,
      new GrpcEndpoint({ service, port: ports.grpc[service], implementation: implementations[service], credentials: serverCredentials, rttMs }),
    ]),
  ) as Record<ServiceName, GrpcEndpoint>;

  const defects: Defects = { ...noDefects(), ...options.defects };
  const httpServers: Server[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(httpServers.map(closeServer));
    for (const out of allOut) out.close();
    await Promise.all(serviceNames.map((service) => endpoints[service].down()));
  };

  try {
    await Promise.all(serviceNames.map((service) => endpoints[service].up()));
    for (const out of allOut) out.warm();
    const poolStatesOf: Partial<Record<ServiceName, () => ReturnType<typeof orderOut.poolStates>>> = {
      order: () => orderOut.poolStates(),
      payment: () => paymentOut.poolStates(),
    };
    for (const service of serviceNames) {
      const app = createHealthApp(endpoints[service], poolStatesOf[service], poolMode);
      httpServers.push(await listen(app, ports.health[service], bindHost, `${service}-service health`));
    }
    const gateway = createGatewayApp({ clients: gatewayOut.clients, poolStates: () => gatewayOut.poolStates(), poolMode, apiPrefix: resolved.apiPrefix, rateLimit: resolved.rateLimit, defects });
    httpServers.push(await listen(gateway, ports.gateway, bindHost, 'api-gateway'));
    httpServers.push(await listen(createAdminApp(endpoints, defects), ports.admin, '127.0.0.1', 'demo admin'));
  } catch (err) {
    await stop();
    throw err;
  }

  const host = bindHost === '0.0.0.0' ? '127.0.0.1' : bindHost;
  const gatewayUrl = `http://${host}:${ports.gateway}`;
  const healthUrl = (service: ServiceName): string => `http://${host}:${ports.health[service]}`;
  return {
    defects,
    options: resolved,
    urls: {
      gateway: gatewayUrl,
      api: `${gatewayUrl}${resolved.apiPrefix}`,
      admin: `http://127.0.0.1:${ports.admin}`,
      health: Object.fromEntries(serviceNames.map((s) => [s, healthUrl(s)])) as Record<ServiceName, string>,
      poolHealth: {
        [demoTargetName.apiGateway]: `${gatewayUrl}/health/pools/detailed`,
        [demoTargetName.orderService]: `${healthUrl('order')}/health/pools/detailed`,
        [demoTargetName.paymentService]: `${healthUrl('payment')}/health/pools/detailed`,
      },
    },
    async fault(service, action, latencyMs = 0) {
      const endpoint = endpoints[service];
      if (action === 'down') await endpoint.down();
      else if (action === 'up') await endpoint.up();
      else endpoint.setLatency(latencyMs);
    },
    stop,
  };
}
