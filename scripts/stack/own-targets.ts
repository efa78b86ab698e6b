/**
 * Your own services from .env, without editing code: POOL_TARGETS lists the pool health endpoints
 * to probe, as `name=url` pairs separated by commas or spaces:
 *
 *   POOL_TARGETS=api-gateway=http://gw.internal:8000/health/pools/detailed,orders=http://orders:9003/health/pools/detailed
 *
 * stack:up then writes git-ignored `*.local.yml` copies of the exporter's target file and of
 * prometheus.yml (the probe job must name the same targets), rendered by the same generators as
 * the committed files; compose and native mode both pick them up.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTargetName, targetNameRule } from '../../contract/targets.ts';
import { scrapeTiming } from '../../monitoring/config/stack.ts';
import { composePrometheusOptions, prometheusConfig } from '../../monitoring/generators/prometheus-config.ts';
import { poolExporterConfig } from '../../monitoring/generators/pool-exporter-config.ts';
import { generatedYaml } from '../../monitoring/lib/yaml.ts';

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

export interface OwnTargetFiles {
  prometheusConfig: string;
  poolExporterConfig: string;
}

/** Local file names beside the committed ones (compose mounts the folders, so the names select them). */
export const ownTargetFileNames = {
  prometheus: 'prometheus.local.yml',
  poolExporter: 'pool-exporter.local.yml',
} as const;

export function writeOwnTargetConfigs(targets: Record<string, string>, monitoringDir: string): OwnTargetFiles {
  const source = 'POOL_TARGETS (scripts/stack/own-targets.ts)';
  const exporter = poolExporterConfig({}, {}) as { listen: string };
  const exporterDoc = {
    listen: exporter.listen,
    targets: Object.fromEntries(Object.entries(targets).map(([name, url]) => [name, { url, timeout: scrapeTiming.probeTimeout, headers: {} }])),
  };
  const promDoc = prometheusConfig({ ...composePrometheusOptions, probeTargets: Object.keys(targets) });
  const files: OwnTargetFiles = {
    prometheusConfig: join(monitoringDir, 'prometheus', ownTargetFileNames.prometheus),
    poolExporterConfig: join(monitoringDir, 'pool-exporter', ownTargetFileNames.poolExporter),
  };
  mkdirSync(join(monitoringDir, 'prometheus'), { recursive: true });
  mkdirSync(join(monitoringDir, 'pool-exporter'), { recursive: true });
  writeFileSync(files.prometheusConfig, generatedYaml(promDoc, source));
  writeFileSync(files.poolExporterConfig, generatedYaml(exporterDoc, source));
  return files;
}
