/**
 * The notification sink over real HTTP: what Alertmanager posts is validated, kept (capped),
 * persisted, listed and shown; a torn history file, a hostile post or a forged log line cannot
 * break it; only the token holder may post; notifications of earlier stack runs are marked; the
 * runbooks the alerts link to open on it. Real sink processes bind port 0 and report their port.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { runbookBaseUrl } from '../../monitoring/config/stack.ts';
import { alertmanagerConfig } from '../../monitoring/generators/alertmanager-config.ts';
import { generatedYaml } from '../../monitoring/lib/yaml.ts';
import { allAlerts } from '../../monitoring/rules/index.ts';
import { createSinkApp, type ListedNotification, type SinkOptions } from '../../notification-sink/main.ts';
import { repoRoot } from '../../scripts/stack/settings.ts';
import { renderPage } from '../support/chromium.ts';
import { startAlertmanager } from '../support/prometheus.ts';

const dir = mkdtempSync(join(tmpdir(), 'sink-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;
const newFile = (): string => join(dir, `notifications-${++fileCount}.jsonl`);

function payload(overrides: { alertname?: string; status?: 'firing' | 'resolved'; description?: string } = {}) {
  const alertname = overrides.alertname ?? 'GrpcPoolUnhealthy';
  const status = overrides.status ?? 'firing';
  return {
    version: '4',
    status,
    receiver: 'default',
    groupKey: `{}:{alertname="${alertname}"}`,
    groupLabels: { alertname },
    commonLabels: { alertname, service: 'api-gateway' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    truncatedAlerts: 0,
    alerts: [
      {
        status,
        labels: { alertname, severity: 'critical', service: 'api-gateway', pool: 'payment-service' },
        annotations: {
          summary: 'A gRPC connection pool has no usable connection.',
          description: overrides.description ?? '<script>x</script>',
        } as Record<string, string>,
        startsAt: '2026-11-27T06:00:00Z',
        endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-11-27T06:05:00Z',
        generatorURL: 'http://prometheus:9090/graph',
        fingerprint: `fp-${alertname}`,
      },
    ],
  };
}

interface Running {
  url: string;
  close(): Promise<void>;
}

function listen(options: SinkOptions): Promise<Running> {
  return new Promise((resolve) => {
    const server: Server = createSinkApp({ log: () => undefined, ...options }).listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

/** The sink as a process (its CLI), on a port it picked; `output()` is what it printed. */
async function startSinkProcess(args: string[]): Promise<Running & { output(): string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'notification-sink/main.ts', '--listen', '127.0.0.1:0', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  for (let i = 0; i < 600 && !/listening on http:\/\/127\.0\.0\.1:\d+/.test(output); i++) {
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
  if (!port) {
    child.kill('SIGKILL');
    throw new Error(`the sink did not report its port:\n${output}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    child,
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${url}/alerts`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
const list = async (url: string): Promise<ListedNotification[]> => (await (await fetch(`${url}/alerts`)).json()) as ListedNotification[];
const status = async (url: string): Promise<Record<string, unknown>> => (await (await fetch(`${url}/api/status`)).json()) as Record<string, unknown>;
const fileLines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('notification sink', () => {
  const outFile = newFile();
  let sink: Running;
  before(async () => (sink = await listen({ outFile })));
  after(() => sink.close());

  it('accepts an Alertmanager webhook payload and lists it', async () => {
    const res = await post(sink.url, payload());
    assert.equal(res.status, 200);
    const got = await list(sink.url);
    assert.equal(got.length, 1);
    assert.equal(got[0]?.payload.alerts[0]?.labels.pool, 'payment-service');
  });

  it('rejects what is not a webhook payload with a clear 400, and keeps nothing of it', async () => {
    const wrong = await post(sink.url, '{"hello":1}');
    assert.equal(wrong.status, 400);
    assert.match(((await wrong.json()) as { error: string }).error, /webhook payload/);
    const broken = await post(sink.url, '{"version":');
    assert.equal(broken.status, 400);
    assert.equal((await list(sink.url)).length, 1);
  });

  it('shows notifications to a person with label values escaped, and links only web runbooks', async () => {
    const evil = payload({ alertname: 'EvilLink' });
    evil.alerts[0]!.annotations = { ...evil.alerts[0]!.annotations, runbook_url: 'javascript:alert(1)' };
    const good = payload({ alertname: 'GoodLink' });
    good.alerts[0]!.annotations = { ...good.alerts[0]!.annotations, runbook_url: 'http://localhost:9097/runbooks#goodlink' };
    assert.equal((await post(sink.url, evil)).status, 200);
    assert.equal((await post(sink.url, good)).status, 200);
    const html = await (await fetch(`${sink.url}/`)).text();
    assert.ok(!html.includes('javascript:'), 'a javascript: runbook link is shown as a link');
    assert.ok(html.includes('<a href="http://localhost:9097/runbooks#goodlink">runbook</a>'));
    assert.match(html, /GrpcPoolUnhealthy/);
    assert.match(html, /payment|api-gateway/);
    assert.ok(!html.includes('<script>x</script>'), 'HTML is not escaped');
    assert.ok(html.includes('&#60;script&#62;'));
  });

  it('persists notifications as JSON lines and reloads them after a restart', async () => {
    assert.equal(fileLines(outFile).length, 3);
    const restarted = await listen({ outFile });
    try {
      const got = await list(restarted.url);
      assert.equal(got.length, 3);
      assert.equal(got[0]?.payload.status, 'firing');
    } finally {
      await restarted.close();
    }
  });
});

describe('notification sink: a damaged history file', () => {
  it('skips and counts torn and foreign lines, keeps them in .bad, and appends on a clean line', async () => {
    const file = newFile();
    const good = JSON.stringify({ receivedAt: '2026-11-27T06:00:01.000Z', runId: 'run-a', payload: payload() });
    // What an older sink accepted and wrote: no status, no annotations (it then broke GET / for good).
    const foreign = JSON.stringify({ receivedAt: '2026-11-27T06:00:02.000Z', payload: { ...payload(), alerts: [{ labels: { alertname: 'X' } }] } });
    const torn = good.slice(0, 40); // a kill mid-write: no closing brace, no newline
    writeFileSync(file, `${good}\n${foreign}\n\n${torn}`);

    const sink = await listen({ outFile: file, runId: 'run-b' });
    try {
      assert.equal((await list(sink.url)).length, 1);
      assert.equal((await status(sink.url)).skippedLines, 2);
      assert.equal((await fetch(`${sink.url}/`)).status, 200);
      assert.match(await (await fetch(`${sink.url}/`)).text(), /2 unreadable line\(s\)/);
      assert.deepEqual(fileLines(`${file}.bad`), [foreign, torn], 'bad lines are moved aside, not lost');
      assert.equal((await post(sink.url, payload({ status: 'resolved' }))).status, 200);
    } finally {
      await sink.close();
    }
    const lines = fileLines(file);
    assert.equal(lines.length, 2);
    for (const line of lines) JSON.parse(line); // every line parses: the new one did not join the torn one

    const again = await listen({ outFile: file });
    try {
      assert.equal((await list(again.url)).length, 2);
      assert.equal((await status(again.url)).skippedLines, 0);
    } finally {
      await again.close();
    }
  });
});

describe('notification sink: hostile posts', () => {
  it('refuses a payload without status or annotations with the paths at fault, and GET / keeps working', async () => {
    const file = newFile();
    const sink = await listen({ outFile: file });
    try {
      const bad = payload() as Record<string, unknown>;
      bad.alerts = [{ labels: { alertname: 'NoStatus' }, startsAt: '2026-11-27T06:00:00Z', endsAt: '2026-11-27T06:00:00Z' }];
      const res = await post(sink.url, bad);
      assert.equal(res.status, 400);
      const body = (await res.json()) as { details: string[] };
      assert.ok(body.details.includes('alerts[0].status: expected "firing" or "resolved"'), body.details.join('; '));
      assert.ok(body.details.includes('alerts[0].annotations: expected an object of strings'), body.details.join('; '));
      const wrongVersion = await post(sink.url, { ...payload(), version: '3' });
      assert.equal(wrongVersion.status, 400);
      const notJson = await fetch(`${sink.url}/alerts`, { method: 'POST', body: 'status=firing', headers: { 'content-type': 'text/plain' } });
      assert.equal(notJson.status, 415);
      assert.equal((await list(sink.url)).length, 0);
      assert.equal(existsSync(file), false, 'nothing was written');
      assert.equal((await fetch(`${sink.url}/`)).status, 200);
    } finally {
      await sink.close();
    }
  });

  it('answers 413 to a body over the cap (1 MiB by default) and keeps nothing of it', async () => {
    const sink = await listen({});
    try {
      const huge = payload({ description: 'x'.repeat(2 * 1024 * 1024) });
      const res = await post(sink.url, huge);
      assert.equal(res.status, 413);
      assert.match(((await res.json()) as { error: string }).error, /larger than 1048576 bytes/);
      assert.equal((await list(sink.url)).length, 0);
      assert.equal((await post(sink.url, payload())).status, 200, 'a normal post still works after a refused one');
    } finally {
      await sink.close();
    }
  });

  it('caps kept history by entries and bytes, and rotates the file to .1', async () => {
    const file = newFile();
    const sink = await listen({ outFile: file, maxEntries: 3, maxHistoryBytes: 64 * 1024 });
    try {
      for (let i = 1; i <= 7; i++) assert.equal((await post(sink.url, payload({ alertname: `Alert${i}` }))).status, 200);
      assert.deepEqual(
        (await list(sink.url)).map((n) => n.payload.groupLabels.alertname),
        ['Alert5', 'Alert6', 'Alert7'],
      );
      // 7 appends > 2 x 3: the file went to .1 whole, and the new file holds what is kept.
      assert.equal(fileLines(`${file}.1`).length, 7);
      assert.equal(fileLines(file).length, 3);
      // Bytes: 20 KiB descriptions against a 64 KiB cap keep fewer than the entry cap allows.
      for (let i = 1; i <= 3; i++) await post(sink.url, payload({ alertname: `Big${i}`, description: 'y'.repeat(30 * 1024) }));
      const s = await status(sink.url);
      assert.ok(Number(s.bytes) <= 64 * 1024, `kept ${String(s.bytes)} bytes`);
      assert.equal(s.entries, 2);
    } finally {
      await sink.close();
    }
  });

  it('escapes control characters in its log, so an alert name cannot forge a log line', async () => {
    const sink = await startSinkProcess([]);
    try {
      const forged = 'Evil\n2026-11-30T00:00:00.000Z resolved Forged{service=x}';
      assert.equal((await post(sink.url, payload({ alertname: forged }))).status, 200);
      for (let i = 0; i < 500 && !sink.output().includes('Evil'); i++) await sleep(20);
    } finally {
      await sink.close();
    }
    const lines = sink.output().trim().split('\n');
    assert.equal(lines.length, 2, sink.output());
    assert.match(lines[1] ?? '', /^\S+Z firing Evil\\u000a2026-11-30T00:00:00\.000Z resolved Forged\{service=x\}\{service=api-gateway\}$/);
  });
});

describe('notification sink: shared token', () => {
  it('with --token-file, takes posts only with the bearer token, and lists nothing else', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'open-sesame\n');
    const sink = await startSinkProcess(['--token-file', tokenFile]);
    try {
      assert.equal((await post(sink.url, payload())).status, 401);
      assert.equal((await post(sink.url, payload(), { authorization: 'Bearer wrong' })).status, 401);
      assert.equal((await post(sink.url, payload(), { authorization: 'Bearer open-sesame' })).status, 200);
      assert.equal((await list(sink.url)).length, 1);
      assert.equal((await status(sink.url)).tokenRequired, true);
    } finally {
      await sink.close();
    }
  });

  it('refuses to start with an empty token file', async () => {
    const empty = join(dir, 'empty-token');
    writeFileSync(empty, '\n');
    await assert.rejects(startSinkProcess(['--token-file', empty]), /--token-file .* is empty/);
  });

  it('receives from a real Alertmanager whose generated config sends the token from a file', async () => {
    const tokenFile = join(dir, 'am-token');
    writeFileSync(tokenFile, 'from-alertmanager\n');
    const sink = await startSinkProcess(['--token-file', tokenFile]);
    const config = generatedYaml(alertmanagerConfig({ sinkUrl: `${sink.url}/alerts`, sinkTokenFile: tokenFile }), 'test');
    const am = await startAlertmanager({ config });
    try {
      const alert = [{ labels: { alertname: 'TokenCheck', severity: 'critical', service: 's' }, annotations: { summary: 'S.' } }];
      const res = await fetch(`${am.url}/api/v2/alerts`, { method: 'POST', body: JSON.stringify(alert), headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 200);
      let got: ListedNotification[] = [];
      for (let i = 0; i < 600 && got.length === 0; i++) {
        got = await list(sink.url);
        if (got.length === 0) await sleep(100);
      }
      assert.equal(got[0]?.payload.alerts[0]?.labels.alertname, 'TokenCheck', sink.output());
    } finally {
      await am.stop();
      await sink.close();
    }
  });
});

describe('notification sink: earlier stack runs', () => {
  it('marks what an earlier run received, so an alert whose resolve never came is not shown as firing now', async () => {
    const file = newFile();
    const first = await listen({ outFile: file, runId: 'run-1' });
    await post(first.url, payload({ alertname: 'NeverResolved' }));
    await first.close(); // stack:down before the resolve was sent

    const second = await listen({ outFile: file, runId: 'run-2' });
    try {
      const [old] = await list(second.url);
      assert.equal(old?.runId, 'run-1');
      assert.equal(old?.earlierRun, true);
      let html = await (await fetch(`${second.url}/`)).text();
      assert.match(html, /Firing now \(0\)/);
      assert.match(html, /Firing when an earlier stack run stopped \(1\)/);

      await post(second.url, payload({ alertname: 'NeverResolved' })); // it still fires in this run
      html = await (await fetch(`${second.url}/`)).text();
      assert.match(html, /Firing now \(1\)/);
      assert.doesNotMatch(html, /Firing when an earlier stack run stopped/);
      assert.deepEqual((await list(second.url)).map((n) => [n.runId, n.earlierRun]), [['run-1', true], ['run-2', false]]);
    } finally {
      await second.close();
    }
  });
});

describe('notification sink: runbooks', () => {
  it("serves docs/runbooks.md with an anchor for every alert's runbook_url, which points at it", async () => {
    const sink = await listen({});
    try {
      assert.equal(runbookBaseUrl, 'http://localhost:9097/runbooks');
      const res = await fetch(`${sink.url}/runbooks`);
      assert.equal(res.status, 200);
      const html = await res.text();
      for (const alert of allAlerts()) {
        const url = new URL(alert.annotations.runbook_url);
        assert.equal(`${url.origin}${url.pathname}`, runbookBaseUrl);
        assert.ok(html.includes(`<h2 id="${url.hash.slice(1)}">`), `${alert.alert}: no section ${url.hash}`);
      }
      assert.match(html, /<strong>Meaning\.<\/strong>/, 'Markdown is rendered, not shown raw');
    } finally {
      await sink.close();
    }
  });

  it('redirects to RUNBOOK_BASE_URL when one is set', async () => {
    const sink = await listen({ runbookBaseUrl: 'https://wiki.example.com/runbooks' });
    try {
      const res = await fetch(`${sink.url}/runbooks`, { redirect: 'manual' });
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('location'), 'https://wiki.example.com/runbooks');
    } finally {
      await sink.close();
    }
  });
});


describe('notification sink: what a person sees', () => {
  it('headless Chromium shows the firing alert with its description, and its runbook link opens the runbook section', async () => {
    const sink = await listen({ outFile: newFile() });
    try {
      const rule = allAlerts().find((a) => a.alert === 'GrpcPoolUnhealthy');
      assert.ok(rule, 'GrpcPoolUnhealthy is a generated alert');
      const anchor = new URL(rule.annotations.runbook_url).hash;
      const firing = payload({ description: 'Pool payment-service of api-gateway has 0 % usable connections.' });
      firing.alerts[0]!.annotations = { ...firing.alerts[0]!.annotations, runbook_url: `${sink.url}/runbooks${anchor}` };
      assert.equal((await post(sink.url, firing)).status, 200);

      const page = await renderPage(`${sink.url}/`);
      assert.match(page.text, /GrpcPoolUnhealthy/);
      assert.match(page.text, /Pool payment-service of api-gateway has 0 % usable connections\./);
      assert.match(page.text, /payment-service/);
      const runbook = page.links.find((l) => l.text === 'runbook');
      assert.equal(runbook?.href, `${sink.url}/runbooks${anchor}`, 'the rendered page links the alert to its runbook section');

      const opened = await renderPage(runbook.href, { selectors: [anchor] });
      assert.equal(opened.selected[anchor]?.length, 1, `the runbook page has the section ${anchor}`);
      assert.match(opened.selected[anchor]![0]!, /\bGrpcPoolUnhealthy$/);
      if (process.env.SINK_SCREENSHOT) writeFileSync(process.env.SINK_SCREENSHOT, page.screenshot);
    } finally {
      await sink.close();
    }
  });
});
