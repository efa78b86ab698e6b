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
 * and makes a per-call channel really dial. Short reconnect backoff: recovery after a fault
 * shows within about two seconds.
 */
export const channelOptions: ChannelOptions = {
  'grpc.use_local_subchannel_pool': 1,
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 2_000,
};

const WATCH_WINDOW_MS = 60_000;

/** `size` persistent channels, each kept connected, leased round-robin (READY ones first). */
export class ChannelPool implements ChannelSource {
  private readonly clients: Client[];
  private next = 0;
  private closed = false;

  constructor(dial: DialSettings, size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`ChannelPool ${dial.target}: size must be a positive integer, got ${size}`);
    this.clients = Array.from({ length: size }, () => new Client(dial.target, dial.credentials, { ...channelOptions, ...dial.options }));
  }

  /** Connect every channel now and keep it connected (call once the backends listen). */
  warm(): void {
    for (const client of this.clients) this.keepConnected(client);
  }

  lease(): Lease {
    const size = this.clients.length;
    for (let i = 0; i < size; i++) {
      const index = (this.next + i) % size;
      const client = this.clients[index];
      if (client && client.getChannel().getConnectivityState(false) === connectivityState.READY) {
        this.next = index + 1;
        return { client, done: noop };
      }
    }
    // None READY: use the next one anyway; the RPC fails fast with UNAVAILABLE or waits for CONNECTING.
    const client = this.clients[this.next % size];
    this.next += 1;
    if (!client) throw new Error('ChannelPool: empty pool');
    return { client, done: noop };
  }

  /** Live connectivity state of every channel, read from grpc-js without side effects. */
  states(): connectivityState[] {
    return this.clients.map((client) => client.getChannel().getConnectivityState(false));
  }

  close(): void {
    this.closed = true;
    for (const client of this.clients) client.close();
  }

  /** A pool reconnects: grpc-js leaves a dropped channel IDLE until the next RPC, we do not. */
  private keepConnected(client: Client): void {
    if (this.closed) return;
    const channel = client.getChannel();
    const state = channel.getConnectivityState(true);
    if (state === connectivityState.SHUTDOWN) return;
    channel.watchConnectivityState(state, Date.now() + WATCH_WINDOW_MS, () => this.keepConnected(client));
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
