/** `npm run demo`: the shop in the foreground until SIGINT/SIGTERM. Configuration: docs/demo.md. */
import { shopOptionsFromEnv } from './env.ts';
import { shopPortsLine } from './lib/ports-line.ts';
import { serviceNames } from './lib/services.ts';
import { startShop, type RunningShop } from './shop.ts';

let shop: RunningShop;
try {
  shop = await startShop(shopOptionsFromEnv(process.env));
} catch (err) {
  console.error(`demo shop: failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

const { options, urls } = shop;
console.log(
  [
    `demo shop ready: POOL_MODE=${options.poolMode} POOL_SIZE=${options.poolSize} TLS=${options.tls ? "on" : "off"} RTT=${options.rttMs}ms POOL_REPAIR=${options.repairIntervalMs}ms`,
    `  gateway metrics ${urls.gateway}/metrics  (each backend: its health URL + /metrics; gRPC health: grpc.health.v1 on its grpc port)`,
    `  API gateway     ${urls.api}  (health ${urls.gateway}/health, ready ${urls.gateway}/ready)`,
    `  pool health     ${Object.values(urls.poolHealth).join('  ')}`,
    `  fault admin     ${urls.admin}/admin/services  (npm run demo:fault -- <service> down|up|latency <ms>)`,
    ...serviceNames.map((s) => `  ${`${s}-service`.padEnd(21)} grpc 127.0.0.1:${options.ports.grpc[s]}  health ${urls.health[s]}/health`),
    shopPortsLine(options.ports),
  ].join('\n'),
);

let stopping = false;
const shutdown = (signal: NodeJS.Signals): void => {
  if (stopping) return;
  stopping = true;
  console.log(`demo shop: ${signal}, stopping`);
  // A stuck close must not keep the process alive: everything is in this process, exiting ends it.
  const force = setTimeout(() => process.exit(1), 5_000);
  force.unref();
  shop.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`demo shop: error while stopping: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
