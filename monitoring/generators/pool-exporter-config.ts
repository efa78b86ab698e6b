/**
 * The pool exporter's target list for the stack. The exporter expands ${VAR:-default} in its file,
 * so one file serves native mode (127.0.0.1) and compose (DEMO_HOST, POOL_EXPORTER_LISTEN set), and
 * the demo shop's port variables (DEMO_GATEWAY_PORT, ...) move the probes with the shop.
 */
import { demoPoolTargetPortEnv, demoPoolTargets, ports, scrapeTiming } from '../config/stack.ts';

export const POOL_HEALTH_PATH = '/health/pools/detailed';

function portOf(name: string, hostPort: string): string {
  const port = hostPort.split(':').at(-1) ?? '';
  if (!/^\d{1,5}$/.test(port)) throw new Error(`pool exporter config: target ${name} has no port in ${JSON.stringify(hostPort)}`);
  return port;
}

/** `${PORT_VAR:-port}` when the target has a port variable (the demo shop's), else the plain port. */
function portExpression(name: string, port: string, portEnv: Record<string, string>): string {
  const variable = portEnv[name];
  return variable ? `\${${variable}:-${port}}` : port;
}

export function poolExporterConfig(
  targets: Record<string, string> = demoPoolTargets,
  portEnv: Record<string, string> = demoPoolTargetPortEnv,
): Record<string, unknown> {
  return {
    listen: `\${POOL_EXPORTER_LISTEN:-127.0.0.1:${ports.poolExporter}}`,
    targets: Object.fromEntries(
      Object.entries(targets).map(([name, hostPort]) => [
        name,
        {
          url: `http://\${DEMO_HOST:-127.0.0.1}:${portExpression(name, portOf(name, hostPort), portEnv)}${POOL_HEALTH_PATH}`,
          timeout: scrapeTiming.probeTimeout,
          headers: {},
        },
      ]),
    ),
  };
}
