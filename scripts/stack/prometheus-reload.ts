/**
 * Prometheus reloads its config asynchronously after SIGHUP. When the new config drops a remote
 * write, the reload first flushes what is queued for it; if that receiver is gone, the reload
 * hangs until the flush deadline (a minute). stack:up waits for the reload before it stops the
 * Thanos store that a `--scale-out` Prometheus wrote to.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Has Prometheus at `url` completed a config reload at or after `sinceSec` (unix seconds)? Polls for up to timeoutMs. */
export async function prometheusReloadedSince(url: string, sinceSec: number, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const metrics = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(3_000) })).text();
      const at = Number(/^prometheus_config_last_reload_success_timestamp_seconds (\S+)$/m.exec(metrics)?.[1]);
      if (at >= sinceSec) return true;
    } catch {
      // not answering yet
    }
    await sleep(250);
  }
  return false;
}
