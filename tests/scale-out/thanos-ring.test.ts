/**
 * The scale-out store on its own: the routing receiver, Thanos Receive ×3 (hashring, replication
 * 2) and Thanos Query, the pinned build, on the fixed ports of monitoring/config/thanos.ts (so in
 * its own network namespace). What is written through the router lands on exactly 2 receivers,
 * Query returns each series once, and with one receiver killed writes still succeed and nothing
 * is lost.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { thanos } from '../../monitoring/config/thanos.ts';
import { remoteWrite, type FloatSample } from '../../tools/remote-write.ts';
import { startThanosRing, thanosProcessSpecs, type ThanosRing } from '../../tools/thanos-ring.ts';
import { thanosAddresses } from '../../monitoring/generators/thanos.ts';
import { bin } from '../support/engines.ts';
import { ownNetworkNamespace } from '../support/network-namespace.ts';
import { prometheusClient, type PromSample } from '../support/prometheus.ts';

const SERIES = 24;
const metric = 'scale_out_ring_test_total';

/** One sample per series: series i has value base + i. */
const batch = (base: number, timestampMs: number): FloatSample[] =>
  Array.from({ length: SERIES }, (_, i) => ({ labels: { __name__: metric, series: `s${i}` }, value: base + i, timestampMs }));

const sumOf = (rows: PromSample[]): number => rows.reduce((s, r) => s + Number(r.value?.[1]), 0);
const expectedSum = (base: number): number => SERIES * base + (SERIES * (SERIES - 1)) / 2;

if (ownNetworkNamespace(import.meta.filename, { timeoutMs: 240_000, expectedPass: 3 })) {
  describe(`Thanos Receive ×${thanos.receivers}, replication ${thanos.replicationFactor}, behind a router, and Query`, { timeout: 200_000 }, () => {
    let ring: ThanosRing;
    const dir = mkdtempSync(join(tmpdir(), 'thanos-ring-'));
    const start = Date.now();

    /** Query's answer, once it has every series (it discovers the receivers in the background). */
    async function queryUntil(expr: string, done: (rows: PromSample[]) => boolean, params: Record<string, string> = {}): Promise<PromSample[]> {
      const deadline = Date.now() + 60_000;
      let rows: PromSample[] = [];
      while (Date.now() < deadline) {
        const url = new URL(`${ring.queryUrl}/api/v1/query`);
        url.search = new URLSearchParams({ query: expr, time: String(Date.now() / 1000), ...params }).toString();
        const body = (await (await fetch(url)).json()) as { status: string; data?: { result: PromSample[] }; error?: string };
        assert.equal(body.status, 'success', body.error);
        rows = body.data?.result ?? [];
        if (done(rows)) return rows;
        await sleep(500);
      }
      return rows;
    }

    before(async () => {
      ring = await startThanosRing({ dir, binary: bin('thanos') });
    });
    after(async () => {
      await ring?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('stores each series on exactly 2 receivers, spread over all 3, and Query returns it once', async () => {
      await remoteWrite(ring.writeUrl, { floats: batch(100, start) });
      const raw = await queryUntil(`${metric}`, (rows) => rows.length === SERIES * thanos.replicationFactor, { dedup: 'false' });
      const replicas = new Map<string, string[]>();
      for (const r of raw) replicas.set(r.metric.series ?? '', [...(replicas.get(r.metric.series ?? '') ?? []), r.metric[thanos.replicaLabel] ?? '']);
      assert.equal(replicas.size, SERIES);
      for (const [series, on] of replicas) assert.equal(new Set(on).size, thanos.replicationFactor, `${series} on ${on.join(', ')}`);
      assert.deepEqual([...new Set(raw.map((r) => r.metric[thanos.replicaLabel]))].sort(), ring.addresses.receivers.map((r) => r.name).sort());
      const deduplicated = await queryUntil(metric, (rows) => rows.length === SERIES);
      assert.equal(deduplicated.length, SERIES);
      assert.equal(sumOf(deduplicated), expectedSum(100));
      assert.ok(deduplicated.every((r) => r.metric[thanos.replicaLabel] === undefined), 'Query drops the replica label');
      assert.ok(deduplicated.every((r) => r.metric[thanos.tenantLabel] === thanos.defaultTenant));
    });

    it('accepts writes with one receiver killed and loses no sample', async () => {
      const victim = ring.addresses.receivers[1];
      assert.ok(victim);
      const proc = ring.processes.get(victim.name);
      assert.ok(proc);
      process.kill(proc.pid, 'SIGKILL');
      await proc.exited;
      // Every write lands on 2 receivers; a quorum of 1 (replication 2) is met by the living one.
      for (let round = 1; round <= 5; round++) await remoteWrite(ring.writeUrl, { floats: batch(100 + round * 1000, start + round * 1000) });
      const rows = await queryUntil(metric, (r) => r.length === SERIES && sumOf(r) === expectedSum(5100));
      assert.equal(rows.length, SERIES);
      assert.equal(sumOf(rows), expectedSum(5100), 'the last batch, complete, through Query');
      const samples = await queryUntil(`count_over_time(${metric}[5m])`, (r) => r.length === SERIES && sumOf(r) === SERIES * 6);
      assert.equal(sumOf(samples), SERIES * 6, 'every series has all 6 samples');
    });

    it("a receiver stores a copy that arrives after the series' newer sample (the out-of-order window)", async () => {
      // The router answers after 1 of 2 copies; the other may reach its receiver after the
      // series' next push. Written straight to a living receiver here: newer first, then older.
      const receiver = ring.addresses.receivers[0];
      assert.ok(receiver);
      const url = `http://${receiver.remoteWrite}/api/v1/receive`;
      const labels = { __name__: 'scale_out_late_copy_total', series: 'late' };
      const now = Date.now();
      await remoteWrite(url, { floats: [{ labels, value: 2, timestampMs: now }] });
      await remoteWrite(url, { floats: [{ labels, value: 1, timestampMs: now - 5_000 }] });
      const rows = await queryUntil('count_over_time(scale_out_late_copy_total[5m])', (r) => sumOf(r) === 2);
      assert.equal(sumOf(rows), 2, 'both samples stored, the late one included');
    });
  });
} else {
  test("each process's listed ports are the addresses on its command line (the native busy-port check frees exactly these)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'thanos-specs-'));
    try {
      const specs = thanosProcessSpecs(thanosAddresses(), { dir, rule: { ruleFiles: ['rules.yml'], alertmanagerUrl: 'http://127.0.0.1:9093' } });
      assert.equal(specs.length, thanos.receivers + 3);
      for (const spec of specs) {
        const bound = spec.args.flatMap((arg) => /^--[\w.-]*address=(.+)$/.exec(arg)?.[1] ?? []);
        assert.deepEqual([...spec.listens].sort(), bound.sort(), spec.name);
        assert.equal(new Set(bound).size, bound.length, `${spec.name} binds each address once`);
      }
      const all = specs.flatMap((s) => s.listens);
      assert.equal(new Set(all).size, all.length, 'no two processes share a port');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
