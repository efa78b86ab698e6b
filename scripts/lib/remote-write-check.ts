/**
 * After a load test: did its metrics reach Prometheus? k6 logs failed remote writes and still
 * exits 0, so a run could look fine while no dashboard ever saw it. This asks Prometheus (the
 * query API beside the remote-write receiver, or --query-url: Thanos Query, a hosted store's
 * query endpoint) for the run's k6_http_reqs_total series, with the remote write's auth and
 * headers (a tenant header decides what a multi-tenant store shows), and marks
 * results/<testid>/summary.json and summary.md when they are missing.
 */
import { existsSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunSummary } from '../../k6/lib/summary-format.ts';
import { authHeaders, type RemoteWriteAuth } from '../../tools/remote-write-auth.ts';

export interface RemoteWriteResult {
  ok: boolean;
  detail: string;
}

/** The default: http://host:port/api/v1/write -> http://host:port/api/v1/query (a store whose query API lives elsewhere needs --query-url). */
export function queryUrlOf(remoteWriteUrl: string): string {
  const url = new URL(remoteWriteUrl);
  url.pathname = url.pathname.replace(/\/api\/v1\/write$/, '/api/v1/query');
  return url.toString();
}

/** A Prometheus HTTP API base (http://host:9090, https://…/api/prom) -> its instant-query endpoint. */
export function queryEndpoint(base: string): string {
  const url = new URL(base);
  if (!url.pathname.endsWith('/api/v1/query')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/query`;
  return url.toString();
}

export interface RemoteWriteTarget {
  /** Where the run wrote (named in the outcome). */
  writeUrl: string;
  /** The instant-query endpoint to ask (…/api/v1/query). */
  queryUrl: string;
  /** The remote write's auth and headers, sent with the query too. */
  auth?: RemoteWriteAuth;
}

export async function checkRemoteWrite(target: RemoteWriteTarget, testid: string): Promise<RemoteWriteResult> {
  const remoteWriteUrl = target.writeUrl;
  const query = `count(k6_http_reqs_total{testid="${testid}"})`;
  const url = `${target.queryUrl}?query=${encodeURIComponent(query)}`;
  try {
    const res = await fetch(url, { headers: authHeaders(target.auth), signal: AbortSignal.timeout(10_000) });
    if (res.status === 401 || res.status === 403) {
      return { ok: false, detail: `Prometheus at ${url} answered HTTP ${res.status}: the check's query was refused (it sends the remote write's auth and headers)` };
    }
    if (!res.ok) return { ok: false, detail: `Prometheus at ${url} answered HTTP ${res.status}` };
    const body = (await res.json()) as { data?: { result?: { value?: [number, string] }[] } };
    const series = Number(body.data?.result?.[0]?.value?.[1] ?? 0);
    return series > 0
      ? { ok: true, detail: `${series} k6_http_reqs_total series for testid ${testid} in Prometheus (${remoteWriteUrl})` }
      : { ok: false, detail: `Prometheus has no k6_http_reqs_total series for testid ${testid}: nothing arrived through ${remoteWriteUrl}` };
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
