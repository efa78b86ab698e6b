/**
 * Merging instance summaries: exact where k6's numbers allow it (counts, rates, avg, min, max),
 * thresholds evaluated again on the merged values, and a missing instance is an error.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeSummaries } from '../../scripts/lib/merge-summaries.ts';
import { instanceSegments, writeMergedSummary } from '../../scripts/lib/instances.ts';
import type { RunSummary } from '../../k6/lib/summary-format.ts';

function part(instance: string, durationMs: number, errors: { passes: number; fails: number }, flow: { count: number; avg: number; min: number; max: number; p95: number }): RunSummary {
  return {
    formatVersion: 1,
    testid: 'run',
    script: 'end-to-end-test',
    label: 'pooled',
    profile: 'smoke',
    baseUrl: 'http://127.0.0.1:1',
    finishedAt: `2026-01-01T00:00:0${instance.slice(-1)}Z`,
    testRunDurationMs: durationMs,
    passed: true,
    baselineTestid: null,
    targets: [],
    instance,
    metrics: {
      http_reqs: { type: 'counter', contains: 'default', values: { count: flow.count * 7, rate: 0 } },
      errors: { type: 'rate', contains: 'default', values: { ...errors, rate: errors.passes / (errors.passes + errors.fails) }, thresholds: { 'rate<0.1': true } },
      vus_max: { type: 'gauge', contains: 'default', values: { value: 2, min: 2, max: 2 } },
      full_flow_duration: {
        type: 'trend',
        contains: 'time',
        values: { count: flow.count, avg: flow.avg, min: flow.min, max: flow.max, med: flow.avg, 'p(95)': flow.p95 },
        thresholds: { 'p(95)<100': true },
      },
    },
  };
}

describe('merged summary of a split run', () => {
  it('adds counts, weighs averages by count and evaluates thresholds on the merged values', () => {
    const merged = mergeSummaries([
      part('k6-1', 10_000, { passes: 0, fails: 30 }, { count: 30, avg: 50, min: 10, max: 90, p95: 80 }),
      part('k6-2', 12_000, { passes: 10, fails: 20 }, { count: 10, avg: 90, min: 20, max: 150, p95: 140 }),
    ]);
    assert.equal(merged.metrics.http_reqs?.values.count, 280);
    assert.equal(merged.metrics.http_reqs?.values.rate, 280 / 12);
    assert.equal(merged.testRunDurationMs, 12_000);
    assert.equal(merged.metrics.errors?.values.rate, 10 / 60);
    assert.equal(merged.metrics.vus_max?.values.value, 4);
    const flow = merged.metrics.full_flow_duration?.values;
    assert.deepEqual([flow?.count, flow?.avg, flow?.min, flow?.max, flow?.['p(95)']], [40, 60, 10, 150, 95]);
    // Each instance passed its own thresholds; the merged run crosses both.
    assert.deepEqual(merged.metrics.errors?.thresholds, { 'rate<0.1': false });
    assert.deepEqual(merged.metrics.full_flow_duration?.thresholds, { 'p(95)<100': true });
    assert.equal(merged.passed, false);
    assert.deepEqual(merged.merged?.instances, ['k6-1', 'k6-2']);
    assert.ok(merged.targets.some((t) => t.metric === 'errors' && t.measured === 10 / 60 && !t.pass));
  });

  it('refuses summaries of different runs', () => {
    const other = { ...part('k6-2', 1, { passes: 0, fails: 1 }, { count: 1, avg: 1, min: 1, max: 1, p95: 1 }), testid: 'other' };
    assert.throws(() => mergeSummaries([part('k6-1', 1, { passes: 0, fails: 1 }, { count: 1, avg: 1, min: 1, max: 1, p95: 1 }), other]), /testid other/);
  });

  it('writes no merged summary when an instance summary is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'merge-'));
    try {
      const instances = instanceSegments(2);
      await mkdir(join(dir, 'instances', 'k6-1'), { recursive: true });
      await writeFile(join(dir, 'instances', 'k6-1', 'summary.json'), JSON.stringify(part('k6-1', 1, { passes: 0, fails: 1 }, { count: 1, avg: 1, min: 1, max: 1, p95: 1 })));
      await assert.rejects(writeMergedSummary(dir, instances), /instances\/k6-2\/summary\.json/);
      await assert.rejects(readFile(join(dir, 'summary.json')), /ENOENT/);
      assert.deepEqual(instances.map((i) => i.segment), ['0:1/2', '1/2:1']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
