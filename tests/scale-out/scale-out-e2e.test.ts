/**
 * Issue 14's end-to-end check of the scale-out mode, as a user runs it:
 *   npm run stack:up -- --native --demo --scale-out
 *   npm run loadtest -- e2e --profile smoke --instances 3 --harness
 * with one ingesting receiver killed (SIGKILL) while the run writes. Through Thanos Query (what
 * Grafana reads in this mode) the run's series come from 3 instances, and the dashboards' request
 * and flow counts equal the sum of the 3 instance summaries: replication 2 lost nothing. Thanos
 * Rule evaluates the stack's rules through Query (the VU recording rule sums the instances).
 *
 * The ring's members know each other's fixed ports, so this runs in its own network namespace.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { thanos } from '../../monitoring/config/thanos.ts';
import { thanosAddresses } from '../../monitoring/generators/thanos.ts';
import { k6Custom, k6Remote } from '../../contract/metrics.ts';
import type { RunSummary } from '../../k6/lib/summary-format.ts';
import type { StackState } from '../../scripts/stack/native.ts';
import type { ReceivedNotification } from '../../notification-sink/main.ts';
import { repoRoot } from '../../scripts/stack/settings.ts';
import { isAlive } from '../../tools/process.ts';
import { healthyQueryEndpoints } from '../../tools/thanos-ring.ts';
import type { BuiltDashboard } from '../../monitoring/dashboards/common.ts';
import { dashboardExpressions, substituteVariables } from '../core/support.ts';
import { ownNetworkNamespace } from '../support/network-namespace.ts';
import { prometheusClient, type PrometheusClient } from '../support/prometheus.ts';
import { countingQueries, runTotal, summaryCount } from '../support/run-totals.ts';

const TIMEOUT_MS = 420_000;
const isolated = ownNetworkNamespace(import.meta.filename, { timeoutMs: TIMEOUT_MS + 60_000, expectedPass: 8 });

if (isolated) {
  describe('stack:up --native --scale-out + a 3-instance load test, a receiver killed mid-run', { timeout: TIMEOUT_MS }, () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'scale-out-stack-'));
    const testid = `scale-out-${Date.now()}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      STACK_STATE_DIR: stateDir,
      GF_ADMIN_PASSWORD_FILE: join(stateDir, 'grafana_admin_password'),
      NOTIFICATION_SINK_TOKEN_FILE: join(stateDir, 'notification_sink_token'),
      // The gateway's per-IP limit off: whether 3 instances stay under it depends on machine speed.
      SECURITY_RATE_LIMIT_ENABLED: 'false',
    };
    for (const name of ['PROMETHEUS_PORT', 'K6_PROMETHEUS_RW_SERVER_URL', 'PROMETHEUS_QUERY_URL', 'BASE_URL']) delete env[name];
    let state: StackState;
    let query: PrometheusClient;
    let loadtest: { code: number | null; output: string };
    let killedAt = 0;
    const timings: string[] = [];
    const startedAt = Date.now() / 1000;
    let endedAt = 0;
    let victim = '';
    let parts: RunSummary[] = [];
    let merged: RunSummary;

    const runEntry = (entry: string, args: string[]) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: repoRoot, env, encoding: 'utf8', timeout: 240_000 });
      return { status: r.status, output: `${r.stdout}${r.stderr}` };
    };

    before(async () => {
      const up = runEntry('scripts/stack/up.ts', ['--native', '--demo', '--scale-out', '--no-generate']);
      assert.equal(up.status, 0, up.output);
      state = JSON.parse(readFileSync(join(stateDir, 'stack.json'), 'utf8')) as StackState;
      assert.ok(state.scaleOut, 'the state records the scale-out endpoints');
      query = prometheusClient(state.scaleOut.queryUrl);
      // Up means usable: stack:up has waited until Query connected every receiver (Query is ready before that).
      const connected = /thanos-query has connected all (\d+) receivers \(waited (\S+) s\)/.exec(up.output);
      assert.equal(connected?.[1], String(thanos.receivers), up.output);
      timings.push(`stack:up waited ${connected?.[2]} s for Query to connect the receivers`);
      assert.deepEqual((await healthyQueryEndpoints(state.scaleOut.queryUrl)).sort(), thanosAddresses().receivers.map((r) => r.grpc).sort());

      // The load test with no URL given: it must find the ring and Query in the stack state.
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/loadtest.ts', 'e2e', '--profile', 'smoke', '--instances', '3', '--harness', '--testid', testid], {
        cwd: repoRoot,
        env,
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));

      // Mid-run: once the run's first samples are readable through Query, kill an ingesting receiver.
      const victimRecord = state.services.find((s) => s.name === 'thanos-receive-2');
      assert.ok(victimRecord);
      victim = victimRecord.name;
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && child.exitCode === null) {
        const rows = await query.query(`count(${k6Remote.counter('http_reqs')}{testid="${testid}"})`).catch(() => []);
        if (rows.length > 0) break;
        await sleep(250);
      }
      assert.equal(child.exitCode, null, `the load test ended before its samples reached Query:\n${output}`);
      process.kill(victimRecord.pid, 'SIGKILL');
      killedAt = Date.now();
      loadtest = { code: await exited, output };
      endedAt = Date.now() / 1000;
      timings.push(`${victim} killed ${((killedAt / 1000 - startedAt)).toFixed(1)} s after stack:up began; the load test ran ${(endedAt - killedAt / 1000).toFixed(1)} s more`);
      assert.ok(!isAlive(victimRecord.pid), `${victim} is dead`);
      merged = JSON.parse(await readFile(join(repoRoot, 'results', testid, 'summary.json'), 'utf8')) as RunSummary;
      parts = await Promise.all(['k6-1', 'k6-2', 'k6-3'].map(async (i) => JSON.parse(await readFile(join(repoRoot, 'results', testid, 'instances', i, 'summary.json'), 'utf8')) as RunSummary));
    });

    after(() => {
      console.log(`\nMeasured (scale-out):\n  ${timings.join('\n  ')}`);
      const down = runEntry('scripts/stack/down.ts', []);
      if (down.status !== 0) console.error(down.output);
      rmSync(join(repoRoot, 'results', testid), { recursive: true, force: true });
      rmSync(stateDir, { recursive: true, force: true });
    });

    it('the load test finished with every push accepted, the receiver dead for its last part', () => {
      // Exit 3 would mean a push failed or the series are missing in Query; 99: a latency target crossed on a busy machine.
      assert.ok(loadtest.code === 0 || loadtest.code === 99, `loadtest exited ${loadtest.code}\n${loadtest.output}`);
      assert.match(loadtest.output, /remote write ok/);
      assert.ok(endedAt * 1000 > killedAt);
      assert.equal(merged.remoteWrite?.ok, true);
    });

    it('Grafana reads Query, Prometheus writes to the ring and loads no rules', () => {
      const ds = YAML.parse(readFileSync(join(stateDir, 'grafana/provisioning-scale-out/datasources/datasources.yml'), 'utf8')) as { datasources: { type: string; url: string }[] };
      assert.deepEqual(ds.datasources.filter((d) => d.type === 'prometheus').map((d) => d.url), [state.scaleOut?.queryUrl]);
      const prom = YAML.parse(readFileSync(join(stateDir, 'prometheus.yml'), 'utf8')) as { rule_files?: unknown; remote_write?: { url: string }[] };
      assert.equal(prom.rule_files, undefined);
      assert.deepEqual(prom.remote_write?.map((w) => w.url), [state.scaleOut?.remoteWriteUrl]);
    });

    it('Query returns the run from 3 instances, and what Prometheus scraped', async () => {
      const instances = await query.query(`count by (instance) (${k6Remote.counter('http_reqs')}{testid="${testid}"})`, endedAt);
      assert.deepEqual(instances.map((r) => r.metric.instance).sort(), ['k6-1', 'k6-2', 'k6-3']);
      const scraped = await query.query(`up{job="prometheus"}`);
      assert.equal(scraped.length, 1, 'Prometheus remote-writes its own scrapes into the ring');
      // The run's first samples, written before the kill, are still served: by their other replica.
      const first = await query.query(`min(min_over_time(timestamp(${k6Remote.counter('http_reqs')}{testid="${testid}"})[10m:1s]))`, endedAt);
      assert.ok(Number(first[0]?.value?.[1]) * 1000 < killedAt, 'samples from before the kill are in Query');
    });

    it("the dashboards' request and flow counts through Query equal the sum of the 3 summaries", async () => {
      const counting = await countingQueries();
      assert.ok(counting.some((q) => q.summaryMetric === 'http_reqs') && counting.some((q) => q.summaryMetric === k6Custom.fullFlowSuccess));
      for (const q of counting) {
        const expected = parts.reduce((s, p) => s + summaryCount(p, q.summaryMetric), 0);
        assert.ok(expected > 0, `${q.summaryMetric}: the run counted some`);
        assert.equal(await runTotal(query, q.expr, testid, endedAt), expected, `${q.title}: ${q.expr}`);
        assert.equal(expected, summaryCount(merged, q.summaryMetric));
      }
    });

    it('Thanos Rule evaluates every rule group through Query and records the VUs of all instances', async () => {
      const rule = state.services.find((s) => s.name === 'thanos-rule');
      assert.ok(rule);
      const vus = await (async () => {
        const until = Date.now() + 60_000;
        while (Date.now() < until) {
          const rows = await query.query(`max_over_time(testid:k6_vus:max15s{testid="${testid}"}[10m])`);
          if (rows.length > 0) return rows;
          await sleep(1_000);
        }
        return [];
      })();
      assert.equal(vus.length, 1, 'one recorded series for the run (not one per instance, not one per evaluator)');
      const peak = Number(vus[0]?.value?.[1]);
      const perInstancePeak = Math.max(...parts.map((p) => p.metrics.vus_max?.values.value ?? 0));
      // The instances run at once (the smoke ramp to 4 VUs splits 2, 1, 1), so the sum beats any one.
      assert.ok(peak > perInstancePeak, `recorded peak ${peak} sums the instances (largest single instance: ${perInstancePeak})`);
      const groups = (await (await fetch(`${new URL(rule.healthUrl).origin}/api/v1/rules`)).json()) as { data: { groups: { name: string; rules: { health: string; lastError?: string; name: string }[] }[] } };
      const rules = groups.data.groups.flatMap((g) => g.rules);
      // No evaluation failed, also while Query still asked the dead receiver (partial_response_strategy: warn).
      const metrics = await (await fetch(`${new URL(rule.healthUrl).origin}/metrics`)).text();
      const failures = [...metrics.matchAll(/^prometheus_rule_evaluation_failures_total\{[^}]*\} (\S+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
      const evaluations = [...metrics.matchAll(/^prometheus_rule_evaluations_total\{[^}]*\} (\S+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
      assert.ok(evaluations > 0, 'Thanos Rule evaluated its rules');
      assert.equal(failures, 0, `${failures} of ${evaluations} rule evaluations failed`);
      assert.ok(rules.length > 0);
      const unhealthy = rules.filter((r) => r.health !== 'ok');
      assert.deepEqual(unhealthy.map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`), []);
    });
    it('every dashboard query runs through Query, and those on this run return data (after Rule recorded it)', async () => {
      const dashboardsDir = join(repoRoot, 'monitoring/grafana/dashboards');
      const queries: { where: string; expr: string }[] = [];
      for (const file of readdirSync(dashboardsDir).filter((f) => f.endsWith('.json'))) {
        const dashboard = JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) as BuiltDashboard;
        for (const { where, expr } of dashboardExpressions(dashboard)) queries.push({ where: `${file} ${where}`, expr });
      }
      assert.ok(queries.length >= 30, `only ${queries.length} queries found`);
      // Data this healthy, baseline-less run need not have: gRPC errors, the time saved against a
      // baseline run (loadtest --baseline), firing alerts. tests/stack/native-e2e.test.ts has runs with all three.
      const cannotHaveData = /status="error"|k6_connection_pool_time_saved_ms|ALERTS\{alertstate="firing"\}/;
      const emptyNow = async (): Promise<string[]> => {
        // Up to now, as a dashboard shows it: Rule records the run's last seconds after the run.
        const end = Math.ceil(Date.now() / 1000);
        const start = Math.floor(startedAt) - 60;
        const empty: string[] = [];
        for (const { where, expr } of queries) {
          // The one run is both sides of the before/after panels.
          const concrete = substituteVariables(
            expr
              .replace(/\$\{?(testid|baseline|pooled)\}?/g, testid)
              .replace(/\$__range/g, `${end - start}s`)
              .replace(/\$__rate_interval/g, '1m'),
          );
          const rows = await query.queryRange(concrete, start, end, 15).catch((err: Error) => assert.fail(`${where}: ${err.message} in ${concrete}`));
          if (rows.length === 0 && !cannotHaveData.test(concrete)) empty.push(`${where}: ${concrete}`);
        }
        return empty;
      };
      // On a starved machine Query can miss its receivers' health checks and answer without them
      // (a partial, here empty, answer) until the next check: ask again for up to a minute.
      let empty = await emptyNow();
      const until = Date.now() + 60_000;
      while (empty.length > 0 && Date.now() < until) {
        await sleep(2_000);
        empty = await emptyNow();
      }
      const stores = empty.length > 0 ? JSON.stringify(await query.api('stores')) : '';
      assert.deepEqual(empty, [], `queries without data through Thanos Query (its stores: ${stores}):\n${empty.join('\n')}`);
    });

    it('alerts go from Thanos Rule through Alertmanager to the sink: payment stopped, then back', async () => {
      const sink = state.services.find((s) => s.name === 'notification-sink');
      assert.ok(sink);
      const sinkUrl = new URL(sink.healthUrl).origin;
      const notified = async (status: 'firing' | 'resolved', since: number): Promise<ReceivedNotification | undefined> =>
        ((await (await fetch(`${sinkUrl}/alerts`)).json()) as ReceivedNotification[]).find(
          (n) => Date.parse(n.receivedAt) >= since && n.payload.alerts.some((a) => a.labels.alertname === 'GrpcBackendDown' && a.status === status),
        );
      const waitNotified = async (status: 'firing' | 'resolved', since: number): Promise<ReceivedNotification> => {
        const until = Date.now() + 180_000;
        while (Date.now() < until) {
          const n = await notified(status, since);
          if (n) return n;
          await sleep(1_000);
        }
        assert.fail(`no ${status} GrpcBackendDown notification within 180 s`);
      };
      const fault = (...args: string[]): void => {
        const r = runEntry('demo/fault.ts', args);
        assert.equal(r.status, 0, r.output);
      };
      const stoppedAt = Date.now();
      fault('payment', 'down');
      const firing = await waitNotified('firing', stoppedAt);
      const alert = firing.payload.alerts.find((a) => a.labels.alertname === 'GrpcBackendDown');
      assert.equal(alert?.labels.service, 'payment-service');
      // Thanos Rule, not Prometheus (which loads no rules here), sent it: its alerts link back to Query.
      assert.match(alert?.generatorURL ?? '', new RegExp(`^${state.scaleOut?.queryUrl ?? 'none'}/`));
      timings.push(`payment stopped -> GrpcBackendDown delivered: ${((Date.parse(firing.receivedAt) - stoppedAt) / 1000).toFixed(1)} s`);
      const upAt = Date.now();
      fault('payment', 'up');
      const resolved = await waitNotified('resolved', upAt);
      timings.push(`payment up -> resolved GrpcBackendDown delivered: ${((Date.parse(resolved.receivedAt) - upAt) / 1000).toFixed(1)} s`);
    });

    it('stack:up without --scale-out stops the store and gives the rules back to Prometheus', async () => {
      const up = runEntry('scripts/stack/up.ts', ['--native', '--demo', '--no-generate']);
      assert.equal(up.status, 0, up.output);
      const ring = state.services.filter((s) => s.name.startsWith('thanos-'));
      assert.equal(ring.length, 6, ring.map((s) => s.name).join(', '));
      for (const service of ring) {
        // The receiver killed mid-run is gone already; every other one is stopped now.
        if (service.name !== victim) assert.match(up.output, new RegExp(`${service.name} \\(pid ${service.pid}\\) stopped: stack:up without --scale-out`));
        assert.equal(isAlive(service.pid), false, `${service.name} still runs`);
      }
      const after = JSON.parse(readFileSync(join(stateDir, 'stack.json'), 'utf8')) as StackState;
      assert.equal(after.scaleOut, undefined);
      assert.deepEqual(after.services.filter((s) => s.name.startsWith('thanos-')), []);
      assert.equal(existsSync(join(stateDir, 'scale-out.json')), false, 'load tests go back to Prometheus');
      // Prometheus kept its process and reloaded its config (SIGHUP): its rules are back.
      const prometheus = after.services.find((s) => s.name === 'prometheus');
      assert.ok(prometheus);
      const promUrl = new URL(prometheus.healthUrl).origin;
      const until = Date.now() + 30_000;
      let groups = 0;
      while (Date.now() < until && groups === 0) {
        groups = ((await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: unknown[] } }).data.groups.length;
        if (groups === 0) await sleep(500);
      }
      if (groups === 0) {
        const metrics = await (await fetch(`${promUrl}/metrics`)).text();
        const reload = /^prometheus_config_last_reload_successful \S+$/m.exec(metrics)?.[0];
        const config = readFileSync(join(stateDir, 'prometheus.yml'), 'utf8');
        const log = readFileSync(join(stateDir, 'logs', 'prometheus.log'), 'utf8').split('\n').slice(-8).join('\n');
        assert.fail(`Prometheus evaluates no rules after stack:up without --scale-out (${reload}; rule_files in its config: ${/rule_files/.test(config)}):\n${up.output}\n${log}`);
      }
    });
  });
}
