/**
 * summary.md's failing section (k6/lib/summary.ts, run in Node with an empty __ENV): failing
 * checks come from k6's group tree; a run whose checks failed never says "No check failed", even
 * when its runner hands over no group tree.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { K6SummaryData } from '../../k6/lib/summary.ts';

let summaryModule: typeof import('../../k6/lib/summary.ts');
before(async () => {
  Object.assign(globalThis, { __ENV: {}, __VU: 0, __ITER: 0 });
  summaryModule = await import('../../k6/lib/summary.ts');
});

const data = (fails: number, withTree: boolean): K6SummaryData => ({
  state: { testRunDurationMs: 1000 },
  metrics: { checks: { type: 'rate', contains: 'default', values: { rate: 10 / (10 + fails), passes: 10, fails }, thresholds: { 'rate>0.99': { ok: fails === 0 } } } },
  ...(withTree
    ? {
        root_group: {
          name: '',
          path: '',
          groups: [{ name: 'verify', path: '::verify', groups: [], checks: [{ name: 'GET /orders/:id → 404 {"error":"order not found"}', path: '', passes: 0, fails }] }],
          checks: [{ name: 'POST /orders → 201', path: '', passes: 10, fails: 0 }],
        },
      }
    : {}),
});

describe('summary.md: failing checks and steps', () => {
  it('names the failing step with its status and counts, under the threshold table', () => {
    const summary = summaryModule.buildRunSummary('payment-processing-test', data(4, true));
    assert.deepEqual(summary.failingChecks, [{ group: '::verify', check: 'GET /orders/:id → 404 {"error":"order not found"}', step: 'GET /orders/:id', status: 404, fails: 4, passes: 0 }]);
    const md = summaryModule.markdown(summary);
    assert.match(md, /\| GET \/orders\/:id \| 404 \| 4 \| 0 \| verify \| GET \/orders\/:id → 404 \{"error":"order not found"\} \|/);
    assert.ok(md.indexOf('| What | Target |') < md.indexOf('## Failing checks and steps'));
  });

  it('says checks failed when the runner gives no group tree, and "No check failed" only when none did', () => {
    const blind = summaryModule.markdown(summaryModule.buildRunSummary('payment-processing-test', data(4, false)));
    assert.match(blind, /4 checks failed, but this runner's summary data lists no checks/);
    assert.doesNotMatch(blind, /No check failed/);
    assert.match(summaryModule.markdown(summaryModule.buildRunSummary('payment-processing-test', data(0, false))), /No check failed\./);
  });
});
