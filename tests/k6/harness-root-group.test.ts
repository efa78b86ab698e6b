/** The harness hands handleSummary k6's group tree: each check's passes and fails under its group path. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { MetricsStore } from '../../tools/k6-harness/metrics-store.ts';

describe('k6 harness: root_group in the summary data', () => {
  it('nests groups by path and counts each check per group, as k6 does', () => {
    const store = new MetricsStore();
    store.define({ name: 'checks', type: 'rate', contains: 'default' });
    const check = (group: string, name: string, ok: boolean): void => {
      store.add({ metric: 'checks', value: ok ? 1 : 0, tags: { group, check: name }, time: 0 });
    };
    check('', 'top', true);
    check('::verify', 'GET /orders/:id → 404', false);
    check('::verify', 'GET /orders/:id → 404', false);
    check('::verify', 'GET /payments/order/:order_id → 200', true);
    check('::flow::inner', 'deep', true);
    const root = store.summary(1000, ['avg'], []).root_group;
    assert.deepEqual(root.checks.map((c) => [c.name, c.passes, c.fails]), [['top', 1, 0]]);
    const verify = root.groups.find((g) => g.name === 'verify');
    assert.ok(verify);
    assert.equal(verify.path, '::verify');
    assert.deepEqual(verify.checks.map((c) => [c.name, c.path, c.passes, c.fails]), [
      ['GET /orders/:id → 404', '::verify::GET /orders/:id → 404', 0, 2],
      ['GET /payments/order/:order_id → 200', '::verify::GET /payments/order/:order_id → 200', 1, 0],
    ]);
    const flow = root.groups.find((g) => g.name === 'flow');
    assert.deepEqual([flow?.checks, flow?.groups.map((g) => [g.name, g.path, g.checks.length])], [[], [['inner', '::flow::inner', 1]]]);
    // k6's ids are the MD5 of the path.
    assert.equal(verify.id, createHash('md5').update('::verify').digest('hex'));
  });
});
