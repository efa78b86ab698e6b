/**
 * The native-histogram path end to end, live: k6-shaped series (native histograms for the time
 * trends, floats for VUs, counters and rates) go into a real Prometheus by remote write; the
 * generated recording rules compute the quantiles (1s evaluation) and the generated alerts go
 * pending for the slow run and stay absent for the fast run (the promtool 3.5 unit tests in
 * monitoring/prometheus/tests/loadtest-native-histograms.test.yml cover the rules offline; this
 * covers remote write and live evaluation). With the same data, every dashboard query on k6 and
 * pool series returns data.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dashboards } from '../../monitoring/dashboards/index.ts';
import { speedUpExpr } from '../../monitoring/dashboards/overview.ts';
import { jobs } from '../../monitoring/config/stack.ts';
import { connectionStates, managerStatuses, poolStatuses } from '../../contract/pool-health.ts';
import { k6Custom, k6Remote, poolMetric } from '../../contract/metrics.ts';
import { latencyAlertNameOf } from '../../monitoring/rules/loadtest-alerts.ts';
import { latencyTargetKeys, recorded } from '../../monitoring/lib/recorded.ts';
import { trendHistogram } from '../../monitoring/lib/promql.ts';
import { defaultSlo, latencyTargetsOf } from '../../monitoring/config/slo-config.ts';
import type { LatencyTargetKey } from '../../monitoring/config/slo.ts';
import { NativeHistogram, remoteWrite, type FloatSample, type HistogramSample } from '../../tools/remote-write.ts';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.ts';
import { dashboardExpressions, repoRoot, substituteVariables } from './support.ts';

const SLOW = 'run-1';
const FAST = 'run-2';
const targets = latencyTargetsOf(defaultSlo);
/** Slow observations spread over 1.3-1.7x each target, fast ones over 0.2-0.6x. */
const spread = (run: string, i: number): number => (run === SLOW ? 1.3 : 0.2) + 0.4 * ((i % 20) / 19);

interface ApiAlert {
  labels: Record<string, string>;
  state: string;
}

/** Pushes one k6-like snapshot per second for both runs until stopped. */
class K6Feed {
  private readonly histograms = new Map<string, NativeHistogram>();
  private readonly counters = new Map<string, number>();
  private running = true;
  private readonly stopped = new Set<string>();
  private loop: Promise<void> | undefined;
  pushes = 0;
  constructor(private readonly url: string) {}

  private histogram(key: string): NativeHistogram {
    let h = this.histograms.get(key);
    if (!h) this.histograms.set(key, (h = new NativeHistogram()));
    return h;
  }

  private count(key: string, by: number): number {
    const value = (this.counters.get(key) ?? 0) + by;
    this.counters.set(key, value);
    return value;
  }

