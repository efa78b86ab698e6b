/**
 * pool-exporter: flags, HTTP handlers, reload and shutdown.
 *
 *   npm run exporter -- --config FILE [--listen HOST:PORT] [--log-level info] [--check-config]
 *
 * GET /probe?target=NAME fetches that configured target's /health/pools/detailed on each scrape
 * (multi-target pattern); GET /metrics is the exporter's own health.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import express, { type Request, type Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { poolExporterMetric } from '../../../contract/metrics.ts';
import { parsePoolHealth, renderProbe, type ProbeOutcome } from './collector.ts';
import { ConfigError, loadConfig, parseListen, type ExporterConfig, type TargetConfig } from './config.ts';
import { levels, log, setLogLevel, type Level } from './log.ts';
import { closeIdleSockets, failureReasons, fetchTarget, type FailureReason } from './probe.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;
const USAGE = `Usage: pool-exporter --config FILE [--listen HOST:PORT] [--log-level ${levels.join('|')}] [--check-config]`;
/** Left for the exporter to answer before Prometheus gives up on the scrape (as blackbox_exporter). */
const SCRAPE_TIMEOUT_OFFSET_S = 0.5;
const SHUTDOWN_GRACE_MS = 15_000;

function parseFlags(): { configFile: string; listen?: string; logLevel: Level; checkOnly: boolean } {
  try {
    const { values } = parseArgs({
      options: {
        config: { type: 'string' },
        listen: { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        'check-config': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', default: false },
      },
      strict: true,
    });
    if (values.help) exit(0, USAGE);
    if (values.version) exit(0, `pool-exporter ${VERSION} (Node.js ${process.version})`);
    if (!values.config) throw new Error('--config FILE is required');
    const logLevel = values['log-level'] as Level;
    if (!levels.includes(logLevel)) throw new Error(`--log-level must be one of ${levels.join(', ')}`);
    return { configFile: values.config, listen: values.listen, logLevel, checkOnly: values['check-config'] };
  } catch (err) {
    return exit(2, `pool-exporter: ${(err as Error).message}\n${USAGE}`);
  }
}

function exit(code: number, message: string): never {
  (code === 0 ? process.stdout : process.stderr).write(`${message}\n`);
  process.exit(code);
}

// ---- the exporter's own metrics (/metrics) ----
const self = new Registry();
collectDefaultMetrics({ register: self });
const probesTotal = new Counter({
  name: poolExporterMetric.probesTotal,
  help: 'Probes run, per configured target.',
  labelNames: ['target'],
  registers: [self],
});
const probeFailures = new Counter({
  name: poolExporterMetric.probeFailuresTotal,
  help: 'Probes that did not read a valid document, per target and reason.',
  labelNames: ['target', 'reason'],
  registers: [self],
});
const reloadSuccess = new Gauge({
  name: poolExporterMetric.configReloadSuccessful,
  help: 'Whether the last configuration load succeeded (1) or was rejected and the old one kept (0).',
  registers: [self],
});
const reloadTimestamp = new Gauge({
  name: poolExporterMetric.configReloadSuccessTimestamp,
  help: 'Unix time of the last successful configuration load.',
  registers: [self],
});
new Gauge({
  name: poolExporterMetric.buildInfo,
  help: 'Always 1; labels carry the exporter and Node.js versions.',
  labelNames: ['version', 'nodejs_version'],
  registers: [self],
}).set({ version: VERSION, nodejs_version: process.version }, 1);

const flags = parseFlags();
setLogLevel(flags.logLevel);

let config: ExporterConfig;
try {
  config = loadConfig(flags.configFile);
} catch (err) {
  exit(1, `pool-exporter: ${(err as Error).message}`);
}
if (flags.checkOnly) exit(0, `${flags.configFile}: OK, ${config.targets.size} target(s): ${[...config.targets.keys()].join(', ')}`);
const listen = flags.listen ? parseListenFlag(flags.listen) : config.listen;
applyConfig(config);

function parseListenFlag(text: string): ExporterConfig['listen'] {
  try {
    return parseListen(text, '--listen');
  } catch (err) {
    return exit(2, `pool-exporter: ${(err as Error).message}`);
  }
}

/** Swap in a loaded config and give every configured target its zeroed counters. */
function applyConfig(next: ExporterConfig): void {
  for (const name of config.targets.keys()) {
    if (!next.targets.has(name)) {
      probesTotal.remove({ target: name });
      for (const reason of failureReasons) probeFailures.remove({ target: name, reason });
    }
  }
  config = next;
  for (const name of next.targets.keys()) {
    probesTotal.inc({ target: name }, 0);
    for (const reason of failureReasons) probeFailures.inc({ target: name, reason }, 0);
  }
  reloadSuccess.set(1);
  reloadTimestamp.set(Date.now() / 1000);
}

/** Re-read the file; an invalid one is logged and the running config is kept. */
function reload(trigger: string): { ok: boolean; message: string } {
  try {
    const next = loadConfig(flags.configFile);
    if (!flags.listen && (next.listen.host !== listen.host || next.listen.port !== listen.port)) {
      log.warn('listen changed in the config file; it takes effect on restart', { trigger });
    }
    applyConfig(next);
    const message = `config reloaded: ${next.targets.size} target(s)`;
    log.info(message, { trigger, file: flags.configFile });
    return { ok: true, message };
  } catch (err) {
    reloadSuccess.set(0);
    const message = err instanceof ConfigError ? err.message : `unexpected error: ${(err as Error).stack}`;
    log.error('config reload failed; keeping the previous config', { trigger, err: message });
    return { ok: false, message };
  }
}

/** min(target timeout, scrape timeout − offset), as blackbox_exporter does. */
function probeTimeoutMs(targetTimeoutMs: number, header: string | undefined): number {
  const scrapeTimeout = Number(header);
  if (!header || !Number.isFinite(scrapeTimeout) || scrapeTimeout <= 0) return targetTimeoutMs;
  const budget = scrapeTimeout > SCRAPE_TIMEOUT_OFFSET_S ? scrapeTimeout - SCRAPE_TIMEOUT_OFFSET_S : scrapeTimeout / 2;
  return Math.max(1, Math.min(targetTimeoutMs, Math.floor(budget * 1000)));
}

// ---- HTTP ----
const app = express();
app.disable('x-powered-by');
app.set('etag', false);

app.get('/probe', async (req: Request, res: Response) => {
  const name = req.query.target;
  const target = typeof name === 'string' ? config.targets.get(name) : undefined;
  if (!target) {
    // Only configured names: an open URL parameter would let anyone make us fetch any URL.
    res.status(400).type('text/plain').send(
      typeof name === 'string' ? `unknown target ${JSON.stringify(name)}; configured: ${[...config.targets.keys()].join(', ')}\n` : 'missing ?target=NAME\n',
    );
    return;
  }
  const cancelled = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) cancelled.abort();
  });
  const timeoutMs = probeTimeoutMs(target.timeoutMs, req.get('X-Prometheus-Scrape-Timeout-Seconds'));
  let answer: { contentType: string; text: string };
  try {
    answer = await renderProbe(await probe(target, timeoutMs, cancelled.signal));
  } catch (err) {
    // Not expected; the scrape still gets a whole, valid answer.
    log.error('probe failed unexpectedly (a bug)', { target: target.name, err: (err as Error).stack });
    answer = await renderProbe({ success: false, durationSeconds: 0, httpStatus: 0 });
  }
  res.type(answer.contentType).send(answer.text);
});

