/**
 * The remote-write client against a real Prometheus (native histograms on): floats and a native
 * histogram go in, PromQL gives back the values within bucket precision.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NativeHistogram, remoteWrite, encodeWriteRequest } from '../../tools/remote-write.ts';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.ts';

/** Relative width of one schema-3 bucket: 2^(1/8) - 1. */
const SCHEMA3_WIDTH = 2 ** (1 / 8) - 1;

describe('remote write client', () => {
  let prom: TestPrometheus;
  before(async () => {
    prom = await startPrometheus();
  });
  after(async () => {
    await prom?.stop();
  });

  it('writes floats, grouped per series, that PromQL reads back', async () => {
    const now = Date.now();
    await remoteWrite(`${prom.url}/api/v1/write`, {
      floats: [
        { labels: { __name__: 'rw_test_total', job: 'a', testid: 't1' }, value: 5, timestampMs: now - 30_000 },
        { labels: { testid: 't1', __name__: 'rw_test_total', job: 'a' }, value: 65, timestampMs: now },
        { labels: { __name__: 'rw_test_total', job: 'b', testid: 't1' }, value: 7, timestampMs: now },
      ],
    });
    const a = await prom.query('rw_test_total{job="a"}');
    assert.equal(a.length, 1);
    assert.equal(a[0]?.value?.[1], '65');
    const increase = await prom.query('increase(rw_test_total{job="a"}[1m])');
    // 60 over 30 s of samples, extrapolated by Prometheus to the window edges: at least 60.
    assert.ok(Number(increase[0]?.value?.[1]) >= 60, JSON.stringify(increase));
    const b = await prom.query('rw_test_total{job="b"}');
    assert.equal(b[0]?.value?.[1], '7');
  });

  it('writes a native histogram whose quantiles and count match within one bucket', async () => {
    // Two snapshots 30 s apart of one cumulative histogram: empty, then 1000 values 1 ms .. 1 s.
    const start = Date.now() - 40_000;
    const empty = new NativeHistogram();
    const full = new NativeHistogram();
    for (let i = 1; i <= 1000; i += 1) full.observe(i / 1000);
    for (const [histogram, timestampMs] of [[empty, start], [full, start + 30_000]] as const) {
      await remoteWrite(`${prom.url}/api/v1/write`, {
        histograms: [{ labels: { __name__: 'rw_latency_seconds', testid: 't1' }, histogram, timestampMs }],
      });
    }
    const at = (start + 30_000) / 1000;
    const count = await prom.query('histogram_count(rw_latency_seconds)', at);
    assert.equal(Number(count[0]?.value?.[1]), 1000);
    const sum = await prom.query('histogram_sum(rw_latency_seconds)', at);
    assert.ok(Math.abs(Number(sum[0]?.value?.[1]) - 500.5) < 1e-6, JSON.stringify(sum));
    for (const q of [0.5, 0.95]) {
      const res = await prom.query(`histogram_quantile(${q}, rate(rw_latency_seconds[1m]))`, at);
      const got = Number(res[0]?.value?.[1]);
      const want = q; // uniform 0..1 s
      assert.ok(Math.abs(got - want) / want <= SCHEMA3_WIDTH, `p${q * 100}: got ${got}, want ${want} within one bucket`);
    }
    const rateCount = await prom.query('histogram_count(rate(rw_latency_seconds[1m]))', at);
    assert.ok(Number(rateCount[0]?.value?.[1]) > 0, JSON.stringify(rateCount));
  });

  it('places values on bucket boundaries in the lower bucket and handles zero and negatives', () => {
    const h = new NativeHistogram(0);
    for (const v of [1, 2, 3, 4, 0, -1.5]) h.observe(v);
    const msg = h.toMessage(0);
    // schema 0: buckets (0.5,1] key 0, (1,2] key 1, (2,4] key 2 holds 3 and 4.
    assert.deepEqual(msg.positiveSpans, [{ offset: 0, length: 3 }]);
    assert.deepEqual(msg.positiveDeltas, [1, 0, 1]);
    assert.deepEqual(msg.negativeSpans, [{ offset: 1, length: 1 }]);
    assert.equal(msg.zeroCountInt, 1);
    assert.equal(msg.countInt, 6);
    // Schema 3 (k6's): client_golang's bucket bounds for the fraction of frexp(v), copied from its
    // histogram.go, so the keys are checked against the reference, not against our own formula.
    // v = bound[i] * 2^e sits on the upper edge of bucket i + 8 * (e - 1); a hair above is the next one.
    const golangSchema3 = [0.5, 0.5452538663326288, 0.5946035575013605, 0.6484197773255048, 0.7071067811865475, 0.7711054127039704, 0.8408964152537144, 0.9170040432046711];
    const keyOf = (v: number): number | undefined => {
      const one = new NativeHistogram(3);
      one.observe(v);
      return one.toMessage(0).positiveSpans[0]?.offset;
    };
    for (let e = -12; e <= 12; e += 1) {
      golangSchema3.forEach((bound, i) => {
        const v = bound * 2 ** e;
        assert.equal(keyOf(v), i + 8 * (e - 1), `schema 3 bucket of ${v}`);
        assert.equal(keyOf(v * (1 + 2 ** -40)), i + 8 * (e - 1) + 1, `schema 3 bucket just above ${v}`);
      });
    }
    const gaps = new NativeHistogram(0);
    for (const v of [1, 8]) gaps.observe(v);
    assert.deepEqual(gaps.toMessage(0).positiveSpans, [
      { offset: 0, length: 1 },
      { offset: 2, length: 1 },
    ]);
  });

  it('rejects bad input with a clear error', async () => {
    assert.throws(() => encodeWriteRequest({ floats: [{ labels: { job: 'x' }, value: 1, timestampMs: 1 }] }), /no __name__/);
    assert.throws(
      () => encodeWriteRequest({ floats: [{ labels: { __name__: 'x', 'bad-name': 'y' }, value: 1, timestampMs: 1 }] }),
      /invalid label name "bad-name"/,
    );
    assert.throws(() => new NativeHistogram().observe(Number.NaN), /finite/);
    assert.throws(() => new NativeHistogram(9), /schema/);
    // Prometheus' own refusal text is carried: a sample far out of bounds is rejected.
    await assert.rejects(
      remoteWrite(`${prom.url}/api/v1/write`, {
        floats: [{ labels: { __name__: 'rw_old' }, value: 1, timestampMs: 1000 }],
      }),
      (err: Error) => /HTTP 400/.test(err.message) && /out of bounds|too old/i.test(err.message),
    );
    await assert.rejects(remoteWrite('http://127.0.0.1:1/api/v1/write', { floats: [] }), /remote write to http:\/\/127\.0\.0\.1:1/);
  });
});
