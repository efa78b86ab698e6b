/**
 * The native stack's lifecycle, as a user meets it, with real processes in a network namespace of
 * its own (the default ports, no race with anything else on the machine):
 *  - stack:up after a `kill -9` of one component starts that one and keeps the rest (the demo's
 *    fault state survives), and reloads the configs of what it keeps by SIGHUP;
 *  - a moved port restarts only that service, and the kept Prometheus follows it (SIGHUP);
 *  - a busy port is reported first, with the pid and name of its holder, and nothing starts (any
 *    port of the scale-out store too, not only its HTTP ports);
 *  - no web page can shut Prometheus down (no lifecycle API);
 *  - the sink requires the stack's token and marks notifications with the stack run.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it, test } from 'node:test';
import { ports } from '../../monitoring/config/stack.ts';
import { thanosAddresses } from '../../monitoring/generators/thanos.ts';
import { describePortUser, foreignListeners } from '../../tools/listeners.ts';
import { isAlive, startProcess, type RunningProcess } from '../../tools/process.ts';
import type { StackState } from '../../scripts/stack/native.ts';
import { repoRoot } from '../../scripts/stack/settings.ts';
import { ownNetworkNamespace } from '../support/network-namespace.ts';

const TIMEOUT_MS = 600_000;

/** A foreign HTTP server (a process this test starts) that answers 200 to everything, on `port` (0: any). */
async function startImpostor(port: number, host = '127.0.0.1'): Promise<RunningProcess & { port: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'impostor-'));
  const logFile = join(dir, 'out.log');
  const code = `const s=require('http').createServer((q,r)=>r.end('ok')).listen(${port},'${host}',()=>console.log('port '+s.address().port))`;
  const proc = await startProcess({ name: 'impostor', command: process.execPath, args: ['-e', code], logFile });
  let found: string | undefined;
  for (let i = 0; i < 800 && !found; i++) {
    found = /port (\d+)/.exec(proc.output())?.[1];
    if (!found) await sleep(25);
  }
  assert.ok(found, `the impostor did not start: ${proc.output()}`);
  return Object.assign(proc, { port: Number(found) });
}

