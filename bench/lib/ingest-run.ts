/**
 * The ingest benchmark's rounds and its report: the same pre-encoded workload pushed to one
 * Prometheus and to the Thanos ring, alternating which goes first, each store fresh per round.
 * Only 2xx pushes count: a failed push's samples are never accepted samples and its latency is
 * not in the percentiles. A round counts only when the store holds exactly what was accepted.
 */
import { loadavg } from 'node:os';
import { thanos } from '../../monitoring/config/thanos.ts';
import { performance } from 'node:perf_hooks';
import { workloadMetricNames, type Push, type Workload, type Writer } from './ingest-workload.ts';
import { startStore, storeLabel, storeTotals, verifyStore, type Expected, type Store, type StoreKind, type Verification } from './ingest-stores.ts';
import { quantile } from './quantile.ts';

const HEADERS = {
  'Content-Encoding': 'snappy',
  'Content-Type': 'application/x-protobuf',
  'X-Prometheus-Remote-Write-Version': '0.1.0',
  'User-Agent': 'grpc-pool-observability-ingest-bench/0.1',
};

interface PushResult {
  ok: boolean;
  ms: number;
  /** HTTP status, or the error's name when there was no answer. */
  status: string;
  error?: string;
}

async function postPush(url: string, push: Push, timeoutMs: number): Promise<PushResult> {
  const started = performance.now();
  try {
    const res = await fetch(url, { method: 'POST', headers: HEADERS, body: push.body, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    const ms = performance.now() - started;
    return res.ok ? { ok: true, ms, status: String(res.status) } : { ok: false, ms, status: String(res.status), error: text.trim().slice(0, 200) };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return { ok: false, ms: performance.now() - started, status: e.name, error: e.message };
  }
}

export interface PushStats {
  /** Timed pushes (the warm-up ones excluded). */
  pushesOk: number;
  pushesFailed: number;
  /** Failed pushes (warm-up included) by status, and the first failure's text. */
  failures: Record<string, number>;
  firstFailure?: string;
  /** Samples of timed 2xx pushes, per second of the timed phase. */
  acceptedSamples: number;
  elapsedMs: number;
  samplesPerSecond: number;
  /** Of 2xx pushes only. */
  p50Ms: number;
  p99Ms: number;
  /** Everything the store must hold: warm-up and timed 2xx pushes. */
  expected: Expected;
}

/**
 * Every writer's warm-up push first (all writers at once, untimed: series creation), then each
 * writer pushes its pushes back to back, one in flight per writer, all writers concurrently.
 */
export async function pushAll(url: string, writers: Writer[], opts: { timeoutMs?: number } = {}): Promise<PushStats> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const failures: Record<string, number> = {};
  let firstFailure: string | undefined;
  const expected: Expected = { series: 0, samples: 0, valueSum: 0, histogramCount: 0, histogramSum: 0 };
  const seriesOf = new Map<Writer, number>();
  const account = (writer: Writer, push: Push, r: PushResult): void => {
    if (r.ok) {
      expected.samples += push.samples;
      expected.valueSum += push.valueSum;
      expected.histogramCount += push.histogramCount;
      expected.histogramSum += push.histogramSum;
      // Every push of a writer carries all of its series.
      seriesOf.set(writer, push.samples);
      return;
    }
    failures[r.status] = (failures[r.status] ?? 0) + 1;
    firstFailure ??= `${r.status}: ${r.error ?? ''}`;
  };
  await Promise.all(writers.map(async (w) => account(w, w.warmup, await postPush(url, w.warmup, timeoutMs))));
  const latencies: number[] = [];
  let acceptedSamples = 0;
  let pushesFailed = 0;
  const started = performance.now();
  await Promise.all(
    writers.map(async (w) => {
      for (const push of w.pushes) {
        const r = await postPush(url, push, timeoutMs);
        account(w, push, r);
        if (r.ok) {
          latencies.push(r.ms);
          acceptedSamples += push.samples;
        } else {
          pushesFailed++;
        }
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  expected.series = [...seriesOf.values()].reduce((s, n) => s + n, 0);
  return {
    pushesOk: latencies.length,
    pushesFailed,
    failures,
    firstFailure,
    acceptedSamples,
    elapsedMs,
    samplesPerSecond: acceptedSamples / (elapsedMs / 1000),
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    expected,
  };
}

export interface StoreRun {
  round: number;
  store: StoreKind;
  /** 1-minute load average before the store starts and after its pushes. */
  loadBefore: number;
  loadAfter: number;
  stats?: PushStats;
  verification?: Verification;
  /** The ring only: what its own Query shows, and every replica copy (no dedup). */
  ringViews?: { stackQuery: Expected; replicas: Expected; outOfOrderDropped: number };
  /** Counts as a rate only when the store holds exactly what was accepted. */
  ok: boolean;
  problem?: string;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export interface IngestReport {
  workload: Workload['options'] & { encodeMs: number; meanBodyBytes: number; samplesPerRound: number };
  rounds: number;
  runs: StoreRun[];
  /** Ring / Prometheus accepted samples/s, per round where both verified (undefined otherwise). */
  ratios: (number | undefined)[];
  perStore: Record<StoreKind, Spread | undefined>;
  ratio: Spread | undefined;
}

export function spread(values: number[]): Spread | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { median, min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN, n: sorted.length };
}

/** One store, one round: start fresh, push, verify, stop. A failure is recorded, not thrown. */
export async function runStore(kind: StoreKind, round: number, workload: Workload, opts: { verifyWaitMs?: number } = {}): Promise<StoreRun> {
  const run: StoreRun = { round, store: kind, loadBefore: loadavg()[0] ?? Number.NaN, loadAfter: Number.NaN, ok: false };
  let store: Store | undefined;
  try {
    store = await startStore(kind);
    run.stats = await pushAll(store.writeUrl, workload.writers);
    run.loadAfter = loadavg()[0] ?? Number.NaN;
    const totals = { testid: workload.options.testid, metricNames: workloadMetricNames, fromMs: workload.firstTimestampMs, toMs: workload.lastTimestampMs };
    run.verification = await verifyStore(store, { ...totals, expected: run.stats.expected, waitMs: opts.verifyWaitMs });
    if (store.ringViews) {
      run.ringViews = {
        stackQuery: await storeTotals(store.ringViews.stackQuery, totals),
        replicas: await storeTotals(store.ringViews.replicas, totals),
        outOfOrderDropped: await store.ringViews.outOfOrderDropped(),
      };
    }
    run.ok = run.verification.ok;
    if (!run.verification.ok) run.problem = `verification failed: ${run.verification.problem}`;
  } catch (err) {
    run.problem = err instanceof Error ? err.message.split('\n')[0] : String(err);
  } finally {
    if (Number.isNaN(run.loadAfter)) run.loadAfter = loadavg()[0] ?? Number.NaN;
    await store?.stop();
  }
  return run;
}

export async function runIngestBenchmark(opts: { workload: Workload; rounds: number; log?: (line: string) => void; verifyWaitMs?: number }): Promise<IngestReport> {
  const log = opts.log ?? (() => undefined);
  const runs: StoreRun[] = [];
  const ratios: (number | undefined)[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    // Alternate who goes first: a machine that gets busier or calmer favours neither.
    const order: StoreKind[] = round % 2 === 1 ? ['prometheus', 'thanos-ring'] : ['thanos-ring', 'prometheus'];
    const byKind = new Map<StoreKind, StoreRun>();
    for (const kind of order) {
      const run = await runStore(kind, round, opts.workload, { verifyWaitMs: opts.verifyWaitMs });
      byKind.set(kind, run);
      runs.push(run);
      log(describeRun(run));
    }
    const prom = byKind.get('prometheus');
    const ring = byKind.get('thanos-ring');
    ratios.push(prom?.ok && ring?.ok && prom.stats && ring.stats ? ring.stats.samplesPerSecond / prom.stats.samplesPerSecond : undefined);
  }
  const rates = (kind: StoreKind): number[] => runs.filter((r) => r.store === kind && r.ok && r.stats).map((r) => r.stats?.samplesPerSecond ?? Number.NaN);
  const w = opts.workload;
  return {
    workload: { ...w.options, encodeMs: w.encodeMs, meanBodyBytes: w.meanBodyBytes, samplesPerRound: w.options.series * w.options.pushes },
    rounds: opts.rounds,
    runs,
    ratios,
    perStore: { prometheus: spread(rates('prometheus')), 'thanos-ring': spread(rates('thanos-ring')) },
    ratio: spread(ratios.filter((r): r is number => r !== undefined)),
  };
}

const int = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : String(x));
const ms = (x: number): string => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '-');
const two = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '-');

export function describeRun(r: StoreRun): string {
  const s = r.stats;
  const rate = r.ok && s ? `${int(s.samplesPerSecond)} samples/s` : 'FAILED';
  return `round ${r.round} ${r.store}: ${rate}${s ? `, pushes ${s.pushesOk} ok / ${s.pushesFailed} failed, p50 ${ms(s.p50Ms)} ms p99 ${ms(s.p99Ms)} ms` : ''}, load ${two(r.loadBefore)} -> ${two(r.loadAfter)}${r.problem ? ` (${r.problem})` : ''}`;
}

/** One line on the ring's replicas over all its runs: what is held, what its own Query shows, the copies refused. */
function ringSummary(report: IngestReport): string {
  const runs = report.runs.filter((r) => r.ringViews && r.stats);
  if (runs.length === 0) return '- The ring: no run to describe.';
  const range = (xs: number[]): string => {
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    return lo === hi ? int(lo) : `${int(lo)}–${int(hi)}`;
  };
  const accepted = (r: StoreRun): number => r.stats?.expected.samples ?? Number.NaN;
  const held = runs.filter((r) => r.verification?.ok).length;
  return [
    `- The ring's replicas: ${held} of ${runs.length} runs held every accepted sample at least once (chain dedup);`,
    `the stack's Query showed ${range(runs.map((r) => accepted(r) - (r.ringViews?.stackQuery.samples ?? Number.NaN)))} samples fewer than accepted;`,
    `second copies missing: ${range(runs.map((r) => 2 * accepted(r) - (r.ringViews?.replicas.samples ?? Number.NaN)))} per run (of ${int(2 * accepted(runs[0] as StoreRun))}),`,
    `refused by the receivers as out of order: ${range(runs.map((r) => r.ringViews?.outOfOrderDropped ?? Number.NaN))}.`,
  ].join(' ');
}

/** The report's generated part: tables and the sentence a document may quote. */
export function renderIngestReport(report: IngestReport): string[] {
  const w = report.workload;
  const rows = report.runs.map((r) => {
    const s = r.stats;
    const v = r.verification;
    const failures = s ? Object.entries(s.failures).map(([status, n]) => `${n}× ${status}`).join(', ') : '';
    const verified = v ? (v.ok ? `yes: ${int(v.found.series)} series, ${int(v.found.samples)} samples` : `NO: ${v.problem ?? ''}`) : `NO: ${r.problem ?? ''}`;
    return `| ${r.round} | ${r.store} | ${r.ok && s ? int(s.samplesPerSecond) : 'failed'} | ${s ? `${s.pushesOk} / ${s.pushesFailed}${failures ? ` (${failures})` : ''}` : '-'} | ${s ? `${ms(s.p50Ms)} / ${ms(s.p99Ms)}` : '-'} | ${s ? (s.elapsedMs / 1000).toFixed(1) : '-'} | ${two(r.loadBefore)} → ${two(r.loadAfter)} | ${verified} |`;
  });
  const sp = (x: Spread | undefined, f: (n: number) => string): string => (x ? `${f(x.median)} (${f(x.min)}–${f(x.max)}, ${x.n} ${x.n === 1 ? 'round' : 'rounds'})` : 'no verified round');
  const failedRuns = report.runs.filter((r) => !r.ok);
  const prom = report.perStore.prometheus;
  const ring = report.perStore['thanos-ring'];
  const loads = report.runs.flatMap((r) => [r.loadBefore, r.loadAfter]).filter(Number.isFinite);
  const ratioLine =
    report.ratio && prom && ring
      ? `On this 2-core machine the Thanos ring (router + ${thanos.receivers} receivers, replication ${thanos.replicationFactor}) accepted ${two(report.ratio.median)}× the remote-write samples per second of one Prometheus 3.5: median of ${report.ratio.n} ${report.ratio.n === 1 ? 'round' : 'rounds'}, range ${two(report.ratio.min)}–${two(report.ratio.max)} (ring ${int(ring.median)}, Prometheus ${int(prom.median)} samples/s, medians; ${w.series.toLocaleString('en-US')} series from ${w.writers} writers; 1-minute load average ${two(Math.min(...loads))}–${two(Math.max(...loads))}).`
      : 'No round verified on both stores: no ratio.';
  const ringRows = report.runs.flatMap((r) => {
    const v = r.ringViews;
    const accepted = r.stats?.expected.samples;
    if (!v || accepted === undefined) return [];
    const missing = accepted - v.stackQuery.samples;
    const copies = 2 * accepted - v.replicas.samples;
    return [`| ${r.round} | ${int(accepted)} | ${r.verification ? int(r.verification.found.samples) : '-'} | ${int(v.stackQuery.samples)} (${missing === 0 ? 'all' : `${int(missing)} missing`}) | ${int(v.replicas.samples)} of ${int(2 * accepted)} (${copies === 0 ? 'all' : `${int(copies)} second copies missing`}) | ${int(v.outOfOrderDropped)} |`];
  });
  return [
    '## Rounds',
    '',
    '| round | store | accepted samples/s | timed pushes ok / failed | push p50 / p99 (ms, 2xx only) | timed phase (s) | load 1-min before → after | store holds what was accepted |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '### The ring: what its own Query shows, and its replica copies',
    '',
    'Verification reads the ring through a Query with `--deduplication.func=chain` (a sample counts when any replica holds it).',
    "The stack's own Query (its flags: monitoring/generators/thanos.ts, chain deduplication); its answer, and the copies the",
    'receivers hold without deduplication (replication 2: two per accepted sample), from the same run:',
    '',
    '| round | accepted samples (warm-up included) | held (chain dedup) | stack\'s Query shows | replica copies (no dedup) | refused as out of order by the receivers (their `prometheus_tsdb_out_of_order_samples_total`) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...ringRows,
    '',
    '## Summary',
    '',
    `- ${storeLabel.prometheus}: ${sp(prom, int)} accepted samples/s (median, min–max).`,
    `- ${storeLabel['thanos-ring']}: ${sp(ring, int)} accepted samples/s.`,
    `- Ring / Prometheus, per round: ${report.ratios.map((r) => (r === undefined ? 'failed' : two(r))).join(', ')}; ${report.ratio ? `median ${two(report.ratio.median)} (${two(report.ratio.min)}–${two(report.ratio.max)})` : 'no ratio'}.`,
    ringSummary(report),
    `- Failed runs (not in the rates): ${failedRuns.length === 0 ? 'none' : failedRuns.map((r) => `round ${r.round} ${r.store}: ${r.problem ?? ''}`).join('; ')}.`,
    '',
    ratioLine,
  ];
}
