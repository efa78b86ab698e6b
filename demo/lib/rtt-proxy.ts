/**
 * A TCP proxy that adds a network round-trip time: half of it on each direction of every chunk,
 * and one full RTT before the first byte reaches the server (the TCP handshake a real network
 * would charge). Loopback connects in microseconds, which would hide what a new connection costs.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class RttProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  /** 0 until the first start: then the port it bound, kept for every restart. */
  private boundPort = 0;

  constructor(
    private readonly listenPort: number,
    private readonly rttMs: number,
  ) {}

  /** The port clients dial: listenPort, or the kernel's choice when listenPort was 0. */
  get port(): number {
    return this.boundPort || this.listenPort;
  }

  /** Start forwarding 127.0.0.1:port to 127.0.0.1:upstreamPort. */
  async start(upstreamPort: number): Promise<void> {
    const server = createServer((client) => this.relay(client, upstreamPort));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`RTT proxy: cannot listen on 127.0.0.1:${this.port}: ${err.message}`)));
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address !== null && typeof address === 'object') this.boundPort = address.port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private relay(client: Socket, upstreamPort: number): void {
    const half = this.rttMs / 2;
    this.track(client);
    client.setNoDelay(true);
    client.pause();
    const handshake = setTimeout(() => {
      const upstream = createConnection({ host: '127.0.0.1', port: upstreamPort });
      upstream.setNoDelay(true);
      this.track(upstream);
      this.forward(client, upstream, half);
      this.forward(upstream, client, half);
      client.resume();
    }, this.rttMs);
    client.once('close', () => clearTimeout(handshake));
  }

  /** Same-delay timers fire in order, so chunks keep their order. */
  private forward(from: Socket, to: Socket, delayMs: number): void {
    from.on('data', (chunk: Buffer) => {
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, delayMs);
    });
    from.on('end', () => setTimeout(() => to.end(), delayMs));
    from.on('close', () => setTimeout(() => to.destroy(), delayMs));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }
}
