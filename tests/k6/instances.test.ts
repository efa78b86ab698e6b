/**
 * `npm run loadtest -- e2e --instances 3 --harness`: one test as three processes, each its k6
 * execution segment, writing one testid into a real Prometheus, against the demo shop. The same
 * load (shared-iterations: `-- --vus 3 --iterations 12`, so totals are deterministic) from one
 * instance is the reference: the dashboards' count queries give the sum of the three instance
 * summaries, the merged summary, and the single run's totals; `npm run report` compares the two.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startDemoProcess, type DemoProcess } from '../../tools/demo-process.ts';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.ts';
import { dashboardFileQueries } from '../support/dashboard-queries.ts';
import { k6Custom, k6Remote } from '../../contract/metrics.ts';
import type { RunSummary } from '../../k6/lib/summary-format.ts';
import type { Comparison } from '../../scripts/lib/report.ts';

const repo = join(import.meta.dirname, '../..');
const VUS = 3;
const ITERATIONS = 12;

function runNode(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repo, script), ...args], { cwd: repo, env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const readSummary = async (...path: string[]): Promise<RunSummary> => JSON.parse(await readFile(join(repo, 'results', ...path, 'summary.json'), 'utf8')) as RunSummary;
const count = (s: RunSummary, metric: string): number => s.metrics[metric]?.values.count ?? NaN;

describe('one test across 3 k6 instances (execution segments) vs the same load from one', () => {
  let prom: TestPrometheus;
  let demo: DemoProcess;
  const stamp = Date.now();
  const singleId = `instances-1-${stamp}`;
  const splitId = `instances-3-${stamp}`;
  let single: RunSummary;
  let merged: RunSummary;
  let parts: RunSummary[];
  let endedAt = 0;

  before(async () => {
    prom = await startPrometheus();
    demo = await startDemoProcess({ poolMode: 'pooled' });
    const load = (testid: string, ...extra: string[]) =>
      runNode('scripts/loadtest.ts', ['e2e', '--profile', 'smoke', '--harness', '--testid', testid, '--base-url', demo.baseUrl, '--remote-write', `${prom.url}/api/v1/write`, ...extra, '--', '--vus', String(VUS), '--iterations', String(ITERATIONS)]);
    for (const [testid, extra] of [[singleId, []], [splitId, ['--instances', '3']]] as const) {
      const out = await load(testid, ...extra);
      // Exit 0 or 99 (a latency target crossed on a busy machine); anything else did not run.
      assert.ok(out.code === 0 || out.code === 99, `loadtest ${testid} exited ${out.code}\n${out.stdout}\n${out.stderr}`);
    }
    endedAt = Date.now() / 1000;
    single = await readSummary(singleId);
    merged = await readSummary(splitId);
    parts = await Promise.all(['k6-1', 'k6-2', 'k6-3'].map((id) => readSummary(splitId, 'instances', id)));
  });
  after(async () => {
    await demo?.stop();
    await prom?.stop();
    for (const id of [singleId, splitId]) await rm(join(repo, 'results', id), { recursive: true, force: true });
  });

  it('splits the iterations as k6 does (1 VU and 4 iterations each) and merges the summaries', () => {
    assert.deepEqual(parts.map((p) => p.instance), ['k6-1', 'k6-2', 'k6-3']);
    assert.deepEqual(parts.map((p) => count(p, 'iterations')), [4, 4, 4]);
    assert.deepEqual(parts.map((p) => p.metrics.vus_max?.values.value), [1, 1, 1]);
    assert.deepEqual(merged.merged?.instances, ['k6-1', 'k6-2', 'k6-3']);
    assert.equal(count(merged, 'iterations'), ITERATIONS);
    assert.equal(count(single, 'iterations'), ITERATIONS);
    for (const metric of ['http_reqs', k6Custom.fullFlowSuccess, k6Custom.fullFlowFailure, k6Custom.fullFlowDuration]) {
      assert.equal(count(merged, metric), parts.reduce((s, p) => s + count(p, metric), 0), metric);
    }
    assert.equal(merged.metrics.checks?.values.rate, 1);
    assert.equal(count(merged, k6Custom.fullFlowSuccess) + count(merged, k6Custom.fullFlowFailure), ITERATIONS);
  });

  it('stores the run as one testid from 3 instances', async () => {
    const instances = await prom.query(`count by (instance) (${k6Remote.counter('http_reqs')}{testid="${splitId}"})`, endedAt);
    assert.deepEqual(instances.map((r) => r.metric.instance).sort(), ['k6-1', 'k6-2', 'k6-3']);
    const none = await prom.query(`count(${k6Remote.counter('http_reqs')}{testid="${singleId}", instance!=""})`, endedAt);
    assert.deepEqual(none, [], 'a single-instance run carries no instance label');
  });

  it("the dashboards' count queries give the instances' sum and the single run's totals", async () => {
    const files = ['grpc-pool-loadtest.json', 'grpc-pool-overview.json'].map((f) => join(repo, 'monitoring/grafana/dashboards', f));
    const queries = (await Promise.all(files.map(dashboardFileQueries))).flat();
    // Whole-run counts: a counter's increase over $__range. increase() extrapolates to the window
    // edges, so for exact totals the test reads the counter's last value through the same
    // aggregation and selector: what is checked is how the query combines the instances.
    const counting = queries.filter((q) => /^sum by \([^)]*\) \(increase\(k6_\w+_total\{[^}]*\}\[\$__range\]\)\)$/.test(q.expr));
    const metrics = new Set(counting.map((q) => /increase\((k6_\w+_total)/.exec(q.expr)?.[1]));
    assert.ok(metrics.has(k6Remote.counter('http_reqs')) && metrics.has(k6Remote.counter(k6Custom.fullFlowSuccess)), JSON.stringify([...metrics]));
    const total = async (expr: string, testid: string, extra = ''): Promise<number> => {
      const promql = expr
        .replace(/increase\((k6_\w+_total)\{([^}]*)\}\[\$__range\]\)/, `max_over_time($1{$2${extra}}[10m])`)
        .replaceAll('$testid', testid);
      const rows = await prom.query(promql, endedAt);
      return rows.reduce((s, r) => s + Number(r.value?.[1]), 0);
    };
    const summaryName: Record<string, string> = { [k6Remote.counter('http_reqs')]: 'http_reqs', [k6Remote.counter(k6Custom.fullFlowSuccess)]: k6Custom.fullFlowSuccess };
    for (const q of counting) {
      const metric = /increase\((k6_\w+_total)/.exec(q.expr)?.[1] ?? '';
      const name = summaryName[metric];
      if (name === undefined) continue;
      const split = await total(q.expr, splitId);
      assert.equal(split, parts.reduce((s, p) => s + count(p, name), 0), `${q.title}: ${q.expr}`);
      assert.equal(split, count(merged, name), q.title);
      assert.equal(await total(q.expr, singleId), count(single, name), q.title);
    }
    // Flows: the same 12 from one instance or three.
    const flows = counting.find((q) => q.expr.includes(k6Remote.counter(k6Custom.fullFlowSuccess)));
    assert.ok(flows);
    assert.equal(await total(flows.expr, splitId), await total(flows.expr, singleId));
    // Requests: the same from one instance or three (3 VUs either way, each registering its own
    // account: vu.idInTest numbers the VUs across the instances, so no two share a user).
    const requests = counting.find((q) => q.expr.includes(k6Remote.counter('http_reqs')));
    assert.ok(requests);
    assert.equal(await total(requests.expr, splitId), await total(requests.expr, singleId));
  });

  it('npm run report compares the 3-instance run with the single one', async () => {
    const out = await runNode('scripts/report.ts', [singleId, splitId, '--json']);
    assert.ok(out.code === 0 || out.code === 1, out.stderr);
    const comparison = JSON.parse(out.stdout) as Comparison;
    assert.equal(comparison.pooled.testid, splitId);
    const flowRow = comparison.rows.find((r) => r.metric === k6Custom.fullFlowDuration);
    assert.equal(flowRow?.pooledP95Ms, merged.metrics[k6Custom.fullFlowDuration]?.values['p(95)']);
    assert.equal(flowRow?.baselineP95Ms, single.metrics[k6Custom.fullFlowDuration]?.values['p(95)']);
    const md = await readFile(join(repo, 'results', splitId, 'summary.md'), 'utf8');
    assert.match(md, /Merged from 3 k6 instances \(k6-1, k6-2, k6-3\)/);
  });
});
