/**
 * The pool exporter as a value: `createExporter(options)` builds the HTTP app, its own metrics
 * and its target client, with nothing at module level, so that tests run it in process on port 0
 * and main.ts only adds flags, signals and the listening socket.
 *
 * GET /probe?target=NAME fetches that configured target's /health/pools/detailed on each scrape
 * (multi-target pattern); GET /metrics is the exporter's own health.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import express, { type Express, type Request, type Response } from 'express';
import type { ProbeFailureReason } from '../../../contract/metrics.ts';
import { ConfigError, type ExporterConfig, type ListenAddress, type TargetConfig } from './config.ts';
import { EXPOSITION_CONTENT_TYPE, renderProbe, type ProbeOutcome } from './exposition.ts';
import { createLogger, type Logger } from './log.ts';
import { readPoolHealth } from './pool-document.ts';
import { createTargetClient } from './probe.ts';
import { createSelfMetrics, type SelfMetrics } from './self-metrics.ts';
import { OutOfTime, WorkBudget, WorkQueue } from './work-budget.ts';

/** Left for the exporter to answer before Prometheus gives up on the scrape (as blackbox_exporter). */
const SCRAPE_TIMEOUT_OFFSET_S = 0.5;
/** Content types a browser may send cross-origin without a preflight (a "simple request"). */
const SIMPLE_REQUEST_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'];

export interface ExporterOptions {
  config: ExporterConfig;
  /** Reads the config file again (SIGHUP, POST /-/reload); throws ConfigError on a bad file. */
  loadConfig?: () => ExporterConfig;
  /** Accept POST /-/reload (the --web.enable-lifecycle flag, as Prometheus names it). Default off. */
  enableLifecycle?: boolean;
  logger?: Logger;
  version?: string;
}

export interface ReloadResult {
  ok: boolean;
  /** Safe to show anywhere: names keys and lines, never a value, a stack or a source path. */
  message: string;
}

export interface Exporter {
  readonly app: Express;
  readonly metrics: SelfMetrics;
  config(): ExporterConfig;
  reload(trigger: string): ReloadResult;
  /** Bind, and resolve only once bound (with the real port when asked for port 0); rejects when it cannot. */
  listen(address: ListenAddress): Promise<{ server: Server; address: string; port: number }>;
  /** Stop accepting, let in-flight probes finish; false when they did not within graceMs. */
  close(graceMs?: number): Promise<boolean>;
  readonly shuttingDown: boolean;
}

