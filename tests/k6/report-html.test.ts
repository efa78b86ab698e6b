/**
 * `npm run report` writes the comparison as Markdown and as a self-contained HTML page with
 * charts beside the pooled run's summary; headless Chromium opens the page and the test reads
 * what is rendered: per metric p50/p95/p99 bars of both runs at the right lengths, the targets,
 * the speed-up and the failing checks, with no request leaving the page.
 * The example in docs/examples/report/ (two recorded runs) is regenerated and compared here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { k6TrendForTarget } from '../../monitoring/config/metrics.ts';
import { latencyTargets, slo } from '../../monitoring/config/slo.ts';
import { syntheticSummary } from './support/summaries.ts';
import type { MetricSummary, RunSummary, TargetRow } from '../../k6/lib/summary-format.ts';
import { renderPage } from '../support/chromium.ts';
import { checkExampleBlocks, checkExampleFile, updateExamples } from '../support/doc-examples.ts';

const repo = join(import.meta.dirname, '../..');
const RERUN = 'npm test -- report-html';

type Percentiles = [p50: number, p95: number, p99: number];

function summary(testid: string, label: RunSummary['label'], trends: Record<string, Percentiles>, targets: TargetRow[] = []): RunSummary {
  const values = Object.fromEntries(Object.entries(trends).map(([metric, [med, p95, p99]]) => [metric, { med, p95, p99 }]));
  return syntheticSummary({ testid, label, trends: values, count: 40, targets, durationMs: 30_000 });
}

function runReport(resultsDir: string, baseline: string, pooled: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'scripts/report.ts'), baseline, pooled, '--results', resultsDir], { encoding: 'utf8', cwd: repo });
}

describe('report: the HTML page with charts', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'report-html-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is written beside the Markdown and shows bars, targets, speed-ups and failing checks in Chromium', async () => {
    const baselineTrends: Record<string, Percentiles> = {
      [k6TrendForTarget.fullFlow]: [900, 1500, 1800],
      [k6TrendForTarget.apiGateway]: [100, 200, 260],
      [k6TrendForTarget.orderService]: [400, 800, 950],
      [k6TrendForTarget.paymentService]: [200, 400, 480],
      [k6TrendForTarget.login]: [500, 700, 760],
    };
    const pooledTrends: Record<string, Percentiles> = {
      [k6TrendForTarget.fullFlow]: [100, 150, 600],
      [k6TrendForTarget.apiGateway]: [10, 20, 30],
      [k6TrendForTarget.orderService]: [60, 100, 140],
      // The payment step misses its 100 ms target: the page must say so.
      [k6TrendForTarget.paymentService]: [70, 125, 160],
      [k6TrendForTarget.login]: [480, 650, 700],
    };
    const failing: TargetRow = { title: 'Payment service p(95)', metric: k6TrendForTarget.paymentService, stat: 'p(95)', op: '<', target: slo.paymentService.p95Ms, measured: 125, unit: 'ms', result: 'fail', pass: false };
    const passing: TargetRow = { title: 'Checks passing', metric: 'checks', stat: 'rate', op: '>', target: 0.99, measured: 1, unit: 'ratio', result: 'pass', pass: true };
    const unmeasured: TargetRow = { title: 'Successful flows', metric: 'full_flow_success', stat: 'count', op: '>=', target: 1, measured: null, unit: 'count', result: 'not evaluated', pass: false };
    const pooledSummary = summary('after', 'pooled', pooledTrends, [failing, passing, unmeasured]);
    pooledSummary.failingChecks = [{ group: '::verify', check: 'order is paid', step: 'GET /orders/:id', status: 404, fails: 3, passes: 37 }];
    for (const s of [summary('before', 'baseline', baselineTrends), pooledSummary]) {
      await mkdir(join(dir, s.testid), { recursive: true });
      await writeFile(join(dir, s.testid, 'summary.json'), JSON.stringify(s));
    }
    const out = runReport(dir, 'before', 'after');
    assert.equal(out.status, 0, out.stderr);
    const html = join(dir, 'after', 'report-vs-before.html');
    assert.equal(await readFile(join(dir, 'after', 'report-vs-before.md'), 'utf8'), out.stdout);
    assert.match(out.stderr, /report: wrote .*report-vs-before\.md and .*report-vs-before\.html/);

    const page = await renderPage(html, { width: 1000, selectors: ['h2', 'rect.bar.baseline', 'rect.bar.pooled', 'line.target', '#failures li', '#not-evaluated li', '#verdict'] });
    assert.deepEqual(page.externalRequests, []);
    assert.equal(page.svgCount, Object.keys(latencyTargets).length);
    assert.deepEqual(page.selected.h2, [
      'Full flow p95 speed-up 10.00x',
      'API gateway p95 speed-up 10.00x',
      'Order service p95 speed-up 8.00x',
      'Payment service p95 speed-up 3.20x',
      'Login p95 speed-up 1.08x',
      'Failing checks and thresholds',
      'Not evaluated',
    ]);
    // Bars in order: per metric p50, p95, p99; tooltips carry the measured numbers.
    const expectedTitles = (run: string, trends: Record<string, Percentiles>): string[] =>
      Object.values(k6TrendForTarget).flatMap((metric) => (trends[metric] ?? []).map((v, i) => `${run} ${['p50', 'p95', 'p99'][i]}: ${v.toFixed(1)} ms`));
    assert.deepEqual(page.selected['rect.bar.baseline'], expectedTitles('baseline', baselineTrends));
    assert.deepEqual(page.selected['rect.bar.pooled'], expectedTitles('pooled', pooledTrends));
    // Drawn lengths follow the numbers: within one chart, length / value is the same for every bar.
    const baseBoxes = page.boxes['rect.bar.baseline'] ?? [];
    const pooledBoxes = page.boxes['rect.bar.pooled'] ?? [];
    const fullFlowScale = (baseBoxes[1]?.width ?? 0) / 1500;
    assert.ok(fullFlowScale > 0);
    assert.ok(Math.abs((pooledBoxes[1]?.width ?? 0) - 150 * fullFlowScale) < 1.5, JSON.stringify(pooledBoxes.slice(0, 3)));
    assert.ok(Math.abs((baseBoxes[0]?.width ?? 0) - 900 * fullFlowScale) < 1.5);
    // Targets: p50/p95/p99 for the full flow, p95 for each step.
    assert.deepEqual(page.selected['line.target'], [
      `target p50 < ${slo.fullFlow.p50Ms} ms`,
      `target p95 < ${slo.fullFlow.p95Ms} ms`,
      `target p99 < ${slo.fullFlow.p99Ms} ms`,
      `target p95 < ${slo.apiGateway.p95Ms} ms`,
      `target p95 < ${slo.orderService.p95Ms} ms`,
      `target p95 < ${slo.paymentService.p95Ms} ms`,
      `target p95 < ${slo.login.p95Ms} ms`,
    ]);
    assert.deepEqual(page.selected['#failures li'], [
      `pooled after: Payment service p(95) 125.0 ms (target < ${slo.paymentService.p95Ms} ms)`,
      'pooled after: check "order is paid" (GET /orders/:id → 404) in ::verify failed 3 of 40',
    ]);
    assert.deepEqual(page.selected['#not-evaluated li'], ['pooled after: Successful flows (no sample)']);
    assert.match(page.selected['#verdict']?.[0] ?? '', /^No regression \(latency tolerance 5 %\)/);
    assert.match(page.text, /Order service[^]*p95\s+800\.0 ms\s+100\.0 ms\s+< 150 ms/);
  });

  it('lists regressions as failing checks and shows a metric the pooled run lost as not measured', async () => {
    const base = summary('b2', 'baseline', { [k6TrendForTarget.fullFlow]: [200, 300, 400], [k6TrendForTarget.orderService]: [40, 80, 100] });
    const pooled = summary('p2', 'pooled', { [k6TrendForTarget.orderService]: [20, 40, 50] });
    for (const s of [base, pooled]) {
      await mkdir(join(dir, s.testid), { recursive: true });
      await writeFile(join(dir, s.testid, 'summary.json'), JSON.stringify(s));
    }
    const out = runReport(dir, 'b2', 'p2');
    assert.equal(out.status, 1, out.stderr);
    const page = await renderPage(join(dir, 'p2', 'report-vs-b2.html'), { selectors: ['#failures li', '#verdict'] });
    assert.deepEqual(page.selected['#failures li'], ['Regression: Full flow: p95 not measured pooled vs 300.0 ms baseline']);
    assert.match(page.selected['#verdict']?.[0] ?? '', /^REGRESSION \(1\)/);
    assert.match(page.text, /pooled: not measured/);
  });

  it('docs/examples/report/ holds the page of the two recorded runs, as npm run report writes it', async () => {
    const source = join(repo, 'docs/examples/report');
    const copy = join(dir, 'example');
    await cp(source, copy, { recursive: true });
    const out = runReport(copy, 'example-baseline', 'example-pooled');
    assert.equal(out.status, 0, `${out.stdout}${out.stderr}`);
    for (const ext of ['md', 'html']) {
      const name = `example-pooled/report-vs-example-baseline.${ext}`;
      await checkExampleFile(`report/${name}`, await readFile(join(copy, name), 'utf8'), RERUN);
    }
    const markdown = await readFile(join(copy, 'example-pooled/report-vs-example-baseline.md'), 'utf8');
    await checkExampleBlocks('docs/notifications.md', { 'report.md': { lang: 'markdown', content: markdown } }, RERUN);
    const png = join(source, 'report.png');
    if (updateExamples || !existsSync(png)) {
      const page = await renderPage(join(copy, 'example-pooled/report-vs-example-baseline.html'), { width: 940 });
      await writeFile(png, page.screenshot);
    }
  });
});
