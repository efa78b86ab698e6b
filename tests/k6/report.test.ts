/**
 * The before/after comparison's regression rule on hand-made summaries (the real runs are in
 * baseline-vs-pooled.test.ts): the tolerance edge, and a metric the pooled run lost entirely.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareRuns, renderComparison } from '../../scripts/lib/report.ts';
import { k6Custom } from '../../contract/metrics.ts';
import { syntheticSummary } from './support/summaries.ts';
import type { MetricSummary, RunSummary } from '../../k6/lib/summary-format.ts';

const repo = join(import.meta.dirname, '../..');

/** A summary whose trends have the given p95s (ms), 10 samples each, and `failed` of 100 calls failed. */
function summary(testid: string, label: RunSummary['label'], p95: Record<string, number>, failed = 0): RunSummary {
  const trends = Object.fromEntries(Object.entries(p95).map(([metric, value]) => [metric, { p95: value }]));
  return syntheticSummary({ testid, label, trends, count: 10, calls: 100, failed });
}

describe('report: regressions', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'k6-report-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('flags a pooled p95 beyond baseline * (1 + tolerance), not one within it', () => {
    const base = summary('b', 'baseline', { [k6Custom.orderServiceLatency]: 100 });
    const within = compareRuns(base, summary('p', 'pooled', { [k6Custom.orderServiceLatency]: 104 }), 0.05);
    assert.deepEqual(within.regressions, []);
    const beyond = compareRuns(base, summary('p', 'pooled', { [k6Custom.orderServiceLatency]: 106 }), 0.05);
    assert.deepEqual(beyond.regressions, ['Order service: p95 106.0 ms pooled vs 100.0 ms baseline']);
    assert.match(renderComparison(compareRuns(base, base, 0.025)), /No regression \(latency tolerance 2\.5 %\)/);
  });

  it('flags a metric the baseline measured and the pooled run did not; ignores the reverse', () => {
    const base = summary('b', 'baseline', { [k6Custom.fullFlowDuration]: 300 });
    const lost = compareRuns(base, summary('p', 'pooled', { [k6Custom.orderServiceLatency]: 50 }));
    assert.deepEqual(lost.regressions, ['Full flow: p95 not measured pooled vs 300.0 ms baseline']);
    const order = lost.rows.find((r) => r.key === 'orderService');
    assert.deepEqual([order?.baselineP95Ms, order?.pooledP95Ms, order?.speedup, order?.regression], [null, 50, null, false]);
  });

  it('flags a pooled error rate at or above the SLO that is worse than the baseline: failing fast is no speed-up', () => {
    const order = (ms: number) => ({ [k6Custom.orderServiceLatency]: ms });
    const failing = compareRuns(summary('b', 'baseline', order(100), 0), summary('p', 'pooled', order(5), 40));
    assert.deepEqual(failing.errorRate, { baseline: 0, pooled: 0.4 });
    assert.deepEqual(failing.regressions, ['Error rate: 40.00 % pooled vs 0.00 % baseline (target < 1.00 %)']);
    // Below the SLO, or no worse than a baseline that failed as much: not a regression of the pool.
    assert.deepEqual(compareRuns(summary('b', 'baseline', order(100), 0), summary('p', 'pooled', order(50), 0)).regressions, []);
    assert.deepEqual(compareRuns(summary('b', 'baseline', order(100), 40), summary('p', 'pooled', order(50), 40)).regressions, []);
  });

  it('npm run report exits 1 when the pooled run lost a measured metric', async () => {
    const write = async (s: RunSummary): Promise<void> => {
      await mkdir(join(dir, s.testid), { recursive: true });
      await writeFile(join(dir, s.testid, 'summary.json'), JSON.stringify(s));
    };
    await write(summary('before', 'baseline', { [k6Custom.fullFlowDuration]: 300, [k6Custom.orderServiceLatency]: 100 }));
    await write(summary('after', 'pooled', { [k6Custom.orderServiceLatency]: 40 }));
    const out = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'scripts/report.ts'), 'before', 'after', '--results', dir], { encoding: 'utf8', cwd: repo });
    assert.equal(out.status, 1, out.stderr);
    assert.match(out.stdout, /\| Order service \| 100\.0 ms \| 40\.0 ms \| 2\.50x \|/);
    assert.match(out.stdout, /REGRESSION[^]*Full flow: p95 not measured pooled vs 300\.0 ms baseline/);
    // A metric without samples is "not evaluated", never a pass.
    assert.match(out.stdout, /\| Full flow \| 300\.0 ms \| no data \| n\/a \| < \d+ ms \| not evaluated \|/);
  });

  it('lists each run\'s failing checks and steps, and a failed remote write', () => {
    const pooled: RunSummary = {
      ...summary('p', 'pooled', { [k6Custom.orderServiceLatency]: 50 }),
      failingChecks: [{ group: '::verify', check: 'GET /orders/:id → 404 {"error":"order not found"}', step: 'GET /orders/:id', status: 404, fails: 12, passes: 0 }],
      remoteWrite: { ok: false, detail: 'Prometheus has no k6_http_reqs_total series for testid p' },
    };
    const c = compareRuns(summary('b', 'baseline', { [k6Custom.orderServiceLatency]: 100 }), pooled);
    assert.equal(c.failingChecks.pooled.length, 1);
    const text = renderComparison(c);
    assert.match(text, /Failing checks \(baseline\): none\./);
    assert.match(text, /Failing checks \(pooled\):\n {2}- GET \/orders\/:id → 404 \{"error":"order not found"\}: failed 12, passed 0 \(group verify\)/);
    assert.match(text, /Remote write FAILED for the pooled run: Prometheus has no k6_http_reqs_total series/);
  });
});
