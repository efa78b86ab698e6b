/**
 * Notification sink: the local receiver Alertmanager's webhook delivers to, so that a person
 * (GET /, an HTML page) and a test (GET /alerts, JSON) can read every notification. It also serves
 * docs/runbooks.md at /runbooks, where the alerts' runbook_url points by default.
 *
 *   tsx notification-sink/main.ts [--listen 127.0.0.1:9097] [--out FILE] [--token-file FILE]
 *       [--run-id ID] [--max-body-bytes N] [--max-entries N] [--max-history-bytes N]
 *       [--runbooks FILE] [--runbook-base-url URL]
 *
 * --listen HOST:0 binds a free port; the "listening on" line says which.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ports } from '../monitoring/config/stack.ts';
import { escapeHtml, runbookPage } from './runbook-page.ts';
import { historyDefaults, latestAlertStates, NotificationHistory, type AlertState, type ListedNotification } from './history.ts';
import { validateWebhookPayload } from './webhook-payload.ts';

export type { ListedNotification, ReceivedNotification } from './history.ts';
export type { WebhookAlert, WebhookPayload } from './webhook-payload.ts';

export const defaultRunbooksFile = resolve(import.meta.dirname, '../docs/runbooks.md');

export interface SinkOptions {
  /** JSON Lines file that keeps the history across restarts. */
  outFile?: string;
  /** Id of the stack run this sink belongs to; a random one per start when not given. */
  runId?: string;
  /** When set, POST /alerts needs `Authorization: Bearer <token>` (Alertmanager's http_config.authorization). */
  token?: string;
  maxBodyBytes?: number;
  maxEntries?: number;
  maxHistoryBytes?: number;
  runbooksFile?: string;
  /** Runbooks live elsewhere: /runbooks redirects there (the browser keeps the #anchor). */
  runbookBaseUrl?: string;
  log?: (line: string) => void;
}

export const sinkDefaults = { maxBodyBytes: 1024 * 1024 } as const;

/** One log line per event: control characters (a newline in a label) are escaped, never written raw. */
export function logField(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\\]/g, (c) =>
    c === '\\' ? '\\\\' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function alertRow(s: AlertState, cls: string, when: string): string {
  const { alert } = s;
  const runbook = alert.annotations.runbook_url;
  return (
    `<tr class="${cls}"><td>${escapeHtml(when)}</td><td>${escapeHtml(alert.labels.alertname ?? '')}</td>` +
    `<td>${escapeHtml(alert.labels.severity ?? '')}</td><td>${escapeHtml(alert.labels.service ?? '')}</td>` +
    `<td>${escapeHtml(alert.annotations.summary ?? '')}</td>` +
    // Only web links: an annotation is text anyone with the token can post, and a javascript: URL would run here.
    `<td>${runbook && /^https?:\/\//.test(runbook) ? `<a href="${escapeHtml(runbook)}">runbook</a>` : ''}</td></tr>`
  );
}

