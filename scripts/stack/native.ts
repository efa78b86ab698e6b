/**
 * Native mode: the stack's services as local processes (the pinned Prometheus and Alertmanager
 * from scripts/engines/engines.ts, Debian's as a fallback with a notice; Debian's blackbox_exporter; the pool exporter, the notification sink, optionally the demo shop and Grafana), each in its own
 * process group with a log file, recorded in <stateDir>/stack.json so that stack:down stops
 * exactly what stack:up started and stack:status can check it.
 *
 * stack:up reconciles: a service of ours that runs the same command and answers its health check
 * is kept (and reloads its config by SIGHUP); a dead, changed or unhealthy one is (re)started.
 * A port held by anything else is reported with its pid before anything starts, and readiness
 * counts only when the process listening on the port is the one we started.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { nativeTool } from '../engines/engines.ts';
import { canBind, describePortUser, foreignListeners } from '../../tools/listeners.ts';
import { isAlive, startProcess, stopProcessGroup } from '../../tools/process.ts';
import { ports, prometheusFlags } from '../../monitoring/config/stack.ts';
import { writeNativeConfigs } from './native-config.ts';
import { hostScaleOutEndpoints, type StackEndpoints } from './endpoints.ts';
import { prometheusReloadedSince } from './prometheus-reload.ts';
import { thanosAddresses } from '../../monitoring/generators/thanos.ts';
import { thanos } from '../../monitoring/config/thanos.ts';
import { thanosProcessSpecs, waitForQueryEndpoints } from '../../tools/thanos-ring.ts';
import { repoRoot, type StackSettings } from './settings.ts';
import { endStackRun, stackRunId } from './stack-files.ts';

export interface ServiceRecord {
  name: string;
  pid: number;
  /** What a person opens. */
  url: string;
  /** Answers 2xx when the service is healthy. */
  healthUrl: string;
  logFile: string;
  /** argv[0..3] as started (binary and entry or config), to make sure a recorded pid still is our process before signalling it. */
  command: string;
  /** The whole command line as started: a service whose spec changed (a moved port) is restarted. */
  argv?: string[];
}

export interface StackState {
  mode: 'native';
  startedAt: string;
  /** The stack run (stack-files.ts): the notification sink marks what it receives with it. */
  runId?: string;
  /** Present when stack:up ran with --scale-out: load tests write to the ring and read through Query. */
  scaleOut?: StackEndpoints;
  services: ServiceRecord[];
}

export interface NativeUpOptions {
  settings: StackSettings;
  /** Also run the demo shop (`npm run demo`). */
  demo: boolean;
  /** Extra environment for the demo shop (e.g. POOL_MODE). */
  demoEnv?: NodeJS.ProcessEnv;
  /** Called with a line of progress. */
  log?: (line: string) => void;
  /** Also the Thanos store (router, Receive ×3, Query, Rule); Prometheus writes to it, Grafana reads Query. */
  scaleOut?: boolean;
}

/** The scale-out store's processes (tools/thanos-ring.ts names them all thanos-*). */
export const isScaleOutService = (name: string): boolean => name.startsWith('thanos-');


export const stateFile = (settings: StackSettings): string => join(settings.stateDir, 'stack.json');

