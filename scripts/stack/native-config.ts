/**
 * Native mode runs the very config files that compose mounts (generated under monitoring/),
 * with only the addresses changed: compose service names become 127.0.0.1 ports, and container
 * paths become paths in this checkout. Nothing else in the files is touched.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import YAML from 'yaml';
import { ports } from '../../monitoring/config/stack.ts';
import { composeSinkTokenFile } from '../../monitoring/generators/alertmanager-config.ts';
import { writeOwnTargetConfigs } from './own-targets.ts';
import { repoRoot, type StackSettings } from './settings.ts';

const monitoringDir = resolve(repoRoot, 'monitoring');

/** compose address -> native address, for every service a config file may name. */
export function addressMap(settings: StackSettings): Record<string, string> {
  const p = settings.ports;
  return {
    [`prometheus:${ports.prometheus}`]: `127.0.0.1:${p.prometheus}`,
    [`alertmanager:${ports.alertmanager}`]: `127.0.0.1:${p.alertmanager}`,
    [`pool-exporter:${ports.poolExporter}`]: `127.0.0.1:${p.poolExporter}`,
    [`notification-sink:${ports.notificationSink}`]: `127.0.0.1:${p.notificationSink}`,
    [`grafana:${ports.grafana}`]: `127.0.0.1:${p.grafana}`,
  };
}

export function rewriteAddresses(text: string, map: Record<string, string>): string {
  let out = text;
  for (const [from, to] of Object.entries(map)) {
    out = out.replace(new RegExp(`(?<=^|[/\\s'"])${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=$|[/\\s'"])`, 'gm'), to);
  }
  return out;
}

export interface NativeConfigPaths {
  prometheusConfig: string;
  alertmanagerConfig: string;
  grafanaProvisioning: string;
  poolExporterConfig: string;
  notifications: string;
}

/**
 * Write the native copies of the generated configs into the state dir and return their paths.
 * With POOL_TARGETS set, the probe targets come from `*.local.yml` files rendered into the state dir.
 */
export function writeNativeConfigs(settings: StackSettings): NativeConfigPaths {
  const dir = settings.stateDir;
  const map = addressMap(settings);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const own = settings.poolTargets ? writeOwnTargetConfigs(settings.poolTargets, join(dir, 'own-targets')) : undefined;

  // Prometheus: addresses, and rule_files made absolute (they are relative to the config file).
  const promSource = own?.prometheusConfig ?? join(monitoringDir, 'prometheus', 'prometheus.yml');
  const prom = YAML.parse(rewriteAddresses(readFileSync(promSource, 'utf8'), map)) as { rule_files?: string[] };
  prom.rule_files = (prom.rule_files ?? []).map((f) => resolve(monitoringDir, 'prometheus', f));
  const prometheusConfig = join(dir, 'prometheus.yml');
  writeFileSync(prometheusConfig, `# Native copy of ${promSource}, addresses rewritten.\n${YAML.stringify(prom)}`);

  const amSource = settings.localAlertmanagerConfig ?? join(monitoringDir, 'alertmanager', 'alertmanager.yml');
  const alertmanagerConfig = join(dir, 'alertmanager.yml');
  // Compose's secret paths (and the folder mount of earlier versions) become this checkout's secrets/;
  // the sink token first, as it may live elsewhere (NOTIFICATION_SINK_TOKEN_FILE).
  const secretsDir = `${resolve(repoRoot, 'secrets')}/`;
  const amText = rewriteAddresses(readFileSync(amSource, 'utf8'), map)
    .replaceAll(composeSinkTokenFile, settings.sinkTokenFile)
    .replaceAll('/run/secrets/', secretsDir)
    .replaceAll('/etc/alertmanager/secrets/', secretsDir);
  // Template globs are relative to monitoring/alertmanager/ (where compose mounts the generated
  // configs); the native copy lives in the state dir, so they become absolute. A glob that matches
  // nothing would only fail when a message is sent: refuse it now.
  const am = YAML.parse(amText) as { templates?: string[] };
  am.templates = (am.templates ?? []).map((f) => resolve(monitoringDir, 'alertmanager', f));
  for (const glob of am.templates) {
    const pattern = new RegExp(`^${basename(glob).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    const dir = dirname(glob);
    if (!existsSync(dir) || !readdirSync(dir).some((name) => pattern.test(name))) {
      throw new Error(`native config: the Alertmanager templates ${glob} match no file (run npm run generate)`);
    }
  }
  writeFileSync(alertmanagerConfig, `# Native copy of ${amSource}, addresses rewritten.\n${YAML.stringify(am)}`);

  // Grafana provisioning: same files; dashboards are read from this checkout.
  const grafanaProvisioning = join(dir, 'grafana', 'provisioning');
  cpSync(join(monitoringDir, 'grafana', 'provisioning'), grafanaProvisioning, { recursive: true });
  for (const sub of ['datasources', 'dashboards']) {
    const subDir = join(grafanaProvisioning, sub);
    for (const name of yamlFiles(subDir)) {
      const file = join(subDir, name);
      const text = rewriteAddresses(readFileSync(file, 'utf8'), map).replaceAll(
        '/var/lib/grafana/dashboards',
        join(monitoringDir, 'grafana', 'dashboards'),
      );
      writeFileSync(file, text);
    }
  }

  return {
    prometheusConfig,
    alertmanagerConfig,
    grafanaProvisioning,
    poolExporterConfig: own?.poolExporterConfig ?? join(monitoringDir, 'pool-exporter', 'pool-exporter.yml'),
    notifications: join(dir, 'notifications.jsonl'),
  };
}

/** YAML files of a provisioning folder (none when the folder does not exist). */
function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => n.endsWith('.yml') || n.endsWith('.yaml'));
}
