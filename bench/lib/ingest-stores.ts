/**
 * The two remote-write stores the ingest benchmark compares, each started fresh (new data
 * directory) and stopped after its round: one Prometheus with the stack's flags on port 0, and
 * the Thanos ring (router + Receive ×3, replication 2, + Query) on its fixed ports, so the caller
 * runs in its own network namespace. After a round, the store is asked what it holds.
 *
 * The ring is asked through a second Thanos Query over the same receivers, started here with
 * `--deduplication.func=chain` whatever the stack's Query uses (1:1 merge of the replicas: a
 * sample counts if any replica holds it), so the verification does not depend on the settings
 * under test. What the stack's own Query shows (its settings: monitoring/generators/thanos.ts),
 * how many replica copies exist and how many samples the receivers refused as out of order are
 * recorded beside it: bench/results/ingest-bench-penalty-no-ooo-window.md is the run that showed
 * why the stack's Query deduplicates with chain and its receivers accept late samples.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { prometheusFlags } from '../../monitoring/config/stack.ts';
import { thanos } from '../../monitoring/config/thanos.ts';
import { queryArgs } from '../../monitoring/generators/thanos.ts';
import { pinnedTool } from '../../scripts/engines/engines.ts';
import { listeningLine, startListeningProcess, startProcess, type RunningProcess } from '../../tools/process.ts';
import { startThanosRing } from '../../tools/thanos-ring.ts';

export type StoreKind = 'prometheus' | 'thanos-ring';

export interface Store {
  kind: StoreKind;
  /** Remote-write endpoint. */
  writeUrl: string;
  /** Instant query, one number (the first result's value; NaN when there is none): what verification asks. */
  queryNumber(expr: string, timeSeconds: number): Promise<number>;
  /** The ring only: the same through the ring's own Query, and without dedup (every replica copy). */
  ringViews?: { stackQuery: QueryNumber; replicas: QueryNumber; outOfOrderDropped: () => Promise<number> };
  stop(): Promise<void>;
}

export type QueryNumber = (expr: string, timeSeconds: number) => Promise<number>;

/** The audit Query's ports: free in the benchmark's own namespace, next to the ring's. */
const AUDIT_QUERY = { http: `127.0.0.1:${thanos.ports.queryHttp + 100}`, grpc: `127.0.0.1:${thanos.ports.queryGrpc + 100}` };

interface QueryBody {
  status: string;
  data?: { resultType: string; result: { value?: [number, string] }[] };
  error?: string;
}

