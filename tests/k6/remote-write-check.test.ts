/**
 * loadtest's post-run check (scripts/lib/remote-write-check.ts) against a real Prometheus: a run
 * whose series become queryable only after the check has begun is found, a run that never arrives
 * is reported after the wait with the query API's answer, and a refusal is not waited for.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARRIVAL_WAIT_MS, checkRemoteWrite } from '../../scripts/lib/remote-write-check.ts';
import { remoteWrite } from '../../tools/remote-write.ts';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.ts';

describe("loadtest's remote-write check", () => {
  let prom: TestPrometheus;
  before(async () => {
    prom = await startPrometheus();
  });
  after(async () => {
    await prom?.stop();
  });

  it('finds series that arrive while it waits', async () => {
    const writeUrl = `${prom.url}/api/v1/write`;
    const checking = checkRemoteWrite(writeUrl, 'late', prom.url, {}, 20_000);
    await sleep(1_500);
    await remoteWrite(writeUrl, { floats: [{ labels: { __name__: 'k6_http_reqs_total', testid: 'late', method: 'GET' }, value: 3, timestampMs: Date.now() }] });
    assert.deepEqual(await checking, { ok: true, detail: `1 k6_http_reqs_total series for testid late in Prometheus (${writeUrl})` });
  });

  it('reports a run that never arrived once the wait is over', async () => {
    const started = Date.now();
    const result = await checkRemoteWrite('http://store.example/api/v1/write', 'never', prom.url, {}, 2_000);
    assert.deepEqual(result, { ok: false, detail: 'Prometheus has no k6_http_reqs_total series for testid never after 2 s: nothing arrived through http://store.example/api/v1/write' });
    assert.ok(Date.now() - started >= 2_000, 'it asked until the wait was over');
  });

  it('does not wait when the query API refuses the query', async () => {
    // Prometheus answers 400 to a query it cannot parse; a testid with a quote breaks the selector.
    const started = Date.now();
    const result = await checkRemoteWrite('http://store.example/api/v1/write', 'bad"id', prom.url, {}, 60_000);
    assert.equal(result.ok, false);
    assert.match(result.detail, /answered HTTP 400/);
    assert.ok(Date.now() - started < 30_000, 'refusals are reported at once, not after the wait');
  });

  it("docs/k6.md quotes the check's wait", () => {
    const doc = readFileSync(join(import.meta.dirname, '../../docs/k6.md'), 'utf8').replace(/\s+/g, ' ');
    assert.ok(doc.includes(`asked again for up to ${ARRIVAL_WAIT_MS / 1000} s`), 'docs/k6.md names another wait than ARRIVAL_WAIT_MS');
  });
});