function renderPage(entries: ListedNotification[], history: NotificationHistory): string {
  const states = latestAlertStates(entries);
  const firingNow = states.filter((s) => s.alert.status === 'firing' && !s.earlierRun);
  const unknown = states.filter((s) => s.alert.status === 'firing' && s.earlierRun);
  const rows = entries
    .flatMap((n) =>
      n.payload.alerts.map(
        (a) =>
          `<tr class="${n.earlierRun ? 'earlier' : escapeHtml(a.status)}"><td>${escapeHtml(n.receivedAt)}</td>` +
          `<td>${escapeHtml(a.status)}${n.earlierRun ? ' (earlier run)' : ''}</td>` +
          `<td>${escapeHtml(a.labels.alertname ?? '')}</td><td>${escapeHtml(a.labels.severity ?? '')}</td>` +
          `<td>${escapeHtml(a.labels.service ?? '')}</td><td>${escapeHtml(a.annotations.summary ?? '')}</td>` +
          `<td>${escapeHtml(a.annotations.description ?? '')}</td><td>${escapeHtml(n.payload.receiver)}</td></tr>`,
      ),
    )
    .reverse()
    .join('\n');
  const head = '<tr><th>since</th><th>alert</th><th>severity</th><th>service</th><th>summary</th><th></th></tr>';
  return `<!doctype html><html><head><meta charset="utf-8"><title>Notification sink</title>
<meta http-equiv="refresh" content="5">
<style>body{font-family:sans-serif}td,th{padding:4px 8px;border-bottom:1px solid #ddd}.firing{background:#fee}.resolved{background:#efe}.earlier{color:#777}</style>
</head><body><h1>Alertmanager notifications</h1>
<p>This stack run: <code>${escapeHtml(history.runId)}</code>. JSON at <a href="alerts">/alerts</a>; runbooks at <a href="runbooks">/runbooks</a>.
${history.skippedLines > 0 ? `<strong>${history.skippedLines} unreadable line(s) of the history file were skipped (kept in its .bad file).</strong>` : ''}</p>
<h2>Firing now (${firingNow.length})</h2>
<table>${head}${firingNow.map((s) => alertRow(s, 'firing', s.alert.startsAt)).join('')}</table>
${
  unknown.length > 0
    ? `<h2>Firing when an earlier stack run stopped (${unknown.length})</h2>
<p>No resolve arrived before that run ended, so their state now is unknown; this run notifies again if they still fire.</p>
<table>${head}${unknown.map((s) => alertRow(s, 'earlier', s.alert.startsAt)).join('')}</table>`
    : ''
}
<h2>History (${entries.length}, newest first)</h2>
<table><tr><th>received</th><th>status</th><th>alert</th><th>severity</th><th>service</th><th>summary</th><th>description</th><th>receiver</th></tr>
${rows}</table></body></html>`;
}

export interface Sink {
  app: express.Express;
  history: NotificationHistory;
}

export function createSink(options: SinkOptions = {}): Sink {
  const log = options.log ?? ((line: string) => console.log(line));
  const maxBodyBytes = options.maxBodyBytes ?? sinkDefaults.maxBodyBytes;
  const history = new NotificationHistory({
    file: options.outFile,
    runId: options.runId ?? `sink-${new Date().toISOString()}-${randomBytes(3).toString('hex')}`,
    maxEntries: options.maxEntries ?? historyDefaults.maxEntries,
    maxBytes: options.maxHistoryBytes ?? historyDefaults.maxBytes,
  });
  if (history.skippedLines > 0) {
    log(`skipped ${history.skippedLines} unreadable line(s) of ${logField(options.outFile ?? '')} (moved to ${logField(`${options.outFile ?? ''}.bad`)})`);
  }
  const runbooksFile = options.runbooksFile ?? defaultRunbooksFile;

  const app = express();
  app.disable('x-powered-by');
  app.post(
    '/alerts',
    (req: Request, res: Response, next: NextFunction) => {
      // Authorise before reading the body: an unauthorised post costs nothing.
      if (options.token !== undefined) {
        const header = req.get('authorization') ?? '';
        const given = /^Bearer (.+)$/i.exec(header)?.[1] ?? '';
        if (!sameSecret(given, options.token)) {
          res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'missing or wrong bearer token (see secrets/notification_sink_token)' });
          return;
        }
      }
      if (!req.is('application/json')) {
        res.status(415).json({ error: 'expected Content-Type: application/json (an Alertmanager webhook payload)' });
        return;
      }
      next();
    },
    express.json({ limit: maxBodyBytes }),
    (req: Request, res: Response) => {
      const checked = validateWebhookPayload(req.body);
      if (!checked.ok) {
        res.status(400).json({ error: 'not an Alertmanager webhook payload (version 4)', details: checked.errors });
        return;
      }
      const entry = history.add(checked.payload);
      const alerts = checked.payload.alerts.map((a) => `${logField(a.labels.alertname ?? '')}{service=${logField(a.labels.service ?? '')}}`);
      log(`${entry.receivedAt} ${checked.payload.status} ${alerts.join(', ')}`);
      res.status(200).json({ ok: true });
    },
  );
  app.get('/alerts', (_req: Request, res: Response) => {
    res.json(history.list());
  });
  app.get('/api/status', (_req: Request, res: Response) => {
    res.json({
      runId: history.runId,
      entries: history.size,
      bytes: history.bytes,
      skippedLines: history.skippedLines,
      tokenRequired: options.token !== undefined,
      maxBodyBytes,
    });
  });
  app.get('/runbooks', (_req: Request, res: Response) => {
    if (options.runbookBaseUrl) {
      res.redirect(302, options.runbookBaseUrl);
      return;
    }
    if (!existsSync(runbooksFile)) {
      res.status(404).type('text').send(`no runbooks file at ${runbooksFile}\n`);
      return;
    }
    res.type('html').send(runbookPage(readFileSync(runbooksFile, 'utf8'), 'docs/runbooks.md'));
  });
  app.get('/-/healthy', (_req: Request, res: Response) => {
    res.type('text').send('ok\n');
  });
  app.get('/', (_req: Request, res: Response) => {
    res.type('html').send(renderPage(history.list(), history));
  });
  // Body errors: a clear answer with the right status, never a crash; nothing is kept.
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.too.large') {
      res.status(413).json({ error: `body larger than ${maxBodyBytes} bytes (--max-body-bytes)` });
      return;
    }
    res.status(err.status && err.status >= 400 && err.status < 500 ? err.status : 400).json({ error: `bad request: ${err.message}` });
  });
  return { app, history };
}