async function instantQuery(base: string, expr: string, timeSeconds: number, extra: Record<string, string>): Promise<number> {
  const res = await fetch(`${base}/api/v1/query`, {
    method: 'POST',
    body: new URLSearchParams({ query: expr, time: String(timeSeconds), ...extra }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as QueryBody;
  if (body.status !== 'success') throw new Error(`${base} query ${expr}: ${body.error ?? `HTTP ${res.status}`}`);
  return Number(body.data?.result[0]?.value?.[1] ?? Number.NaN);
}

export async function startStore(kind: StoreKind): Promise<Store> {
  const dir = await mkdtemp(join(tmpdir(), `ingest-bench-${kind}-`));
  try {
    if (kind === 'prometheus') {
      const config = join(dir, 'prometheus.yml');
      // No scrape jobs: only the pushed samples are in the TSDB.
      await writeFile(config, 'global:\n  scrape_interval: 15s\n');
      const proc = await startListeningProcess({
        name: 'prometheus',
        command: pinnedTool('prometheus').path,
        args: [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, '--web.listen-address=127.0.0.1:0', ...prometheusFlags.map((f) => f.flag)],
        listening: listeningLine.goExporterToolkit,
        readyPath: '/-/ready',
        readyTimeoutMs: 60_000,
      });
      return {
        kind,
        writeUrl: `${proc.url}/api/v1/write`,
        queryNumber: (expr, t) => instantQuery(proc.url, expr, t, {}),
        async stop() {
          await proc.stop();
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    const binary = pinnedTool('thanos').path;
    const ring = await startThanosRing({ dir, binary });
    let audit: RunningProcess;
    try {
      audit = await startProcess({
        name: 'thanos-query-chain-dedup',
        command: binary,
        // Chain, stated here as well: the audit must not follow the stack's setting.
        args: [...queryArgs({ ...ring.addresses, query: AUDIT_QUERY }).filter((arg) => !arg.startsWith('--deduplication.func=')), '--deduplication.func=chain'],
        readyUrl: `http://${AUDIT_QUERY.http}/-/ready`,
        readyTimeoutMs: 60_000,
      });
    } catch (err) {
      await ring.stop();
      throw err;
    }
    // An unreachable receiver is an error, not a partial answer.
    const strict = { partial_response: 'false' };
    return {
      kind,
      writeUrl: ring.writeUrl,
      queryNumber: (expr, t) => instantQuery(`http://${AUDIT_QUERY.http}`, expr, t, { ...strict, dedup: 'true' }),
      ringViews: {
        stackQuery: (expr, t) => instantQuery(ring.queryUrl, expr, t, { ...strict, dedup: 'true' }),
        replicas: (expr, t) => instantQuery(ring.queryUrl, expr, t, { ...strict, dedup: 'false' }),
        async outOfOrderDropped() {
          let sum = 0;
          for (const r of ring.addresses.receivers) sum += outOfOrderSamples(await (await fetch(`http://${r.http}/metrics`, { signal: AbortSignal.timeout(10_000) })).text());
          return sum;
        },
      },
      async stop() {
        await audit.stop();
        await ring.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** What the client counted as accepted (2xx pushes only). */
export interface Expected {
  /** Float and histogram series. */
  series: number;
  /** Float and histogram samples. */
  samples: number;
  /** Sum of every float sample's value. */
  valueSum: number;
  /** Sum over every histogram sample of its observation count, and of its sum. */
  histogramCount: number;
  histogramSum: number;
}

export interface Verification {
  ok: boolean;
  expected: Expected;
  /** What the store answered last (NaN: no answer). */
  found: Expected;
  /** Why it failed, in words. */
  problem?: string;
}

/** Samples a receiver's TSDBs refused as out of order: `prometheus_tsdb_out_of_order_samples_total` in its /metrics, every tenant and type. */
export function outOfOrderSamples(metrics: string): number {
  return [...metrics.matchAll(/^prometheus_tsdb_out_of_order_samples_total(?:\{[^}]*\})? (\S+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

export interface TotalsQuery {
  testid: string;
  metricNames: { floats: readonly string[]; histograms: readonly string[] };
  fromMs: number;
  toMs: number;
}

/**
 * Series, samples, the sum of every float value and the summed counts and sums of every histogram
 * sample under `testid` in [fromMs, toMs], as one query API sees them. `count_over_time` counts
 * float and histogram samples alike; `sum_over_time` of native histograms adds them bucket by
 * bucket, so histogram_count / histogram_sum of that sum are the sums over every stored sample.
 */
export async function storeTotals(query: QueryNumber, q: TotalsQuery): Promise<Expected> {
  const range = `${Math.ceil((q.toMs - q.fromMs) / 1000) + 60}s`;
  const at = q.toMs / 1000 + 1;
  const all = [...q.metricNames.floats, ...q.metricNames.histograms];
  // One term per metric name: `*_over_time` drops the name, and k6's metrics share their tag sets.
  const total = (names: readonly string[], term: (selector: string) => string): string =>
    names.map((m) => `(${term(`${m}{testid="${q.testid}"}[${range}]`)} or vector(0))`).join(' + ');
  return {
    series: await query(total(all, (s) => `count(last_over_time(${s}))`), at),
    samples: await query(total(all, (s) => `sum(count_over_time(${s}))`), at),
    valueSum: await query(total(q.metricNames.floats, (s) => `sum(sum_over_time(${s}))`), at),
    histogramCount: await query(total(q.metricNames.histograms, (s) => `histogram_count(sum(sum_over_time(${s})))`), at),
    histogramSum: await query(total(q.metricNames.histograms, (s) => `histogram_sum(sum(sum_over_time(${s})))`), at),
  };
}

/**
 * Ask the store for storeTotals under `testid` in [from, to], and compare with what the client
 * counted as accepted. Query discovers the receivers in the background, so the answer is polled until it matches or `waitMs` passes;
 * a mismatch that persists fails.
 */
export async function verifyStore(store: Store, opts: TotalsQuery & { expected: Expected; waitMs?: number }): Promise<Verification> {
  const deadline = Date.now() + (opts.waitMs ?? 30_000);
  let found: Expected = { series: Number.NaN, samples: Number.NaN, valueSum: Number.NaN, histogramCount: Number.NaN, histogramSum: Number.NaN };
  let problem = '';
  for (;;) {
    try {
      found = await storeTotals(store.queryNumber, opts);
      const wrong = (Object.keys(found) as (keyof Expected)[]).filter((k) => found[k] !== opts.expected[k]);
      if (wrong.length === 0) return { ok: true, expected: opts.expected, found };
      problem = wrong.map((k) => `${k}: store ${found[k]}, accepted ${opts.expected[k]}`).join('; ');
    } catch (err) {
      problem = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) return { ok: false, expected: opts.expected, found, problem };
    await sleep(1_000);
  }
}

export const storeLabel: Record<StoreKind, string> = {
  prometheus: 'Prometheus 3.5 (one process)',
  'thanos-ring': `Thanos ${thanos.version} ring (router + Receive ×${thanos.receivers}, replication ${thanos.replicationFactor})`,
};
