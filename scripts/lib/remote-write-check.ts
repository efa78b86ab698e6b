/**
 * After a load test: did its metrics reach Prometheus? k6 logs failed remote writes and still
 * exits 0, so a run could look fine while no dashboard ever saw it. This asks the query API
 * (Prometheus beside its receiver, Thanos Query over the ring, a hosted store's: --query-url) for
 * the run's k6_http_reqs_total series, with the remote write's auth and headers (a tenant header
 * decides what a multi-tenant store shows), waiting a while for them to become queryable, and marks
 * results/<testid>/summary.json and summary.md when they are missing.
 */
import { existsSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunSummary } from '../../k6/lib/summary-format.ts';
import { authHeaders, type RemoteWriteAuth } from '../../tools/remote-write-auth.ts';

export interface RemoteWriteResult {
  ok: boolean;
  detail: string;
}

/** A Prometheus-compatible API base (http://host:9090, https://…/api/prom) -> its instant-query endpoint. */
export function queryEndpoint(queryBase: string): string {
  return `${queryBase.replace(/\/$/, '')}/api/v1/query`;
}

/**
 * How long the check waits for a run's first series to become queryable. A store answers only
 * after it has taken the writes in: Thanos Query once it has connected its receivers, a hosted
 * store after its ingestion delay. Refusals and unreachable APIs are not waited for.
 */
export const ARRIVAL_WAIT_MS = 30_000;
const POLL_MS = 1_000;

interface QueryBody {
  data?: { result?: { value?: [number, string] }[] };
  /** Thanos Query's partial responses (a receiver it cannot reach yet). */
  warnings?: string[];
}

/**
 * Ask `queryBase` (a Prometheus or Thanos Query base URL) whether the run's series arrived
 * through `remoteWriteUrl` (named in the result), with the remote write's auth and headers.
 * An empty answer is asked again until `waitMs` has passed.
 */
export async function checkRemoteWrite(remoteWriteUrl: string, testid: string, queryBase: string, auth?: RemoteWriteAuth, waitMs = ARRIVAL_WAIT_MS): Promise<RemoteWriteResult> {
  const query = `count(k6_http_reqs_total{testid="${testid}"})`;
  const url = `${queryEndpoint(queryBase)}?query=${encodeURIComponent(query)}`;
  const deadline = Date.now() + waitMs;
  try {
    for (;;) {
      const res = await fetch(url, { headers: authHeaders(auth), signal: AbortSignal.timeout(10_000) });
      if (res.status === 401 || res.status === 403) {
        return { ok: false, detail: `Prometheus at ${url} answered HTTP ${res.status}: the check's query was refused (it sends the remote write's auth and headers)` };
      }
      if (!res.ok) return { ok: false, detail: `Prometheus at ${url} answered HTTP ${res.status}` };
      const body = (await res.json()) as QueryBody;
      const series = Number(body.data?.result?.[0]?.value?.[1] ?? 0);
      if (series > 0) return { ok: true, detail: `${series} k6_http_reqs_total series for testid ${testid} in Prometheus (${remoteWriteUrl})` };
      if (Date.now() >= deadline) {
        const warnings = body.warnings?.length ? `; the query API warned: ${body.warnings.join('; ')}` : '';
        return { ok: false, detail: `Prometheus has no k6_http_reqs_total series for testid ${testid} after ${Math.round(waitMs / 1000)} s: nothing arrived through ${remoteWriteUrl}${warnings}` };
      }
      await sleep(Math.min(POLL_MS, deadline - Date.now()));
    }
  } catch (err) {
    return { ok: false, detail: `cannot ask Prometheus whether the metrics arrived (${url}): ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Record the outcome in results/<testid>/summary.json and summary.md (when the run wrote them). */
export async function markSummary(resultsDir: string, result: RemoteWriteResult): Promise<RunSummary | null> {
  const jsonPath = join(resultsDir, 'summary.json');
  if (!existsSync(jsonPath)) return null;
  const summary = JSON.parse(await readFile(jsonPath, 'utf8')) as RunSummary;
  summary.remoteWrite = result;
  await writeFile(jsonPath, `${JSON.stringify(summary, null, 2)}\n`);
  const mdPath = join(resultsDir, 'summary.md');
  if (existsSync(mdPath)) await appendFile(mdPath, `\nRemote write: ${result.ok ? 'ok' : '**FAILED**'}: ${result.detail}\n`);
  return summary;
}
