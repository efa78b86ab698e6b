/**
 * The outbound side of one process role (gateway, order, payment): a typed client per backend it
 * calls, each fed by a ChannelPool or a PerCallDialer, and the live pool states for the health JSON.
 */
import type { ChannelCredentials, ChannelOptions, connectivityState } from '@grpc/grpc-js';
import { ChannelPool, PerCallDialer, type ChannelSource, type PoolMode } from './channels.ts';
import { ServiceClient, type CallObserver } from './client.ts';
import { poolKey, type ServiceName } from './services.ts';

export type Clients = { [S in ServiceName]: ServiceClient<S> };

export interface DownstreamOptions {
  mode: PoolMode;
  poolSize: number;
  credentials: ChannelCredentials;
  /** Extra channel options (TLS: the certificate's host name). */
  channelOptions?: ChannelOptions;
  deadlineMs: number;
  /** Port each backend is dialled on (127.0.0.1). */
  dialPorts: Record<ServiceName, number>;
  /** Period of the pools' repair loop (default 30 s, as the real gateway). */
  repairIntervalMs?: number;
  /** Told about every finished call (the gateway's gRPC client metrics). */
  observer?: CallObserver;
}

export class Downstreams<T extends ServiceName> {
  readonly clients: Pick<Clients, T>;
  private readonly pools = new Map<T, ChannelPool>();
  private readonly sources: ChannelSource[] = [];

  constructor(targets: readonly T[], options: DownstreamOptions) {
    const clients: Partial<Record<ServiceName, ServiceClient<ServiceName>>> = {};
    for (const service of targets) {
      const dial = { target: `127.0.0.1:${options.dialPorts[service]}`, credentials: options.credentials, options: options.channelOptions };
      let source: ChannelSource;
      if (options.mode === 'pooled') {
        const pool = new ChannelPool(dial, options.poolSize, options.repairIntervalMs);
        this.pools.set(service, pool);
        source = pool;
      } else {
        source = new PerCallDialer(dial);
      }
      this.sources.push(source);
      clients[service] = new ServiceClient(service, source, options.deadlineMs, options.observer);
    }
    this.clients = clients as Pick<Clients, T>;
  }

  /** Pool key -> live states; undefined when there is no pool manager (per-call mode). */
  poolStates(): Map<string, connectivityState[]> | undefined {
    if (this.pools.size === 0) return undefined;
    return new Map([...this.pools].map(([service, pool]) => [poolKey(service), pool.states()]));
  }

  /** Pools start their repair loops from here on (their channels connect on their first RPC). */
  startRepairLoops(): void {
    for (const pool of this.pools.values()) pool.startRepairLoop();
  }

  /** One repair pass of every pool now; returns the channels replaced. */
  repairNow(): number {
    return [...this.pools.values()].reduce((sum, pool) => sum + pool.repair(), 0);
  }

  close(): void {
    for (const source of this.sources) source.close();
  }
}
