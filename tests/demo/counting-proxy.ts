/** A TCP pass-through that counts the connections it accepts: the server-side view of dialling. */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface CountingProxy {
  port: number;
  /** Connections accepted so far. */
  accepted(): number;
  /** Connections open right now. */
  open(): number;
  close(): Promise<void>;
}

/**
 * Listens on port 0. `upstreamPort` may be a promise: the shop behind it binds port 0 too, so its
 * port is known only once it runs; accepted clients wait for it (their bytes stay buffered).
 */
export async function startCountingProxy(upstreamPort: number | Promise<number>): Promise<CountingProxy> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  };
  const clients = new Set<Socket>();
  const server: Server = createServer((client) => {
    accepted += 1;
    clients.add(client);
    client.on('close', () => clients.delete(client));
    track(client);
    client.pause();
    void Promise.resolve(upstreamPort).then((port) => {
      if (client.destroyed) return;
      const upstream = createConnection({ host: '127.0.0.1', port });
      track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('counting proxy: no TCP address');
  const port = address.port;
  return {
    port,
    accepted: () => accepted,
    open: () => clients.size,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
