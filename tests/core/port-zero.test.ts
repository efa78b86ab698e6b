/**
 * No port races (docs/testing.md): every child the tests start binds port 0 and reports the port
 * it got. Nothing chooses a "free" port, releases it and hands it to a child: in between, any
 * process (the demo shop's own outgoing connections did) can take it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDemoChild } from '../../tools/demo-process.ts';
import { serviceNames } from '../../demo/lib/services.ts';
import { listeningLine, startListeningProcess } from '../../tools/process.ts';
import { repoRoot } from '../support/fixtures.ts';
import { startAlertmanager, startPrometheus } from '../support/prometheus.ts';

async function answers(url: string): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  return res.status;
}

describe('children bind port 0 and report the port they got', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'port-zero-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the pool exporter (--listen 127.0.0.1:0) logs the bound port in its "listening" line', async () => {
    const config = join(dir, 'pool-exporter.yml');
    await writeFile(config, 'targets:\n  t:\n    url: http://127.0.0.1:1/health/pools/detailed\n');
    const exporter = await startListeningProcess({
      name: 'pool-exporter',
      command: process.execPath,
      args: ['--import', 'tsx', join(repoRoot, 'exporters/pool-exporter/src/main.ts'), '--config', config, '--listen', '127.0.0.1:0'],
      cwd: repoRoot,
      listening: listeningLine.poolExporter,
      readyPath: '/-/ready',
    });
    try {
      assert.notEqual(exporter.port, 0);
      assert.match(exporter.output(), new RegExp(`pool-exporter listening on 127\\.0\\.0\\.1:${exporter.port}\\b`));
      assert.equal(await answers(`${exporter.url}/-/healthy`), 200);
    } finally {
      await exporter.stop();
    }
  });

  it('the notification sink (--listen 127.0.0.1:0) prints the bound port', async () => {
    const sink = await startListeningProcess({
      name: 'notification sink',
      command: process.execPath,
      args: ['--import', 'tsx', join(repoRoot, 'notification-sink/main.ts'), '--listen', '127.0.0.1:0', '--out', join(dir, 'notifications.jsonl')],
      cwd: repoRoot,
      listening: listeningLine.notificationSink,
      readyPath: '/alerts',
    });
    try {
      assert.notEqual(sink.port, 0);
      assert.equal(await answers(`${sink.url}/alerts`), 200);
    } finally {
      await sink.stop();
    }
  });

  it('`npm run demo` with every DEMO_*_PORT=0 prints the 14 ports it bound, and each answers', async () => {
    const demo = await startDemoChild({ logFile: join(dir, 'demo.log') });
    try {
      const { ports } = demo;
      const all = [ports.gateway, ports.admin, ...serviceNames.flatMap((s) => [ports.health[s], ports.grpc[s]])];
      assert.equal(new Set(all).size, 14, `14 distinct ports: ${JSON.stringify(ports)}`);
      assert.ok(all.every((p) => p > 0));
      assert.match(await readFile(join(dir, 'demo.log'), 'utf8'), new RegExp(`API gateway +http://127\\.0\\.0\\.1:${ports.gateway}/api/v1`));
      assert.equal(await answers(`${demo.gatewayUrl}/ready`), 200);
      assert.equal(await answers(`http://127.0.0.1:${ports.admin}/admin/services`), 200);
      for (const service of serviceNames) assert.equal(await answers(`http://127.0.0.1:${ports.health[service]}/health`), 200, service);
      // The shop's pools dialled the gRPC ports it bound: an order goes through gateway -> order -> payment.
      const pools = (await (await fetch(`http://127.0.0.1:${ports.health.order}/health/pools/detailed`)).json()) as { services: Record<string, unknown> };
      assert.equal(Object.keys(pools.services).length, 5);
      // demo:fault finds the shop through the admin port it printed.
      const fault = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'demo/fault.ts'), 'payment', 'latency', '1'], {
        env: { ...process.env, DEMO_ADMIN_PORT: String(ports.admin) },
        encoding: 'utf8',
      });
      assert.equal(fault.status, 0, `${fault.stdout}${fault.stderr}`);
      assert.match(fault.stdout, new RegExp(`"grpc_port":${ports.grpc.payment}`));
    } finally {
      await demo.stop();
    }
  });

  it('Prometheus and Alertmanager (--web.listen-address=127.0.0.1:0) log the bound port ("Listening on")', async () => {
    const prometheus = await startPrometheus();
    const alertmanager = await startAlertmanager({});
    try {
      for (const engine of [prometheus, alertmanager]) {
        assert.notEqual(engine.port, 0);
        assert.match(engine.process.output(), new RegExp(`msg="Listening on".* address=127\\.0\\.0\\.1:${engine.port}\\b`));
        assert.equal(await answers(`${engine.url}/-/ready`), 200);
      }
    } finally {
      await prometheus.stop();
      await alertmanager.stop();
    }
  });

  it('nothing in the repository picks a free port and releases it for a child (freePort, freeShopPorts)', () => {
    const files = spawnSync('git', ['ls-files', '-z', '*.ts'], { cwd: repoRoot, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
    assert.ok(files.length > 50, 'git ls-files lists the TypeScript sources');
    const self = 'tests/core/port-zero.test.ts';
    const found = files.filter((f) => f !== self).filter((f) => /\b(freePort|freeShopPorts|holdFreePort)\b/.test(readFileSync(join(repoRoot, f), 'utf8')));
    assert.deepEqual(found, [], 'bind port 0 in the child and read the port it reports (docs/testing.md)');
  });
});
