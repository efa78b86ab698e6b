/**
 * Where the stack's pieces listen and keep their state. Defaults come from monitoring/config/stack.ts;
 * every port can be moved by an environment variable (or a line in .env), so a test or a second
 * stack can run beside the first.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ports } from '../../monitoring/config/stack.ts';
import { checkHost, defaultTargetPreset, targetPreset } from '../../monitoring/config/targets.ts';
import { ownTargetsFromEnv, type OwnTargets, type TargetSelection } from './own-targets.ts';
import { remoteWriteEntry, remoteWriteFromEnv, type RemoteWriteSetting } from './remote-write-settings.ts';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const composeFile = resolve(repoRoot, 'docker-compose-monitoring.yaml');
export const composeProject = 'grpc-pool-observability';

export interface StackSettings {
  stateDir: string;
  ports: {
    prometheus: number;
    alertmanager: number;
    grafana: number;
    poolExporter: number;
    notificationSink: number;
    blackboxExporter: number;
  };
  /** TARGETS from .env or --targets: the preset of monitoring/config/targets.ts. */
  targetPreset: string;
  /** TARGET_HOST: one host for every target; unset = 127.0.0.1 natively, each compose service name under compose. */
  targetHost: string | undefined;
  /** Where Grafana reads its admin password (created with a random value when missing). */
  grafanaPasswordFile: string;
  /** The notification sink's shared token, which Alertmanager sends (created at random when missing). */
  sinkTokenFile: string;
  /** The id of this stack run (created by stack:up, removed by stack:down); the sink marks notifications with it. */
  runIdFile: string;
  /** RUNBOOK_BASE_URL: the sink's /runbooks redirects there (your own runbooks) instead of serving docs/runbooks.md. */
  runbookBaseUrl: string | undefined;
  /** Alertmanager config with Slack/email from ALERTMANAGER_* (git-ignored), used when .env enables them. */
  localAlertmanagerConfig: string | undefined;
  /** POOL_TARGETS (+ METRICS_TARGETS, GRPC_HEALTH_TARGETS) from .env, when set: your own services instead of a preset. */
  ownTargets: OwnTargets | undefined;
  /** REMOTE_WRITE_URL (+ _HEADERS, _USERNAME, _PASSWORD_FILE, _BEARER_TOKEN_FILE): where Prometheus also writes. */
  remoteWrite?: RemoteWriteSetting;
}

/** Does the environment ask for Slack or email notifications (monitoring/generators/alertmanager-config.ts)? */
export function wantsExtraReceivers(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.ALERTMANAGER_SLACK_API_URL_FILE || env.ALERTMANAGER_EMAIL_TO);
}

function portFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`${name} must be a TCP port (1-65535), got "${raw}"`);
  }
  return port;
}

/** The name itself, once it is known to be a preset (an unknown one is an error that lists the presets). */
function checkedPresetName(name: string): string {
  targetPreset(name);
  return name;
}

/** Load .env (if any) into process.env without overriding what is already set. */
export function loadDotEnv(file = resolve(repoRoot, '.env')): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

export function stackSettings(env: NodeJS.ProcessEnv = process.env): StackSettings {
  const stateDir = resolve(repoRoot, env.STACK_STATE_DIR ?? '.state/native');
  const runbookBaseUrl = env.RUNBOOK_BASE_URL || undefined;
  if (runbookBaseUrl && !/^https?:\/\//.test(runbookBaseUrl)) throw new Error(`RUNBOOK_BASE_URL must be an http(s) URL, got "${runbookBaseUrl}"`);
  return {
    stateDir,
    ports: {
      prometheus: portFromEnv(env, 'PROMETHEUS_PORT', ports.prometheus),
      alertmanager: portFromEnv(env, 'ALERTMANAGER_PORT', ports.alertmanager),
      grafana: portFromEnv(env, 'GRAFANA_PORT', ports.grafana),
      poolExporter: portFromEnv(env, 'POOL_EXPORTER_PORT', ports.poolExporter),
      notificationSink: portFromEnv(env, 'NOTIFICATION_SINK_PORT', ports.notificationSink),
      blackboxExporter: portFromEnv(env, 'BLACKBOX_EXPORTER_PORT', ports.blackboxExporter),
    },
    targetPreset: checkedPresetName(env.TARGETS || defaultTargetPreset),
    targetHost: env.TARGET_HOST ? checkHost(env.TARGET_HOST, 'TARGET_HOST') : undefined,
    grafanaPasswordFile: resolve(repoRoot, env.GF_ADMIN_PASSWORD_FILE ?? 'secrets/grafana_admin_password'),
    sinkTokenFile: resolve(repoRoot, env.NOTIFICATION_SINK_TOKEN_FILE ?? 'secrets/notification_sink_token'),
    runIdFile: join(stateDir, 'run-id'),
    runbookBaseUrl,
    localAlertmanagerConfig: wantsExtraReceivers(env) ? resolve(repoRoot, 'monitoring/alertmanager/alertmanager.local.yml') : undefined,
    ownTargets: ownTargetsFromEnv(env),
    remoteWrite: remoteWriteFromEnv(env, repoRoot),
  };
}

/** What this stack watches, with the host rule of its mode (TARGET_HOST wins in both). */
export function targetSelection(settings: StackSettings, mode: 'native' | 'compose', env: NodeJS.ProcessEnv = process.env): TargetSelection {
  const host = settings.targetHost ?? (mode === 'native' ? '127.0.0.1' : undefined);
  return {
    presetName: settings.targetPreset,
    preset: targetPreset(settings.targetPreset),
    host: host === undefined ? { kind: 'compose-service' } : { kind: 'host', host },
    env,
    ...(settings.ownTargets ? { own: settings.ownTargets } : {}),
    ...(settings.remoteWrite ? { remoteWrite: [remoteWriteEntry(settings.remoteWrite, mode)] } : {}),
  };
}

/** Does compose need rendered *.local.yml files (anything but the committed demo targets on compose names, or a remote write)? */
export function needsLocalTargetConfigs(settings: StackSettings): boolean {
  return settings.targetPreset !== defaultTargetPreset || settings.targetHost !== undefined || settings.ownTargets !== undefined || settings.remoteWrite !== undefined;
}