/** First of these commands found on PATH, or undefined. */
export function findBinary(names: string[]): string | undefined {
  for (const name of names) {
    const found = spawnSync('sh', ['-c', `command -v "${name}"`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return undefined;
}

export function readState(settings: StackSettings): StackState | undefined {
  const file = stateFile(settings);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackState;
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}); remove it after checking no stack process runs`);
  }
}

/** Is the recorded pid still the process we started (and not a recycled pid)? */
export function isOurProcess(record: ServiceRecord): boolean {
  if (!isAlive(record.pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0').join(' ');
    return cmdline.includes(record.command);
  } catch {
    return true; // no /proc: trust the pid
  }
}

/** Services that re-read their config on SIGHUP: stack:up signals the ones it keeps (Prometheus has no lifecycle API here). */
const RELOAD_ON_SIGHUP = new Set(['prometheus', 'alertmanager', 'pool-exporter', 'thanos-rule']);

interface ServiceSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  url: string;
  healthUrl: string;
  /** Answers 2xx while the process serves, even when it is not ready (the demo with an injected fault); default healthUrl. */
  liveUrl?: string;
  readyTimeoutMs?: number;
  /** Every port it listens on (a Thanos process: HTTP, gRPC, remote write, Cap'n Proto), fixed: not movable through .env. */
  fixedPorts?: number[];
}

function nodeService(name: string, entry: string, args: string[], url: string, healthUrl: string): ServiceSpec {
  return { name, command: process.execPath, args: ['--import', 'tsx', entry, ...args], url, healthUrl };
}

const portOf = (spec: { healthUrl: string }): number => Number(new URL(spec.healthUrl).port);
const argvOf = (spec: ServiceSpec): string[] => [spec.command, ...spec.args];

function serviceSpecs(opts: NativeUpOptions, runId: string): { specs: ServiceSpec[]; notices: string[] } {
  const { settings } = opts;
  const p = settings.ports;
  const dir = settings.stateDir;
  const scaleOut = opts.scaleOut ? hostScaleOutEndpoints : null;
  const configs = writeNativeConfigs(settings, process.env, scaleOut);
  const notices: string[] = [];
  const specs: ServiceSpec[] = [];

  if (opts.demo) {
    const demoEnv = { ...process.env, ...opts.demoEnv };
    // The shop reads DEMO_GATEWAY_PORT itself (demo/env.ts); the exporter's targets follow the same variables.
    const gateway = `http://127.0.0.1:${demoEnv.DEMO_GATEWAY_PORT || ports.demoGateway}`;
    specs.push({
      ...nodeService('demo', 'demo/main.ts', [], `${gateway}${demoEnv.DEMO_API_PREFIX ?? '/api/v1'}/products`, `${gateway}/ready`),
      env: demoEnv,
      // A fault injected with demo:fault makes /ready 503 on purpose: stack:up must keep that shop, not restart it.
      liveUrl: `${gateway}/health`,
      readyTimeoutMs: 60_000,
    });
  }
  specs.push(
    nodeService(
      'notification-sink',
      'notification-sink/main.ts',
      [
        '--listen',
        `127.0.0.1:${p.notificationSink}`,
        '--out',
        configs.notifications,
        '--token-file',
        settings.sinkTokenFile,
        '--run-id',
        runId,
        ...(settings.runbookBaseUrl ? ['--runbook-base-url', settings.runbookBaseUrl] : []),
      ],
      `http://127.0.0.1:${p.notificationSink}/`,
      `http://127.0.0.1:${p.notificationSink}/-/healthy`,
    ),
    nodeService(
      'pool-exporter',
      'exporters/pool-exporter/src/main.ts',
      ['--config', configs.poolExporterConfig, '--listen', `127.0.0.1:${p.poolExporter}`],
      `http://127.0.0.1:${p.poolExporter}/`,
      `http://127.0.0.1:${p.poolExporter}/-/healthy`,
    ),
  );

  const blackbox = findBinary(['blackbox_exporter', 'prometheus-blackbox-exporter']);
  if (!blackbox) throw new Error('no blackbox_exporter binary on PATH (Debian: apt-get install prometheus-blackbox-exporter)');
  specs.push({
    name: 'blackbox-exporter',
    command: blackbox,
    args: [`--config.file=${configs.blackboxConfig}`, `--web.listen-address=127.0.0.1:${p.blackboxExporter}`],
    url: `http://127.0.0.1:${p.blackboxExporter}/`,
    healthUrl: `http://127.0.0.1:${p.blackboxExporter}/-/healthy`,
  });

  const alertmanager = nativeTool('alertmanager');
  if (alertmanager.notice) notices.push(alertmanager.notice);
  specs.push({
    name: 'alertmanager',
    command: alertmanager.resolved.path,
    args: [
      `--config.file=${configs.alertmanagerConfig}`,
      `--storage.path=${join(dir, 'alertmanager')}`,
      `--web.listen-address=127.0.0.1:${p.alertmanager}`,
      '--cluster.listen-address=',
    ],
    url: `http://127.0.0.1:${p.alertmanager}/`,
    healthUrl: `http://127.0.0.1:${p.alertmanager}/-/ready`,
  });

  if (scaleOut) {
    const binary = nativeTool('thanos').resolved.path;
    const a = thanosAddresses();
    const ring = thanosProcessSpecs(a, {
      dir: join(dir, 'thanos'),
      rule: { ruleFiles: [resolve(repoRoot, 'monitoring/thanos/rules/*.yml')], alertmanagerUrl: `http://127.0.0.1:${p.alertmanager}` },
    });
    for (const t of ring) {
      const fixedPorts = t.listens.map((hostPort) => Number(hostPort.split(':').at(-1)));
      specs.push({ name: t.name, command: binary, args: t.args, url: t.url, healthUrl: t.readyUrl, readyTimeoutMs: 60_000, fixedPorts });
    }
    notices.push(
      `Scale-out: Thanos Receive ×${thanos.receivers} (replication ${thanos.replicationFactor}) behind a router, Query and Rule are up. ` +
        `Prometheus and load tests write to ${scaleOut.remoteWriteUrl}; Grafana and the rules read ${scaleOut.queryUrl}. ` +
        '`npm run loadtest` picks both up from the stack state.',
    );
  }

  const prometheus = nativeTool('prometheus');
  if (prometheus.notice) notices.push(prometheus.notice);
  specs.push({
    name: 'prometheus',
    command: prometheus.resolved.path,
    args: [
      `--config.file=${configs.prometheusConfig}`,
      `--storage.tsdb.path=${join(dir, 'prometheus')}`,
      `--web.listen-address=127.0.0.1:${p.prometheus}`,
      ...prometheusFlags.map((f) => f.flag),
    ],
    url: `http://127.0.0.1:${p.prometheus}/`,
    healthUrl: `http://127.0.0.1:${p.prometheus}/-/ready`,
  });

  const grafana = findBinary(['grafana', 'grafana-server']);
  if (grafana) {
    const isServerSubcommand = !grafana.endsWith('grafana-server');
    specs.push({
      name: 'grafana',
      command: grafana,
      args: [
        ...(isServerSubcommand ? ['server'] : []),
        `--homepath=${process.env.GRAFANA_HOME ?? '/usr/share/grafana'}`,
        // On the command line (as well as GF_PATHS_PROVISIONING) so that a mode change restarts Grafana.
        `cfg:default.paths.provisioning=${configs.grafanaProvisioning}`,
      ],
      env: {
        ...process.env,
        GF_PATHS_PROVISIONING: configs.grafanaProvisioning,
        GF_PATHS_DATA: join(dir, 'grafana', 'data'),
        GF_PATHS_LOGS: join(dir, 'logs'),
        GF_SERVER_HTTP_ADDR: '127.0.0.1',
        GF_SERVER_HTTP_PORT: String(p.grafana),
        GF_SECURITY_ADMIN_PASSWORD__FILE: settings.grafanaPasswordFile,
        GF_AUTH_ANONYMOUS_ENABLED: process.env.GF_ANONYMOUS_ENABLED ?? 'false',
        GF_AUTH_ANONYMOUS_ORG_ROLE: 'Viewer',
      },
      url: `http://127.0.0.1:${p.grafana}/`,
      healthUrl: `http://127.0.0.1:${p.grafana}/api/health`,
      readyTimeoutMs: 60_000,
    });
  } else {
    notices.push(
      'Grafana: no `grafana` binary on PATH, so it is not started natively. Install Grafana (grafana.com/grafana/download) ' +
        'or use the compose mode; meanwhile look at Prometheus (graphs, alerts), Alertmanager and the notification sink. ' +
        'The dashboards are in monitoring/grafana/dashboards/ for import into any Grafana.',
    );
  }
  return { specs, notices };
}

