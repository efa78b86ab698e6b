/** Compose mode: the same stack in containers, through `docker compose` (v2) or `docker-compose` (v1). */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { composePrometheusOptions } from '../../monitoring/generators/prometheus-config.ts';
import { composeDefaultUrls, composeScaleOutPrometheusOptions, composeScaleOutUrls } from '../../monitoring/generators/thanos-compose.ts';
import { grafanaPrometheusUrlVariable } from '../../monitoring/generators/grafana-provisioning.ts';
import { localConfigFileNames, writeTargetConfigs } from './own-targets.ts';
import { composeFile, composeProject, needsLocalTargetConfigs, repoRoot, targetSelection, type StackSettings } from './settings.ts';

/** Every profile of docker-compose-monitoring.yaml: stack:down and stack:status must see all their services. */
export const composeProfiles = ['demo', 'loadtest', 'scale-out'] as const;

/** The committed scale-out Prometheus config (monitoring/generators/thanos-compose.ts). */
export const scaleOutPrometheusConfigFile = 'prometheus-scale-out.yml';

/**
 * The variables docker-compose-monitoring.yaml reads that stack:up decides: which Prometheus
 * config and exporter config to mount and where Grafana reads and k6 writes (Thanos with
 * scaleOut). Always all of them, so the flag wins over leftovers in .env (the shell's variables
 * override compose's .env). Targets other than the committed default are rendered into
 * git-ignored .local.yml files under monitoringDir (the scale-out flavour with scaleOut: remote
 * write to Thanos, no rules).
 */
export function composeEnvironment(settings: StackSettings, opts: { scaleOut: boolean; monitoringDir?: string }): Record<string, string> {
  const urls = opts.scaleOut ? composeScaleOutUrls : composeDefaultUrls;
  const env: Record<string, string> = {
    PROMETHEUS_CONFIG_FILE: opts.scaleOut ? scaleOutPrometheusConfigFile : 'prometheus.yml',
    POOL_EXPORTER_CONFIG_FILE: 'pool-exporter.yml',
    [grafanaPrometheusUrlVariable]: urls.grafanaPrometheusUrl,
    K6_REMOTE_WRITE_URL: urls.k6RemoteWriteUrl,
  };
  if (needsLocalTargetConfigs(settings)) {
    const base = opts.scaleOut ? composeScaleOutPrometheusOptions : composePrometheusOptions;
    writeTargetConfigs(targetSelection(settings, 'compose'), base, opts.monitoringDir ?? resolve(repoRoot, 'monitoring'));
    env.PROMETHEUS_CONFIG_FILE = localConfigFileNames.prometheus;
    env.POOL_EXPORTER_CONFIG_FILE = localConfigFileNames.poolExporter;
  }
  return env;
}

/** The compose command line to use, or undefined when no Docker engine answers. */
export function composeCommand(): string[] | undefined {
  const engine = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 10_000 });
  if (engine.status !== 0) return undefined;
  if (spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0) return ['docker-compose'];
  return undefined;
}

/** Run compose with the project's file and name; throws with compose's own message on failure. */
export function compose(cmd: string[], args: string[], profiles: string[] = []): void {
  const [bin, ...pre] = cmd;
  if (!bin) throw new Error('empty compose command');
  const full = [...pre, '-p', composeProject, '-f', composeFile, ...profiles.flatMap((p) => ['--profile', p]), ...args];
  const result = spawnSync(bin, full, { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${cmd.join(' ')} ${full.join(' ')} failed (exit ${result.status})`);
}