/** Fetch and read one target, count it, log a failure. */
async function probe(target: TargetConfig, timeoutMs: number, signal: AbortSignal): Promise<ProbeOutcome> {
  const started = performance.now();
  const fetched = await fetchTarget(target, { timeoutMs, bodySizeLimitBytes: config.bodySizeLimitBytes, signal });
  let failure: { reason: FailureReason; detail: string } | undefined = fetched.ok ? undefined : fetched;
  const outcome: ProbeOutcome = { success: false, durationSeconds: 0, httpStatus: fetched.status };
  if (fetched.ok) {
    const parsed = parsePoolHealth(fetched.body);
    if (parsed.ok) {
      outcome.success = true;
      outcome.doc = parsed.doc;
      if (parsed.doc.notes.length > 0) {
        log.warn('some fields were unusable; their series are dropped', { target: target.name, notes: parsed.doc.notes.slice(0, 5).join('; ') });
      }
    } else {
      failure = parsed;
    }
  }
  outcome.durationSeconds = (performance.now() - started) / 1000;
  // A reload may have removed this target while it was fetched: counting it now would bring back
  // the series that reload deleted, for a target that no longer exists.
  const stillConfigured = config.targets.has(target.name);
  if (stillConfigured) probesTotal.inc({ target: target.name });
  if (failure) {
    if (stillConfigured) probeFailures.inc({ target: target.name, reason: failure.reason });
    log.warn('probe failed', { target: target.name, url: target.url.href, reason: failure.reason, err: failure.detail });
  }
  return outcome;
}

