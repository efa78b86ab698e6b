/**
 * Helpers for the exporter tests: the exporter in process (createExporter on port 0) or as a
 * process (for signals and ports), tiny real HTTP servers, a strict reader of the exposition
 * text (for exact values) and promtool as the real parser.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../exporters/pool-exporter/src/config.ts';
import { createExporter, type Exporter } from '../../exporters/pool-exporter/src/exporter.ts';
import { createLogger } from '../../exporters/pool-exporter/src/log.ts';
import { startProcess, type RunningProcess } from '../../tools/process.ts';
import { bin } from '../support/engines.ts';
import { poolHealthFixturesDir } from '../support/fixtures.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The pool health contract's samples: the repository's copy (fixtures/pool-health). */
export const FIXTURES_DIR = poolHealthFixturesDir;
export const EXPORTER_MAIN = join(REPO_ROOT, 'exporters', 'pool-exporter', 'src', 'main.ts');
/** What main.ts logs once bound; the port is the one the kernel gave. */
export const LISTENING_LINE = /pool-exporter listening on (\S+):(\d+)\b/;

export interface ExporterOptions {
  /** Environment for ${VAR} expansion and { env: } headers (in process: only these and process.env). */
  env?: NodeJS.ProcessEnv;
  /** Files written beside the config file before it is loaded. */
  files?: Record<string, string>;
  enableLifecycle?: boolean;
}

interface Common {
  url: string;
  port: number;
  dir: string;
  configFile: string;
  /** Everything the exporter logged so far. */
  log(): Promise<string>;
  probe(target: string, headers?: Record<string, string>): Promise<{ status: number; text: string; contentType: string }>;
  stop(): Promise<void>;
}

export interface TestExporter extends Common {
  exporter: Exporter;
}

export interface ExporterProcess extends Common {
  process: RunningProcess;
}

async function configDir(config: string, files: Record<string, string> = {}): Promise<{ dir: string; configFile: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'pool-exporter-test-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  const configFile = join(dir, 'pool-exporter.yml');
  await writeFile(configFile, config);
  return { dir, configFile };
}

const probeVia = (url: string) => async (target: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${url}/probe?target=${encodeURIComponent(target)}`, { headers });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') ?? '' };
};

/** createExporter in this process, on 127.0.0.1 port 0, its log kept in memory. */
export async function startExporter(config: string, opts: ExporterOptions = {}): Promise<TestExporter> {
  const { dir, configFile } = await configDir(config, opts.files);
  const env = { ...process.env, ...opts.env };
  const lines: string[] = [];
  const exporter = createExporter({
    config: loadConfig(configFile, env),
    loadConfig: () => loadConfig(configFile, env),
    enableLifecycle: opts.enableLifecycle,
    logger: createLogger('debug', (line) => lines.push(line)),
    version: '0.1.0',
  });
  const { port } = await exporter.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    dir,
    configFile,
    exporter,
    log: async () => lines.join(''),
    probe: probeVia(url),
    async stop() {
      await exporter.close(5_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `node --import tsx main.ts --config FILE --listen 127.0.0.1:0 [args]` as a child process; the
 * port is read from its "listening on" line. For what only a process has: signals, ports, env.
 */
export async function spawnExporter(config: string, opts: ExporterOptions & { args?: string[] } = {}): Promise<ExporterProcess> {
  const { dir, configFile } = await configDir(config, opts.files);
  const logFile = join(dir, 'exporter.log');
  const args = ['--import', 'tsx', EXPORTER_MAIN, '--config', configFile, '--listen', '127.0.0.1:0', ...(opts.enableLifecycle ? ['--web.enable-lifecycle'] : []), ...(opts.args ?? [])];
  const proc = await startProcess({ name: 'pool-exporter', command: process.execPath, args, cwd: REPO_ROOT, env: { ...process.env, ...opts.env }, logFile });
  const log = (): Promise<string> => readFile(logFile, 'utf8').catch(() => '');
  let port: number | undefined;
  for (let i = 0; i < 1_500 && port === undefined && proc.child.exitCode === null; i++) {
    port = Number(LISTENING_LINE.exec(await log())?.[2]) || undefined;
    if (port === undefined) await sleep(20);
  }
  if (port === undefined) {
    await proc.stop();
    throw new Error(`pool-exporter did not report its port\n--- output ---\n${await log()}`);
  }
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    dir,
    configFile,
    process: proc,
    log,
    probe: probeVia(url),
    async stop() {
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface TestServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 with the given handler. */
export async function startHttpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('test server: no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A strict reader of the Prometheus text format (0.0.4) used to assert exact values. It throws
 * on anything malformed and on a repeated series. promtool stays the judge of validity.
 */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  const seen = new Set<string>();
  if (text !== '' && !text.endsWith('\n')) throw new Error('exposition does not end with a newline');
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${JSON.stringify(line.slice(0, 120))}`;
    if (line === '' || line.startsWith('#')) {
      if (line.startsWith('#') && !/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* ./.test(line) && !/^#( |$)/.test(line)) {
        throw new Error(`bad comment, ${where}`);
      }
      return;
    }
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (!name) throw new Error(`no metric name, ${where}`);
    let pos = name.length;
    const labels: Record<string, string> = {};
    if (line[pos] === '{') {
      pos++;
      while (line[pos] !== '}') {
        const label = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(pos))?.[0];
        if (!label || line.slice(pos + label.length, pos + label.length + 2) !== '="') throw new Error(`bad label, ${where}`);
        pos += label.length + 2;
        let value = '';
        for (;;) {
          const c = line[pos];
          if (c === undefined) throw new Error(`unterminated label value, ${where}`);
          pos++;
          if (c === '"') break;
          if (c === '\\') {
            const e = line[pos++];
            if (e === 'n') value += '\n';
            else if (e === '\\' || e === '"') value += e;
            else throw new Error(`bad escape \\${e}, ${where}`);
          } else value += c;
        }
        if (label in labels) throw new Error(`repeated label ${label}, ${where}`);
        labels[label] = value;
        if (line[pos] === ',') pos++;
        else if (line[pos] !== '}') throw new Error(`expected , or }, ${where}`);
      }
      pos++;
    }
    const rest = line.slice(pos);
    const m = /^ (\S+)( -?\d+)?$/.exec(rest);
    if (!m?.[1]) throw new Error(`bad value, ${where}`);
    const raw = m[1];
    // As Go's strconv.ParseFloat, which Prometheus uses: Inf and NaN in any case (prom-client writes "Nan").
    const special = /^([+-]?)(inf|infinity)$/i.exec(raw);
    const isNaNText = /^nan$/i.test(raw);
    const value = special ? (special[1] === '-' ? -Infinity : Infinity) : isNaNText ? NaN : Number(raw);
    if (Number.isNaN(value) && !isNaNText) throw new Error(`value is not a number, ${where}`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`repeated series ${name}${JSON.stringify(labels)}, ${where}`);
    seen.add(key);
    samples.push({ name, labels, value });
  });
  return samples;
}

