/** The notification sink over real HTTP: what Alertmanager posts is kept, listed, persisted and shown. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Server } from 'node:http';
import { createSinkApp, type ReceivedNotification } from '../../notification-sink/main.ts';

const payload = {
  version: '4',
  status: 'firing',
  receiver: 'default',
  groupKey: '{}:{alertname="GrpcPoolUnhealthy"}',
  groupLabels: { alertname: 'GrpcPoolUnhealthy' },
  commonLabels: { alertname: 'GrpcPoolUnhealthy', service: 'api-gateway' },
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'GrpcPoolUnhealthy', severity: 'critical', service: 'api-gateway', pool: 'payment-service' },
      annotations: { summary: 'A gRPC connection pool has no usable connection.', description: '<script>x</script>' },
      startsAt: '2026-11-27T06:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
    },
  ],
};

function listen(outFile: string): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = createSinkApp(outFile).listen(0, '127.0.0.1', () => {
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    });
  });
}

describe('notification sink', () => {
  const outFile = join(mkdtempSync(join(tmpdir(), 'sink-')), 'notifications.jsonl');
  let server: Server;
  let url: string;
  before(async () => ({ server, url } = await listen(outFile)));
  after(() => server.close());

  it('accepts an Alertmanager webhook payload and lists it', async () => {
    const res = await fetch(`${url}/alerts`, { method: 'POST', body: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 200);
    const list = (await (await fetch(`${url}/alerts`)).json()) as ReceivedNotification[];
    assert.equal(list.length, 1);
    assert.equal(list[0]?.payload.alerts[0]?.labels.pool, 'payment-service');
  });

  it('rejects what is not a webhook payload with a clear 400, and keeps nothing of it', async () => {
    const wrong = await fetch(`${url}/alerts`, { method: 'POST', body: '{"hello":1}', headers: { 'content-type': 'application/json' } });
    assert.equal(wrong.status, 400);
    assert.match(((await wrong.json()) as { error: string }).error, /webhook payload/);
    const broken = await fetch(`${url}/alerts`, { method: 'POST', body: '{"version":', headers: { 'content-type': 'application/json' } });
    assert.equal(broken.status, 400);
    const list = (await (await fetch(`${url}/alerts`)).json()) as ReceivedNotification[];
    assert.equal(list.length, 1);
  });

  it('shows notifications to a person with label values escaped', async () => {
    const html = await (await fetch(`${url}/`)).text();
    assert.match(html, /GrpcPoolUnhealthy/);
    assert.match(html, /payment|api-gateway/);
    assert.ok(!html.includes('<script>x</script>'), 'HTML is not escaped');
    assert.ok(html.includes('&#60;script&#62;'));
  });

  it('persists notifications as JSON lines and reloads them after a restart', async () => {
    const lines = readFileSync(outFile, 'utf8').trim().split('\n');
    assert.equal(lines.length, 1);
    const restarted = await listen(outFile);
    try {
      const list = (await (await fetch(`${restarted.url}/alerts`)).json()) as ReceivedNotification[];
      assert.equal(list.length, 1);
      assert.equal(list[0]?.payload.status, 'firing');
    } finally {
      restarted.server.close();
    }
  });
});
