/**
 * npm run stack:up [-- --native] [--demo] [--scale-out] [--targets demo|ecommerce-go-app] [--no-generate]
 *
 * --scale-out adds the distributed store (Thanos router, Receive ×3, Query, Rule: docs/scale-out.md).
 * Generates every config, then brings the stack up with docker compose, or natively from local
 * binaries when asked (--native) or when no Docker engine answers (with a notice).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ports } from '../../monitoring/config/stack.ts';
import { waitForHttp } from '../../tools/process.ts';
import { compose, composeCommand, composeEnvironment } from './compose.ts';
import { nativeUp } from './native.ts';
import { hostScaleOutEndpoints, recordScaleOut } from './endpoints.ts';
import { prometheusReloadedSince } from './prometheus-reload.ts';
import { composeThanosCommands } from '../../monitoring/generators/thanos-compose.ts';
import { thanos } from '../../monitoring/config/thanos.ts';
import { targetPreset } from '../../monitoring/config/targets.ts';
import { loadDotEnv, repoRoot, stackSettings, type StackSettings } from './settings.ts';
import { ensureSinkToken, ensureStackFiles, grafanaPasswordPath, newSinkToken, sinkTokenPath, stackRunId } from './stack-files.ts';

const { values } = parseArgs({
  options: {
    native: { type: 'boolean', default: false },
    demo: { type: 'boolean', default: false },
    /** The distributed remote-write store (Thanos, docs/scale-out.md): natively, or compose's `scale-out` profile. */
    'scale-out': { type: 'boolean', default: false },
    'no-generate': { type: 'boolean', default: false },
    /** A preset of monitoring/config/targets.ts (demo, ecommerce-go-app); overrides TARGETS in .env. */
    targets: { type: 'string' },
  },
});

/**
 * The files compose mounts that are not in git (scripts/stack/stack-files.ts): secrets/ with
 * Grafana's admin password (random unless .env sets one) and the optional notification secrets,
 * and results/ for k6.
 */
function ensureHostFiles(settings: StackSettings): void {
  const newPassword = (): string => process.env.GF_ADMIN_PASSWORD || randomBytes(18).toString('base64url');
  const passwordFile = settings.grafanaPasswordFile;
  const hadPassword = existsSync(passwordFile);
  if (!hadPassword && passwordFile !== resolve(repoRoot, grafanaPasswordPath)) {
    // GF_ADMIN_PASSWORD_FILE elsewhere: the same content and mode there.
    mkdirSync(dirname(passwordFile), { recursive: true, mode: 0o700 });
    writeFileSync(passwordFile, newPassword());
    chmodSync(passwordFile, 0o644);
  }
  const changes = ensureStackFiles(repoRoot, (path) => (path === grafanaPasswordPath ? newPassword() : path === sinkTokenPath ? newSinkToken() : ''));
  if (!hadPassword) console.log(`Grafana admin password written to ${passwordFile} (user: admin).`);
  for (const change of changes) console.log(`stack:up: ${change}`);
}