export type ServiceAction = 'kept' | 'started' | 'restarted' | 'stopped';

export interface NativeUpResult {
  state: StackState;
  notices: string[];
  /** What stack:up did to each service, with why. */
  actions: { name: string; action: ServiceAction; reason: string }[];
}

async function answersHealth(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** Why a recorded service cannot be kept, or undefined when it is ours, unchanged, healthy and owns its port. */
async function reasonToReplace(record: ServiceRecord | undefined, spec: ServiceSpec): Promise<string | undefined> {
  if (!record) return 'not started yet';
  if (!isOurProcess(record)) return `pid ${record.pid} is not running`;
  if (record.argv && record.argv.join('\0') !== argvOf(spec).join('\0')) return 'its command line changed';
  const liveUrl = spec.liveUrl ?? spec.healthUrl;
  if (!(await answersHealth(liveUrl))) return `it does not answer ${liveUrl}`;
  if (foreignListeners(portOf(spec), record.pid).listeners.length > 0) return `another process answers on port ${portOf(spec)}`;
  return undefined;
}

/** After readiness: the port must be held by the process group we started, not by a leftover. */
function assertOwnsPort(name: string, port: number, pid: number): void {
  const { listeners } = foreignListeners(port, pid);
  if (listeners.length > 0) {
    const who = listeners.map((l) => `pid ${l.pid} (${l.name})`).join(', ');
    throw new Error(`${name}: port ${port} is answered by ${who}, not by the ${name} we started (pid ${pid})`);
  }
}

export async function nativeUp(opts: NativeUpOptions): Promise<NativeUpResult> {
  const log = opts.log ?? (() => undefined);
  const { settings } = opts;
  const existing = readState(settings);
  mkdirSync(join(settings.stateDir, 'logs'), { recursive: true });
  const runId = stackRunId(settings);
  const { specs, notices } = serviceSpecs(opts, runId);
  const recorded = new Map((existing?.services ?? []).map((r) => [r.name, r]));

  // Decide first, then check every port we are about to bind: fail before starting anything.
  const plan: { spec: ServiceSpec; record?: ServiceRecord; reason?: string }[] = [];
  for (const spec of specs) {
    const record = recorded.get(spec.name);
    plan.push({ spec, record, reason: await reasonToReplace(record, spec) });
  }
  const replaced = plan.filter((p) => p.reason !== undefined);
  for (const { record } of replaced) {
    if (record && isOurProcess(record)) await stopProcessGroup(record.pid);
  }
  const busy: string[] = [];
  let fixedBusy = false;
  for (const { spec } of replaced) {
    for (const port of new Set([portOf(spec), ...(spec.fixedPorts ?? [])])) {
      if (await canBind(port)) continue;
      busy.push(`${describePortUser(port)}: ${spec.name} cannot listen there`);
      fixedBusy ||= spec.fixedPorts?.includes(port) ?? false;
    }
  }
  if (busy.length > 0) {
    if (!plan.some((p) => p.reason === undefined) && !(existing?.services ?? []).some(isOurProcess)) {
      rmSync(stateFile(settings), { force: true }); // nothing of ours runs: no stack, no run
      endStackRun(settings);
    }
    const fixed = fixedBusy ? ' The scale-out store\'s ports are fixed (monitoring/config/thanos.ts: its members know each other by them).' : '';
    throw new Error(`${busy.join('\n')}\nStop that process or move ours (PROMETHEUS_PORT, ALERTMANAGER_PORT, ... in .env).${fixed}`);
  }

  const state: StackState = {
    mode: 'native',
    startedAt: existing?.startedAt ?? new Date().toISOString(),
    runId,
    ...(opts.scaleOut ? { scaleOut: hostScaleOutEndpoints } : {}),
    services: [],
  };
  const actions: NativeUpResult['actions'] = [];
  const save = (): void => writeFileSync(stateFile(settings), `${JSON.stringify(state, null, 2)}\n`);
  // Services we run that this stack:up does not ask for (e.g. the demo without --demo) stay recorded, so stack:down stops them.
  // Not the scale-out store: without --scale-out Prometheus evaluates the rules again, and a Thanos
  // Rule left running would evaluate them too, over a Query that no longer gets Prometheus' samples
  // (absent() alerts would fire falsely). Stopped at the end, once Prometheus has dropped its
  // remote write to the router (below).
  const retiring: ServiceRecord[] = [];
  for (const record of existing?.services ?? []) {
    if (!specs.some((s) => s.name === record.name) && isOurProcess(record)) {
      if (isScaleOutService(record.name)) {
        retiring.push(record);
        continue;
      }
      state.services.push(record);
      notices.push(`${record.name} (pid ${record.pid}) keeps running from an earlier stack:up; stack:down stops it.`);
    }
  }
  const reloadsSince = Math.floor(Date.now() / 1000);
  for (const { spec, record, reason } of plan) {
    if (reason !== undefined || !record) continue;
    const reload = RELOAD_ON_SIGHUP.has(spec.name);
    if (reload) {
      try {
        process.kill(record.pid, 'SIGHUP'); // pick up the configs just written
      } catch {
        // it died since the check: the next stack:up starts it
      }
    }
    state.services.push(record);
    actions.push({ name: spec.name, action: 'kept', reason: `healthy, pid ${record.pid}` });
    log(`${spec.name} is up and healthy (pid ${record.pid}): kept${reload ? ', config reloaded (SIGHUP)' : ''}`);
  }
  const startedNow: number[] = [];
  try {
    for (const { spec, record, reason } of plan) {
      if (reason === undefined) continue;
      const logFile = join(settings.stateDir, 'logs', `${spec.name}.log`);
      log(`starting ${spec.name} (${reason}; log: ${logFile})`);
      const proc = await startProcess({
        name: spec.name,
        command: spec.command,
        args: spec.args,
        env: spec.env,
        cwd: repoRoot,
        logFile,
        daemon: true,
        readyUrl: spec.healthUrl,
        readyTimeoutMs: spec.readyTimeoutMs ?? 30_000,
      });
      startedNow.push(proc.pid);
      try {
        assertOwnsPort(spec.name, portOf(spec), proc.pid);
      } catch (err) {
        await proc.stop();
        throw err;
      }
      state.services.push({
        name: spec.name,
        pid: proc.pid,
        url: spec.url,
        healthUrl: spec.healthUrl,
        logFile,
        command: [spec.command, ...spec.args.slice(0, 3)].join(' '),
        argv: argvOf(spec),
      });
      actions.push({ name: spec.name, action: record ? 'restarted' : 'started', reason: reason ?? '' });
      save(); // after every start, so a crash half-way still leaves a complete record for stack:down
    }
  } catch (err) {
    // Stop what this call started; what was kept keeps running and stays recorded.
    for (const pid of startedNow.reverse()) await stopProcessGroup(pid);
    state.services = state.services.filter((s) => !startedNow.includes(s.pid));
    if (state.services.length > 0) save();
    else {
      rmSync(stateFile(settings), { force: true });
      endStackRun(settings);
    }
    throw err;
  }
  if (opts.scaleOut) {
    // Query is ready before it has connected the receivers; until it has, Grafana and Thanos Rule
    // see no data. Up means usable: wait for it (the processes stay up and recorded on failure).
    const waited = Date.now();
    await waitForQueryEndpoints(hostScaleOutEndpoints.queryUrl, thanosAddresses().receivers.map((r) => r.grpc));
    log(`thanos-query has connected all ${thanos.receivers} receivers (waited ${((Date.now() - waited) / 1000).toFixed(1)} s)`);
  }
  if (retiring.length > 0) {
    // Prometheus reloads asynchronously after SIGHUP; when its new config drops the remote write,
    // it first flushes what is queued for the router, and with the router gone that reload hangs
    // until the flush deadline (a minute). So the store stops once the reload has completed.
    const reloaded = await prometheusReloadedSince(`http://127.0.0.1:${settings.ports.prometheus}`, reloadsSince);
    if (!reloaded) notices.push('Prometheus had not finished reloading its config when the Thanos store was stopped: its last samples for the ring may be lost.');
    for (const record of retiring) {
      await stopProcessGroup(record.pid);
      actions.push({ name: record.name, action: 'stopped', reason: 'stack:up without --scale-out' });
      log(`${record.name} (pid ${record.pid}) stopped: stack:up without --scale-out`);
    }
  }
  save();
  return { state, notices, actions };
}

export interface StoppedService {
  name: string;
  pid: number;
  stopped: boolean;
  note?: string;
}

export async function nativeDown(settings: StackSettings): Promise<StoppedService[]> {
  const state = readState(settings);
  if (!state) return [];
  const results: StoppedService[] = [];
  for (const record of [...state.services].reverse()) {
    if (!isOurProcess(record)) {
      results.push({ name: record.name, pid: record.pid, stopped: true, note: 'was not running' });
      continue;
    }
    const stopped = await stopProcessGroup(record.pid);
    results.push({ name: record.name, pid: record.pid, stopped });
  }
  if (results.every((r) => r.stopped)) {
    rmSync(stateFile(settings), { force: true });
    endStackRun(settings);
  }
  return results;
}

export interface ServiceStatus {
  name: string;
  pid: number;
  running: boolean;
  healthy: boolean;
  url: string;
  detail: string;
}

export async function nativeStatus(settings: StackSettings): Promise<ServiceStatus[] | undefined> {
  const state = readState(settings);
  if (!state) return undefined;
  return Promise.all(
    state.services.map(async (record) => {
      const running = isOurProcess(record);
      let healthy = false;
      let detail = running ? '' : 'not running';
      if (running) {
        try {
          const res = await fetch(record.healthUrl, { signal: AbortSignal.timeout(3_000) });
          await res.arrayBuffer();
          healthy = res.ok;
          detail = `${record.healthUrl} -> HTTP ${res.status}`;
          const foreign = foreignListeners(Number(new URL(record.healthUrl).port), record.pid).listeners;
          if (foreign.length > 0) {
            healthy = false; // the answer came from someone else's process
            detail = `port answered by ${foreign.map((l) => `pid ${l.pid} (${l.name})`).join(', ')}, not by ours`;
          }
        } catch (err) {
          detail = `${record.healthUrl}: ${(err as Error).message}`;
        }
      }
      return { name: record.name, pid: record.pid, running, healthy, url: record.url, detail };
    }),
  );
}
