/**
 * Native mode: the stack's services as local processes (the pinned Prometheus and Alertmanager
 * from scripts/engines/engines.ts, Debian's as a fallback with a notice; the exporter, the notification sink, optionally the demo shop and Grafana), each in its own
 * process group with a log file, recorded in <stateDir>/stack.json so that stack:down stops
 * exactly what stack:up started and stack:status can check it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeTool } from '../engines/engines.ts';
import { isAlive, startProcess, stopProcessGroup, type RunningProcess } from '../../tools/process.ts';
import { ports, prometheusFlags } from '../../monitoring/config/stack.ts';
import { writeNativeConfigs } from './native-config.ts';
import { repoRoot, type StackSettings } from './settings.ts';

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
}

export interface StackState {
  mode: 'native';
  startedAt: string;
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
}

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

interface ServiceSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  url: string;
  healthUrl: string;
  readyTimeoutMs?: number;
}

function nodeService(name: string, entry: string, args: string[], url: string, healthUrl: string): ServiceSpec {
  return { name, command: process.execPath, args: ['--import', 'tsx', entry, ...args], url, healthUrl };
}

function serviceSpecs(opts: NativeUpOptions): { specs: ServiceSpec[]; notices: string[] } {
  const { settings } = opts;
  const p = settings.ports;
  const dir = settings.stateDir;
  const configs = writeNativeConfigs(settings);
  const notices: string[] = [];
  const specs: ServiceSpec[] = [];

  if (opts.demo) {
    const demoEnv = { ...process.env, ...opts.demoEnv };
    // The shop reads DEMO_GATEWAY_PORT itself (demo/env.ts); the exporter's targets follow the same variables.
    const gateway = `http://127.0.0.1:${demoEnv.DEMO_GATEWAY_PORT || ports.demoGateway}`;
    specs.push({
      ...nodeService('demo', 'demo/main.ts', [], `${gateway}${demoEnv.DEMO_API_PREFIX ?? '/api/v1'}/products`, `${gateway}/ready`),
      env: demoEnv,
      readyTimeoutMs: 60_000,
    });
  }
  specs.push(
    nodeService(
      'notification-sink',
      'notification-sink/main.ts',
      ['--listen', `127.0.0.1:${p.notificationSink}`, '--out', configs.notifications],
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
      args: [...(isServerSubcommand ? ['server'] : []), `--homepath=${process.env.GRAFANA_HOME ?? '/usr/share/grafana'}`],
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

export async function nativeUp(opts: NativeUpOptions): Promise<{ state: StackState; notices: string[] }> {
  const log = opts.log ?? (() => undefined);
  const { settings } = opts;
  const existing = readState(settings);
  if (existing && existing.services.some(isOurProcess)) {
    throw new Error(`the native stack is already up (state in ${stateFile(settings)}); run \`npm run stack:down\` first`);
  }
  mkdirSync(join(settings.stateDir, 'logs'), { recursive: true });
  const { specs, notices } = serviceSpecs(opts);
  const started: { spec: ServiceSpec; proc: RunningProcess; logFile: string }[] = [];
  const state: StackState = { mode: 'native', startedAt: new Date().toISOString(), services: [] };
  const save = (): void => writeFileSync(stateFile(settings), `${JSON.stringify(state, null, 2)}\n`);
  try {
    for (const spec of specs) {
      const logFile = join(settings.stateDir, 'logs', `${spec.name}.log`);
      log(`starting ${spec.name} (log: ${logFile})`);
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
      started.push({ spec, proc, logFile });
      state.services.push({
        name: spec.name,
        pid: proc.pid,
        url: spec.url,
        healthUrl: spec.healthUrl,
        logFile,
        command: [spec.command, ...spec.args.slice(0, 3)].join(' '),
      });
      save(); // after every start, so a crash half-way still leaves a complete record for stack:down
    }
  } catch (err) {
    for (const s of started.reverse()) await s.proc.stop();
    rmSync(stateFile(settings), { force: true });
    throw err;
  }
  return { state, notices };
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
  if (results.every((r) => r.stopped)) rmSync(stateFile(settings), { force: true });
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
        } catch (err) {
          detail = `${record.healthUrl}: ${(err as Error).message}`;
        }
      }
      return { name: record.name, pid: record.pid, running, healthy, url: record.url, detail };
    }),
  );
}
