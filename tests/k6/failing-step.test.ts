/**
 * Flows that meet a broken step, through the harness against the demo shop in its own process:
 * (1) the real gateway's read-back defect switched on (GET /orders/:id answers 404), (2) the
 * payment backend stopped. Each run must still measure what happened before the broken step,
 * name the failing step with its status in summary.md, keep failed calls out of the latency
 * trends, and keep each VU's request rate bounded (back-off after a failed flow).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHarness, type HarnessResult } from '../../tools/k6-harness/index.ts';
import type { SummaryGroup } from '../../tools/k6-harness/metrics-store.ts';
import { startDemoProcess, type DemoProcess } from '../../tools/demo-process.ts';
import { k6Custom } from '../../contract/metrics.ts';
import { backoff } from '../../k6/lib/profiles.ts';
import { steps } from '../../k6/lib/contract.ts';
import type { TargetRow } from '../../k6/lib/summary-format.ts';
import { createResultsDir } from '../../scripts/lib/results-dir.ts';

const repo = join(import.meta.dirname, '../..');

/** passes of a check by exact name, over the whole group tree. */
function passesOf(root: SummaryGroup, name: string): number {
  const here = root.checks.filter((c) => c.name === name).reduce((sum, c) => sum + c.passes, 0);
  return here + root.groups.reduce((sum, g) => sum + passesOf(g, name), 0);
}

async function run(demo: DemoProcess, dir: string, script: string, testid: string): Promise<HarnessResult> {
  // The runner creates results/<testid>/ (k6 opens handleSummary's files, never their folder).
  createResultsDir(dir, testid);
  return runHarness({ script: join(repo, 'k6', `${script}.ts`), env: { BASE_URL: demo.baseUrl }, profile: 'smoke', testid, cwd: dir, print: false });
}

/** A failed flow sleeps at least the back-off minimum, and a flow makes at most one call per step. */
function assertBoundedRate(result: HarnessResult): void {
  const iterations = result.data.metrics.iterations?.values.count ?? 0;
  const requests = result.data.metrics.http_reqs?.values.count ?? 0;
  const iterationMin = result.data.metrics.iteration_duration?.values.min ?? 0;
  assert.ok(iterations > 0);
  // register + login + every step of the contract at most once per flow
  assert.ok(requests <= iterations * Object.keys(steps).length, `${requests} requests in ${iterations} flows`);
  assert.ok(iterationMin >= backoff.smoke.min * 1000, `shortest flow ${iterationMin} ms, back-off ${backoff.smoke.min} s`);
}

describe('a broken step ends the flow and is named (harness, demo shop)', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'k6-failing-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('the real read-back defect: GET /orders/:id answers 404', () => {
    let demo: DemoProcess;
    before(async () => {
      demo = await startDemoProcess({ env: { DEMO_DEFECTS: 'order-readback-404' } });
    });
    after(async () => demo?.stop());

    it('payment-processing-test: orders and payments created and measured, the read-back named as the failing step', async () => {
      const testid = `readback-${Date.now()}`;
      const result = await run(demo, dir, 'payment-processing-test', testid);
      assert.deepEqual(result.iterationErrors, []);
      const summary = result.summary;
      assert.ok(summary);
      const m = summary.metrics;

      // Everything before the read-back ran and was measured, once per successful call.
      const orders = passesOf(result.data.root_group, 'POST /orders → 201');
      const payments = passesOf(result.data.root_group, 'POST /payments → 201');
      const verified = passesOf(result.data.root_group, 'GET /payments/order/:order_id → 200');
      assert.ok(orders > 0 && payments > 0 && verified > 0);
      assert.equal(m[k6Custom.orderServiceLatency]?.values.count, orders);
      assert.equal(m[k6Custom.paymentServiceLatency]?.values.count, payments);
      // The gateway trend holds the successful browse, cart and verify calls, not the 404s.
      const gatewayOk = ['GET /products → 200', 'POST /cart → 200', 'GET /payments/order/:order_id → 200'].reduce((sum, c) => sum + passesOf(result.data.root_group, c), 0);
      assert.equal(m[k6Custom.apiGatewayLatency]?.values.count, gatewayOk);

      // The failing step: named, with its status, every time; counted in errors and failed_requests.
      const readBack = summary.failingChecks?.find((f) => f.step === 'GET /orders/:id');
      assert.ok(readBack, JSON.stringify(summary.failingChecks));
      assert.equal(readBack.status, 404);
      assert.equal(readBack.passes, 0);
      assert.equal(readBack.fails, verified);
      assert.match(readBack.check, /order not found/);
      assert.equal(m[k6Custom.failedRequests]?.values.count, readBack.fails);
      assert.ok((m[k6Custom.errors]?.values.rate ?? 0) > 0);
      assert.equal(summary.passed, false);

      const md = await readFile(join(dir, 'results', testid, 'summary.md'), 'utf8');
      assert.match(md, /## Failing checks and steps/);
      assert.match(md, /\| GET \/orders\/:id \| 404 \| \d+ \| 0 \| verify \| GET \/orders\/:id → 404 /);
      // The failing section comes under the threshold table.
      assert.ok(md.indexOf('| What | Target |') < md.indexOf('## Failing checks and steps'));
      assertBoundedRate(result);
    });
  });

  describe('a backend stopped: payment-service down', () => {
    let demo: DemoProcess;
    before(async () => {
      demo = await startDemoProcess();
      const res = await fetch(`${demo.adminUrl}/admin/services/payment/down`, { method: 'POST' });
      assert.equal(res.status, 200, await res.text());
    });
    after(async () => demo?.stop());

    it('end-to-end-test: the order step fails with 500, its latency is not evaluated (no sample), never a fast pass', async () => {
      const testid = `payment-down-${Date.now()}`;
      const result = await run(demo, dir, 'end-to-end-test', testid);
      assert.deepEqual(result.iterationErrors, []);
      const summary = result.summary;
      assert.ok(summary);
      const m = summary.metrics;
      // order-service authorises the payment while creating the order, so POST /orders fails.
      const failing = summary.failingChecks?.[0];
      assert.ok(failing, 'a failing check');
      assert.equal(failing.step, 'POST /orders');
      assert.equal(failing.status, 500);
      assert.match(failing.check, /Unavailable/);
      // Steps before it were measured; the failed calls are in no latency trend.
      assert.ok((m[k6Custom.apiGatewayLatency]?.values.count ?? 0) > 0);
      assert.equal(m[k6Custom.orderServiceLatency]?.values.count ?? 0, 0);
      assert.equal(m[k6Custom.paymentServiceLatency]?.values.count ?? 0, 0);
      assert.equal(m[k6Custom.fullFlowSuccess]?.values.count, 0);
      for (const metric of [k6Custom.orderServiceLatency, k6Custom.paymentServiceLatency, k6Custom.fullFlowDuration]) {
        const rows: TargetRow[] = summary.targets.filter((r) => r.metric === metric);
        assert.ok(rows.length > 0, metric);
        for (const row of rows) assert.deepEqual([row.result, row.measured, row.pass], ['not evaluated', null, false], `${row.title}`);
      }
      assert.equal(summary.passed, false);
      const md = await readFile(join(dir, 'results', testid, 'summary.md'), 'utf8');
      assert.match(md, /\| Order service p\(95\) \| < 150\.0 ms \| no data \| not evaluated \|/);
      assert.doesNotMatch(md, /no data \| pass/);
      assert.match(md, /\| POST \/orders \| 500 \|/);
      assertBoundedRate(result);
    });
  });
});
