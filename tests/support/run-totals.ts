/**
 * A run's whole-run counts through the dashboards' own queries: the load-test and overview
 * dashboards count requests and flows with `sum by (...) (increase(k6_..._total{...}[$__range]))`.
 * increase() extrapolates to the window's edges, so for exact totals the counter's last value is
 * read through the same aggregation and selector: what is checked is how each query combines
 * instances (and, through Thanos Query, replicas), not increase()'s arithmetic.
 */
import { join } from 'node:path';
import { k6Custom, k6Remote } from '../../contract/metrics.ts';
import type { RunSummary } from '../../k6/lib/summary-format.ts';
import { dashboardFileQueries } from './dashboard-queries.ts';
import type { PrometheusClient } from './prometheus.ts';

const repo = join(import.meta.dirname, '../..');

export interface CountingQuery {
  title: string;
  expr: string;
  /** The k6 metric its counter carries, as a summary names it (http_reqs, ...). */
  summaryMetric: string;
}

/** The counter metrics these tests follow: remote-write name -> summary name. */
const followed: Record<string, string> = {
  [k6Remote.counter('http_reqs')]: 'http_reqs',
  [k6Remote.counter(k6Custom.fullFlowSuccess)]: k6Custom.fullFlowSuccess,
};

const COUNTING = /^sum by \([^)]*\) \(increase\((k6_\w+_total)\{[^}]*\}\[\$__range\]\)\)$/;

/** Every whole-run request and flow count of the load-test and overview dashboards. */
export async function countingQueries(): Promise<CountingQuery[]> {
  const files = ['grpc-pool-loadtest.json', 'grpc-pool-overview.json'].map((f) => join(repo, 'monitoring/grafana/dashboards', f));
  const queries = (await Promise.all(files.map(dashboardFileQueries))).flat();
  return queries.flatMap((q) => {
    const metric = COUNTING.exec(q.expr)?.[1];
    const summaryMetric = metric === undefined ? undefined : followed[metric];
    return summaryMetric === undefined ? [] : [{ ...q, summaryMetric }];
  });
}

/** The query's total for one testid at `at` (unix seconds): summed over the rows it returns. */
export async function runTotal(client: PrometheusClient, expr: string, testid: string, at: number): Promise<number> {
  const promql = expr.replace(/increase\((k6_\w+_total)\{([^}]*)\}\[\$__range\]\)/, 'max_over_time($1{$2}[10m])').replaceAll('$testid', testid);
  const rows = await client.query(promql, at);
  return rows.reduce((s, r) => s + Number(r.value?.[1]), 0);
}

/** A metric's count in a k6 summary (NaN when absent). */
export const summaryCount = (s: RunSummary, metric: string): number => s.metrics[metric]?.values.count ?? Number.NaN;