export function createExporter(options: ExporterOptions): Exporter {
  const log = options.logger ?? createLogger();
  const version = options.version ?? '0.0.0';
  const metrics = createSelfMetrics(version);
  const client = createTargetClient();
  const work = new WorkQueue();
  let config = options.config;
  let server: Server | undefined;
  let shuttingDown = false;

  metrics.setTargets([], config.targets.keys());
  metrics.configLoaded(true);

  function reload(trigger: string): ReloadResult {
    if (!options.loadConfig) return { ok: false, message: 'this exporter has no config file to reload' };
    try {
      const next = options.loadConfig();
      if (next.listen.host !== config.listen.host || next.listen.port !== config.listen.port) {
        log.warn('listen changed in the config file; it takes effect on restart', { trigger });
      }
      metrics.setTargets(config.targets.keys(), next.targets.keys());
      config = next;
      metrics.configLoaded(true);
      const message = `config reloaded: ${next.targets.size} target(s)`;
      log.info(message, { trigger });
      return { ok: true, message };
    } catch (err) {
      metrics.configLoaded(false);
      // A ConfigError names the key and line only; anything else is a bug whose message might
      // carry text from the file, so it is not repeated (its type is enough to find it).
      const message = err instanceof ConfigError ? err.located : `unexpected ${err instanceof Error ? err.name : typeof err} while loading the config (a bug)`;
      log.error('config reload failed; keeping the previous config', { trigger, err: err instanceof ConfigError ? err.message : message });
      return { ok: false, message };
    }
  }

  /** Fetch, read and render one target, all within one deadline; count it, log a failure. */
  async function probe(target: TargetConfig, timeoutMs: number, signal: AbortSignal): Promise<Buffer> {
    const started = performance.now();
    const budget = new WorkBudget(started + timeoutMs, signal);
    const fetched = await client.fetch(target, { timeoutMs, bodySizeLimitBytes: config.bodySizeLimitBytes, signal });
    let failure: { reason: ProbeFailureReason; detail: string } | undefined = fetched.ok ? undefined : fetched;
    const outcome: ProbeOutcome = { success: false, durationSeconds: 0, httpStatus: fetched.status };
    let answer: Buffer | undefined;
    try {
      if (fetched.ok) {
        const body = fetched.body;
        answer = await work.run(body.length, budget, async () => {
          const parsed = await readPoolHealth(body, budget);
          if (parsed.ok) {
            outcome.success = true;
            outcome.doc = parsed.doc;
          } else {
            failure = parsed;
          }
          outcome.durationSeconds = (performance.now() - started) / 1000;
          return outcome.success ? renderProbe(outcome, budget) : undefined;
        });
      }
    } catch (err) {
      if (!(err instanceof OutOfTime)) throw err;
      failure = { reason: 'timeout', detail: `${err.message} (${timeoutMs} ms)` };
      outcome.success = false;
    }
    if (!answer) {
      outcome.durationSeconds = (performance.now() - started) / 1000;
      answer = await renderProbe({ ...outcome, success: false, doc: undefined });
    }
    if (outcome.success && outcome.doc && outcome.doc.notes.length > 0) {
      log.warn('some fields were unusable; their series are dropped', { target: target.name, notes: outcome.doc.notes.slice(0, 5).join('; ') });
    }
    // A reload may have removed this target while it was fetched: counting it now would bring back
    // the series that reload deleted, for a target that no longer exists.
    const stillConfigured = config.targets.has(target.name);
    if (stillConfigured) metrics.countProbe(target.name);
    if (failure) {
      if (stillConfigured) metrics.countFailure(target.name, failure.reason);
      log.warn('probe failed', { target: target.name, url: target.url.href, reason: failure.reason, err: failure.detail });
    }
    return answer;
  }

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/probe', async (req: Request, res: Response) => {
    const name = req.query.target;
    if (Array.isArray(name) || (name !== undefined && typeof name !== 'string')) {
      res.status(400).type('text/plain').send('the target parameter is given more than once (or as a structure); give ?target=NAME once\n');
      return;
    }
    const target = name === undefined ? undefined : config.targets.get(name);
    if (!target) {
      // Only configured names: an open URL parameter would let anyone make us fetch any URL.
      res.status(400).type('text/plain').send(
        name === undefined ? 'missing ?target=NAME\n' : `unknown target ${JSON.stringify(name)}; configured: ${[...config.targets.keys()].join(', ')}\n`,
      );
      return;
    }
    const cancelled = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) cancelled.abort();
    });
    const timeoutMs = probeTimeoutMs(target.timeoutMs, req.get('X-Prometheus-Scrape-Timeout-Seconds'));
    let answer: Buffer;
    try {
      answer = await probe(target, timeoutMs, cancelled.signal);
    } catch (err) {
      // Not expected; the scrape still gets a whole, valid answer.
      log.error('probe failed unexpectedly (a bug)', { target: target.name, err: (err as Error).stack });
      answer = await renderProbe({ success: false, durationSeconds: 0, httpStatus: 0 });
    }
    res.set('Content-Type', EXPOSITION_CONTENT_TYPE).send(answer);
  });

  app.get('/metrics', async (_req: Request, res: Response) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get('/-/healthy', (_req: Request, res: Response) => {
    res.type('text/plain').send('Healthy\n');
  });

  app.get('/-/ready', (_req: Request, res: Response) => {
    res.status(shuttingDown ? 503 : 200).type('text/plain').send(shuttingDown ? 'Shutting down\n' : 'Ready\n');
  });

  app.all('/-/reload', (req: Request, res: Response) => {
    const refused = refuseReload(req, options.enableLifecycle === true);
    if (refused) {
      if (refused.status === 405) res.set('Allow', 'POST');
      res.status(refused.status).type('text/plain').send(`${refused.message}\n`);
      return;
    }
    const result = reload('http');
    res.status(result.ok ? 200 : 500).type('text/plain').send(result.ok ? `${result.message}\n` : `failed to reload config: ${result.message}\n`);
  });

  app.get('/', (_req: Request, res: Response) => {
    const rows = [...config.targets.values()]
      .map((t) => {
        const probeUrl = `/probe?target=${encodeURIComponent(t.name)}`;
        return `<tr><td><a href="${html(probeUrl)}">${html(t.name)}</a></td><td>${html(t.url.href)}</td><td>${t.timeoutMs} ms</td></tr>`;
      })
      .join('\n');
    res.type('html').send(`<!doctype html>
<html><head><meta charset="utf-8"><title>Pool exporter</title></head><body>
<h1>Pool exporter ${html(version)}</h1>
<p>Reads each target's gRPC pool health document on every scrape of <code>/probe?target=NAME</code>.</p>
<table border="1" cellpadding="4"><tr><th>target</th><th>url</th><th>timeout</th></tr>
${rows}
</table>
<p><a href="/metrics">/metrics</a> (the exporter's own health) · <a href="/-/healthy">/-/healthy</a> · <a href="/-/ready">/-/ready</a></p>
</body></html>
`);
  });

  async function listen(address: ListenAddress): Promise<{ server: Server; address: string; port: number }> {
    const bound = createServer(app);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      bound.once('error', onError);
      bound.once('listening', () => {
        bound.off('error', onError);
        resolve();
      });
      // No host: every interface, IPv6 too where the machine has it (Node picks).
      if (address.host === undefined) bound.listen(address.port);
      else bound.listen(address.port, address.host);
    });
    server = bound;
    const info = bound.address() as AddressInfo;
    const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
    return { server: bound, address: `${host}:${info.port}`, port: info.port };
  }

  async function close(graceMs = 15_000): Promise<boolean> {
    shuttingDown = true;
    const bound = server;
    if (!bound) {
      client.close();
      return true;
    }
    // Kept-alive scrape connections become idle once their answer is sent: close them as they do.
    bound.closeIdleConnections();
    const closer = setInterval(() => bound.closeIdleConnections(), 100);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        new Promise<boolean>((resolve) => bound.close(() => resolve(true))),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), graceMs);
        }),
      ]);
    } finally {
      clearInterval(closer);
      clearTimeout(timer);
      client.close();
    }
  }

  return {
    app,
    metrics,
    config: () => config,
    reload,
    listen,
    close,
    get shuttingDown() {
      return shuttingDown;
    },
  };
}

