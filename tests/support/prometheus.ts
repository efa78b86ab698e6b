/**
 * Real Prometheus and Alertmanager for tests: the pinned builds (tests/support/engines.ts) on
 * 127.0.0.1 port 0 (each logs `msg="Listening on" address=127.0.0.1:PORT` once bound:
 * docs/testing.md), each in a temporary directory, stopped by the returned handle.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prometheusFlags } from '../../monitoring/config/stack.ts';
import { listeningLine, startListeningProcess, waitForHttp, type RunningProcess } from '../../tools/process.ts';
import { authHeaders } from '../../tools/remote-write-auth.ts';
import { bcryptHash } from './bcrypt.ts';
import { bin } from './engines.ts';


export interface PromSample {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
  histogram?: [number, unknown];
}

/** The HTTP API of any running Prometheus (one the test started, or the stack's own). */
export interface PrometheusClient {
  url: string;
  /** Instant query; throws with Prometheus' own error text when the query is rejected. */
  query(expr: string, time?: number): Promise<PromSample[]>;
  /** Range query over [start, end] (unix seconds). */
  queryRange(expr: string, start: number, end: number, step: number): Promise<PromSample[]>;
  /** GET /api/v1/<path> and return `data`. */
  api<T = unknown>(path: string): Promise<T>;
}

export interface TestPrometheus extends PrometheusClient {
  port: number;
  dir: string;
  process: RunningProcess;
  stop(): Promise<void>;
}

export interface StartPrometheusOptions {
  /** prometheus.yml text; `{{DIR}}` is replaced by the temp dir (for rule_files paths). */
  config?: string;
  /** Or an existing config file path. */
  configFile?: string;
  /** Extra files to write into the temp dir before start (name -> content). */
  files?: Record<string, string>;
  /** Extra flags, after the ones the stack passes (monitoring/config/stack.ts prometheusFlags); `{{DIR}}` as above. */
  flags?: string[];
  /**
   * Every HTTP endpoint (remote write, queries, /-/ready) behind basic auth: a --web.config.file
   * with basic_auth_users (a bcrypt hash); the returned client sends these credentials.
   */
  basicAuth?: { username: string; password: string };
}

const DEFAULT_CONFIG = `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n`;

async function promApi<T>(base: string, path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${base}/api/v1/${path}`, init);
  if (res.status === 401) throw new Error(`Prometheus ${path}: HTTP 401 (basic auth required)`);
  const body = (await res.json()) as { status: string; data: T; error?: string; errorType?: string };
  if (body.status !== 'success') {
    throw new Error(`Prometheus ${path}: ${body.errorType ?? 'error'}: ${body.error ?? res.status}`);
  }
  return body.data;
}

/** `headers`: sent with every request (e.g. basic auth, a tenant header). */
export function prometheusClient(url: string, headers: Record<string, string> = {}): PrometheusClient {
  return {
    url,
    async query(expr, time) {
      const params = new URLSearchParams({ query: expr });
      if (time !== undefined) params.set('time', String(time));
      const data = await promApi<{ resultType: string; result: PromSample[] | [number, string] }>(url, 'query', {
        method: 'POST',
        headers,
        body: params,
      });
      if (data.resultType === 'scalar' || data.resultType === 'string') {
        return [{ metric: {}, value: data.result as [number, string] }];
      }
      return data.result as PromSample[];
    },
    async queryRange(expr, start, end, step) {
      const params = new URLSearchParams({ query: expr, start: String(start), end: String(end), step: String(step) });
      const data = await promApi<{ result: PromSample[] }>(url, 'query_range', { method: 'POST', headers, body: params });
      return data.result;
    },
    api: (path) => promApi(url, path, { headers }),
  };
}

export async function startPrometheus(opts: StartPrometheusOptions = {}): Promise<TestPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'prom-test-'));
  for (const [name, content] of Object.entries(opts.files ?? {})) {
    await writeFile(join(dir, name), content.replaceAll('{{DIR}}', dir));
  }
  const flags = (opts.flags ?? []).map((f) => f.replaceAll('{{DIR}}', dir));
  if (opts.basicAuth) {
    const webConfig = join(dir, 'web.yml');
    await writeFile(webConfig, `basic_auth_users:\n  ${JSON.stringify(opts.basicAuth.username)}: ${JSON.stringify(bcryptHash(opts.basicAuth.password))}\n`);
    flags.push(`--web.config.file=${webConfig}`);
  }
  const headers = opts.basicAuth ? authHeaders({ basicAuth: opts.basicAuth }) : {};
  let configFile = opts.configFile;
  if (!configFile) {
    configFile = join(dir, 'prometheus.yml');
    await writeFile(configFile, (opts.config ?? DEFAULT_CONFIG).replaceAll('{{DIR}}', dir));
  }
  const proc = await startListeningProcess({
    name: 'prometheus',
    command: bin('prometheus'),
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      '--web.listen-address=127.0.0.1:0',
      ...prometheusFlags.map((f) => f.flag),
      ...flags,
    ],
    listening: listeningLine.goExporterToolkit,
    readyPath: '/-/ready',
    // Behind basic auth /-/ready answers 401 to the anonymous probe; ready is asked with credentials below.
    ...(opts.basicAuth ? { readyStatuses: [401] } : {}),
    readyTimeoutMs: 30_000,
  });
  const { port, url } = proc;
  if (opts.basicAuth) {
    try {
      await waitForHttp(`${url}/-/ready`, { timeoutMs: 30_000, headers });
    } catch (err) {
      await proc.stop();
      throw err;
    }
  }
  return {
    ...prometheusClient(url, headers),
    port,
    dir,
    process: proc,
    async stop() {
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface TestAlertmanager {
  url: string;
  port: number;
  dir: string;
  process: RunningProcess;
  stop(): Promise<void>;
}

/** Start Alertmanager with the given config text (or file). Clustering is off. */
export async function startAlertmanager(opts: { config?: string; configFile?: string }): Promise<TestAlertmanager> {
  const dir = await mkdtemp(join(tmpdir(), 'am-test-'));
  let configFile = opts.configFile;
  if (!configFile) {
    configFile = join(dir, 'alertmanager.yml');
    await writeFile(configFile, opts.config ?? 'route:\n  receiver: none\nreceivers:\n  - name: none\n');
  }
  const proc = await startListeningProcess({
    name: 'alertmanager',
    command: bin('alertmanager'),
    args: [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      '--web.listen-address=127.0.0.1:0',
      '--cluster.listen-address=',
    ],
    listening: listeningLine.goExporterToolkit,
    readyPath: '/-/ready',
    readyTimeoutMs: 30_000,
  });
  const { port, url } = proc;
  return {
    url,
    port,
    dir,
    process: proc,
    async stop() {
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
