/**
 * End to end, as a user meets the project: `stack:up --native --demo` (real Prometheus, Alertmanager,
 * pool exporter, notification sink and demo shop on 127.0.0.1), a k6 load run through the harness
 * with remote write, then faults:
 *   1. payment backend down  -> GrpcPoolUnhealthy fires -> Alertmanager delivers it to the sink;
 *   2. payment backend up    -> the resolved notification is delivered;
 *   3. payment latency added -> the full-flow latency alert fires during a load run.
 * Every dashboard query then returns data from this run; `stack:down` leaves no process behind.
 * Measured step times are printed (they depend on the generated `for`, scrape and group timings).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { freeShopPorts } from '../../demo/shop.ts';
import { shopPortEnv } from '../../demo/env.ts';
import { pinnedEngines } from '../../scripts/engines/engines.ts';
import { isAlive, freePort } from '../../tools/process.ts';
import type { StackState } from '../../scripts/stack/native.ts';
import type { ReceivedNotification } from '../../notification-sink/main.ts';
import { repoRoot } from '../../scripts/stack/settings.ts';
import { runHarness } from '../../tools/k6-harness/index.ts';
import { prometheusClient, type PrometheusClient, type PromSample } from '../support/prometheus.ts';
import { dashboardExpressions, substituteVariables } from '../core/support.ts';
import type { BuiltDashboard } from '../../monitoring/dashboards/common.ts';
import { createResultsDir } from '../../scripts/lib/results-dir.ts';

const stateDir = mkdtempSync(join(tmpdir(), 'native-stack-'));
const timings: { step: string; seconds: number }[] = [];

interface Env extends NodeJS.ProcessEnv {
  PROMETHEUS_PORT: string;
  NOTIFICATION_SINK_PORT: string;
  DEMO_GATEWAY_PORT: string;
}

async function stackEnv(): Promise<Env> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    STACK_STATE_DIR: stateDir,
    GF_ADMIN_PASSWORD_FILE: join(stateDir, 'grafana_admin_password'),
    NOTIFICATION_SINK_TOKEN_FILE: join(stateDir, 'notification_sink_token'),
    PROMETHEUS_PORT: String(await freePort()),
    ALERTMANAGER_PORT: String(await freePort()),
    GRAFANA_PORT: String(await freePort()),
    POOL_EXPORTER_PORT: String(await freePort()),
    NOTIFICATION_SINK_PORT: String(await freePort()),
    // The shop and the exporter's targets both follow these (monitoring/config/stack.ts demoPoolTargetPortEnv).
    ...shopPortEnv(await freeShopPorts()),
  };
  return env as Env;
}

/** Run a script entry as its npm script does (`node --import tsx <entry>`), in the repository, with this env. */
function runEntry(env: NodeJS.ProcessEnv, entry: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Poll until check() returns a value; fail with what was last seen. */
async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await sleep(1_000);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}`);
}

function record(step: string, sinceMs: number): number {
  const seconds = (Date.now() - sinceMs) / 1000;
  timings.push({ step, seconds });
  return seconds;
}

describe('native stack, end to end: load, degradation, notification, recovery', { timeout: 900_000 }, () => {
  let env: Env;
  let prom = '';
  let sink = '';
  let gateway = '';
  let state: StackState;
  const runStartedSec = Math.floor(Date.now() / 1000);
  const testids = { pooled: `e2e-pooled-${Date.now()}`, slow: `e2e-slow-${Date.now()}`, compared: `e2e-compared-${Date.now()}` };

  /** The stack's own Prometheus (started by stack:up, so not a TestPrometheus). */
  let promClient: PrometheusClient;
  const query = (expr: string): Promise<PromSample[]> => promClient.query(expr);

  async function notifications(): Promise<ReceivedNotification[]> {
    return (await (await fetch(`${sink}/alerts`)).json()) as ReceivedNotification[];
  }

  /** The first notification (after `since`) carrying this alert in this status. */
  async function notified(alertname: string, status: 'firing' | 'resolved', since: number): Promise<ReceivedNotification | undefined> {
    return (await notifications()).find(
      (n) => Date.parse(n.receivedAt) >= since && n.payload.alerts.some((a) => a.labels.alertname === alertname && a.status === status),
    );
  }

  /** One smoke run of the end-to-end script against the demo, pushed to this stack's Prometheus. */
  function loadRun(testid: string, extraEnv: Record<string, string> = {}): ReturnType<typeof runHarness> {
    createResultsDir(stateDir, testid);
    return runHarness({
      script: join(repoRoot, 'k6/end-to-end-test.ts'),
      env: { BASE_URL: gateway, ...extraEnv },
      profile: 'smoke',
      testid,
      remoteWriteUrl: `${prom}/api/v1/write`,
      pushIntervalMs: 1_000,
      cwd: stateDir,
      print: false,
    });
  }

  function fault(...args: string[]): void {
    const result = runEntry(env, 'demo/fault.ts', args);
    assert.equal(result.status, 0, `demo:fault ${args.join(' ')}: ${result.output}`);
  }

  before(async () => {
    env = await stackEnv();
    prom = `http://127.0.0.1:${env.PROMETHEUS_PORT}`;
    promClient = prometheusClient(prom);
    sink = `http://127.0.0.1:${env.NOTIFICATION_SINK_PORT}`;
    gateway = `http://127.0.0.1:${env.DEMO_GATEWAY_PORT}`;
  });

  after(() => {
    // Best effort if a step failed half-way; the last test asserts a clean stop on the happy path.
    runEntry(env, 'scripts/stack/down.ts', []);
    console.log('\nMeasured end-to-end timings:');
    for (const t of timings) console.log(`  ${t.step.padEnd(58)} ${t.seconds.toFixed(1)} s`);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('stack:up --native --demo starts every service and reports them healthy', () => {
    const t0 = Date.now();
    const up = runEntry(env, 'scripts/stack/up.ts', ['--native', '--demo', '--no-generate']);
    assert.equal(up.status, 0, up.output);
    record('stack:up --native --demo', t0);
    state = JSON.parse(readFileSync(join(stateDir, 'stack.json'), 'utf8')) as StackState;
    const names = state.services.map((s) => s.name);
    for (const name of ['demo', 'notification-sink', 'pool-exporter', 'alertmanager', 'prometheus']) {
      assert.ok(names.includes(name), `${name} not started: ${names.join(', ')}`);
    }
    if (!names.includes('grafana')) assert.match(up.output, /Grafana: no `grafana` binary on PATH/);
    const status = runEntry(env, 'scripts/stack/status.ts', []);
    assert.equal(status.status, 0, status.output);
    assert.equal((status.output.match(/^healthy /gm) ?? []).length, state.services.length, status.output);
  });

  it('runs the pinned engines: Prometheus and Alertmanager report the versions compose pins', async () => {
    const build = await promClient.api<{ version: string }>('status/buildinfo');
    assert.equal(build.version, pinnedEngines.prometheus.version);
    const amPort = env.ALERTMANAGER_PORT ?? '';
    const am = (await (await fetch(`http://127.0.0.1:${amPort}/api/v2/status`)).json()) as { versionInfo: { version: string } };
    assert.equal(am.versionInfo.version, pinnedEngines.alertmanager.version);
    console.log(`native stack engines: prometheus ${build.version}, alertmanager ${am.versionInfo.version}`);
  });

  it('Prometheus scrapes every pool through the exporter, with service labels', async () => {
    const t0 = Date.now();
    const targets = await waitFor('probe_success 1 for the three demo targets', 60_000, async () => {
      const rows = await query('probe_success{job="grpc-pools"} == 1');
      return rows.length === 3 ? rows : undefined;
    });
    record('first successful probes of all targets', t0);
    assert.deepEqual(targets.map((r) => r.metric.service).sort(), ['api-gateway', 'order-service', 'payment-service']);
    const ready = await query('sum by (service) (grpc_pool_connections{state="ready"})');
    assert.equal(ready.length, 3);
    assert.equal(Number(ready.find((r) => r.metric.service === 'api-gateway')?.value?.[1]), 6 * 5, 'gateway: 6 pools of 5 READY');
  });

  it('a k6 smoke run through the harness passes its checks and lands in Prometheus by remote write', async () => {
    const t0 = Date.now();
    const result = await loadRun(testids.pooled);
    record('k6 smoke run (harness, pooled)', t0);
    // Function, not machine speed: checks, error-rate and count targets pass; latency (time)
    // targets may be crossed on a busy machine.
    const crossed = result.thresholds.filter((t) => !t.ok && result.data.metrics[t.key]?.contains !== 'time');
    assert.deepEqual(crossed, []);
    assert.deepEqual(result.iterationErrors, []);
    // Every step passed its contract check.
    assert.deepEqual(result.summary?.failingChecks, []);
    assert.equal(result.data.metrics.checks?.values.rate, 1);
    assert.deepEqual(result.remoteWrite.errors, []);
    const flows = await query(`histogram_count(sum(k6_full_flow_duration_seconds{testid="${testids.pooled}"}))`);
    assert.ok(Number(flows[0]?.value?.[1]) > 0, 'no full-flow histogram in Prometheus');
  });

  it('payment backend down: GrpcPoolUnhealthy fires and Alertmanager delivers it to the sink', async () => {
    const t0 = Date.now();
    fault('payment', 'down');
    const firing = await waitFor('GrpcPoolUnhealthy firing in Prometheus', 180_000, async () => {
      const rows = await query('ALERTS{alertname="GrpcPoolUnhealthy", alertstate="firing"}');
      return rows.length > 0 ? rows : undefined;
    });
    const toFiring = record('payment down -> GrpcPoolUnhealthy firing', t0);
    const t1 = Date.now();
    assert.ok(firing.every((r) => r.metric.pool === 'payment-service'), JSON.stringify(firing.map((r) => r.metric)));
    // Both holders of a payment pool see it: the gateway and order-service (their probes are scraped apart, so one may lead).
    const holders = await waitFor('GrpcPoolUnhealthy firing for the gateway and order-service', 30_000, async () => {
      const rows = await query('ALERTS{alertname="GrpcPoolUnhealthy", alertstate="firing", pool="payment-service"}');
      const services = [...new Set(rows.map((r) => r.metric.service))].sort();
      return services.length === 2 ? services : undefined;
    });
    assert.deepEqual(holders, ['api-gateway', 'order-service']);

    const delivered = await waitFor('the firing notification in the sink', 120_000, () => notified('GrpcPoolUnhealthy', 'firing', t0));
    const deliveredAt = Date.parse(delivered.receivedAt);
    const toNotified = (deliveredAt - t1) / 1000;
    timings.push({ step: 'GrpcPoolUnhealthy firing -> notification received', seconds: toNotified });
    timings.push({ step: 'payment down -> notification received', seconds: (deliveredAt - t0) / 1000 });
    const alert = delivered.payload.alerts.find((a) => a.labels.alertname === 'GrpcPoolUnhealthy');
    assert.ok(alert);
    assert.equal(alert.labels.severity, 'critical');
    assert.equal(alert.labels.pool, 'payment-service');
    assert.ok(alert.annotations.summary?.endsWith('.'));
    assert.match(alert.annotations.runbook_url ?? '', /\/runbooks#grpcpoolunhealthy$/);
    assert.ok(toFiring > 0 && toNotified >= 0, `firing after ${toFiring} s, notified ${toNotified} s later`);
  });

  it('payment backend up: the resolved notification is delivered', async () => {
    const t0 = Date.now();
    fault('payment', 'up');
    await waitFor('GrpcPoolUnhealthy no longer firing', 120_000, async () => {
      const rows = await query('ALERTS{alertname="GrpcPoolUnhealthy"}');
      return rows.length === 0 ? true : undefined;
    });
    record('payment up -> alert inactive in Prometheus', t0);
    const resolved = await waitFor('the resolved notification in the sink', 180_000, () => notified('GrpcPoolUnhealthy', 'resolved', t0));
    record('payment up -> resolved notification delivered', t0);
    assert.ok(resolved.payload.alerts.every((a) => a.labels.alertname === 'GrpcPoolUnhealthy'));
  });

  it('injected payment latency makes the full-flow latency alert fire during a load run', async () => {
    fault('payment', 'latency', '400');
    const t0 = Date.now();
    let runs = 0;
    try {
      // Back-to-back smoke runs under one testid keep a run "active" (k6_vus > 0) for as long as the alert's `for` needs.
      const deadline = Date.now() + 300_000;
      let fired: ReceivedNotification | undefined;
      while (!fired && Date.now() < deadline) {
        runs += 1;
        const result = await loadRun(testids.slow);
        assert.deepEqual(result.remoteWrite.errors, []);
        fired = await notified('LoadTestFullFlowLatencyHigh', 'firing', t0);
      }
      assert.ok(fired, `LoadTestFullFlowLatencyHigh was not delivered within 5 minutes (${runs} runs)`);
      record(`payment +400 ms -> LoadTestFullFlowLatencyHigh delivered (${runs} runs)`, t0);
      const alert = fired.payload.alerts.find((a) => a.labels.alertname === 'LoadTestFullFlowLatencyHigh');
      assert.equal(alert?.labels.testid, testids.slow);
    } finally {
      fault('payment', 'latency', '0');
    }
  });

  it('a run against the slow run as its baseline measures the pool time saved', async () => {
    const result = await loadRun(testids.compared, { BASELINE_SUMMARY: join(stateDir, 'results', testids.slow, 'summary.json') });
    assert.deepEqual(result.remoteWrite.errors, []);
    const saved = result.summary?.metrics.connection_pool_time_saved_ms?.values;
    assert.ok(saved && (saved.count ?? 0) > 0, 'no time-saved samples although a baseline was given');
    // The baseline carried +400 ms on payment; this run did not, so each order saved time.
    assert.ok((saved.avg ?? 0) > 0, `time saved avg ${saved.avg} ms`);
    const inProm = await query(`histogram_count(sum(k6_connection_pool_time_saved_ms{testid="${testids.compared}"}))`);
    assert.equal(Number(inProm[0]?.value?.[1]), saved.count, 'Prometheus holds every time-saved sample of the run');
  });

  it('every dashboard query returns data from this run', async () => {
    const dashboardsDir = join(repoRoot, 'monitoring/grafana/dashboards');
    const end = Math.floor(Date.now() / 1000);
    const step = 15;
    // Align the grid on `end`, so the last point sees the last run (a run of seconds could fall between two points).
    const start = end - step * Math.ceil((end - runStartedSec) / step);
    const rangeSeconds = end - start + 60;
    const empty: string[] = [];
    let checked = 0;
    for (const file of readdirSync(dashboardsDir).filter((f) => f.endsWith('.json'))) {
      const dashboard = JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) as BuiltDashboard;
      for (const { where, expr } of dashboardExpressions(dashboard)) {
        // Real values of this run: the slow run is the "baseline", the normal run the "pooled" one.
        const concrete = substituteVariables(
          expr
            .replace(/\$\{?testid\}?/g, Object.values(testids).join('|'))
            .replace(/\$\{?baseline\}?/g, testids.slow)
            .replace(/\$\{?pooled\}?/g, testids.pooled)
            .replace(/\$__range/g, `${rangeSeconds}s`)
            // Smoke runs last seconds and push sparse series; 1m is what Grafana picks for a half-hour view.
            .replace(/\$__rate_interval/g, '1m'),
        );
        const result = await promClient
          .queryRange(concrete, start, end, step)
          .catch((err: Error) => assert.fail(`${file} ${where}: ${err.message} in ${concrete}`));
        checked += 1;
        if (result.length === 0) empty.push(`${file} ${where}: ${concrete}`);
      }
    }
    assert.ok(checked >= 30, `only ${checked} queries found`);
    assert.deepEqual(empty, [], `queries without data:\n${empty.join('\n')}`);
  });

  it('stack:down stops exactly what stack:up started and leaves no process behind', async () => {
    const down = runEntry(env, 'scripts/stack/down.ts', []);
    assert.equal(down.status, 0, down.output);
    for (const service of state.services) {
      assert.match(down.output, new RegExp(`stopped ${service.name} \\(pid ${service.pid}\\)`));
      assert.equal(isAlive(service.pid), false, `${service.name} (pid ${service.pid}) is still running`);
    }
    // Nothing else that was started from this state dir runs either (children included).
    const leftovers = spawnSync('pgrep', ['-f', stateDir], { encoding: 'utf8' }).stdout.trim();
    assert.equal(leftovers, '', `processes still running: ${leftovers}`);
    for (const port of [env.PROMETHEUS_PORT, env.NOTIFICATION_SINK_PORT, env.DEMO_GATEWAY_PORT]) {
      await assert.rejects(fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) }), `port ${port} still answers`);
    }
    const status = runEntry(env, 'scripts/stack/status.ts', []);
    assert.notEqual(status.status, 0, 'stack:status must say the stack is down');
  });
});
