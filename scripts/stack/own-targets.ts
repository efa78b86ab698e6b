/**
 * What the stack watches when it is not the committed default (the demo preset under compose):
 * a target preset (TARGETS / --targets), one host for every target (TARGET_HOST), or your own
 * services instead of a preset: pool health endpoints (POOL_TARGETS, `name=url` pairs separated by
 * commas or spaces), and optionally their /metrics (METRICS_TARGETS) and gRPC health ports
 * (GRPC_HEALTH_TARGETS), both `name=host:port` pairs:
 *
 *   POOL_TARGETS=api-gateway=http://gw.internal:8000/health/pools/detailed
 *   METRICS_TARGETS=api-gateway=gw.internal:8000,orders=orders.internal:8003
 *   GRPC_HEALTH_TARGETS=orders=orders.internal:9003
 *
 * Prometheus' jobs and the exporter's target list are rendered together from them by the same
 * generators as the committed files; compose picks git-ignored `*.local.yml` copies by name, native
 * mode writes its copies into its state folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { poolExporterConfigForUrls, POOL_HEALTH_PATH } from '../../monitoring/generators/pool-exporter-config.ts';
import { prometheusConfig, type PrometheusConfigOptions, type RemoteWriteTarget } from '../../monitoring/generators/prometheus-config.ts';
import { isTargetName, targetNameRule } from '../../contract/targets.ts';
import { generatedYaml } from '../../monitoring/lib/yaml.ts';
import { portOf, resolveTargets, type ResolvedTarget, type TargetHost, type TargetPreset } from '../../monitoring/config/targets.ts';

export function parsePoolTargets(raw: string): Record<string, string> {
  const targets: Record<string, string> = {};
  for (const entry of raw.split(/[\s,]+/).filter(Boolean)) {
    const eq = entry.indexOf('=');
    const name = eq > 0 ? entry.slice(0, eq) : '';
    const url = entry.slice(eq + 1);
    if (eq <= 0) throw new Error(`POOL_TARGETS: "${entry}" must be name=url`);
    // The exporter reads these names from the file written below: the same rule, or it refuses the file.
    if (!isTargetName(name)) throw new Error(`POOL_TARGETS: "${entry}": ${targetNameRule}`);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`POOL_TARGETS: target ${name} has no valid URL ("${url}")`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new Error(`POOL_TARGETS: target ${name} must use http or https, got ${parsed.protocol}`);
    }
    if (name in targets) throw new Error(`POOL_TARGETS: target ${name} is listed twice`);
    targets[name] = url;
  }
  if (Object.keys(targets).length === 0) throw new Error('POOL_TARGETS is set but lists no name=url pair');
  return targets;
}

const HOST_PORT = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252}):(\d{1,5})$/;

/** METRICS_TARGETS / GRPC_HEALTH_TARGETS: `name=host:port` pairs; the name becomes the `service` label. */
export function parseHostPortTargets(variable: string, raw: string): ResolvedTarget[] {
  const targets: ResolvedTarget[] = [];
  for (const entry of raw.split(/[\s,]+/).filter(Boolean)) {
    const eq = entry.indexOf('=');
    const service = eq > 0 ? entry.slice(0, eq) : '';
    const address = entry.slice(eq + 1);
    if (eq <= 0) throw new Error(`${variable}: "${entry}" must be name=host:port`);
    if (!isTargetName(service)) throw new Error(`${variable}: "${entry}": ${targetNameRule}`);
    const port = Number(HOST_PORT.exec(address)?.[2]);
    if (!(port >= 1 && port <= 65_535)) throw new Error(`${variable}: target ${service} must be host:port, got "${address}"`);
    if (targets.some((t) => t.service === service)) throw new Error(`${variable}: target ${service} is listed twice`);
    targets.push({ service, address });
  }
  return targets;
}

/** Your own services instead of a preset: every part from its variable, none from the preset. */
export interface OwnTargets {
  pool: Record<string, string>;
  metrics: ResolvedTarget[];
  grpcHealth: ResolvedTarget[];
}