async function main(): Promise<void> {
  loadDotEnv();
  if (values.targets !== undefined) process.env.TARGETS = values.targets;
  const settings = stackSettings();
  if (!values['no-generate']) {
    const gen = spawnSync(process.execPath, ['--import', 'tsx', 'monitoring/generate.ts'], { cwd: repoRoot, stdio: 'inherit' });
    if (gen.status !== 0) throw new Error('`npm run generate` failed; the stack was not started');
  }
  ensureHostFiles(settings);
  const tokenNotice = ensureSinkToken(settings);
  if (tokenNotice) console.log(tokenNotice);
  if (settings.localAlertmanagerConfig) {
    // Slack/email from .env: a git-ignored config beside the committed one; compose picks it by name.
    const gen = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'monitoring/generate.ts', '--alertmanager-from-env', settings.localAlertmanagerConfig],
      { cwd: repoRoot, stdio: 'inherit' },
    );
    if (gen.status !== 0) throw new Error('the Alertmanager config with Slack/email could not be generated (see above)');
    process.env.ALERTMANAGER_CONFIG_FILE = basename(settings.localAlertmanagerConfig);
  }

  const composeCmd = values.native ? undefined : composeCommand();
  const scaleOut = values['scale-out'];
  if (composeCmd) {
    // Compose mounts monitoring/: local target files there replace the committed demo targets (native
    // mode renders its own copies); --scale-out picks the Prometheus config that writes to Thanos.
    Object.assign(process.env, composeEnvironment(settings, { scaleOut }));
  }
  const own = settings.ownTargets;
  if (own) {
    console.log(`Watching your own services: pool health ${Object.keys(own.pool).join(', ')}; /metrics ${own.metrics.map((t) => t.service).join(', ') || 'none'}; gRPC health ${own.grpcHealth.map((t) => t.service).join(', ') || 'none'}.`);
  } else {
    console.log(`Watching target preset ${settings.targetPreset} (${targetPreset(settings.targetPreset).description})${settings.targetHost ? ` on host ${settings.targetHost}` : ''}.`);
  }
  if (composeCmd) {
    // The sink marks notifications with the run id; RUNBOOK_BASE_URL (if any) reaches it through compose's environment.
    process.env.STACK_RUN_ID = stackRunId(settings);
    const profiles = [...(values.demo ? ['demo'] : []), ...(scaleOut ? ['scale-out'] : [])];
    const hasWait = composeCmd[0] === 'docker'; // compose v2; v1 (docker-compose) has no --wait
    compose(composeCmd, ['up', '-d', '--build', ...(hasWait ? ['--wait'] : [])], profiles);
    const p = ports; // compose publishes the default ports (docker-compose-monitoring.yaml)
    if (!hasWait) {
      const health = [`${p.prometheus}/-/ready`, `${p.alertmanager}/-/ready`, `${p.grafana}/api/health`, `${p.poolExporter}/-/healthy`, `${p.blackboxExporter}/-/healthy`];
      if (scaleOut) health.push(`${thanos.ports.queryHttp}/-/ready`, `${thanos.ports.ruleHttp}/-/ready`);
      for (const path of health) await waitForHttp(`http://127.0.0.1:${path}`, { timeoutMs: 120_000 });
    }
    // Containers compose kept do not re-read the configs generated above: reload them (SIGHUP; no lifecycle API).
    const reloadsSince = Math.floor(Date.now() / 1000);
    compose(composeCmd, ['kill', '-s', 'SIGHUP', 'prometheus', 'alertmanager', 'pool-exporter', ...(scaleOut ? ['thanos-rule'] : [])], profiles);
    if (!scaleOut) {
      // Without --scale-out Prometheus evaluates the rules again: a Thanos Rule left running from an
      // earlier --scale-out would evaluate them too (compose's up does not stop other profiles'
      // services). Once Prometheus' reload (SIGHUP above) no longer writes to the router.
      await prometheusReloadedSince(`http://127.0.0.1:${p.prometheus}`, reloadsSince);
      compose(composeCmd, ['stop', ...Object.keys(composeThanosCommands())], ['scale-out']);
    }
    recordScaleOut(settings, scaleOut ? hostScaleOutEndpoints : null);
    console.log(`\nStack is up (docker compose).
  Grafana            http://localhost:${p.grafana}
  Prometheus         http://localhost:${p.prometheus}
  Alertmanager       http://localhost:${p.alertmanager}
  Pool exporter      http://localhost:${p.poolExporter}
  Blackbox exporter  http://localhost:${p.blackboxExporter}
  Notifications      http://localhost:${p.notificationSink}${values.demo ? `\n  Demo shop          http://localhost:${p.demoGateway}/api/v1/products` : ''}${
    scaleOut
      ? `\n  Thanos Query       http://localhost:${thanos.ports.queryHttp}   (Grafana's Prometheus datasource)
  Thanos Rule        http://localhost:${thanos.ports.ruleHttp}   (the rules and alerts; Prometheus loads none)
  Remote write       http://localhost:${thanos.ports.routerRemoteWrite}/api/v1/receive   (Thanos router: Receive ×${thanos.receivers}, replication ${thanos.replicationFactor})`
      : ''
  }`);
    return;
  }
  if (!values.native) console.log('Notice: no Docker engine answers (`docker info` failed): starting the stack natively.');
  const { state, notices, actions } = await nativeUp({ settings, demo: values.demo, scaleOut, log: (l) => console.log(l) });
  recordScaleOut(settings, state.scaleOut ?? null);
  const changed = actions.filter((a) => a.action !== 'kept').map((a) => `${a.action} ${a.name}`);
  console.log(`\nStack is up (native; state in ${settings.stateDir}; ${changed.length > 0 ? changed.join(', ') : 'everything was already up'}).`);
  for (const s of state.services) console.log(`  ${s.name.padEnd(18)} ${s.url}   (pid ${s.pid}, log ${s.logFile})`);
  for (const n of notices) console.log(`\n${n}`);
  console.log('\nStop it with `npm run stack:down`; check it with `npm run stack:status`.');
}

main().catch((err: unknown) => {
  console.error(`stack:up: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
