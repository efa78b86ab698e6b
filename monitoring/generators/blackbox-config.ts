/**
 * blackbox_exporter's config: one module that calls grpc.health.v1.Health/Check with the empty
 * service name (the server's overall health, which grpc-go's health server and the demo's report).
 * The prober exists since blackbox_exporter 0.21 (Debian ships 0.23; compose pins v0.27.0).
 */
import { grpcHealthModule, scrapeTiming } from '../config/stack.ts';

export function blackboxConfig(): Record<string, unknown> {
  return {
    modules: {
      [grpcHealthModule]: {
        prober: 'grpc',
        timeout: scrapeTiming.probeTimeout,
        grpc: {
          service: '',
          // Plain-text gRPC, as the real services and the demo shop serve it by default.
          tls: false,
          preferred_ip_protocol: 'ip4',
          ip_protocol_fallback: false,
        },
      },
    },
  };
}
