/**
 * End to end, as a user meets the project: `stack:up --native --demo` (real Prometheus, Alertmanager,
 * pool exporter, blackbox_exporter, notification sink and demo shop on 127.0.0.1), a k6 load run
 * through the harness with remote write, then faults:
 *   1. payment backend stopped, no load -> GrpcBackendDown (gRPC health) and GrpcPoolUnhealthy (IDLE
 *      pools to a dead backend) fire and are delivered within 60 s + group_wait, and still fire
 *      3 minutes later (the demo's pools repair themselves every 30 s, as the real gateway's);
 *   2. load while it is down -> the gateway's gRPC client error-ratio alert fires;
 *   3. payment backend up    -> the resolved notifications are delivered;
 *   4. payment latency added -> the full-flow latency alert fires during a load run.
 * Every dashboard query then returns data from this run; `stack:down` leaves no process behind.
 * Measured step times are printed (they depend on the generated `for`, scrape and group timings).
 *
 * The stack writes its ports into Prometheus' and Alertmanager's config before anything starts,
 * so it cannot use port 0: the test runs in its own network namespace on the default ports, as a
 * user's `stack:up` does (tests/support/network-namespace.ts, docs/testing.md).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { shopPortEnv } from '../../demo/env.ts';
import { defaultShopPorts } from '../../demo/lib/services.ts';
import { ports } from '../../monitoring/config/stack.ts';
import { isAlive } from '../../tools/process.ts';
import { pinnedEngines } from '../../scripts/engines/engines.ts';
import type { StackState } from '../../scripts/stack/native.ts';
import type { ReceivedNotification } from '../../notification-sink/main.ts';
import { repoRoot } from '../../scripts/stack/settings.ts';
import { runHarness } from '../../tools/k6-harness/index.ts';
import { alertmanagerConfig } from '../../monitoring/generators/alertmanager-config.ts';
import { targetPreset } from '../../monitoring/config/targets.ts';
import { prometheusClient, type PrometheusClient, type PromSample } from '../support/prometheus.ts';
import { dashboardExpressions, substituteVariables } from '../core/support.ts';
import type { BuiltDashboard } from '../../monitoring/dashboards/common.ts';
import { ownNetworkNamespace } from '../support/network-namespace.ts';
import { assertThresholdsEvaluated } from '../k6/support/thresholds.ts';
import { k6Custom } from '../../contract/metrics.ts';
import type { RunSummary } from '../../k6/lib/summary-format.ts';
import { createResultsDir } from '../../scripts/lib/results-dir.ts';

// Long: the backend-down step holds for 3 minutes, the load steps repeat runs until alerts fire.
const TIMEOUT_MS = 1_500_000;
const isolated = ownNetworkNamespace(import.meta.filename, { timeoutMs: TIMEOUT_MS + 60_000, expectedPass: 12 });
const stateDir = isolated ? mkdtempSync(join(tmpdir(), 'native-stack-')) : '';
const timings: { step: string; seconds: number }[] = [];

interface Env extends NodeJS.ProcessEnv {
  PROMETHEUS_PORT: string;
  NOTIFICATION_SINK_PORT: string;
  DEMO_GATEWAY_PORT: string;
}

/** The default ports, whatever the caller's environment says: this network namespace is ours alone. */
function stackEnv(): Env {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    STACK_STATE_DIR: stateDir,
    GF_ADMIN_PASSWORD_FILE: join(stateDir, 'grafana_admin_password'),
    NOTIFICATION_SINK_TOKEN_FILE: join(stateDir, 'notification_sink_token'),
    PROMETHEUS_PORT: String(ports.prometheus),
    ALERTMANAGER_PORT: String(ports.alertmanager),
    GRAFANA_PORT: String(ports.grafana),
    POOL_EXPORTER_PORT: String(ports.poolExporter),
    NOTIFICATION_SINK_PORT: String(ports.notificationSink),
    // The shop and the exporter's targets both follow these (monitoring/config/stack.ts demoPoolTargetPortEnv).
    ...shopPortEnv(defaultShopPorts),
    // The demo gateway's per-IP rate limit off: whether the smoke runs stay under 50 requests/s
    // depends on the machine's speed (docs/testing.md); the limit is tested in api-contract.test.ts.
    SECURITY_RATE_LIMIT_ENABLED: 'false',
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

if (isolated) describe('native stack, end to end: load, degradation, notification, recovery', { timeout: TIMEOUT_MS }, () => {
  let env: Env;
  let prom = '';
  let sink = '';
  let gateway = '';
  let state: StackState;
  const runStartedSec = Math.floor(Date.now() / 1000);
  const testids = { pooled: `e2e-pooled-${Date.now()}`, failing: `e2e-failing-${Date.now()}`, slow: `e2e-slow-${Date.now()}`, compared: `e2e-compared-${Date.now()}` };

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
    env = stackEnv();
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

  it('a healthy system: every pool probe, service /metrics and gRPC health probe succeeds, nothing fires', async () => {
    const t0 = Date.now();
    const preset = targetPreset('demo');
    const targets = await waitFor('probe_success 1 for the three demo pool targets', 60_000, async () => {
      const rows = await query('probe_success{job="grpc-pools"} == 1');
      return rows.length === 3 ? rows : undefined;
    });
    record('first successful probes of all targets', t0);
    assert.deepEqual(targets.map((r) => r.metric.service).sort(), ['api-gateway', 'order-service', 'payment-service']);
    const healthy = await waitFor('every backend SERVING to blackbox_exporter', 60_000, async () => {
      const rows = await query('probe_success{job="grpc-health"} == 1');
      return rows.length === preset.grpcHealth.length ? rows : undefined;
    });
    assert.deepEqual(healthy.map((r) => r.metric.service).sort(), preset.grpcHealth.map((e) => e.service).sort());
    const scraped = await waitFor('every service /metrics scraped', 60_000, async () => {
      const rows = await query('up{job="service-metrics"} == 1');
      return rows.length === preset.metrics.length ? rows : undefined;
    });
    assert.deepEqual(scraped.map((r) => r.metric.service).sort(), preset.metrics.map((e) => e.service).sort());
    // As the real gateway at start (gw-start.json): every pooled connection IDLE until its first RPC.
    const idle = await query('sum by (service) (grpc_pool_connections{state="idle"})');
    assert.equal(Number(idle.find((r) => r.metric.service === 'api-gateway')?.value?.[1]), 6 * 5, 'gateway: 6 pools of 5 IDLE');
    assert.deepEqual(await query('probe_success == 0 or up == 0'), []);
    assert.deepEqual(await query('ALERTS'), [], 'an alert is pending or firing on a healthy system');
  });

  it('a k6 smoke run through the harness evaluates its thresholds and lands in Prometheus by remote write', async (t) => {
    const t0 = Date.now();
    const result = await loadRun(testids.pooled);
    record('k6 smoke run (harness, pooled)', t0);
    assert.deepEqual(result.iterationErrors, []);
    // Every step passed its contract check.
    assert.deepEqual(result.summary?.failingChecks, []);
    assert.equal(result.data.metrics.checks?.values.rate, 1);
    // Errors and checks must pass; latency is reported, not asserted on this machine (docs/testing.md).
    for (const line of assertThresholdsEvaluated(result).lines) t.diagnostic(line);
    assert.deepEqual(result.remoteWrite.errors, []);
    const flows = await query(`histogram_count(sum(k6_full_flow_duration_seconds{testid="${testids.pooled}"}))`);
    assert.ok(Number(flows[0]?.value?.[1]) > 0, 'no full-flow histogram in Prometheus');
    // The gateway's own metrics saw the same run: successful gRPC calls to payment-service, labelled as the real gateway's.
    const calls = await waitFor('the gateway\'s gRPC client series in Prometheus', 30_000, async () => {
      const rows = await query('sum by (service, backend) (api_gateway_grpc_client_requests_total{job="service-metrics", status="success", backend="payment-service"})');
      return rows.length > 0 ? rows : undefined;
    });
    assert.equal(calls[0]?.metric.service, 'api-gateway');
  });

  /** When payment was stopped (step 1); steps 2 and 3 measure from it. */
  let stoppedAt = 0;
  const firingNow = async (alertname: string, selector = ''): Promise<PromSample[]> =>
    query(`ALERTS{alertname="${alertname}", alertstate="firing"${selector}}`);

  it('payment stopped, no load: GrpcBackendDown and GrpcPoolUnhealthy are delivered within 60 s + group_wait', async () => {
    // Alertmanager's group_wait of the route critical alerts take, from the generated config.
    const routes = (alertmanagerConfig({ sinkUrl: 'http://x/alerts' }) as { route: { routes: { matchers: string[]; group_wait?: string }[] } }).route.routes;
    const groupWait = Number(/^(\d+)s$/.exec(routes.find((r) => r.matchers.includes('severity="critical"'))?.group_wait ?? '')?.[1]);
    assert.ok(groupWait > 0, 'no group_wait on the critical route');
    stoppedAt = Date.now();
    fault('payment', 'down');
    const backendDown = await waitFor('the GrpcBackendDown notification', 120_000, () => notified('GrpcBackendDown', 'firing', stoppedAt));
    const toBackendDown = (Date.parse(backendDown.receivedAt) - stoppedAt) / 1000;
    timings.push({ step: 'payment stopped (no load) -> GrpcBackendDown delivered', seconds: toBackendDown });
    const alert = backendDown.payload.alerts.find((a) => a.labels.alertname === 'GrpcBackendDown');
    assert.equal(alert?.labels.service, 'payment-service');
    assert.equal(alert?.labels.severity, 'critical');
    assert.match(alert?.annotations.runbook_url ?? '', /\/runbooks#grpcbackenddown$/);
    assert.ok(toBackendDown <= 60 + groupWait, `GrpcBackendDown delivered ${toBackendDown} s after the stop, later than 60 s + group_wait ${groupWait} s`);

    // The pools to payment hold IDLE connections and call themselves healthy; the alert does not.
    const poolDown = await waitFor('the GrpcPoolUnhealthy notification', 120_000, () => notified('GrpcPoolUnhealthy', 'firing', stoppedAt));
    const toPoolDown = (Date.parse(poolDown.receivedAt) - stoppedAt) / 1000;
    timings.push({ step: 'payment stopped (no load) -> GrpcPoolUnhealthy delivered', seconds: toPoolDown });
    assert.ok(toPoolDown <= 60 + groupWait, `GrpcPoolUnhealthy delivered ${toPoolDown} s after the stop`);
    const holders = await waitFor('GrpcPoolUnhealthy firing for the gateway and order-service', 30_000, async () => {
      const services = [...new Set((await firingNow('GrpcPoolUnhealthy', ', pool="payment-service"')).map((r) => r.metric.service))].sort();
      return services.length === 2 ? services : undefined;
    });
    assert.deepEqual(holders, ['api-gateway', 'order-service']);
    const states = await query('sum by (state) (grpc_pool_connections{service="api-gateway", pool="payment-service"}) > 0');
    assert.deepEqual(states.map((r) => r.metric.state), ['idle'], 'with no traffic the pool to a stopped backend is all IDLE, as in gw-payment-stopped-no-traffic.json');
  });

  it('payment still stopped, no load: both alerts still fire 3 minutes after the stop, without a gap', async () => {
    const holdUntil = stoppedAt + 180_000;
    await sleep(Math.max(0, holdUntil - Date.now()));
    record('waited (payment stopped, no load)', stoppedAt);
    assert.equal((await firingNow('GrpcBackendDown', ', service="payment-service"')).length, 1);
    assert.equal((await firingNow('GrpcPoolUnhealthy', ', pool="payment-service"')).length, 2);
    for (const alertname of ['GrpcBackendDown', 'GrpcPoolUnhealthy']) {
      assert.equal(await notified(alertname, 'resolved', stoppedAt), undefined, `${alertname} was resolved while payment was down`);
      // Firing at every 5 s point since it first fired: it never went back to pending (the repair loop did not reset it).
      const delivered = await notified(alertname, 'firing', stoppedAt);
      const from = Math.ceil(Date.parse(delivered?.receivedAt ?? '') / 1000);
      const end = Math.floor(Date.now() / 1000);
      const series = await promClient.queryRange(`count(ALERTS{alertname="${alertname}", alertstate="firing"})`, from, end, 5);
      const points = series[0]?.values ?? [];
      assert.ok(points.length >= 20, `${alertname}: ${points.length} points`);
      const expectedPoints = Math.floor((end - from) / 5) + 1;
      assert.equal(points.length, expectedPoints, `${alertname} had gaps while payment was down`);
    }
  });

  it('payment still stopped, under load: the gateway\'s gRPC client error-ratio alert fires', async () => {
    const t0 = Date.now();
    let runs = 0;
    let fired: ReceivedNotification | undefined;
    const deadline = Date.now() + 300_000;
    while (!fired && Date.now() < deadline) {
      runs += 1;
      const result = await loadRun(testids.failing);
      assert.deepEqual(result.remoteWrite.errors, []);
      fired = await notified('GrpcClientErrorRatioHigh', 'firing', t0);
    }
    assert.ok(fired, `GrpcClientErrorRatioHigh was not delivered within 5 minutes (${runs} runs)`);
    record(`load with payment stopped -> GrpcClientErrorRatioHigh delivered (${runs} runs)`, t0);
    const alert = fired.payload.alerts.find((a) => a.labels.alertname === 'GrpcClientErrorRatioHigh');
    assert.equal(alert?.labels.service, 'api-gateway');
    // Orders need payment (order-service authorises with it), payments go to it directly.
    assert.ok(['order-service', 'payment-service'].includes(alert?.labels.backend ?? ''), JSON.stringify(alert?.labels));
  });

  it('payment up: the resolved notifications are delivered', async () => {
    const t0 = Date.now();
    fault('payment', 'up');
    await waitFor('GrpcBackendDown no longer firing', 120_000, async () => ((await query('ALERTS{alertname="GrpcBackendDown"}')).length === 0 ? true : undefined));
    record('payment up -> GrpcBackendDown inactive in Prometheus', t0);
    await waitFor('the resolved GrpcBackendDown notification', 180_000, () => notified('GrpcBackendDown', 'resolved', t0));
    record('payment up -> resolved GrpcBackendDown delivered', t0);
    await waitFor('the resolved GrpcPoolUnhealthy notification', 180_000, () => notified('GrpcPoolUnhealthy', 'resolved', t0));
    record('payment up -> resolved GrpcPoolUnhealthy delivered', t0);
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
    // Saved per order = the baseline's order p95 - this order's duration: computed from the slow
    // run, whose +400 ms on payment (order creation authorizes a payment) is a floor of its p95.
    // Whether this run was faster on this machine is speed, not asserted.
    const baseline = JSON.parse(readFileSync(join(stateDir, 'results', testids.slow, 'summary.json'), 'utf8')) as RunSummary;
    const baselineOrderP95 = baseline.metrics[k6Custom.orderServiceLatency]?.values['p(95)'] ?? NaN;
    const order = result.summary?.metrics[k6Custom.orderServiceLatency]?.values;
    assert.ok(baselineOrderP95 >= 400, `baseline order p95 ${baselineOrderP95} ms with +400 ms on payment`);
    assert.equal(saved.count, order?.count);
    assert.ok(Math.abs((saved.avg ?? NaN) - (baselineOrderP95 - (order?.avg ?? NaN))) < 1e-6, `saved ${saved.avg} ms vs ${baselineOrderP95} - ${order?.avg}`);
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