/** The value of the one series with exactly these labels; throws when absent. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const want = JSON.stringify(Object.entries(labels).sort());
  const hit = samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want);
  if (!hit) throw new Error(`no series ${name}${JSON.stringify(labels)}`);
  return hit.value;
}

export interface PromtoolVerdict {
  /** Text-format parse errors: the exposition is invalid. */
  parseErrors: string[];
  /** Naming lints (no help text, units...): style, not validity. */
  lints: string[];
}

/** `promtool check metrics` on one exposition (stdin). Exit 1 with a parsing error = invalid. */
export function promtoolCheck(text: string): Promise<PromtoolVerdict> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin('promtool'), ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = out.split('\n').filter((l) => l.trim() !== '');
      const parseErrors = lines.filter((l) => /error/i.test(l));
      if (code !== 0 && code !== 3 && parseErrors.length === 0) parseErrors.push(`promtool exited ${code}: ${out}`);
      resolve({ parseErrors, lints: lines.filter((l) => !/error/i.test(l)) });
    });
    child.stdin.on('error', () => {}); // promtool may stop reading after the first error
    child.stdin.end(text);
  });
}

/**
 * Check many expositions with few promtool runs: each answer's metric names get a unique
 * prefix (`c<i>_`) so that their families do not collide, then they are concatenated.
 * Only the names at the start of a line are rewritten, so a raw newline that leaked into a label
 * value still shows up as a parse error. Returns the parse errors, each mapped back to its case.
 */
export async function promtoolCheckBatch(texts: string[]): Promise<{ parseErrors: string[]; lints: Set<string> }> {
  const lineOwner: number[] = [];
  const parts: string[] = [];
  texts.forEach((text, i) => {
    const renamed = text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        lineOwner.push(i);
        return line.replace(/^(# (?:HELP|TYPE) )?/, (prefix) => `${prefix}c${i}_`);
      });
    parts.push(...renamed);
  });
  const verdict = await promtoolCheck(`${parts.join('\n')}\n`);
  const parseErrors = verdict.parseErrors.map((err) => {
    const line = Number(/line (\d+)/.exec(err)?.[1]);
    const owner = Number.isFinite(line) ? lineOwner[line - 1] : undefined;
    return owner === undefined ? err : `case ${owner}: ${err}\n--- its exposition ---\n${texts[owner]}`;
  });
  return { parseErrors, lints: new Set(verdict.lints.map((l) => l.replace(/^c\d+_/, ''))) };
}

/** Read a fixture of the pool health contract. */
export function fixture(name: string): Promise<string> {
  return readFile(join(FIXTURES_DIR, name), 'utf8');
}
