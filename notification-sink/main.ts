/**
 * Notification sink: the local receiver Alertmanager's webhook delivers to, so that a person
 * (GET /, an HTML page) and a test (GET /alerts, JSON) can read every notification.
 * Each notification is appended to a JSON Lines file too, so nothing is lost on restart.
 *
 *   tsx notification-sink/main.ts [--listen 127.0.0.1:9097] [--out FILE]
 */
import express, { type Request, type Response } from 'express';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ports } from '../monitoring/config/stack.ts';

/** The fields of Alertmanager's webhook payload (version 4) that the sink keeps. */
export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  fingerprint?: string;
}

export interface WebhookPayload {
  version: string;
  status: 'firing' | 'resolved';
  receiver: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  alerts: WebhookAlert[];
}

export interface ReceivedNotification {
  receivedAt: string;
  payload: WebhookPayload;
}

function isWebhookPayload(body: unknown): body is WebhookPayload {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Partial<WebhookPayload>;
  return (
    typeof b.version === 'string' &&
    (b.status === 'firing' || b.status === 'resolved') &&
    typeof b.receiver === 'string' &&
    Array.isArray(b.alerts) &&
    b.alerts.every((a) => typeof a === 'object' && a !== null && typeof a.labels === 'object' && a.labels !== null)
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function renderPage(received: ReceivedNotification[]): string {
  const rows = received
    .flatMap((n) =>
      n.payload.alerts.map(
        (a) =>
          `<tr class="${escapeHtml(a.status)}"><td>${escapeHtml(n.receivedAt)}</td><td>${escapeHtml(a.status)}</td>` +
          `<td>${escapeHtml(a.labels.alertname ?? '')}</td><td>${escapeHtml(a.labels.severity ?? '')}</td>` +
          `<td>${escapeHtml(a.labels.service ?? '')}</td><td>${escapeHtml(a.annotations.summary ?? '')}</td>` +
          `<td>${escapeHtml(a.annotations.description ?? '')}</td><td>${escapeHtml(n.payload.receiver)}</td></tr>`,
      ),
    )
    .reverse()
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Notification sink</title>
<meta http-equiv="refresh" content="5">
<style>body{font-family:sans-serif}td,th{padding:4px 8px;border-bottom:1px solid #ddd}.firing{background:#fee}.resolved{background:#efe}</style>
</head><body><h1>Alertmanager notifications (${received.length})</h1>
<p>Newest first. JSON at <a href="alerts">/alerts</a>.</p>
<table><tr><th>received</th><th>status</th><th>alert</th><th>severity</th><th>service</th><th>summary</th><th>description</th><th>receiver</th></tr>
${rows}</table></body></html>`;
}

export function createSinkApp(outFile?: string): express.Express {
  const received: ReceivedNotification[] = [];
  if (outFile && existsSync(outFile)) {
    for (const line of readFileSync(outFile, 'utf8').split('\n')) {
      if (line.trim()) received.push(JSON.parse(line) as ReceivedNotification);
    }
  }
  const app = express();
  app.use(express.json({ limit: '5mb' }));
  app.post('/alerts', (req: Request, res: Response) => {
    if (!isWebhookPayload(req.body)) {
      res.status(400).json({ error: 'expected an Alertmanager webhook payload (version, status, receiver, alerts[])' });
      return;
    }
    const entry: ReceivedNotification = { receivedAt: new Date().toISOString(), payload: req.body };
    received.push(entry);
    if (outFile) appendFileSync(outFile, `${JSON.stringify(entry)}\n`);
    console.log(
      `${entry.receivedAt} ${req.body.status} ${req.body.alerts.map((a) => `${a.labels.alertname}{service=${a.labels.service ?? ''}}`).join(', ')}`,
    );
    res.status(200).json({ ok: true });
  });
  app.get('/alerts', (_req: Request, res: Response) => {
    res.json(received);
  });
  app.get('/-/healthy', (_req: Request, res: Response) => {
    res.type('text').send('ok\n');
  });
  app.get('/', (_req: Request, res: Response) => {
    res.type('html').send(renderPage(received));
  });
  // Malformed JSON bodies: a clear 400, never a crash.
  app.use((err: Error, _req: Request, res: Response, _next: express.NextFunction) => {
    res.status(400).json({ error: `bad request: ${err.message}` });
  });
  return app;
}

function parseListen(listen: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(listen);
  const port = Number(match?.[2]);
  if (!match || !match[1] || port < 0 || port > 65_535) {
    throw new Error(`--listen must be HOST:PORT, got "${listen}"`);
  }
  return { host: match[1], port };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      listen: { type: 'string', default: `127.0.0.1:${ports.notificationSink}` },
      out: { type: 'string' },
    },
  });
  const { host, port } = parseListen(values.listen);
  const server = createSinkApp(values.out).listen(port, host, (err?: Error) => {
    // Express 5 calls back on a listen error too. The bound port: with 0, the kernel's choice.
    const bound = server.address();
    if (err || bound === null || typeof bound === 'string') {
      console.error(`notification sink: cannot listen on ${host}:${port}: ${err?.message ?? 'no TCP address'}`);
      process.exit(1);
    }
    console.log(`notification sink listening on http://${host}:${bound.port} (webhook: POST /alerts)`);
  });
  const stop = (): void => {
    server.close(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
