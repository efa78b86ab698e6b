/**
 * What the stack watches when it is not the committed default (the demo preset under compose):
 * a target preset (TARGETS / --targets), one host for every target (TARGET_HOST), and your own
 * pool health endpoints (POOL_TARGETS) as `name=url` pairs separated by commas or spaces:
 *
 *   POOL_TARGETS=api-gateway=http://gw.internal:8000/health/pools/detailed,orders=http://orders:9003/health/pools/detailed
 *
 * Prometheus' jobs and the exporter's target list are rendered together from them by the same
 * generators as the committed files; compose picks git-ignored `*.local.yml` copies by name, native
 * mode writes its copies into its state folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { poolExporterConfigForUrls, POOL_HEALTH_PATH } from '../../monitoring/generators/pool-exporter-config.ts';
import { prometheusConfig, type PrometheusConfigOptions } from '../../monitoring/generators/prometheus-config.ts';
import { generatedYaml } from '../../monitoring/generators/yaml.ts';
import { portOf, resolveTargets, type TargetHost, type TargetPreset } from '../../monitoring/targets.ts';

/** Target names become label values and URL parameters: keep them plain. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export function parsePoolTargets(raw: string): Record<string, string> {
  const targets: Record<string, string> = {};
  for (const entry of raw.split(/[\s,]+/).filter(Boolean)) {
    const eq = entry.indexOf('=');
    const name = eq > 0 ? entry.slice(0, eq) : '';
    const url = entry.slice(eq + 1);
    if (!NAME.test(name)) {
      throw new Error(`POOL_TARGETS: "${entry}" must be name=url with a name of letters, digits, '.', '_' or '-'`);
    }
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

export interface TargetSelection {
  presetName: string;
  preset: TargetPreset;
  host: TargetHost;
  /** Where the preset's port variables are read (the demo shop's DEMO_*_PORT). */
  env: Record<string, string | undefined>;
  /** POOL_TARGETS: replaces the preset's pool health endpoints. */
  poolTargets?: Record<string, string>;
}

/** Pool health URLs of a selection: POOL_TARGETS, or the preset's endpoints on the selected host. */
export function poolHealthUrls(selection: TargetSelection): Record<string, string> {
  if (selection.poolTargets) return selection.poolTargets;
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
    metricsTargets: resolveTargets(selection.preset.metrics, selection.host, selection.env),
    grpcHealthTargets: resolveTargets(selection.preset.grpcHealth, selection.host, selection.env),
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
  const source = `target preset ${selection.presetName}${selection.poolTargets ? ' and POOL_TARGETS' : ''} (scripts/stack/own-targets.ts)`;
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
