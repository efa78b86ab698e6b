/**
 * The pool exporter's target list for the stack. The exporter expands ${VAR:-default} in its file,
 * so one file serves native mode (127.0.0.1) and compose (DEMO_HOST, POOL_EXPORTER_LISTEN set).
 */
import { demoPoolTargets, ports } from '../config.ts';

export const POOL_HEALTH_PATH = '/health/pools/detailed';

function portOf(name: string, hostPort: string): string {
  const port = hostPort.split(':').at(-1) ?? '';
  if (!/^\d{1,5}$/.test(port)) throw new Error(`pool exporter config: target ${name} has no port in ${JSON.stringify(hostPort)}`);
  return port;
}

export function poolExporterConfig(targets: Record<string, string> = demoPoolTargets): Record<string, unknown> {
  return {
    listen: `\${POOL_EXPORTER_LISTEN:-127.0.0.1:${ports.poolExporter}}`,
    targets: Object.fromEntries(
      Object.entries(targets).map(([name, hostPort]) => [
        name,
        { url: `http://\${DEMO_HOST:-127.0.0.1}:${portOf(name, hostPort)}${POOL_HEALTH_PATH}`, timeout: '3s', headers: {} },
      ]),
    ),
  };
}