  private snapshot(now: number): { floats: FloatSample[]; histograms: HistogramSample[] } {
    const floats: FloatSample[] = [];
    const histograms: HistogramSample[] = [];
    const float = (labels: Record<string, string>, value: number) => floats.push({ labels, value, timestampMs: now });
    for (const run of [SLOW, FAST].filter((r) => !this.stopped.has(r))) {
      const tags = { testid: run, scenario: 'full_flow' };
      for (const key of latencyTargetKeys) {
        const name = trendHistogram(key);
        const h = this.histogram(`${name}/${run}`);
        for (let i = 0; i < 20; i++) h.observe((targets[key as LatencyTargetKey].p95Ms / 1000) * spread(run, i));
        histograms.push({ labels: { __name__: name, ...tags }, histogram: h, timestampMs: now });
      }
      const duration = this.histogram(`req/${run}`);
      const saved = this.histogram(`saved/${run}`);
      for (let i = 0; i < 20; i++) {
        duration.observe(0.01 * spread(run, i));
        saved.observe(run === SLOW ? 100 : 1200 + i);
      }
      histograms.push({ labels: { __name__: k6Remote.trendSeconds('http_req_duration'), ...tags, name: 'create order', method: 'POST', status: '201' }, histogram: duration, timestampMs: now });
      histograms.push({ labels: { __name__: k6Remote.trend(k6Custom.poolTimeSaved), ...tags }, histogram: saved, timestampMs: now });
      float({ __name__: k6Remote.gauge('vus'), testid: run }, 10);
      float({ __name__: k6Remote.counter('http_reqs'), ...tags, name: 'create order', method: 'POST', status: '201' }, this.count(`reqs/${run}`, 20));
      float({ __name__: k6Remote.counter('iterations'), ...tags }, this.count(`it/${run}`, 4));
      float({ __name__: k6Remote.counter(k6Custom.fullFlowSuccess), ...tags }, this.count(`ok/${run}`, run === SLOW ? 2 : 4));
      float({ __name__: k6Remote.counter(k6Custom.fullFlowFailure), ...tags }, this.count(`ko/${run}`, run === SLOW ? 2 : 0));
      float({ __name__: k6Remote.rate(k6Custom.errors), ...tags }, run === SLOW ? 0.2 : 0);
      float({ __name__: k6Remote.rate('http_req_failed'), ...tags }, run === SLOW ? 0.1 : 0);
      float({ __name__: k6Remote.rate('checks'), ...tags }, run === SLOW ? 0.8 : 1);
    }
    // Pool series as the probe job would scrape them, for the pool panels of the dashboards.
    for (const service of ['api-gateway', 'order-service']) {
      const target = { job: jobs.poolProbe, service, instance: service };
      const pool = { ...target, pool: 'payment-service' };
      connectionStates.forEach((state) => float({ __name__: poolMetric.connections, ...pool, state }, state === 'ready' ? 4 : state === 'transient_failure' ? 1 : 0));
      float({ __name__: poolMetric.size, ...pool }, 5);
      float({ __name__: poolMetric.healthyRatio, ...pool }, 0.8);
      poolStatuses.forEach((status) => float({ __name__: poolMetric.status, ...pool, status }, status === 'healthy' ? 1 : 0));
      managerStatuses.forEach((status) => float({ __name__: poolMetric.managerStatus, ...target, status }, status === 'healthy' ? 1 : 0));
      float({ __name__: poolMetric.probeSuccess, ...target }, 1);
      float({ __name__: poolMetric.probeDuration, ...target }, 0.004);
      float({ __name__: poolMetric.probeHttpStatus, ...target }, 200);
    }
    return { floats, histograms };
  }

  /** Stop sending a run's series, as when k6 exits: no staleness marker, the last values linger. */
  stopRun(run: string): void {
    this.stopped.add(run);
  }

