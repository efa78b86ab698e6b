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
import { countingQueries, runTotal, summaryCount as count } from '../support/run-totals.ts';
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

describe('one test across 3 k6 instances (execution segments) vs the same load from one', () => {
  let prom: TestPrometheus;
  let demo: DemoProcess;
  const stamp = Date.now();
  const singleId = `instances-1-${stamp}`;
  const splitId = `instances-3-${stamp}`;
  const refusedId = `instances-refused-${stamp}`;
  let refused: { code: number | null; stdout: string; stderr: string };
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
    // Every push refused (a path Prometheus does not serve): the instances still run and merge.
    refused = await runNode('scripts/loadtest.ts', ['e2e', '--profile', 'smoke', '--harness', '--testid', refusedId, '--base-url', demo.baseUrl, '--remote-write', `${prom.url}/api/v1/no-such-receiver`, '--query-url', prom.url, '--instances', '2', '--', '--vus', '2', '--iterations', '2']);
    single = await readSummary(singleId);
    merged = await readSummary(splitId);
    parts = await Promise.all(['k6-1', 'k6-2', 'k6-3'].map((id) => readSummary(splitId, 'instances', id)));
  });
  after(async () => {
    await demo?.stop();
    await prom?.stop();
    for (const id of [singleId, splitId, refusedId]) await rm(join(repo, 'results', id), { recursive: true, force: true });
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
    const counting = await countingQueries();
    const metrics = new Set(counting.map((q) => q.summaryMetric));
    assert.ok(metrics.has('http_reqs') && metrics.has(k6Custom.fullFlowSuccess), JSON.stringify([...metrics]));
    for (const q of counting) {
      const split = await runTotal(prom, q.expr, splitId, endedAt);
      assert.equal(split, parts.reduce((s, p) => s + count(p, q.summaryMetric), 0), `${q.title}: ${q.expr}`);
      assert.equal(split, count(merged, q.summaryMetric), q.title);
      assert.equal(await runTotal(prom, q.expr, singleId, endedAt), count(single, q.summaryMetric), q.title);
    }
    // Flows: the same 12 from one instance or three.
    const flows = counting.find((q) => q.summaryMetric === k6Custom.fullFlowSuccess);
    assert.ok(flows);
    assert.equal(await runTotal(prom, flows.expr, splitId, endedAt), await runTotal(prom, flows.expr, singleId, endedAt));
    // Requests: the same from one instance or three (3 VUs either way, each registering its own
    // account: vu.idInTest numbers the VUs across the instances, so no two share a user).
    const requests = counting.find((q) => q.summaryMetric === 'http_reqs');
    assert.ok(requests);
    assert.equal(await runTotal(prom, requests.expr, splitId, endedAt), await runTotal(prom, requests.expr, singleId, endedAt));
  });

  it("an instance's failed pushes fail the run, its merged summary marked", async () => {
    // 3 (remote write failed), or 99 when a latency target was crossed too (that code wins, as for a single run).
    assert.ok(refused.code === 3 || refused.code === 99, `exit ${refused.code}\n${refused.stdout}\n${refused.stderr}`);
    assert.match(refused.stderr, /loadtest: remote write FAILED: pushes to .* failed in instance\(s\) k6-1, k6-2/);
    assert.match(refused.stderr, /remote-write push\(es\) failed, the first: .*HTTP 404/);
    const marked = await readSummary(refusedId);
    assert.equal(marked.remoteWrite?.ok, false);
    assert.match(marked.remoteWrite?.detail ?? '', /failed in instance\(s\) k6-1, k6-2/);
    assert.equal(count(marked, 'iterations'), 2, 'the instances ran and merged');
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
