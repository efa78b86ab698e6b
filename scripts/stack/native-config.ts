/**
 * Native mode runs the config files that compose mounts (generated under monitoring/), with only
 * the addresses changed: compose service names become 127.0.0.1 ports, and container paths become
 * paths in this checkout. prometheus.yml is rendered by its generator with native addresses (its
 * targets follow the demo's port variables), everything else is the committed file rewritten.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import YAML from 'yaml';
import { ports } from '../../monitoring/config/stack.ts';
import { composeSinkTokenFile } from '../../monitoring/generators/alertmanager-config.ts';
import { composePrometheusOptions, scaleOutPrometheusOptions, type PrometheusConfigOptions } from '../../monitoring/generators/prometheus-config.ts';
import type { StackEndpoints } from './endpoints.ts';
import { writeTargetConfigs } from './own-targets.ts';
import { repoRoot, targetSelection, type StackSettings } from './settings.ts';

const monitoringDir = resolve(repoRoot, 'monitoring');

/** compose address -> native address, for every service a config file may name. */
export function addressMap(settings: StackSettings): Record<string, string> {
  const p = settings.ports;
  return {
    [`prometheus:${ports.prometheus}`]: `127.0.0.1:${p.prometheus}`,
    [`alertmanager:${ports.alertmanager}`]: `127.0.0.1:${p.alertmanager}`,
    [`pool-exporter:${ports.poolExporter}`]: `127.0.0.1:${p.poolExporter}`,
    [`blackbox-exporter:${ports.blackboxExporter}`]: `127.0.0.1:${p.blackboxExporter}`,
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
  blackboxConfig: string;
  notifications: string;
}

/** The stack's own addresses natively, for the same prometheusConfig() that renders the compose file. */
export function nativePrometheusOptions(settings: StackSettings): PrometheusConfigOptions {
  const p = settings.ports;
  return {
    ...composePrometheusOptions,
    poolExporter: `127.0.0.1:${p.poolExporter}`,
    blackboxExporter: `127.0.0.1:${p.blackboxExporter}`,
    alertmanager: `127.0.0.1:${p.alertmanager}`,
    prometheus: `127.0.0.1:${p.prometheus}`,
    // Relative rule_files resolve against the config file, which lives in the state dir here.
    ruleFiles: composePrometheusOptions.ruleFiles.map((f) => resolve(monitoringDir, 'prometheus', f)),
  };
}

/**
 * Write the native copies of the generated configs into the state dir and return their paths.
 * Prometheus and the exporter are rendered for the selected targets (preset, TARGET_HOST or
 * 127.0.0.1, the demo's port variables, POOL_TARGETS) by the generators of the committed files.
 */
export function writeNativeConfigs(settings: StackSettings, env: NodeJS.ProcessEnv = process.env, scaleOut: StackEndpoints | null = null): NativeConfigPaths {
  const dir = settings.stateDir;
  const map = addressMap(settings);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  // Scale-out: Prometheus writes every sample to the ring and loads no rules (Thanos Rule evaluates them).
  const base = nativePrometheusOptions(settings);
  const promOptions = scaleOut ? scaleOutPrometheusOptions(base, scaleOut.remoteWriteUrl) : base;
  const targets = writeTargetConfigs(targetSelection(settings, 'native', env), promOptions, join(dir, 'targets'));
  const prometheusConfig = join(dir, 'prometheus.yml');
  writeFileSync(prometheusConfig, readFileSync(targets.prometheusConfig, 'utf8'));

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
  // One folder per mode: Grafana reads provisioning only when it starts, and stack:up restarts a
  // kept Grafana only when its command line changes, which names this folder.
  const grafanaProvisioning = join(dir, 'grafana', scaleOut ? 'provisioning-scale-out' : 'provisioning');
  cpSync(join(monitoringDir, 'grafana', 'provisioning'), grafanaProvisioning, { recursive: true });
  for (const sub of ['datasources', 'dashboards']) {
    const subDir = join(grafanaProvisioning, sub);
    for (const name of yamlFiles(subDir)) {
      const file = join(subDir, name);
      const text = rewriteAddresses(readFileSync(file, 'utf8'), map).replaceAll(
        '/var/lib/grafana/dashboards',
        join(monitoringDir, 'grafana', 'dashboards'),
      );
      writeFileSync(file, scaleOut && sub === 'datasources' ? throughQuery(text, scaleOut.queryUrl) : text);
    }
  }

  return {
    prometheusConfig,
    alertmanagerConfig,
    grafanaProvisioning,
    poolExporterConfig: targets.poolExporterConfig,
    blackboxConfig: join(monitoringDir, 'blackbox', 'blackbox.yml'),
    notifications: join(dir, 'notifications.jsonl'),
  };
}

/** Scale-out: Grafana's Prometheus datasource is Thanos Query, so every dashboard query goes through it. */
function throughQuery(datasourcesYaml: string, queryUrl: string): string {
  const doc = YAML.parse(datasourcesYaml) as { datasources?: { type: string; url: string }[] };
  for (const ds of doc.datasources ?? []) if (ds.type === 'prometheus') ds.url = queryUrl;
  return `# Scale-out: the Prometheus datasource is Thanos Query.\n${YAML.stringify(doc)}`;
}

/** YAML files of a provisioning folder (none when the folder does not exist). */
function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => n.endsWith('.yml') || n.endsWith('.yaml'));
}
