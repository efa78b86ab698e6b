/**
 * The exporter benchmarks' scrape (bench/lib/scrape.ts) against a real pool exporter process: a
 * probe of a target that does not answer comes back HTTP 200 with `probe_success 0`, and the
 * benches must count it as an error that adds no latency (they used to time it as a success, or
 * looked for `probe_success 0` only in the first 200 bytes, where it is not). Also: the sample is
 * found anywhere in a body read in chunks, whatever the chunk boundaries.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { scrape, SampleFinder, ScrapeTally, type AnswerCheck, type ScrapeOptions } from '../../bench/lib/scrape.ts';
import { poolMetric } from '../../contract/metrics.ts';
import { fixture, spawnExporter, startHttpServer, type ExporterProcess, type TestServer } from './support.ts';

const PROBE_CHECK: AnswerCheck = { kind: 'probe-success', metric: poolMetric.probeSuccess };

describe('bench scrape against a real pool exporter', { timeout: 120_000 }, () => {
  let upstream: TestServer;
  let exporter: ExporterProcess;
  let agent: http.Agent;
  let opts: ScrapeOptions;
  const probeUrl = (target: string): string => `${exporter.url}/probe?target=${target}`;

  before(async () => {
    const healthy = await fixture('healthy.json');
    const unhealthy = await fixture('unhealthy.json');
    upstream = await startHttpServer((req, res) => {
      if (req.url === '/gone') {
        // A target that does not answer: the connection is closed without a response.
        req.socket.destroy();
        return;
      }
      const [status, body] = req.url === '/unhealthy' ? [503, unhealthy] : [200, healthy];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
    exporter = await spawnExporter(
      `targets:\n  up:\n    url: ${upstream.url}/healthy\n  gone:\n    url: ${upstream.url}/gone\n  unhealthy:\n    url: ${upstream.url}/unhealthy\n`,
    );
    agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    opts = { agent, check: PROBE_CHECK, scrapeTimeoutSeconds: 10, requestTimeoutMs: 30_000 };
  });

  after(async () => {
    agent?.destroy();
    await exporter?.stop();
    await upstream?.close();
  });

  it('counts a probe of a target that does not answer as an error, not a latency', async () => {
    const failed = await scrape(probeUrl('gone'), opts);
    // HTTP 200 alone (what bench:exporter used to check) would call this a success.
    assert.equal(failed.status, 200);
    assert.equal(failed.ok, false);
    assert.equal(failed.failure, `${poolMetric.probeSuccess} 0`);
    // The answer is longer than the 200 bytes bench:exporter-heavy used to look at.
    assert.ok(failed.bytes > 200, `the failed answer is ${failed.bytes} bytes`);

    const mixed = new ScrapeTally();
    for (let i = 0; i < 4; i++) {
      mixed.add(await scrape(probeUrl('up'), opts));
      mixed.add(await scrape(probeUrl('gone'), opts));
    }
    const stats = mixed.summary(1);
    assert.equal(stats.succeeded, 4);
    assert.equal(stats.errors, 4);
    assert.equal(stats.perSecond, 4, 'the rate counts successful probes only');
    assert.equal(stats.firstFailure, `${poolMetric.probeSuccess} 0`);

    // Only failures: no latency at all, whatever they took.
    const onlyFailed = new ScrapeTally();
    for (let i = 0; i < 3; i++) onlyFailed.add(await scrape(probeUrl('gone'), opts));
    const none = onlyFailed.summary(1);
    assert.equal(none.succeeded, 0);
    assert.equal(none.errors, 3);
    assert.ok(Number.isNaN(none.p50Ms) && Number.isNaN(none.p99Ms) && Number.isNaN(none.maxMs), JSON.stringify(none));
    assert.equal(none.perSecond, 0);
  });

  it('reads a 503 pool document as a successful probe (a 503 is data, the contract says)', async () => {
    const r = await scrape(probeUrl('unhealthy'), opts);
    assert.equal(r.ok, true, r.failure);
    assert.equal(r.status, 200);
  });

  it('counts a non-200 answer as an error (an unknown target answers 400)', async () => {
    const r = await scrape(probeUrl('nope'), opts);
    assert.deepEqual([r.ok, r.status, r.failure], [false, 400, 'HTTP 400']);
  });
});

describe('bench scrape reads the success sample anywhere in the body', () => {
  const filler = Array.from({ length: 40 }, (_, i) => `grpc_pool_size{pool="svc-${i}"} 5\n`).join('');
  const bodies = {
    late0: `# HELP probe_success_total not it\nprobe_success_total 1\n${filler}probe_success 0\n`,
    late1: `${filler}# TYPE probe_success gauge\nprobe_success 1\n`,
    labelled: `${filler}probe_success{module="a } b",x="\\""} 0 1700000000000\n`,
    noNewlineAtEnd: `${filler}probe_success 1`,
    absent: `${filler}probe_success_total 1\nxprobe_success 1\n`,
  };

  it('finds it at every chunk boundary', () => {
    const expected: Record<keyof typeof bodies, number[]> = { late0: [0], late1: [1], labelled: [0], noNewlineAtEnd: [1], absent: [] };
    for (const [name, text] of Object.entries(bodies) as [keyof typeof bodies, string][]) {
      const bytes = Buffer.from(text);
      for (let cut = 0; cut <= bytes.length; cut++) {
        const finder = new SampleFinder(poolMetric.probeSuccess);
        finder.push(bytes.subarray(0, cut));
        finder.push(bytes.subarray(cut));
        assert.deepEqual(finder.finish(), expected[name], `${name}, cut at ${cut}`);
      }
      const byteByByte = new SampleFinder(poolMetric.probeSuccess);
      for (let i = 0; i < bytes.length; i++) byteByByte.push(bytes.subarray(i, i + 1));
      assert.deepEqual(byteByByte.finish(), expected[name], `${name}, byte by byte`);
    }
  });

  it('judges a real HTTP answer written in pieces', async () => {
    const server = await startHttpServer((req, res) => {
      const text = bodies[(req.url ?? '/').slice(1) as keyof typeof bodies] ?? '';
      res.writeHead(200, { 'content-type': 'text/plain' });
      // Pieces that split the sample's name.
      for (let i = 0; i < text.length; i += 37) res.write(text.slice(i, i + 37));
      res.end();
    });
    const agent = new http.Agent({ keepAlive: true });
    try {
      const opts = { agent, check: PROBE_CHECK, scrapeTimeoutSeconds: 10, requestTimeoutMs: 30_000 };
      const verdicts: Record<string, string | undefined> = {};
      for (const name of Object.keys(bodies)) verdicts[name] = (await scrape(`${server.url}/${name}`, opts)).failure;
      assert.deepEqual(verdicts, {
        late0: 'probe_success 0',
        late1: undefined,
        labelled: 'probe_success 0',
        noNewlineAtEnd: undefined,
        absent: 'no probe_success sample in the answer',
      });
      const hasSample = await scrape(`${server.url}/absent`, { ...opts, check: { kind: 'has-sample', metric: 'grpc_pool_size' } });
      assert.equal(hasSample.ok, true, hasSample.failure);
    } finally {
      agent.destroy();
      await server.close();
    }
  });
});
