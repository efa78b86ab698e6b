/**
 * One backend's gRPC listener, which fault injection can take down and bring back up, slow down,
 * and put behind an RTT proxy. Handlers stay the same objects across restarts, so data survives.
 */
import { Server, type ServerCredentials, type UntypedHandleCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { RpcObserver } from './backend-metrics.ts';
import { serviceDefinition } from './proto.ts';
import { RttProxy } from './rtt-proxy.ts';
import { grpcServiceOf, type ServiceName } from './services.ts';

export interface EndpointOptions {
  service: ServiceName;
  /** The port clients dial (the proxy's when rttMs > 0); 0: the kernel picks at the first up(). */
  port: number;
  implementation: UntypedServiceImplementation;
  credentials: ServerCredentials;
  rttMs: number;
  /** Address the gRPC server binds (default 127.0.0.1; 0.0.0.0 under compose, for blackbox_exporter). */
  bindHost?: string;
  /** Told about every handled RPC (the backend's own /metrics). */
  onRpc?: RpcObserver;
}

export interface EndpointState {
  grpc: 'up' | 'down';
  latency_ms: number;
  grpc_port: number;
  rpcs_handled: number;
}

export class GrpcEndpoint {
  private server: Server | undefined;
  private readonly proxy: RttProxy | undefined;
  private latencyMs = 0;
  private rpcsHandled = 0;
  private transition: Promise<void> = Promise.resolve();
  /** Calls waiting out the injected latency: a `down` drops them, as a killed process would. */
  private readonly delayed = new Set<NodeJS.Timeout>();
  /** The gRPC port bound by the first up() (without a proxy); a restart binds it again. */
  private boundPort = 0;

  constructor(private readonly options: EndpointOptions) {
    this.proxy = options.rttMs > 0 ? new RttProxy(options.port, options.rttMs) : undefined;
  }

  get service(): ServiceName {
    return this.options.service;
  }

  /** The port clients dial; with options.port 0, the one bound by the first up(). */
  get port(): number {
    return this.proxy ? this.proxy.port : this.boundPort || this.options.port;
  }

  state(): EndpointState {
    return { grpc: this.server ? 'up' : 'down', latency_ms: this.latencyMs, grpc_port: this.port, rpcs_handled: this.rpcsHandled };
  }

  /** Server-side delay added before every handler of this service (0 clears it). */
  setLatency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`${this.service}-service latency must be a number of ms >= 0, got ${ms}`);
    this.latencyMs = ms;
  }

  /** Up and down are serialised: a quick down/up from a script must not interleave. */
  up(): Promise<void> {
    this.transition = this.transition.catch(() => undefined).then(() => this.start());
    return this.transition;
  }

  down(): Promise<void> {
    this.transition = this.transition.catch(() => undefined).then(() => this.stop());
    return this.transition;
  }

  private async start(): Promise<void> {
    if (this.server) return;
    const server = new Server();
    server.addService(serviceDefinition(this.service), this.instrumented());
    // grpc.health.v1, as every real backend registers it: the server ('') and its service SERVING.
    // A stopped endpoint has no server at all, so a health check gets UNAVAILABLE.
    new HealthImplementation({ '': 'SERVING', [`shop.v1.${grpcServiceOf[this.service]}`]: 'SERVING' }).addToServer(server);
    const bindPort = this.proxy ? 0 : this.port;
    // Behind the RTT proxy the server itself stays on loopback; the proxy is what clients dial.
    const bindHost = this.proxy ? '127.0.0.1' : (this.options.bindHost ?? '127.0.0.1');
    const boundPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${bindHost}:${bindPort}`, this.options.credentials, (err, port) => {
        if (err) reject(new Error(`${this.service}-service: cannot bind gRPC on ${bindHost}:${bindPort}: ${err.message}`));
        else resolve(port);
      });
    });
    this.server = server;
    if (this.proxy) await this.proxy.start(boundPort);
    else this.boundPort = boundPort;
  }

  private async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
    if (this.proxy) await this.proxy.stop();
    // forceShutdown: like a killed process, open connections drop at once.
    server.forceShutdown();
  }

  /** Wraps every handler: count it, then apply the injected latency. */
  private instrumented(): UntypedServiceImplementation {
    const wrapped: UntypedServiceImplementation = {};
    for (const [name, handler] of Object.entries(this.options.implementation)) {
      wrapped[name] = this.wrap(name, handler);
    }
    return wrapped;
  }

  private wrap(method: string, handler: UntypedHandleCall): UntypedHandleCall {
    if (typeof handler !== 'function') throw new Error(`${this.service}-service: only unary handlers are supported`);
    const unaryHandler = handler as (call: unknown, callback: unknown) => void;
    const wrapped = (call: unknown, reply: unknown): void => {
      this.rpcsHandled += 1;
      const started = performance.now();
      const callback = (err: unknown, ...rest: unknown[]): void => {
        this.options.onRpc?.(method, err === null || err === undefined, (performance.now() - started) / 1000);
        if (typeof reply === 'function') reply(err, ...rest);
      };
      const delay = this.latencyMs;
      if (delay > 0) {
        const timer = setTimeout(() => {
          this.delayed.delete(timer);
          unaryHandler(call, callback);
        }, delay);
        this.delayed.add(timer);
      } else {
        unaryHandler(call, callback);
      }
    };
    return wrapped as UntypedHandleCall;
  }
}
