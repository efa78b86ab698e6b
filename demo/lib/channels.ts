/**
 * Where an RPC gets its channel: a persistent round-robin pool (POOL_MODE=pooled) or a fresh
 * channel per RPC (POOL_MODE=per-call, the baseline the pool is measured against).
 */
import { Client, connectivityState, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';

export type PoolMode = 'pooled' | 'per-call';

export interface Lease {
  client: Client;
  /** Call once the RPC has finished. */
  done(): void;
}

export interface ChannelSource {
  lease(): Lease;
  close(): void;
}

export interface DialSettings {
  /** host:port */
  target: string;
  credentials: ChannelCredentials;
  /** Merged over channelOptions (TLS sets the name the certificate is checked against). */
  options?: ChannelOptions;
}

/**
 * grpc-js shares one subchannel (one TCP connection) between all channels with the same target
 * and options. A local subchannel pool per channel makes each pooled channel its own connection
 * and makes a per-call channel really dial. Short reconnect backoff: a channel in
 * TRANSIENT_FAILURE sees its server back within about two seconds.
 */
export const channelOptions: ChannelOptions = {
  'grpc.use_local_subchannel_pool': 1,
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 2_000,
};

/** The real gateway's repair period (grpcpool.ConnectionPool.healthCheck ticks every 30 s). */
export const DEFAULT_REPAIR_INTERVAL_MS = 30_000;

/**
 * `size` persistent channels, as datngth03/ecommerce-go-app's grpcpool.ConnectionPool keeps them:
 * - every channel starts IDLE and connects on its first RPC (grpc.NewClient), so a fresh pool is
 *   5 IDLE; a READY channel whose server goes away falls back to IDLE, and stays there until an RPC
 *   tries it (then TRANSIENT_FAILURE, reconnecting on its own backoff);
 * - leases go round-robin over all channels whatever their state (the gateway's pool.Get());
 * - every `repairIntervalMs` a channel in TRANSIENT_FAILURE or SHUTDOWN is closed and replaced by a
 *   new, IDLE one (the pool's healthCheck loop), which the health JSON then counts as healthy.
 */
export class ChannelPool implements ChannelSource {
  private readonly clients: Client[];
  private next = 0;
  private repairTimer: NodeJS.Timeout | undefined;
  /** Channels replaced by the repair loop so far. */
  repaired = 0;

  constructor(
    private readonly dial: DialSettings,
    size: number,
    private readonly repairIntervalMs = DEFAULT_REPAIR_INTERVAL_MS,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`ChannelPool ${dial.target}: size must be a positive integer, got ${size}`);
    if (!Number.isFinite(repairIntervalMs) || repairIntervalMs <= 0) throw new Error(`ChannelPool ${dial.target}: repairIntervalMs must be > 0, got ${repairIntervalMs}`);
    this.clients = Array.from({ length: size }, () => this.newClient());
  }

  /** Start the repair loop (call once the pool is in service). */
  startRepairLoop(): void {
    if (this.repairTimer) return;
    this.repairTimer = setInterval(() => this.repair(), this.repairIntervalMs);
    this.repairTimer.unref();
  }

  /** One pass of the repair loop: replace every channel in TRANSIENT_FAILURE or SHUTDOWN with a new IDLE one. */
  repair(): number {
    let replaced = 0;
    this.clients.forEach((client, index) => {
      const state = client.getChannel().getConnectivityState(false);
      if (state !== connectivityState.TRANSIENT_FAILURE && state !== connectivityState.SHUTDOWN) return;
      client.close();
      this.clients[index] = this.newClient();
      replaced += 1;
    });
    this.repaired += replaced;
    return replaced;
  }

  lease(): Lease {
    const client = this.clients[this.next % this.clients.length];
    this.next = (this.next + 1) % this.clients.length;
    if (!client) throw new Error('ChannelPool: empty pool');
    return { client, done: noop };
  }

  /** Live connectivity state of every channel, read from grpc-js without side effects. */
  states(): connectivityState[] {
    return this.clients.map((client) => client.getChannel().getConnectivityState(false));
  }

  close(): void {
    clearInterval(this.repairTimer);
    this.repairTimer = undefined;
    for (const client of this.clients) client.close();
  }

  private newClient(): Client {
    return new Client(this.dial.target, this.dial.credentials, { ...channelOptions, ...this.dial.options });
  }
}

/** A new channel (and so a new TCP connection) for every RPC, closed when the RPC is done. */
export class PerCallDialer implements ChannelSource {
  private readonly open = new Set<Client>();

  constructor(private readonly dial: DialSettings) {}

  lease(): Lease {
    const client = new Client(this.dial.target, this.dial.credentials, { ...channelOptions, ...this.dial.options });
    this.open.add(client);
    return {
      client,
      done: () => {
        this.open.delete(client);
        client.close();
      },
    };
  }

  close(): void {
    for (const client of this.open) client.close();
    this.open.clear();
  }
}

function noop(): void {}