app.get('/metrics', async (_req: Request, res: Response) => {
  res.type(self.contentType).send(await self.metrics());
});

app.get('/-/healthy', (_req: Request, res: Response) => {
  res.type('text/plain').send('Healthy\n');
});

let shuttingDown = false;
app.get('/-/ready', (_req: Request, res: Response) => {
  res.status(shuttingDown ? 503 : 200).type('text/plain').send(shuttingDown ? 'Shutting down\n' : 'Ready\n');
});

app.post('/-/reload', (_req: Request, res: Response) => {
  const result = reload('http');
  res.status(result.ok ? 200 : 500).type('text/plain').send(`${result.message}\n`);
});

app.get('/', (_req: Request, res: Response) => {
  const rows = [...config.targets.values()]
    .map((t) => {
      const probe = `/probe?target=${encodeURIComponent(t.name)}`;
      return `<tr><td><a href="${html(probe)}">${html(t.name)}</a></td><td>${html(t.url.href)}</td><td>${t.timeoutMs} ms</td></tr>`;
    })
    .join('\n');
  res.type('html').send(`<!doctype html>
<html><head><meta charset="utf-8"><title>Pool exporter</title></head><body>
<h1>Pool exporter ${html(VERSION)}</h1>
<p>Reads each target's gRPC pool health document on every scrape of <code>/probe?target=NAME</code>.</p>
<table border="1" cellpadding="4"><tr><th>target</th><th>url</th><th>timeout</th></tr>
${rows}
</table>
<p><a href="/metrics">/metrics</a> (the exporter's own health) · <a href="/-/healthy">/-/healthy</a> · <a href="/-/ready">/-/ready</a></p>
</body></html>
`);
});

function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// ---- lifecycle ----
process.on('unhandledRejection', (reason) => log.error('unhandled rejection (a bug)', { err: String(reason) }));

const onListening = (err?: Error): void => {
  // Express 5 calls this on a listen error too; the 'error' handler reports that.
  const bound = server.address();
  if (err || bound === null || typeof bound === 'string') return;
  log.info('pool-exporter listening', {
    // The bound address: with port 0 the kernel's choice, which tests read back (no port races).
    address: `${listen.host ?? ''}:${bound.port}`,
    version: VERSION,
    targets: [...config.targets.keys()].join(','),
  });
};
// No host: every interface, IPv6 too where the machine has it (Node picks).
const server: Server = listen.host ? app.listen(listen.port, listen.host, onListening) : app.listen(listen.port, onListening);
server.on('error', (err) => exit(1, `pool-exporter: cannot listen on ${listen.host ?? ''}:${listen.port}: ${err.message}`));

process.on('SIGHUP', () => reload('SIGHUP'));

function shutdown(signal: string): void {
  if (shuttingDown) return;
  shuttingDown = true;
  log.info('shutting down: no new connections, finishing in-flight probes', { signal });
  server.close(() => {
    closeIdleSockets();
    log.info('stopped');
    process.exit(0);
  });
  // Kept-alive scrape connections become idle once their answer is sent: close them as they do.
  const closer = setInterval(() => server.closeIdleConnections(), 100);
  closer.unref();
  setTimeout(() => {
    log.error('in-flight requests did not finish in time; exiting', { graceMs: SHUTDOWN_GRACE_MS });
    process.exit(1);
  }, SHUTDOWN_GRACE_MS).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