/** The app alone (tests and embedders that need no access to the history). */
export function createSinkApp(options: SinkOptions = {}): express.Express {
  return createSink(options).app;
}

function parseListen(listen: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(listen);
  const port = Number(match?.[2]);
  if (!match || !match[1] || port < 0 || port > 65_535) {
    throw new Error(`--listen must be HOST:PORT, got "${listen}"`);
  }
  return { host: match[1], port };
}

function positiveInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return n;
}

function readToken(file: string): string {
  const token = readFileSync(file, 'utf8').trim();
  if (!token) throw new Error(`--token-file ${file} is empty`);
  return token;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      listen: { type: 'string', default: `127.0.0.1:${ports.notificationSink}` },
      out: { type: 'string' },
      'token-file': { type: 'string' },
      'run-id': { type: 'string' },
      'max-body-bytes': { type: 'string' },
      'max-entries': { type: 'string' },
      'max-history-bytes': { type: 'string' },
      runbooks: { type: 'string' },
      'runbook-base-url': { type: 'string' },
    },
  });
  const { host, port } = parseListen(values.listen);
  const server = createSinkApp({
    outFile: values.out,
    runId: values['run-id'] || undefined,
    token: values['token-file'] ? readToken(values['token-file']) : undefined,
    maxBodyBytes: positiveInt('max-body-bytes', values['max-body-bytes']),
    maxEntries: positiveInt('max-entries', values['max-entries']),
    maxHistoryBytes: positiveInt('max-history-bytes', values['max-history-bytes']),
    runbooksFile: values.runbooks,
    runbookBaseUrl: values['runbook-base-url'] || undefined,
  }).listen(port, host, () => {
    const bound = (server.address() as AddressInfo).port;
    console.log(`notification sink listening on http://${host}:${bound} (webhook: POST /alerts${values['token-file'] ? ', bearer token required' : ''})`);
  });
  server.on('error', (err) => {
    console.error(`notification sink: ${err.message}`);
    process.exit(1);
  });
  const stop = (): void => {
    server.close(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main();
  } catch (err) {
    console.error(`notification sink: ${(err as Error).message}`);
    process.exit(2);
  }
}
