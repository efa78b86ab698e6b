/**
 * Start, wait for and stop local processes. Used by the native stack (scripts/stack) and by the
 * tests, which run the same real binaries (prometheus, alertmanager, the exporter, the demo shop).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface StartOptions {
  /** Short name used in errors and logs. */
  name: string;
  command: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Append stdout and stderr here; otherwise they are kept in memory (last 64 KiB) for errors. */
  logFile?: string;
  /** Resolve only once this URL answers 2xx (or a status in readyStatuses). */
  readyUrl?: string;
  readyStatuses?: number[];
  readyTimeoutMs?: number;
  /** Run in its own process group, so stop() also ends its children. Default true. */
  detached?: boolean;
  /** Let this Node process exit while the child keeps running (needs logFile). */
  daemon?: boolean;
}

export interface RunningProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Output so far (when no logFile was given). */
  output(): string;
  /** SIGTERM the process group, SIGKILL after graceMs; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/** Poll a URL until it answers with an accepted status. */
export async function waitForHttp(
  url: string,
  { timeoutMs = 20_000, statuses, isAlive, headers }: { timeoutMs?: number; statuses?: number[]; isAlive?: () => boolean; headers?: Record<string, string> } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (isAlive && !isAlive()) throw new Error(`waitForHttp ${url}: the process exited before it was ready`);
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (statuses ? statuses.includes(res.status) : res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(100);
  }
  throw new Error(`waitForHttp ${url}: not ready after ${timeoutMs} ms (last: ${last})`);
}

export async function startProcess(opts: StartOptions): Promise<RunningProcess> {
  const detached = opts.detached ?? true;
  if (opts.daemon && !opts.logFile) throw new Error(`${opts.name}: a daemon needs a logFile`);
  // With a log file the child writes to it directly, so it does not depend on this process.
  const logFd = opts.logFile ? openSync(opts.logFile, 'a') : undefined;
  const child = spawn(opts.command, opts.args ?? [], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached,
    stdio: logFd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', logFd, logFd],
  });
  if (logFd !== undefined) closeSync(logFd);
  let buffer = '';
  const keep = (chunk: Buffer): void => {
    buffer = (buffer + chunk.toString('utf8')).slice(-65_536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const output = (): string => {
    if (!opts.logFile) return buffer;
    try {
      return readFileSync(opts.logFile, 'utf8').slice(-65_536);
    } catch {
      return buffer;
    }
  };
  let alive = true;
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      alive = false;
      resolve(code);
    });
    child.on('error', (err) => {
      alive = false;
      buffer += `\nspawn error: ${err.message}`;
      resolve(null);
    });
  });
  const pid = child.pid;
  if (pid === undefined) {
    await exited;
    throw new Error(`${opts.name}: could not start ${opts.command}: ${output().trim()}`);
  }
  const handle: RunningProcess = {
    name: opts.name,
    child,
    pid,
    exited,
    output,
    async stop(graceMs = 5_000) {
      if (!alive) return;
      const signal = (sig: NodeJS.Signals): void => {
        try {
          if (detached) process.kill(-pid, sig);
          else child.kill(sig);
        } catch {
          // already gone
        }
      };
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  if (opts.readyUrl) {
    try {
      await waitForHttp(opts.readyUrl, {
        timeoutMs: opts.readyTimeoutMs,
        statuses: opts.readyStatuses,
        isAlive: () => alive,
      });
    } catch (err) {
      await handle.stop();
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`${opts.name}: ${message}\n--- output ---\n${output().slice(-4000)}`);
    }
  }
  if (opts.daemon) child.unref();
  return handle;
}

/**
 * Port 0, never a port found free and released (another process can take it in between):
 * children bind port 0 and print the address they got; these patterns read it (group 1 is the
 * port). docs/testing.md says why and lists the exceptions.
 */
export const listeningLine = {
  /** Prometheus, Alertmanager, blackbox_exporter (exporter-toolkit, logfmt and slog alike). */
  goExporterToolkit: /msg="Listening on".*? address=\S*:(\d+)\b/,
  /** exporters/pool-exporter. */
  poolExporter: /pool-exporter listening on \S*:(\d+)\b/,
  /** notification-sink/main.ts. */
  notificationSink: /notification sink listening on http:\/\/\S+:(\d+)\b/,
} as const;

/** Resolves with the first match of `pattern` in the process' output; rejects if it exits first. */
export async function waitForOutput(proc: RunningProcess, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(proc.output());
    if (match) return match;
    if (exited) throw new Error(`${proc.name} exited before printing ${pattern}`);
    if (Date.now() > deadline) throw new Error(`${proc.name} did not print ${pattern} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

export interface ListeningProcess extends RunningProcess {
  /** The port the child bound (it was given port 0). */
  port: number;
  /** http://127.0.0.1:port */
  url: string;
}

/**
 * Start a child told to listen on port 0, read the port it got from its output (`listening`,
 * group 1), then wait until `readyPath` answers on it. The output goes to opts.logFile or memory.
 */
export async function startListeningProcess(
  opts: Omit<StartOptions, 'readyUrl'> & { listening: RegExp; readyPath: string },
): Promise<ListeningProcess> {
  const proc = await startProcess({ ...opts, readyUrl: undefined });
  try {
    const match = await waitForOutput(proc, opts.listening, opts.readyTimeoutMs);
    const port = Number(match[1]);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`printed no usable port: ${match[0]}`);
    const url = `http://127.0.0.1:${port}`;
    let alive = true;
    void proc.exited.then(() => {
      alive = false;
    });
    await waitForHttp(`${url}${opts.readyPath}`, { timeoutMs: opts.readyTimeoutMs, statuses: opts.readyStatuses, isAlive: () => alive });
    return Object.assign(proc, { port, url });
  } catch (err) {
    await proc.stop();
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${opts.name}: ${message}\n--- output ---\n${proc.output().slice(-4000)}`);
  }
}

/** Is a process with this pid alive (signal 0 probes without killing)? */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie (exited, not yet reaped by its parent) answers signal 0 but runs nothing.
    try {
      return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
    } catch {
      return true;
    }
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stop a process group started with detached: true, from any process that knows its pid:
 * SIGTERM, then SIGKILL after graceMs. Resolves true when it is gone.
 */
export async function stopProcessGroup(pid: number, graceMs = 5_000): Promise<boolean> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  if (!isAlive(pid)) return true;
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(50);
  }
  signal('SIGKILL');
  await sleep(100);
  return !isAlive(pid);
}