if (!ownNetworkNamespace(import.meta.filename, { timeoutMs: TIMEOUT_MS + 30_000, expectedPass: 7 })) {
  test('a listener is told apart from the process group that should own its port', async () => {
    const impostor = await startImpostor(0);
    try {
      const foreign = foreignListeners(impostor.port, process.pid);
      assert.deepEqual(foreign.listeners.map((l) => l.pid), [impostor.pid]);
      assert.deepEqual(foreignListeners(impostor.port, impostor.pid).listeners, [], 'its own group owns it');
      assert.equal(describePortUser(impostor.port), `port ${impostor.port} is in use by pid ${impostor.pid} (node)`);
    } finally {
      await impostor.stop();
    }
  });

  test('a listener that 127.0.0.1 does not reach (on ::1) is not taken for the one answering', async () => {
    const impostor = await startImpostor(0, '::1');
    try {
      assert.deepEqual(foreignListeners(impostor.port, process.pid).listeners, []);
    } finally {
      await impostor.stop();
    }
  });
} else {
  const stateDir = mkdtempSync(join(tmpdir(), 'stack-lifecycle-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    STACK_STATE_DIR: stateDir,
    GF_ADMIN_PASSWORD_FILE: join(stateDir, 'secrets', 'grafana_admin_password'),
    NOTIFICATION_SINK_TOKEN_FILE: join(stateDir, 'secrets', 'notification_sink_token'),
  };
  const prom = `http://127.0.0.1:${ports.prometheus}`;
  const sink = `http://127.0.0.1:${ports.notificationSink}`;
  const admin = 'http://127.0.0.1:8099';

  function run(entry: string, args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): { status: number | null; output: string } {
    const r = spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: repoRoot, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 240_000 });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  }
  const readState = (): StackState => JSON.parse(readFileSync(join(stateDir, 'stack.json'), 'utf8')) as StackState;
  const pids = (state: StackState): Record<string, number> => Object.fromEntries(state.services.map((s) => [s.name, s.pid]));

  async function lastReload(): Promise<number> {
    const text = await (await fetch(`${prom}/metrics`)).text();
    return Number(/^prometheus_config_last_reload_success_timestamp_seconds (\S+)$/m.exec(text)?.[1]);
  }
  async function paymentState(): Promise<unknown> {
    const body = (await (await fetch(`${admin}/admin/services`)).json()) as { data: Record<string, unknown> };
    return body.data.payment;
  }

  describe('native stack lifecycle', { timeout: TIMEOUT_MS }, () => {
    let first: StackState;

    before(() => {
      const up = run('scripts/stack/up.ts', ['--native', '--demo', '--no-generate']);
      assert.equal(up.status, 0, up.output);
      first = readState();
    });
    after(() => {
      run('scripts/stack/down.ts');
      rmSync(stateDir, { recursive: true, force: true });
    });

    it('starts a sink that takes only the stack token and marks the stack run', async () => {
      const token = readFileSync(env.NOTIFICATION_SINK_TOKEN_FILE ?? '', 'utf8').trim();
      assert.ok(token.length >= 32);
      const status = (await (await fetch(`${sink}/api/status`)).json()) as { runId: string; tokenRequired: boolean };
      assert.equal(status.tokenRequired, true);
      assert.equal(status.runId, first.runId);
      assert.equal(readFileSync(join(stateDir, 'run-id'), 'utf8').trim(), first.runId);
      const res = await fetch(`${sink}/alerts`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 401);
    });

    it('no web page can shut Prometheus down: POST /-/quit is refused and it keeps running', async () => {
      const res = await fetch(`${prom}/-/quit`, { method: 'POST', headers: { Origin: 'http://evil.example', 'Content-Type': 'text/plain' }, body: 'x' });
      await res.arrayBuffer();
      assert.notEqual(res.status, 200, 'the lifecycle API is on');
      await sleep(500); // a quit would have begun by now; the next checks would then fail
      const promPid = pids(first).prometheus ?? 0;
      assert.equal(isAlive(promPid), true);
      assert.equal((await fetch(`${prom}/-/ready`)).status, 200);
    });

    it('after kill -9 of Alertmanager, stack:up starts it again and keeps the rest, demo fault state included', async () => {
      const fault = run('demo/fault.ts', ['payment', 'down']);
      assert.equal(fault.status, 0, fault.output);
      const faultBefore = await paymentState();
      const reloadBefore = await lastReload();
      const before = pids(first);
      process.kill(before.alertmanager ?? 0, 'SIGKILL');
      for (let i = 0; i < 100 && isAlive(before.alertmanager ?? 0); i++) await sleep(20);

      const up = run('scripts/stack/up.ts', ['--native', '--demo', '--no-generate']);
      assert.equal(up.status, 0, up.output);
      assert.match(up.output, /started alertmanager|restarted alertmanager/);
      const now = pids(readState());
      assert.notEqual(now.alertmanager, before.alertmanager);
      for (const name of ['demo', 'notification-sink', 'pool-exporter', 'prometheus']) {
        assert.equal(now[name], before[name], `${name} was restarted`);
      }
      assert.equal((await fetch(`http://127.0.0.1:${ports.alertmanager}/-/ready`)).status, 200);
      assert.deepEqual(await paymentState(), faultBefore, "the demo's fault state is kept");
      assert.equal(readState().runId, first.runId, 'the same stack run');
      // The kept Prometheus re-read its config (SIGHUP): its reload time moves.
      let reloadAfter = await lastReload();
      for (let i = 0; i < 600 && !(reloadAfter > reloadBefore); i++) {
        await sleep(50);
        reloadAfter = await lastReload();
      }
      assert.ok(reloadAfter > reloadBefore, `Prometheus last reload ${reloadBefore} -> ${reloadAfter}`);
      assert.equal(run('demo/fault.ts', ['payment', 'up']).status, 0);
    });

    it('stack:up on a healthy stack changes nothing', () => {
      const before = pids(readState());
      const up = run('scripts/stack/up.ts', ['--native', '--demo', '--no-generate']);
      assert.equal(up.status, 0, up.output);
      assert.match(up.output, /everything was already up/);
      assert.deepEqual(pids(readState()), before);
    });

    it('a moved port restarts that service only, and the kept Prometheus scrapes it there after its SIGHUP reload', async () => {
      const before = pids(readState());
      const moved = String(ports.poolExporter + 1);
      const up = run('scripts/stack/up.ts', ['--native', '--demo', '--no-generate'], { POOL_EXPORTER_PORT: moved });
      assert.equal(up.status, 0, up.output);
      assert.match(up.output, /restarted pool-exporter/);
      const now = pids(readState());
      assert.notEqual(now['pool-exporter'], before['pool-exporter']);
      for (const name of ['demo', 'notification-sink', 'alertmanager', 'prometheus']) assert.equal(now[name], before[name], `${name} was restarted`);
      type Targets = { data: { activeTargets: { scrapePool: string; labels: Record<string, string> }[] } };
      let scraped: string[] = [];
      for (let i = 0; i < 600 && !scraped.includes(`127.0.0.1:${moved}`); i++) {
        const targets = (await (await fetch(`${prom}/api/v1/targets`)).json()) as Targets;
        scraped = targets.data.activeTargets.filter((t) => t.scrapePool === 'pool-exporter').map((t) => t.labels.instance ?? '');
        if (!scraped.includes(`127.0.0.1:${moved}`)) await sleep(50);
      }
      assert.deepEqual(scraped, [`127.0.0.1:${moved}`]);
      const back = run('scripts/stack/up.ts', ['--native', '--demo', '--no-generate']);
      assert.equal(back.status, 0, back.output);
    });

    it('a busy port is reported first with its pid and name, and nothing starts', async () => {
      const down = run('scripts/stack/down.ts');
      assert.equal(down.status, 0, down.output);
      assert.equal(existsSync(join(stateDir, 'run-id')), false, 'stack:down ends the run');
      const impostor = await startImpostor(ports.alertmanager);
      try {
        const up = run('scripts/stack/up.ts', ['--native', '--no-generate']);
        assert.notEqual(up.status, 0, up.output);
        const firstError = up.output.split('\n').find((l) => l.startsWith('stack:up:')) ?? '';
        assert.equal(firstError, `stack:up: port ${ports.alertmanager} is in use by pid ${impostor.pid} (node): alertmanager cannot listen there`, up.output);
        assert.equal(existsSync(join(stateDir, 'stack.json')), false, 'no state: nothing was started');
        await assert.rejects(fetch(`${sink}/-/healthy`), 'the sink must not have been started');
      } finally {
        await impostor.stop();
      }
    });

    it("a busy port of the scale-out store that is not its HTTP port (a receiver's gRPC) is reported too, and nothing starts", async () => {
      const grpc = Number(thanosAddresses().receivers[0]?.grpc.split(':')[1]);
      const impostor = await startImpostor(grpc);
      try {
        const up = run('scripts/stack/up.ts', ['--native', '--scale-out', '--no-generate']);
        assert.notEqual(up.status, 0, up.output);
        const firstError = up.output.split('\n').find((l) => l.startsWith('stack:up:')) ?? '';
        assert.equal(firstError, `stack:up: port ${grpc} is in use by pid ${impostor.pid} (node): thanos-receive-1 cannot listen there`, up.output);
        assert.match(up.output, /The scale-out store's ports are fixed/);
        assert.equal(existsSync(join(stateDir, 'stack.json')), false, 'no state: nothing was started');
        await assert.rejects(fetch(`${prom}/-/ready`), 'Prometheus must not have been started');
      } finally {
        await impostor.stop();
      }
    });
  });
}
