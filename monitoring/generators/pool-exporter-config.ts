/**
 * The pool exporter's target list for the stack, from a target preset's pool health endpoints.
 * The exporter expands ${VAR:-default} in its file, so the committed file serves native mode
 * (127.0.0.1) and compose (TARGET_HOST, POOL_EXPORTER_LISTEN set), and the demo shop's port
 * variables (DEMO_GATEWAY_PORT, ...) move the probes with the shop.
 */
import { ports, scrapeTiming } from '../config/stack.ts';
import { defaultTargetPreset, targetPreset, type TargetEndpoint } from '../config/targets.ts';

export const POOL_HEALTH_PATH = '/health/pools/detailed';

/** `${PORT_VAR:-port}` when the target has a port variable (the demo shop's), else the plain port. */
function portExpression(endpoint: TargetEndpoint): string {
  return endpoint.portEnv ? `\${${endpoint.portEnv}:-${endpoint.port}}` : String(endpoint.port);
}

export const poolExporterListen = `\${POOL_EXPORTER_LISTEN:-127.0.0.1:${ports.poolExporter}}`;

/** Exporter targets as name -> URL (own services, or a preset rendered for one host). */
export function poolExporterConfigForUrls(urls: Record<string, string>): Record<string, unknown> {
  return {
    listen: poolExporterListen,
    targets: Object.fromEntries(Object.entries(urls).map(([name, url]) => [name, { url, timeout: scrapeTiming.probeTimeout, headers: {} }])),
  };
}

/** The committed flavour: host from ${TARGET_HOST:-127.0.0.1} and ports from the preset's variables, expanded by the exporter. */
export function poolExporterConfig(endpoints: readonly TargetEndpoint[] = targetPreset(defaultTargetPreset).poolHealth): Record<string, unknown> {
  return poolExporterConfigForUrls(
    Object.fromEntries(endpoints.map((e) => [e.service, `http://\${TARGET_HOST:-127.0.0.1}:${portExpression(e)}${POOL_HEALTH_PATH}`])),
  );
}
