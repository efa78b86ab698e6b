/**
 * Reload (SIGHUP to the process, POST /-/reload in process) keeps the old config when the new
 * one is broken and does not count a probe of a target it removed; SIGTERM stops accepting while
 * finishing the probe in flight (held by the target until the test lets it go, so no step
 * depends on timing); the listening line comes only after a successful bind.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { EXPORTER_MAIN, LISTENING_LINE, REPO_ROOT, parseExposition, spawnExporter, startExporter, startHttpServer, valueOf, type ExporterProcess, type TestExporter, type TestServer } from './support.ts';

const doc = JSON.stringify({ status: 'healthy', services: { a: { total_connections: 5, ready_connections: 5, idle_connections: 0, status: 'healthy' } } });

describe('pool exporter lifecycle', () => {
  let server: TestServer;
  /** Answers to /held wait here until the test releases them: a probe held in flight. */
  const held: ServerResponse[] = [];
  const answer = (res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(doc);
  };
  const releaseHeld = (): void => {
    for (const res of held.splice(0)) answer(res);
  };
  before(async () => {
    server = await startHttpServer((req, res) => {
      if (req.url === '/held') held.push(res);
      else answer(res);
    });
  });
  after(() => server?.close());

  const targets = (...names: string[]): string => `targets:\n${names.map((n) => `  ${n}:\n    url: ${server.url}/${n}\n`).join('')}`;
  type AnyExporter = TestExporter | ExporterProcess;
  const selfMetric = async (exporter: AnyExporter, name: string, labels: Record<string, string> = {}): Promise<number> =>
    valueOf(parseExposition(await (await fetch(`${exporter.url}/metrics`)).text()), name, labels);
  type ProbeAnswer = Awaited<ReturnType<TestExporter['probe']>>;
  /** Probe `held` and return once the target holds its request: the probe is in flight until releaseHeld(). */
  const probeInFlight = async (exporter: AnyExporter): Promise<{ answer: Promise<ProbeAnswer> }> => {
    const answer = exporter.probe('held');
    for (let i = 0; i < 500 && held.length === 0; i++) await sleep(10);
    assert.equal(held.length, 1, 'the probe reached the target');
    return { answer };
  };
  const probeSuccess = async (exporter: AnyExporter, target: string): Promise<number | 'rejected'> => {
    const res = await exporter.probe(target);
    return res.status === 200 ? valueOf(parseExposition(res.text), 'probe_success') : 'rejected';
  };

  for (const trigger of ['POST /-/reload', 'SIGHUP'] as const) {
    describe(`reload by ${trigger}`, () => {
      let exporter: AnyExporter;
      before(async () => {
        exporter = trigger === 'SIGHUP' ? await spawnExporter(targets('first')) : await startExporter(targets('first'), { enableLifecycle: true });
      });
      after(() => exporter?.stop());

      /** SIGHUP answers nothing: wait for the exporter's log line about this reload. */
      const reload = async (): Promise<number | undefined> => {
        if ('process' in exporter) {
          const reloads = (await exporter.log()).match(/config reload/g)?.length ?? 0;
          process.kill(exporter.process.pid, 'SIGHUP');
          for (let i = 0; i < 250 && ((await exporter.log()).match(/config reload/g)?.length ?? 0) === reloads; i++) await sleep(20);
          return undefined;
        }
        return (await fetch(`${exporter.url}/-/reload`, { method: 'POST' })).status;
      };

      it('keeps the old config when the new file is broken', async () => {
        assert.equal(await probeSuccess(exporter, 'first'), 1);
        await writeFile(exporter.configFile, `${targets('second')}    timout: 3s\n`);
        const status = await reload();
        if (status !== undefined) assert.equal(status, 500);
        assert.equal(await probeSuccess(exporter, 'first'), 1, 'old target still served');
        assert.equal(await probeSuccess(exporter, 'second'), 'rejected');
        assert.equal(await selfMetric(exporter, 'pool_exporter_config_last_reload_successful'), 0);
        assert.match(await exporter.log(), /config reload failed; keeping the previous config.*line 4: targets\.second\.timout: unknown key/);
      });

      it('takes a valid new file', async () => {
        await writeFile(exporter.configFile, targets('second', 'third'));
        const status = await reload();
        if (status !== undefined) assert.equal(status, 200);
        assert.equal(await probeSuccess(exporter, 'second'), 1);
        assert.equal(await probeSuccess(exporter, 'third'), 1);
        assert.equal(await probeSuccess(exporter, 'first'), 'rejected', 'removed targets are no longer probed');
        assert.equal(await selfMetric(exporter, 'pool_exporter_config_last_reload_successful'), 1);
        assert.equal(await selfMetric(exporter, 'pool_exporter_probes_total', { target: 'third' }), 1);
        await assert.rejects(selfMetric(exporter, 'pool_exporter_probes_total', { target: 'first' }), /no series/);
      });
    });
  }

  it('a reload during a probe does not bring back the removed target\'s counters', async () => {
    const exporter = await startExporter(targets('held', 'kept'), { enableLifecycle: true });
    try {
      const { answer } = await probeInFlight(exporter);
      await writeFile(exporter.configFile, targets('kept'));
      assert.equal((await fetch(`${exporter.url}/-/reload`, { method: 'POST' })).status, 200);
      releaseHeld();
      const inFlight = await answer;
      assert.equal(inFlight.status, 200);
      assert.equal(valueOf(parseExposition(inFlight.text), 'probe_success'), 1, 'the probe in flight still answers');
      const self = parseExposition(await (await fetch(`${exporter.url}/metrics`)).text());
      assert.deepEqual(
        self.filter((s) => s.name.startsWith('pool_exporter_probe') && s.labels.target === 'held'),
        [],
        'no series for a target the reload removed',
      );
      assert.equal(valueOf(self, 'pool_exporter_probes_total', { target: 'kept' }), 0);
    } finally {
      await exporter.stop();
    }
  });

  it('SIGTERM: stops accepting, finishes the probe in flight, exits 0', async () => {
    const exporter = await spawnExporter(targets('held'));
    try {
      const { answer } = await probeInFlight(exporter);
      process.kill(exporter.process.pid, 'SIGTERM');
      // The listener is closed in the same tick as this line is written.
      for (let i = 0; i < 500 && !/shutting down/.test(await exporter.log()); i++) await sleep(10);
      await assert.rejects(fetch(`${exporter.url}/-/healthy`), 'no new connections while draining');
      releaseHeld();
      const inFlight = await answer;
      assert.equal(inFlight.status, 200);
      assert.equal(valueOf(parseExposition(inFlight.text), 'probe_success'), 1);
      assert.equal(await exporter.process.exited, 0);
      assert.match(await exporter.log(), /shutting down.*\n.*stopped/);
    } finally {
      await exporter.stop();
    }
  });

  it('logs "listening on" with the port it got, and only once bound', async () => {
    const exporter = await spawnExporter(targets('first'));
    try {
      const [, host, port] = LISTENING_LINE.exec(await exporter.log()) ?? [];
      assert.equal(host, '127.0.0.1');
      assert.equal(Number(port), exporter.port);
      assert.notEqual(exporter.port, 0);
      assert.equal((await fetch(`${exporter.url}/-/healthy`)).status, 200, 'the reported port is the one that answers');
    } finally {
      await exporter.stop();
    }
    // A port this test holds: the exporter cannot have it, and must not claim it.
    const holder = createServer();
    holder.listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const taken = (holder.address() as { port: number }).port;
    try {
      const dir = await mkdtemp(join(tmpdir(), 'pool-exporter-port-'));
      const file = join(dir, 'c.yml');
      await writeFile(file, targets('first'));
      const run = spawnSync(process.execPath, ['--import', 'tsx', EXPORTER_MAIN, '--config', file, '--listen', `127.0.0.1:${taken}`], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${taken}: .*EADDRINUSE`));
      assert.doesNotMatch(run.stderr + run.stdout, /listening/);
      await rm(dir, { recursive: true, force: true });
    } finally {
      holder.close();
    }
  });
});