  start(): void {
    this.loop = (async () => {
      while (this.running) {
        await remoteWrite(`${this.url}/api/v1/write`, this.snapshot(Date.now()));
        this.pushes += 1;
        await sleep(1000);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

describe('native-histogram latency alerts on a live Prometheus', () => {
  let prom: TestPrometheus;
  let feed: K6Feed;
  before(async () => {
    const rules = join(repoRoot, 'monitoring/prometheus/rules/*.yml');
    prom = await startPrometheus({ config: `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - ${rules}\n` });
    feed = new K6Feed(prom.url);
    feed.start();
  });
  after(async () => {
    await feed?.stop();
    await prom?.stop();
  });

  async function alerts(): Promise<ApiAlert[]> {
    return (await prom.api<{ alerts: ApiAlert[] }>('alerts')).alerts;
  }

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const value = await probe();
      if (value !== undefined) return value;
      await sleep(250);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${feed.pushes} pushes so far)`);
  }

  const expectedAlerts = [...latencyTargetKeys.map(latencyAlertNameOf), 'LoadTestErrorRateHigh', 'LoadTestChecksFailing'];

  test('slow run: every latency, error and checks alert goes pending or firing; fast run: none', async () => {
    const active = await waitFor('all load-test alerts of the slow run', async () => {
      const list = (await alerts()).filter((a) => a.labels.testid === SLOW && ['pending', 'firing'].includes(a.state));
      const names = new Set(list.map((a) => a.labels.alertname));
      return expectedAlerts.every((name) => names.has(name)) ? list : undefined;
    });
    assert.ok(active.every((a) => a.labels.severity !== undefined && a.labels.service !== undefined));
    const fastAlerts = (await alerts()).filter((a) => a.labels.testid === FAST);
    assert.deepEqual(fastAlerts.map((a) => a.labels.alertname), [], 'the fast run raised alerts');
  });

  test('the recorded p95 lies within the observed spread, on the right side of each target', async () => {
    for (const key of latencyTargetKeys) {
      const target = targets[key].p95Ms / 1000;
      const result = await prom.query(`${recorded.latencyQuantile(key, 0.95)}`);
      const byRun = new Map(result.map((s) => [s.metric.testid, Number(s.value?.[1])]));
      const slow = byRun.get(SLOW) ?? Number.NaN;
      const fast = byRun.get(FAST) ?? Number.NaN;
      // Observations: slow 1.3-1.7x, fast 0.2-0.6x the target; one schema-3 bucket is about 9 % wide.
      assert.ok(slow > 1.3 * target && slow < 1.7 * 1.1 * target, `${key}: slow p95 ${slow} for target ${target}`);
      assert.ok(fast > 0.2 * target && fast < 0.6 * 1.1 * target, `${key}: fast p95 ${fast} for target ${target}`);
    }
  });

  test('every k6 and pool query of the dashboards returns data for k6-shaped input', async () => {
    // ALERTS (firing needs a minute) and up (no scrape target here) have no data in this test.
    const expressions = dashboards()
      .flatMap(dashboardExpressions)
      .filter(({ expr }) => !expr.includes('ALERTS') && !/\bup\{/.test(expr));
    const empty: string[] = [];
    for (const { dashboard, where, expr } of expressions) {
      const query = substituteVariables(expr);
      const result = await prom.query(query);
      if (result.length === 0) empty.push(`${dashboard} ${where}: ${query}`);
    }
    assert.deepEqual(empty, []);
  });

  test('the overview measures the speed-up of the pooled run over the baseline run', async () => {
    // substituteVariables picks run-1 (slow) as baseline and run-2 (fast) as pooled.
    for (const key of latencyTargetKeys) {
      const result = await prom.query(substituteVariables(speedUpExpr(key)));
      const speedUp = Number(result[0]?.value?.[1]);
      // p95 of 1.3-1.7x over p95 of 0.2-0.6x the same target: about 1.7 / 0.6, within bucket width.
      assert.ok(speedUp > 2.3 && speedUp < 3.5, `${key}: speed-up ${speedUp}`);
    }
  });

  test('a run that stops pushing (k6 exited, last VU count 10) stops alerting', async () => {
    feed.stopRun(SLOW);
    await waitFor('the slow run alerts to clear', async () => {
      const list = (await alerts()).filter((a) => a.labels.testid === SLOW);
      return list.length === 0 ? true : undefined;
    });
    // The dashboards end the run too: raw k6_vus would still show it for Prometheus' 5m lookback.
    const runMarkers = dashboards()
      .flatMap(dashboardExpressions)
      .filter(({ where }) => where === 'annotation "Load test runs"' || where.startsWith('panel "Virtual users"'));
    assert.equal(runMarkers.length, 2, runMarkers.map((m) => m.where).join(', '));
    for (const { dashboard, where, expr } of runMarkers) {
      const runs = (await prom.query(substituteVariables(expr))).map((s) => s.metric.testid);
      assert.deepEqual(runs, [FAST], `${dashboard} ${where} (${expr})`);
    }
  });
});
