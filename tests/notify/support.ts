/**
 * What the delivery tests start: Alertmanager on a port the kernel picks (read back from its log),
 * a real SMTP server (aiosmtpd) and a local Slack webhook receiver that checks Slack's format.
 * Every server binds 127.0.0.1:0, so parallel tests never race for a port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { startProcess, waitForHttp, type RunningProcess } from '../../tools/process.ts';
import { repoRoot } from '../core/support.ts';
import { fallbackTool, pinnedTool } from '../support/engines.ts';
import { slackMessageProblems } from './slack-format.ts';

export interface AlertmanagerEngine {
  version: string;
  alertmanager: string;
  amtool: string;
}

/**
 * The Alertmanager builds the notification tests run, from the shared resolver
 * (tests/support/engines.ts): the pinned 0.28.1 (what compose runs) and Debian's 0.25.
 */
export function alertmanagerEngines(): AlertmanagerEngine[] {
  const pinned = pinnedTool('alertmanager');
  const debian = fallbackTool('alertmanager');
  return [
    { version: pinned.version, alertmanager: pinned.path, amtool: pinnedTool('amtool').path },
    { version: `${debian.version.split('.').slice(0, 2).join('.')} (Debian)`, alertmanager: debian.path, amtool: fallbackTool('amtool').path },
  ];
}

/** Poll until `probe` returns a value (not undefined); the error names what never came. */
export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}; it never came`);
    await sleep(200);
  }
}

export interface PortZeroAlertmanager {
  url: string;
  process: RunningProcess;
  stop(): Promise<void>;
}

/** Alertmanager on 127.0.0.1:0; the port comes from its "Listening on" log line. */
export async function startAlertmanagerOnFreePort(bin: string, configFile: string, dataDir: string, externalUrl: string): Promise<PortZeroAlertmanager> {
  const proc = await startProcess({
    name: 'alertmanager',
    command: bin,
    args: [
      `--config.file=${configFile}`,
      `--storage.path=${dataDir}`,
      '--web.listen-address=127.0.0.1:0',
      `--web.external-url=${externalUrl}`,
      '--cluster.listen-address=',
    ],
  });
  const port = await waitFor(
    'Alertmanager to log its listening address',
    () => {
      if (proc.child.exitCode !== null) throw new Error(`alertmanager exited: ${proc.output()}`);
      return /Listening on"? address=127\.0\.0\.1:(\d+)/.exec(proc.output())?.[1];
    },
    30_000,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/-/ready`, { timeoutMs: 30_000, isAlive: () => proc.child.exitCode === null });
  return { url, process: proc, stop: () => proc.stop() };
}

export interface PostedAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
}

/** POST /api/v2/alerts, as Prometheus does. */
export async function postAlerts(amUrl: string, alerts: PostedAlert[]): Promise<void> {
  const res = await fetch(`${amUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
  if (!res.ok) throw new Error(`POST /api/v2/alerts: HTTP ${res.status} ${await res.text()}`);
}

export interface ReceivedEmail {
  mail_from: string;
  rcpt_tos: string[];
  headers: Record<string, string>;
  content_type: string;
  parts: Record<string, string>;
  raw: string;
}

export interface SmtpCapture {
  port: number;
  emails: ReceivedEmail[];
  authFailures: string[];
  stop(): Promise<void>;
}

/** tests/support/smtp-capture.py under Debian's python3 (which has python3-aiosmtpd). */
export async function startSmtpCapture(auth?: { user: string; password: string }): Promise<SmtpCapture> {
  const child: ChildProcess = spawn('/usr/bin/python3', [join(repoRoot, 'tests/support/smtp-capture.py')], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...(auth ? { SMTP_CAPTURE_USER: auth.user, SMTP_CAPTURE_PASSWORD: auth.password } : {}) },
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-8000);
  });
  const emails: ReceivedEmail[] = [];
  const authFailures: string[] = [];
  let port: number | undefined;
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    const record = JSON.parse(line) as { port?: number; auth_failed?: string } & ReceivedEmail;
    if (record.port !== undefined) port = record.port;
    else if (record.auth_failed !== undefined) authFailures.push(record.auth_failed);
    else emails.push(record);
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await new Promise((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
  };
  try {
    const bound = await waitFor(
      'the SMTP server to listen',
      () => {
        if (child.exitCode !== null) throw new Error(`smtp-capture.py exited (is python3-aiosmtpd installed?): ${stderr}`);
        return port;
      },
      15_000,
    );
    return { port: bound, emails, authFailures, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface SlackPost {
  path: string;
  body: Record<string, unknown>;
  problems: string[];
}

export interface SlackReceiver {
  /** The incoming-webhook URL to put in the secret file. */
  webhookUrl: string;
  posts: SlackPost[];
  stop(): Promise<void>;
}

/**
 * A local stand-in for hooks.slack.com: accepts POSTs on its webhook path, answers like Slack
 * (200 "ok", or 400 "invalid_payload" when the message breaks Slack's format) and keeps them.
 */
export async function startSlackReceiver(): Promise<SlackReceiver> {
  const webhookPath = '/services/T0TEST000/B0TEST000/notify-test-secret';
  const posts: SlackPost[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== webhookPath) {
        res.writeHead(404).end('no_service');
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        posts.push({ path: req.url, body: {}, problems: ['the body is not JSON'] });
        res.writeHead(400).end('invalid_payload');
        return;
      }
      const problems = slackMessageProblems(body);
      posts.push({ path: req.url, body: body as Record<string, unknown>, problems });
      if (problems.length > 0) res.writeHead(400).end('invalid_payload');
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('slack receiver: no TCP address');
  return {
    webhookUrl: `http://127.0.0.1:${address.port}${webhookPath}`,
    posts,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
