/**
 * k6's execution segments as the harness computes them: the values k6 documents for its
 * striping algorithm (lib/execution_segment.go, ExecutionTuple), and the properties that make a
 * split run add up to the whole: shares sum to the total, iteration indexes never collide.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evenSegment, evenSequence, ExecutionTuple, parseSegment, segmentString } from '../../tools/k6-harness/execution-segment.ts';
import { plansFromOptions, segmentPlans, targetVus, withShortcuts } from '../../tools/k6-harness/scenarios.ts';

describe('execution segments', () => {
  it('scales and stripes exactly like the table in k6 ExecutionTuple docs (0,1/2,3/4,1)', () => {
    const seq = '0,1/2,3/4,1';
    const scaled = (segment: string) => Array.from({ length: 12 }, (_, i) => ExecutionTuple.parse(segment, seq).scale(i + 1));
    assert.deepEqual(scaled('0:1/2'), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
    assert.deepEqual(scaled('1/2:3/4'), [0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3]);
    assert.deepEqual(scaled('3/4:1'), [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3]);
    const iterator = (segment: string, n: number) => Array.from({ length: n }, (_, i) => ExecutionTuple.parse(segment, seq).indexInTest(i));
    assert.deepEqual(iterator('0:1/2', 6), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(iterator('1/2:3/4', 3), [1, 5, 9]);
    assert.deepEqual(iterator('3/4:1', 3), [3, 7, 11]);
  });

  it('parses the forms k6 accepts and rejects the ones it rejects', () => {
    assert.equal(segmentString(parseSegment('50%:75%')), '1/2:3/4');
    assert.equal(segmentString(parseSegment('0.5:0.75')), '1/2:3/4');
    assert.equal(segmentString(parseSegment('1/4')), '0:1/4');
    assert.equal(segmentString(parseSegment('')), '0:1');
    assert.throws(() => parseSegment('3/4:1/2'), /should be less than its end/);
    assert.throws(() => parseSegment('0:5/4'), /shouldn't be more than 1/);
    assert.throws(() => ExecutionTuple.parse('0:1/2', '0,1/3,1'), /couldn't find segment 0:1\/2/);
    assert.equal(evenSequence(3), '0,1/3,2/3,1');
    assert.equal(evenSegment(1, 3), '1/3:2/3');
  });

  it('splits any value so the shares add up and every iteration index belongs to one instance', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 500 }), (n, value) => {
        const tuples = Array.from({ length: n }, (_, i) => ExecutionTuple.parse(evenSegment(i, n), evenSequence(n)));
        assert.equal(tuples.reduce((s, t) => s + t.scale(value), 0), value);
        const indexes = tuples.flatMap((t) => Array.from({ length: t.scale(value) }, (_, k) => t.indexInTest(k)));
        assert.deepEqual([...indexes].sort((a, b) => a - b), Array.from({ length: value }, (_, k) => k));
      }),
    );
  });

  it('splits shared-iterations by the instances\' VUs, as k6 GetIterations does', () => {
    // 4 VUs over thirds: 2, 1, 1 VUs; 30 iterations re-cut by VUs: 15, 8, 7.
    const plans = (i: number) => segmentPlans(plansFromOptions(withShortcuts({ scenarios: { x: { executor: 'constant-vus', vus: 1, duration: '1s' } } }, { vus: 4, iterations: 30 })), ExecutionTuple.parse(evenSegment(i, 3), evenSequence(3)));
    const split = [0, 1, 2].map((i) => plans(i)[0]);
    assert.deepEqual(split.map((p) => p?.executor), ['shared-iterations', 'shared-iterations', 'shared-iterations']);
    assert.deepEqual(split.map((p) => p?.maxVus), [2, 1, 1]);
    assert.deepEqual(split.map((p) => p?.iterations), [15, 8, 7]);
    // 2 VUs over thirds: the third instance has no VU, so no work (k6 HasWork).
    const two = segmentPlans(plansFromOptions({ vus: 2, iterations: 10 }), ExecutionTuple.parse(evenSegment(2, 3), evenSequence(3)));
    assert.deepEqual(two, []);
  });

  it('runs a share of a ramp at every moment, the shares adding up to the whole ramp', () => {
    const options = { scenarios: { ramp: { executor: 'ramping-vus', startVUs: 0, stages: [{ duration: '10s', target: 10 }, { duration: '10s', target: 0 }] } } };
    const whole = plansFromOptions(options)[0];
    assert.ok(whole);
    const parts = [0, 1, 2].map((i) => segmentPlans(plansFromOptions(options), ExecutionTuple.parse(evenSegment(i, 3), evenSequence(3)))[0]);
    assert.deepEqual(parts.map((p) => p?.maxVus), [4, 3, 3]);
    for (let ms = 0; ms <= 20_000; ms += 500) {
      assert.equal(parts.reduce((s, p) => s + (p ? targetVus(p, ms) : 0), 0), targetVus(whole, ms), `at ${ms} ms`);
    }
  });
});