/**
 * Why a reload request is refused, if it is. POST only, as blackbox_exporter; and, because a
 * web page can POST to any address its visitor reaches, nothing a browser sends without asking
 * first: no Origin header, no form or text/plain body. Off unless enabled.
 */
function refuseReload(req: Request, enabled: boolean): { status: number; message: string } | undefined {
  if (!enabled) return { status: 403, message: 'reload over HTTP is disabled; start with --web.enable-lifecycle, or send SIGHUP' };
  if (req.method !== 'POST') return { status: 405, message: 'This endpoint requires a POST request.' };
  if (req.get('Origin') !== undefined) return { status: 403, message: 'reload is not accepted from a web page (an Origin header was sent)' };
  const type = (req.get('Content-Type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (SIMPLE_REQUEST_TYPES.includes(type)) return { status: 415, message: `reload does not take a ${type} body; send no body (curl -X POST)` };
  return undefined;
}

/** min(target timeout, scrape timeout − offset), as blackbox_exporter does. */
function probeTimeoutMs(targetTimeoutMs: number, header: string | undefined): number {
  const scrapeTimeout = Number(header);
  if (!header || !Number.isFinite(scrapeTimeout) || scrapeTimeout <= 0) return targetTimeoutMs;
  const budget = scrapeTimeout > SCRAPE_TIMEOUT_OFFSET_S ? scrapeTimeout - SCRAPE_TIMEOUT_OFFSET_S : scrapeTimeout / 2;
  return Math.max(1, Math.min(targetTimeoutMs, Math.floor(budget * 1000)));
}

function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
