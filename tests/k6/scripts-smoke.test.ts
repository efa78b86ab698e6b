/**
 * Every k6 script `npm run loadtest` runs (scripts/lib/k6-command.ts `scenarios`), unchanged,
 * through the harness against the real demo shop (its own process, ports picked by the kernel),
 * PROFILE=smoke: every step passes its contract check, error/count targets pass, every threshold
 * is evaluated on a measured value, and the summary files say so. Speed thresholds (the
 * production SLO) are reported, not required to pass on the machine that runs the suite; a run
 * with latency injected by demo:fault crosses them deterministically (docs/testing.md). Also:
 * the scripts type-check against @types/k6.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { scenarios } from '../../scripts/lib/k6-command.ts';
import { runHarness } from '../../tools/k6-harness/index.ts';
import { startDemoProcess, type DemoProcess } from '../../tools/demo-process.ts';
import { k6Custom } from '../../contract/metrics.ts';
import { thinkSeconds } from '../../k6/lib/profiles.ts';
import type { TargetRow } from '../../k6/lib/summary-format.ts';
import { assertThresholdsEvaluated, verdict } from './support/thresholds.ts';
import { createResultsDir } from '../../scripts/lib/results-dir.ts';

const repo = join(import.meta.dirname, '../..');

describe('k6 scripts (smoke profile, through the harness, against the demo shop)', () => {
  let demo: DemoProcess;
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'k6-smoke-'));
    demo = await startDemoProcess({ poolMode: 'pooled' });
  });
  after(async () => {
    await demo?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('type-check against @types/k6 (tsc -p k6/tsconfig.json)', () => {
    const tsc = spawnSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(repo, 'k6/tsconfig.json'), '--noEmit'], { encoding: 'utf8' });
    assert.equal(tsc.status, 0, `${tsc.stdout}${tsc.stderr}`);
  });

  // Every scenario `npm run loadtest` knows, so a new one is smoke-tested without a change here.
  for (const script of Object.values(scenarios).map((path) => basename(path, '.ts'))) {
    it(`${script}: checks pass, every threshold is evaluated on a measured value`, async (t) => {
      const testid = `smoke-${script}-${Date.now()}`;
      createResultsDir(dir, testid);
      const result = await runHarness({ script: join(repo, 'k6', `${script}.ts`), env: { BASE_URL: demo.baseUrl }, profile: 'smoke', testid, cwd: dir, print: false });
      assert.deepEqual(result.iterationErrors, []);
      const report = assertThresholdsEvaluated(result);
      for (const line of report.lines) t.diagnostic(line);
      assert.ok(report.speed.length >= 3, 'latency thresholds are part of the run');
      const summary = result.summary;
      assert.ok(summary, 'handleSummary wrote results/<testid>/summary.json');
      assert.equal(summary.testid, testid);
      assert.equal(summary.passed, result.passed);
      assert.equal(summary.profile, 'smoke');
      // Every step of every flow passed its contract check; no step failed.
      assert.equal(summary.metrics.checks?.values.rate, 1);
      assert.equal(summary.metrics[k6Custom.errors]?.values.rate, 0);
      assert.deepEqual(summary.failingChecks, []);
      assert.equal(summary.metrics[k6Custom.failedRequests], undefined);
      const stepChecks = (result.data.root_group.groups.flatMap((g) => g.checks) ?? []).map((c) => c.name);
      for (const expected of ['POST /auth/login → 200', 'GET /products → 200', 'POST /cart → 200', 'POST /orders → 201', 'GET /orders/:id → 200']) {
        assert.ok(stepChecks.includes(expected), `${expected} in ${JSON.stringify(stepChecks)}`);
      }
      // Every target was measured. Latency targets depend on the machine's speed, so only the
      // others must pass here; the overall verdict must agree with the rows.
      assert.ok(summary.targets.length >= 5);
      for (const row of summary.targets) {
        assert.notEqual(row.measured, null, `${row.title} was measured`);
        assert.notEqual(row.result, 'not evaluated', row.title);
        assert.equal(row.result, verdict(row.measured ?? NaN, row.op, row.target) ? 'pass' : 'fail', `${row.title}: ${row.measured} ${row.op} ${row.target}`);
      }
      assert.equal(summary.passed, summary.targets.every((r) => r.result === 'pass'));
      assert.equal(result.passed, result.thresholds.every((t) => t.ok));
      // One row per threshold the run evaluated, with the value it was evaluated on.
      assert.equal(summary.targets.length, result.thresholds.length);
      for (const th of result.thresholds) {
        const row: TargetRow | undefined = summary.targets.find((r) => r.metric === th.key && `${r.stat}${r.op}${r.target}` === th.expression);
        assert.ok(row, `no summary row for ${th.key} ${th.expression}`);
        assert.equal(row.measured, th.measured, `${th.key} ${th.expression}`);
        assert.equal(row.pass, th.ok, `${th.key} ${th.expression}`);
      }
      // Login is timed on its own trend, not in the gateway's.
      const logins = stepChecks.filter((c) => c === 'POST /auth/login → 200').length;
      assert.ok(logins > 0 && (summary.metrics[k6Custom.loginDuration]?.values.count ?? 0) > 0);
      // No baseline given: no time-saved numbers at all (the seed made them up from 900 ms).
      assert.equal(summary.metrics[k6Custom.poolTimeSaved], undefined);
      assert.equal(summary.baselineTestid, null);
      const md = await readFile(join(dir, 'results', testid, 'summary.md'), 'utf8');
      assert.match(md, /\| What \| Target \| Measured \| Result \|/);
      assert.match(md, new RegExp(`Overall: \\*\\*${result.passed ? 'PASS' : 'FAIL'}\\*\\*`));
      assert.match(md, /No check failed\./);

      if (script === 'end-to-end-test') {
        const flow = summary.metrics[k6Custom.fullFlowDuration]?.values;
        const iteration = summary.metrics.iteration_duration?.values;
        assert.ok(flow && iteration && (flow.count ?? 0) > 0);
        // Five think pauses per flow (and the login) are NOT in full_flow_duration (the seed counted ~2.3 s of sleep).
        // A lower bound: a sleep never ends early, however busy the machine.
        const minThinkMs = 5 * thinkSeconds.smoke.min * 1000;
        assert.ok((iteration.avg ?? 0) - (flow.avg ?? 0) >= minThinkMs, `iteration ${iteration.avg} ms vs flow ${flow.avg} ms`);
        assert.equal(summary.metrics[k6Custom.fullFlowSuccess]?.values.count, flow.count);
        assert.equal(summary.metrics[k6Custom.fullFlowFailure]?.values.count, 0);
      }
    });
  }

  it('payment-processing-test with `demo:fault payment latency 400` crosses its payment latency threshold, and only speed fails', async (t) => {
    const injectedMs = 400;
    demo.fault('payment', 'latency', String(injectedMs));
    try {
      const testid = `smoke-slow-payment-${Date.now()}`;
      createResultsDir(dir, testid);
      const result = await runHarness({ script: join(repo, 'k6', 'payment-processing-test.ts'), env: { BASE_URL: demo.baseUrl }, profile: 'smoke', testid, cwd: dir, print: false });
      assert.deepEqual(result.iterationErrors, []);
      const report = assertThresholdsEvaluated(result);
      for (const line of report.lines) t.diagnostic(line);
      // Every payment RPC waits out the injected latency first: its p95 cannot be below it.
      const payment = result.thresholds.find((th) => th.key === k6Custom.paymentServiceLatency && th.expression.startsWith('p(95)<'));
      assert.ok(payment, 'the payment latency threshold was evaluated');
      assert.ok(payment.measured >= injectedMs, `payment p95 ${payment.measured} ms with ${injectedMs} ms injected`);
      assert.equal(payment.ok, false, 'the threshold is crossed');
      assert.equal(result.passed, false);
      assert.equal(result.summary?.passed, false);
      const row = result.summary?.targets.find((r) => r.metric === k6Custom.paymentServiceLatency && r.stat === 'p(95)');
      assert.equal(row?.result, 'fail');
      const md = await readFile(join(dir, 'results', testid, 'summary.md'), 'utf8');
      assert.match(md, /Overall: \*\*FAIL\*\*/);
      assert.match(md, /No check failed\./, 'slow, not broken: every step passed its check');
    } finally {
      demo.fault('payment', 'latency', '0');
    }
  });
});
