/**
 * The test harness itself: k6 semantics the suite relies on, run through real HTTP against a tiny
 * local server, plus its clear errors. (The harness is a test tool; docs/k6.md lists its limits.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHarness } from '../../tools/k6-harness/index.ts';
import { TrendSink } from '../../tools/k6-harness/sinks.ts';
import { MetricsStore } from '../../tools/k6-harness/metrics-store.ts';
import { parseThresholds } from '../../tools/k6-harness/thresholds.ts';
import { assertThresholdsEvaluated } from './support/thresholds.ts';
import { peakVus, plansFromOptions, targetVus } from '../../tools/k6-harness/scenarios.ts';
import { remoteName } from '../../tools/k6-harness/remote-output.ts';

const fixtures = join(import.meta.dirname, 'fixtures');

describe('k6 harness semantics', () => {
  let server: Server;
  let baseUrl = '';
  let dir = '';
  const seen: string[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'k6-harness-test-'));
    // The fixture's handleSummary writes out/summary.json; k6 would not create out/.
    await mkdir(join(dir, 'out'));
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${body}`);
        const hello = /^\/hello\/(\d+)$/.exec(req.url ?? '');
        if (req.url === '/token') res.end(JSON.stringify({ token: 'tok-1' }));
        else if (hello) res.end(`hello ${hello[1]} ${(req.headers.authorization ?? '').replace('Bearer ', '')}`);
        else if (req.url === '/teardown') res.end('bye');
        else res.writeHead(404).end('nope');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    assert.ok(address && typeof address === 'object');
    baseUrl = `http://127.0.0.1:${address.port}`;
  });
  after(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs setup, ramping and per-VU scenarios, checks, groups, custom metrics, teardown and handleSummary', async () => {
    const result = await runHarness({ script: join(fixtures, 'semantics.ts'), env: { BASE_URL: baseUrl }, testid: 'semantics', cwd: dir, print: false });
    assert.deepEqual(result.iterationErrors, []);
    // Function thresholds pass; the p(95) ones are evaluated, not required (that would be speed).
    assertThresholdsEvaluated(result);
    const m = result.data.metrics;
    // setup ran once with __VU 0 and its JSON data reached the VUs (token in the hello answers).
    assert.equal(seen.filter((s) => s.startsWith('POST /token')).length, 1);
    assert.ok(seen.includes('POST /token {"vu":0}'));
    assert.equal(seen.filter((s) => s.startsWith('POST /teardown tok-1')).length, 1);
    // per-vu-iterations: exactly 3 iterations of fixed(); the ramp ran at least one of default().
    const fixedHits = 3;
    const hits = m.fixture_hits?.values.count ?? 0;
    assert.ok(hits > fixedHits, `hits ${hits}`);
    assert.equal(m.iterations?.values.count, hits);
    assert.equal(m.fixture_plain?.values.avg, 7);
    assert.equal(m.checks?.values.rate, 1);
    assert.equal(m.fixture_ok?.values.rate, 1);
    // Expected 404 is not a failed request; every request was counted.
    assert.equal(m.http_req_failed?.values.rate, 0);
    assert.equal(m.http_reqs?.values.count, seen.length);
    // The thresholded submetric is reported under its own key.
    // Evaluated on the submetric's own p(95) (not required to pass: that would be speed).
    const hello = m['http_req_duration{name:GET /hello}'];
    assert.equal(hello?.thresholds?.['p(95)<1000']?.ok, (hello?.values['p(95)'] ?? NaN) < 1000);
    assert.equal(m['http_req_duration{name:GET /hello}']?.values.count, (hits - fixedHits));
    assert.equal(m['http_req_duration{url:GET /hello}']?.values.count, (hits - fixedHits));
    // Every default() and fixed() iteration asked for /missing once (404).
    assert.equal(m['http_reqs{error_code:1404}']?.values.count, hits);
    assert.equal(m['iterations{scenario_kind:fixed}']?.values.count, fixedHits);
    assert.equal(m['http_reqs{scenario_kind:fixed}']?.values.count, fixedHits);
    // fixed()'s three requests without a response callback have no http_req_failed sample.
    const failedSamples = (m.http_req_failed?.values.passes ?? 0) + (m.http_req_failed?.values.fails ?? 0);
    assert.equal(failedSamples, (m.http_reqs?.values.count ?? 0) - fixedHits);
    assert.equal(m.fixture_time?.contains, 'time');
    assert.equal(m.vus_max?.values.value, 3);
    // handleSummary's map: files under cwd, stdout returned.
    assert.equal(result.stdout, `hits=${hits}\n`);
    const written = JSON.parse(await readFile(join(dir, 'out/summary.json'), 'utf8')) as { metrics: Record<string, unknown> };
    assert.ok(written.metrics.fixture_hits);
  });

  it('fails the run when a threshold is crossed', async () => {
    const result = await runHarness({ script: join(fixtures, 'semantics.ts'), env: { BASE_URL: baseUrl, FAIL_THRESHOLD: '1' }, cwd: dir, print: false });
    assert.equal(result.passed, false);
    assert.deepEqual(
      result.thresholds.filter((t) => !t.ok).map((t) => `${t.key} ${t.expression}`),
      ['checks rate<0'],
    );
  });

  it('runs the iterations shortcut as shared-iterations: that many iterations in total, not per VU, each numbered once', async () => {
    const result = await runHarness({ script: join(fixtures, 'shared-iterations.ts'), cwd: dir, print: false });
    assert.deepEqual(result.iterationErrors, []);
    assert.equal(result.data.metrics.iterations?.values.count, 5);
    assert.equal(result.data.metrics.vus_max?.values.value, 2);
    // exec.scenario.iterationInTest numbers the five iterations 0..4, once each, across both VUs.
    assert.equal(result.passed, true, JSON.stringify(result.thresholds));
    assert.equal(result.thresholds.length, 5);
    assert.equal(result.data.metrics.checks?.values.rate, 1);
  });

  it('refuses k6 modules it does not implement and Node built-ins, and reports init errors with their message', async () => {
    await assert.rejects(runHarness({ script: join(fixtures, 'unknown-module.ts'), print: false }), /does not implement k6\/ws/);
    await assert.rejects(runHarness({ script: join(fixtures, 'node-builtin.ts'), print: false }), /node:fs \(imported by .*node-builtin\.ts\) is a Node built-in: k6 has none/);
    await assert.rejects(runHarness({ script: join(fixtures, 'init-error.ts'), env: { BROKEN: 'yes' }, print: false }), /init context.*init failed on purpose: yes/s);
  });

  it('fails where k6 fails: extensionless local imports, Node/browser globals, metric names, a missing summary folder', async () => {
    await assert.rejects(
      runHarness({ script: join(fixtures, 'extensionless-import.ts'), print: false }),
      /\.\/lib\/greeting \(imported by .*extensionless-import\.ts\): k6 reads .*lib\/greeting exactly as written/,
    );
    await assert.rejects(runHarness({ script: join(fixtures, 'node-global.ts'), print: false }), /init context.*URL is not defined \(k6 has no such global/s);
    await assert.rejects(runHarness({ script: join(fixtures, 'bad-metric-name.ts'), print: false }), /Invalid metric name "pool-time-saved"/);
    await assert.rejects(runHarness({ script: join(fixtures, 'bad-metric-name.ts'), env: { METRIC_NAME: 'x' }, print: false }), /Invalid metric name "x"/);
    const ok = await runHarness({ script: join(fixtures, 'bad-metric-name.ts'), env: { METRIC_NAME: 'pool_time_saved' }, print: false });
    assert.equal(ok.data.metrics.pool_time_saved?.values.count, 1);
    const cwd = await mkdtemp(join(tmpdir(), 'k6-harness-nofolder-'));
    try {
      await assert.rejects(
        runHarness({ script: join(fixtures, 'summary-to-missing-folder.ts'), cwd, print: false }),
        /failed to handle the end-of-test summary: could not open 'results\/never-created\/summary\.json'/,
      );
      await mkdir(join(cwd, 'results/never-created'), { recursive: true });
      const written = await runHarness({ script: join(fixtures, 'summary-to-missing-folder.ts'), cwd, print: false });
      assert.deepEqual(written.files, [join(cwd, 'results/never-created/summary.json')]);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it('computes percentiles, thresholds, ramps and names as k6 does', () => {
    const trend = new TrendSink();
    for (const v of [10, 20, 30, 40]) trend.add(v);
    // k6: linear interpolation at pct * (n - 1): p(95) of 10..40 = 30 + 0.85 * 10.
    assert.equal(trend.stat('p(95)'), 38.5);
    assert.equal(trend.stat('med'), 25);
    const types = new Map([['a', 'trend' as const], ['r', 'rate' as const]]);
    assert.throws(() => parseThresholds({ a: ['rate<1'] }, types), /rate does not apply to a trend/);
    assert.throws(() => parseThresholds({ b: ['avg<1'] }, types), /no metric "b"/);
    assert.throws(() => parseThresholds({ a: ['p95<1'] }, types), /is not like/);
    // k6 has no `count` aggregation for trends (only avg, min, max, med, p(N)).
    assert.throws(() => parseThresholds({ a: ['count>0'] }, types), /count does not apply to a trend/);
    // A Rate without samples has no rate in k6, and its thresholds pass; an empty trend reports 0s.
    const store = new MetricsStore();
    store.define({ name: 'r', type: 'rate', contains: 'default' });
    store.define({ name: 't', type: 'trend', contains: 'time' });
    store.setThresholds({ r: ['rate>0.99'], t: ['avg>1'] });
    assert.deepEqual(store.evaluate(1_000).map((r) => `${r.key} ${r.expression} ${r.ok}`), ['r rate>0.99 true', 't avg>1 false']);
    store.add({ metric: 'r', value: 0, tags: {}, time: 0 });
    assert.equal(store.evaluate(1_000)[0]?.ok, false);
    const [plan] = plansFromOptions({ scenarios: { s: { executor: 'ramping-vus', startVUs: 0, stages: [{ duration: '10s', target: 10 }, { duration: '10s', target: 0 }] } } });
    assert.ok(plan);
    assert.equal(targetVus(plan, 0), 0);
    assert.equal(targetVus(plan, 5_000), 5);
    assert.equal(targetVus(plan, 15_000), 5);
    assert.equal(peakVus(plansFromOptions({ scenarios: { a: { executor: 'constant-vus', vus: 2, duration: '1s', gracefulStop: '0s' }, b: { executor: 'constant-vus', vus: 3, duration: '1s', startTime: '1s' } } })), 3);
    assert.throws(() => plansFromOptions({ scenarios: { x: { executor: 'externally-controlled' } } }), /not implemented by the harness/);
    // Shortcuts as k6 derives them: iterations (capped by duration) > duration > stages (starting at vus).
    const [shared] = plansFromOptions({ vus: 2, iterations: 5, duration: '3s' });
    assert.deepEqual([shared?.executor, shared?.maxVus, shared?.iterations, shared?.durationMs], ['shared-iterations', 2, 5, 3_000]);
    const [ramp] = plansFromOptions({ vus: 3, stages: [{ duration: '1s', target: 1 }] });
    assert.deepEqual([ramp?.executor, ramp?.startVus], ['ramping-vus', 3]);
    assert.equal(plansFromOptions({ vus: 4, duration: '1s' })[0]?.executor, 'constant-vus');
    assert.throws(() => plansFromOptions({ iterations: 1, scenarios: {} }), /`iterations` and `scenarios`/);
    assert.throws(() => plansFromOptions({ vus: 3, iterations: 2 }), /can't be less than the number of VUs/);
    assert.equal(remoteName({ name: 'http_req_duration', type: 'trend', contains: 'time' }), 'k6_http_req_duration_seconds');
    assert.equal(remoteName({ name: 'connection_pool_time_saved_ms', type: 'trend', contains: 'default' }), 'k6_connection_pool_time_saved_ms');
    assert.equal(remoteName({ name: 'data_sent', type: 'counter', contains: 'data' }), 'k6_data_sent_total');
    assert.equal(remoteName({ name: 'checks', type: 'rate', contains: 'default' }), 'k6_checks_rate');
    assert.equal(remoteName({ name: 'vus', type: 'gauge', contains: 'default' }), 'k6_vus');
  });
});
