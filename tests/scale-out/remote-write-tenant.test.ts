/**
 * A tenant header end to end, on the real Thanos ring (the pinned build, fixed ports, so in its own
 * network namespace): `npm run loadtest -- --harness --remote-write-header 'THANOS-TENANT: team-a'`
 * writes through the router, every series of the run carries tenant_id="team-a", and the post-run
 * check asks a Thanos Query that enforces tenancy (--query-url), which answers only because the
 * check sends the same header. And Prometheus' own remote write with REMOTE_WRITE_HEADERS (.env,
 * rendered by the native config) lands as its tenant too.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { thanos } from '../../monitoring/config/thanos.ts';
import { queryArgs } from '../../monitoring/generators/thanos.ts';
import type { RunSummary } from '../../k6/lib/summary-format.ts';
import { checkRemoteWrite } from '../../scripts/lib/remote-write-check.ts';
import { remoteWrite } from '../../tools/remote-write.ts';
import { startDemoProcess, type DemoProcess } from '../../tools/demo-process.ts';
import { startProcess, type RunningProcess } from '../../tools/process.ts';
import { startThanosRing, waitForQueryEndpoints, type ThanosRing } from '../../tools/thanos-ring.ts';
import { bin } from '../support/engines.ts';
import { ownNetworkNamespace } from '../support/network-namespace.ts';
import { writeNativeConfigs } from '../../scripts/stack/native-config.ts';
import { stackSettings } from '../../scripts/stack/settings.ts';
import { prometheusClient, startPrometheus } from '../support/prometheus.ts';

const repo = join(import.meta.dirname, '../..');
/** A second Query, tenancy enforced, beside the ring's (free ports in this namespace). */
const enforcing = { http: '127.0.0.1:10944', grpc: '127.0.0.1:10943' };

if (ownNetworkNamespace(import.meta.filename, { timeoutMs: 300_000, expectedPass: 3 })) {
  describe('a tenant header through npm run loadtest into the Thanos ring', { timeout: 240_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'thanos-tenant-'));
    const testid = `tenant-${Date.now()}`;
    let ring: ThanosRing;
    let query: RunningProcess;
    let demo: DemoProcess;

    before(async () => {
      ring = await startThanosRing({ dir, binary: bin('thanos') });
      query = await startProcess({
        name: 'thanos-query-enforcing',
        command: bin('thanos'),
        args: [...queryArgs({ ...ring.addresses, query: enforcing }), '--query.enforce-tenancy', `--query.tenant-header=${thanos.tenantHeader}`],
        readyUrl: `http://${enforcing.http}/-/ready`,
        readyTimeoutMs: 60_000,
      });
      await waitForQueryEndpoints(`http://${enforcing.http}`, ring.addresses.receivers.map((r) => r.grpc));
      demo = await startDemoProcess();
    });
    after(async () => {
      await demo?.stop();
      await query?.stop();
      await ring?.stop();
      rmSync(dir, { recursive: true, force: true });
      rmSync(join(repo, 'results', testid), { recursive: true, force: true });
    });

    it('the run lands as tenant team-a, and the check, sending the header, finds it where tenancy is enforced', async () => {
      const out = spawnSync(
        process.execPath,
        [
          '--import', 'tsx', join(repo, 'scripts/loadtest.ts'),
          'order', '--harness', '--profile', 'smoke', '--testid', testid, '--base-url', demo.baseUrl,
          '--remote-write', ring.writeUrl, '--query-url', `http://${enforcing.http}`,
          '--remote-write-header', `${thanos.tenantHeader}: team-a`,
        ],
        { encoding: 'utf8', cwd: repo, timeout: 180_000 },
      );
      assert.match(out.stdout, new RegExp(`loadtest: remote write ok: \\d+ k6_http_reqs_total series for testid ${testid}`), `${out.stdout}\n${out.stderr}`);
      const summary = JSON.parse(readFileSync(join(repo, 'results', testid, 'summary.json'), 'utf8')) as RunSummary;
      assert.equal(out.status, summary.passed ? 0 : 99, `${out.stdout}\n${out.stderr}`);

      // Through the ring's own Query (no tenancy): every series of the run is team-a's.
      const all = await prometheusClient(ring.queryUrl).query(`count by (${thanos.tenantLabel}) ({testid="${testid}"})`);
      assert.deepEqual(all.map((r) => r.metric[thanos.tenantLabel]), ['team-a']);
      assert.ok(Number(all[0]?.value?.[1]) > 10, JSON.stringify(all));
      // The enforcing Query shows them to team-a only: what the check relied on.
      const as = (tenant: string) => prometheusClient(`http://${enforcing.http}`, { [thanos.tenantHeader]: tenant }).query(`count(k6_http_reqs_total{testid="${testid}"})`);
      assert.ok(Number((await as('team-a'))[0]?.value?.[1]) > 0);
      assert.deepEqual(await as('team-b'), []);
      assert.deepEqual(await as(thanos.defaultTenant), []);
    });

    it("the post-run check waits for a fresh tenant's first series, which Query shows only after its next look at the receivers", async () => {
      // A tenant's first write opens its TSDB on the receivers; Query learns of it (labels, time
      // range) at its next endpoint refresh, seconds later. A one-shot check called this run lost.
      const fresh = `${testid}-fresh`;
      await remoteWrite(ring.writeUrl, { floats: [{ labels: { __name__: 'k6_http_reqs_total', testid: fresh }, value: 1, timestampMs: Date.now() }] }, { headers: { [thanos.tenantHeader]: 'team-fresh' } });
      const result = await checkRemoteWrite(ring.writeUrl, fresh, `http://${enforcing.http}`, { headers: { [thanos.tenantHeader]: 'team-fresh' } });
      assert.deepEqual(result, { ok: true, detail: `1 k6_http_reqs_total series for testid ${fresh} in Prometheus (${ring.writeUrl})` });
    });

    it("Prometheus' remote write with REMOTE_WRITE_HEADERS='THANOS-TENANT: team-p' lands as tenant team-p", async () => {
      const env = { STACK_STATE_DIR: join(dir, 'native'), REMOTE_WRITE_URL: ring.writeUrl, REMOTE_WRITE_HEADERS: `${thanos.tenantHeader}: team-p` };
      const prom = await startPrometheus({ configFile: writeNativeConfigs(stackSettings(env), env).prometheusConfig });
      try {
        // Its scrapes' `up` series (only Prometheus writes them), forwarded from its WAL within seconds.
        const tenants = async () => (await prometheusClient(ring.queryUrl).query(`count by (${thanos.tenantLabel}) (up)`)).map((r) => r.metric[thanos.tenantLabel]);
        const deadline = Date.now() + 90_000;
        let seen = await tenants();
        while (seen.length === 0 && Date.now() < deadline) {
          await sleep(1_000);
          seen = await tenants();
        }
        assert.deepEqual(seen, ['team-p']);
      } finally {
        await prom.stop();
      }
    });
  });
}
