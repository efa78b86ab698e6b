/**
 * After a load test: did its metrics reach Prometheus? k6 logs failed remote writes and still
 * exits 0, so a run could look fine while no dashboard ever saw it. This asks the query API
 * (Prometheus beside its receiver, or Thanos Query over the ring) for the run's k6_http_reqs_total series, and marks
 * results/<testid>/summary.json and summary.md when they are missing.
 */
import { existsSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunSummary } from '../../k6/lib/summary-format.ts';

export interface RemoteWriteResult {
  ok: boolean;
  detail: string;
}

/**
 * Ask `queryBase` (a Prometheus or Thanos Query base URL) whether the run's series arrived
 * through `remoteWriteUrl` (named in the result).
 */
export async function checkRemoteWrite(remoteWriteUrl: string, testid: string, queryBase: string): Promise<RemoteWriteResult> {
  const query = `count(k6_http_reqs_total{testid="${testid}"})`;
  const url = `${queryBase.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(query)}`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
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
