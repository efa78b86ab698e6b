/**
 * bench:ingest's code path at a tiny size (its speed is bench/results/ingest-bench.md, not
 * asserted here): one round on each store gives a report of the expected shape whose runs the
 * stores verified, and the verification fails when the client's count lies (a refused push
 * counted as accepted, or one histogram observation more than the store holds). The workload is
 * k6's: floats and cumulative native histograms. The ring binds fixed ports, so this runs in its
 * own network namespace.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pushAll, renderIngestReport, runIngestBenchmark } from '../../bench/lib/ingest-run.ts';
import { outOfOrderSamples, startStore, verifyStore, type StoreKind } from '../../bench/lib/ingest-stores.ts';
import { buildWorkload, workloadMetricNames, type Push } from '../../bench/lib/ingest-workload.ts';
import { k6Custom, k6Remote } from '../../contract/metrics.ts';
import { ownNetworkNamespace } from '../support/network-namespace.ts';

const tiny = { series: 300, writers: 2, pushes: 20 } as const;

if (ownNetworkNamespace(import.meta.filename, { timeoutMs: 300_000, expectedPass: 5 })) {
  describe('bench:ingest at a tiny size', { timeout: 240_000 }, () => {
    it("is k6's remote-write output: counters and rates as floats, trends as cumulative native histograms", () => {
      const workload = buildWorkload(tiny);
      const perWriter = tiny.series / tiny.writers;
      // Per request tag set: 2 floats (http_reqs, http_req_failed), 8 histograms (7 http_req_* trends, the step's custom trend).
      assert.equal(workload.floatSeriesPerWriter, perWriter / 5);
      assert.equal(workload.histogramSeriesPerWriter, (perWriter * 4) / 5);
      assert.deepEqual(workloadMetricNames.floats, [k6Remote.counter('http_reqs'), k6Remote.rate('http_req_failed')]);
      for (const name of [k6Remote.trendSeconds('http_req_duration'), k6Remote.trendSeconds('http_req_waiting'), k6Remote.trendSeconds(k6Custom.orderServiceLatency)]) {
        assert.ok(workloadMetricNames.histograms.includes(name), name);
      }
      for (const writer of workload.writers) {
        const pushes = [writer.warmup, ...writer.pushes];
        for (const push of pushes) {
          assert.equal(push.floatSamples, workload.floatSeriesPerWriter);
          assert.equal(push.histogramSamples, workload.histogramSeriesPerWriter);
          assert.equal(push.samples, perWriter);
        }
        // Cumulative: every histogram series gains observations each push, so the summed counts grow by at least one per series.
        for (let p = 1; p < pushes.length; p++) {
          const [before, after] = [pushes[p - 1], pushes[p]];
          assert.ok(before && after && after.histogramCount - before.histogramCount >= workload.histogramSeriesPerWriter, `push ${p}`);
          assert.ok(after.histogramSum >= before.histogramSum);
        }
      }
      assert.equal(workload.lastTimestampMs - workload.firstTimestampMs, tiny.pushes * workload.options.intervalMs);
    });

    it('runs a round on each store and reports rates the stores verified', async () => {
      const workload = buildWorkload(tiny);
      const report = await runIngestBenchmark({ workload, rounds: 1 });
      assert.deepEqual(
        report.runs.map((r) => r.store),
        ['prometheus', 'thanos-ring'],
      );
      for (const run of report.runs) {
        assert.equal(run.ok, true, `${run.store}: ${run.problem}`);
        const stats = run.stats;
        assert.ok(stats);
        assert.equal(stats.pushesOk, tiny.writers * tiny.pushes);
        assert.equal(stats.pushesFailed, 0);
        assert.equal(stats.acceptedSamples, tiny.series * tiny.pushes, 'timed samples: the warm-up pushes are not in the rate');
        assert.ok(stats.samplesPerSecond > 0 && stats.p50Ms > 0 && stats.p99Ms >= stats.p50Ms);
        // The store holds the warm-up pushes too.
        assert.deepEqual(run.verification?.found, {
          series: tiny.series,
          samples: tiny.series * (tiny.pushes + 1),
          valueSum: stats.expected.valueSum,
          histogramCount: stats.expected.histogramCount,
          histogramSum: stats.expected.histogramSum,
        });
        assert.ok(stats.expected.histogramCount > 0 && stats.expected.histogramSum > 0, 'the stores hold histograms');
        assert.ok(Number.isFinite(run.loadBefore) && Number.isFinite(run.loadAfter));
      }
      const [prometheusRun, ringRun] = report.runs;
      assert.equal(prometheusRun?.ringViews, undefined);
      const views = ringRun?.ringViews;
      assert.ok(views, 'the ring run records what its own Query shows and its replica copies');
      const accepted = tiny.series * (tiny.pushes + 1);
      assert.equal(views.replicas.series, tiny.series * 2, 'replication 2: every series on two receivers');
      assert.ok(views.replicas.samples >= accepted && views.replicas.samples <= 2 * accepted, `replica copies ${views.replicas.samples}`);
      assert.ok(views.stackQuery.samples <= accepted, `the stack's Query shows ${views.stackQuery.samples}`);
      assert.ok(Number.isInteger(views.outOfOrderDropped) && views.outOfOrderDropped >= 0);
      assert.equal(report.ratios.length, 1);
      const ratio = report.ratios[0];
      assert.ok(ratio !== undefined && ratio > 0);
      assert.equal(report.ratio?.median, ratio);
      assert.equal(report.perStore.prometheus?.n, 1);
      assert.equal(report.perStore['thanos-ring']?.n, 1);
      const text = renderIngestReport(report).join('\n');
      assert.match(text, /^\| 1 \| prometheus \| [\d,]+ \| 40 \/ 0 \|/m);
      assert.match(text, /^\| 1 \| thanos-ring \| [\d,]+ \| 40 \/ 0 \|/m);
      assert.match(text, new RegExp(`accepted ${ratio.toFixed(2)}× the remote-write samples per second of one Prometheus`));
      assert.match(text, /Failed runs \(not in the rates\): none\./);
      assert.match(text, new RegExp(`^\\| 1 \\| ${accepted.toLocaleString('en-US')} \\| ${accepted.toLocaleString('en-US')} \\| `, 'm'), 'the ring table row');
    });

    it("reads the samples a receiver's TSDBs refused as out of order from its metrics", () => {
      const metrics = [
        '# HELP prometheus_tsdb_out_of_order_samples_total Total number of out of order samples ingestion failed attempts due to out of order being disabled.',
        '# TYPE prometheus_tsdb_out_of_order_samples_total counter',
        'prometheus_tsdb_out_of_order_samples_total{tenant="default-tenant",type="float"} 1456',
        'prometheus_tsdb_out_of_order_samples_total{tenant="default-tenant",type="histogram"} 4',
        'prometheus_tsdb_out_of_bound_samples_total{tenant="default-tenant",type="float"} 7',
        'prometheus_tsdb_head_samples_appended_total{tenant="default-tenant",type="float"} 477825',
      ].join('\n');
      assert.equal(outOfOrderSamples(metrics), 1460);
      assert.equal(outOfOrderSamples(''), 0);
    });

    for (const kind of ['prometheus', 'thanos-ring'] as StoreKind[]) {
      it(`${kind}: a refused push is counted as failed, and counting it (or one histogram observation) as accepted fails the verification`, async () => {
        const workload = buildWorkload({ ...tiny, pushes: 5, testid: `lie-${kind}` });
        const writer = workload.writers[0];
        assert.ok(writer);
        // Not snappy: the store refuses the whole push (HTTP 400) and stores none of it.
        const samples = tiny.series / tiny.writers;
        const refused: Push = {
          body: new Uint8Array(Buffer.from('not a snappy protobuf write request')),
          samples,
          floatSamples: 0,
          histogramSamples: samples,
          valueSum: 0,
          histogramCount: samples,
          histogramSum: 1,
        };
        writer.pushes.splice(2, 0, refused);
        const store = await startStore(kind);
        try {
          const stats = await pushAll(store.writeUrl, workload.writers);
          assert.equal(stats.pushesFailed, 1);
          assert.deepEqual(Object.keys(stats.failures), ['400']);
          assert.equal(stats.acceptedSamples, tiny.series * 5);
          const check = { testid: `lie-${kind}`, metricNames: workloadMetricNames, fromMs: workload.firstTimestampMs, toMs: workload.lastTimestampMs };
          const honest = await verifyStore(store, { ...check, expected: stats.expected });
          assert.equal(honest.ok, true, honest.problem);
          const lie = { ...stats.expected, samples: stats.expected.samples + refused.samples };
          const caught = await verifyStore(store, { ...check, expected: lie, waitMs: 2_000 });
          assert.equal(caught.ok, false, 'the store holds fewer samples than the lie claims');
          assert.match(caught.problem ?? '', /samples: store \d+, accepted \d+/);
          assert.equal(caught.found.samples, stats.expected.samples);
          // Histogram lies: as many samples as stored, but one observation more, or 2^-10 s more in a sum.
          const oneObservation = await verifyStore(store, { ...check, expected: { ...stats.expected, histogramCount: stats.expected.histogramCount + 1 }, waitMs: 2_000 });
          assert.equal(oneObservation.ok, false, 'the store holds one histogram observation fewer than the lie claims');
          assert.equal(oneObservation.problem, `histogramCount: store ${stats.expected.histogramCount}, accepted ${stats.expected.histogramCount + 1}`);
          const sumLie = await verifyStore(store, { ...check, expected: { ...stats.expected, histogramSum: stats.expected.histogramSum + 2 ** -10 }, waitMs: 2_000 });
          assert.equal(sumLie.ok, false, "the stored histograms' sums differ from the lie's");
          assert.match(sumLie.problem ?? '', /^histogramSum: store [\d.]+, accepted [\d.]+$/);
        } finally {
          await store.stop();
        }
      });
    }
  });
}