export function ownTargetsFromEnv(env: NodeJS.ProcessEnv): OwnTargets | undefined {
  const { POOL_TARGETS: pool, METRICS_TARGETS: metrics, GRPC_HEALTH_TARGETS: grpcHealth } = env;
  if (!pool) {
    if (metrics || grpcHealth) throw new Error('METRICS_TARGETS and GRPC_HEALTH_TARGETS describe your own services: set POOL_TARGETS too (or use a preset with TARGETS)');
    return undefined;
  }
  return {
    pool: parsePoolTargets(pool),
    metrics: metrics ? parseHostPortTargets('METRICS_TARGETS', metrics) : [],
    grpcHealth: grpcHealth ? parseHostPortTargets('GRPC_HEALTH_TARGETS', grpcHealth) : [],
  };
}

export interface TargetSelection {
  presetName: string;
  preset: TargetPreset;
  host: TargetHost;
  /** Where the preset's port variables are read (the demo shop's DEMO_*_PORT). */
  env: Record<string, string | undefined>;
  /** POOL_TARGETS (+ METRICS_TARGETS, GRPC_HEALTH_TARGETS): your own services instead of the preset. */
  own?: OwnTargets;
  /** REMOTE_WRITE_* (scripts/stack/remote-write-settings.ts): where this Prometheus also writes, rendered into the same prometheus.yml. */
  remoteWrite?: RemoteWriteTarget[];
}

/** Pool health URLs of a selection: POOL_TARGETS, or the preset's endpoints on the selected host. */
export function poolHealthUrls(selection: TargetSelection): Record<string, string> {
  if (selection.own) return selection.own.pool;
  const { preset, host, env } = selection;
  return Object.fromEntries(
    preset.poolHealth.map((e) => {
      const [target] = resolveTargets([e], host, env);
      return [e.service, `http://${target?.address ?? `127.0.0.1:${portOf(e, env)}`}${POOL_HEALTH_PATH}`];
    }),
  );
}

/** Prometheus options of a selection over the stack's own addresses (compose names or 127.0.0.1 ports). */
export function selectedPrometheusOptions(base: PrometheusConfigOptions, selection: TargetSelection): PrometheusConfigOptions {
  return {
    ...base,
    probeTargets: Object.keys(poolHealthUrls(selection)),
    metricsTargets: selection.own ? selection.own.metrics : resolveTargets(selection.preset.metrics, selection.host, selection.env),
    grpcHealthTargets: selection.own ? selection.own.grpcHealth : resolveTargets(selection.preset.grpcHealth, selection.host, selection.env),
    ...(selection.remoteWrite ? { remoteWrite: [...(base.remoteWrite ?? []), ...selection.remoteWrite] } : {}),
  };
}

export interface TargetConfigFiles {
  prometheusConfig: string;
  poolExporterConfig: string;
}

/** Local file names beside the committed ones (compose mounts the folders, so the names select them). */
export const localConfigFileNames = {
  prometheus: 'prometheus.local.yml',
  poolExporter: 'pool-exporter.local.yml',
} as const;

/** Writes prometheus/<prometheus.local.yml> and pool-exporter/<pool-exporter.local.yml> under `dir`. */
export function writeTargetConfigs(selection: TargetSelection, base: PrometheusConfigOptions, dir: string): TargetConfigFiles {
  const source = `${selection.own ? 'POOL_TARGETS, METRICS_TARGETS, GRPC_HEALTH_TARGETS' : `target preset ${selection.presetName}`}${selection.remoteWrite ? ', REMOTE_WRITE_*' : ''} (scripts/stack/own-targets.ts)`;
  const files: TargetConfigFiles = {
    prometheusConfig: join(dir, 'prometheus', localConfigFileNames.prometheus),
    poolExporterConfig: join(dir, 'pool-exporter', localConfigFileNames.poolExporter),
  };
  mkdirSync(join(dir, 'prometheus'), { recursive: true });
  mkdirSync(join(dir, 'pool-exporter'), { recursive: true });
  writeFileSync(files.prometheusConfig, generatedYaml(prometheusConfig(selectedPrometheusOptions(base, selection)), source));
  writeFileSync(files.poolExporterConfig, generatedYaml(poolExporterConfigForUrls(poolHealthUrls(selection)), source));
  return files;
}
