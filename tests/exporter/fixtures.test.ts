/**
 * Every sample of the pool health contract (fixtures/pool-health, the copy of ../shared/fixtures/pool-health), served with its
 * HTTP code by a real HTTP server, probed through the real exporter: exact series and values.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { FIXTURES_DIR, fixture, parseExposition, promtoolCheck, startExporter, startHttpServer, valueOf, type Sample, type TestExporter, type TestServer } from './support.ts';

/** HTTP code of each sample, as the contract's README table gives it. */
const samples: Record<string, number> = {
  'healthy.json': 200,
  'degraded.json': 200,
  'unhealthy.json': 503,
  'cold-start-idle.json': 200,
  'unavailable.json': 503,
};

interface PoolJson {
  ready_connections: number;
  idle_connections: number;
  connecting: number;
  failed_connections: number;
  shutdown: number;
  total_connections: number;
  healthy_percentage: number;
  status: string;
}

/** The contract, written out: which series and values a sample must give. */
function expectedSeries(doc: { status: string; services?: Record<string, PoolJson> }, httpStatus: number): Sample[] {
  const out: Sample[] = [
    { name: 'probe_success', labels: {}, value: 1 },
    { name: 'probe_http_status_code', labels: {}, value: httpStatus },
  ];
  for (const [pool, p] of Object.entries(doc.services ?? {})) {
    const states: [string, number][] = [
      ['ready', p.ready_connections],
      ['idle', p.idle_connections],
      ['connecting', p.connecting],
      ['transient_failure', p.failed_connections],
      ['shutdown', p.shutdown],
    ];
    for (const [state, value] of states) out.push({ name: 'grpc_pool_connections', labels: { pool, state }, value });
    out.push({ name: 'grpc_pool_size', labels: { pool }, value: p.total_connections });
    // The service's own percentage, not the exporter's formula: the recomputed ratio must agree with it.
    out.push({ name: 'grpc_pool_healthy_ratio', labels: { pool }, value: p.healthy_percentage / 100 });
    for (const status of ['healthy', 'degraded', 'unhealthy']) {
      out.push({ name: 'grpc_pool_status', labels: { pool, status }, value: status === p.status ? 1 : 0 });
    }
  }
  for (const status of ['healthy', 'degraded', 'unhealthy', 'unavailable']) {
    out.push({ name: 'grpc_pool_manager_status', labels: { status }, value: status === doc.status ? 1 : 0 });
  }
  return out;
}

const key = (s: Sample): string => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;

describe('pool exporter on the contract samples', () => {
  let server: TestServer;
  let exporter: TestExporter;
  const bodies = new Map<string, string>();

  before(async () => {
    for (const name of Object.keys(samples)) bodies.set(name, await fixture(name));
    server = await startHttpServer((req, res) => {
      const name = (req.url ?? '').slice(1);
      const body = bodies.get(name);
      res.writeHead(body === undefined ? 404 : (samples[name] ?? 500), { 'content-type': 'application/json' });
      res.end(body ?? '{}');
    });
    const targets = Object.keys(samples)
      .map((name) => `  ${name.replace('.json', '')}:\n    url: ${server.url}/${name}\n    timeout: 2s\n`)
      .join('');
    exporter = await startExporter(`targets:\n${targets}`);
  });

  after(async () => {
    await exporter?.stop();
    await server?.close();
  });

  it('covers every sample in the fixtures folder', async () => {
    const files = (await readdir(FIXTURES_DIR)).filter((f) => f.endsWith('.json')).sort();
    assert.deepEqual(files, Object.keys(samples).sort());
  });

  for (const [name, httpStatus] of Object.entries(samples)) {
    it(`${name} (HTTP ${httpStatus}) gives exactly the contract's series`, async () => {
      const started = performance.now();
      const res = await exporter.probe(name.replace('.json', ''));
      const wallSeconds = (performance.now() - started) / 1000;
      assert.equal(res.status, 200);
      assert.match(res.contentType, /^text\/plain; version=0\.0\.4/);
      const verdict = await promtoolCheck(res.text);
      assert.deepEqual(verdict.parseErrors, [], res.text);
      assert.deepEqual(verdict.lints, [], 'promtool has naming lints');

      const got = parseExposition(res.text);
      const duration = valueOf(got, 'probe_duration_seconds');
      // Measured, and within the request that carried it (no speed is asserted).
      assert.ok(duration > 0 && duration <= wallSeconds, `probe_duration_seconds ${duration}, request took ${wallSeconds} s`);
      const expected = expectedSeries(JSON.parse(bodies.get(name) ?? '') as { status: string }, httpStatus);
      const withoutDuration = got.filter((s) => s.name !== 'probe_duration_seconds');
      assert.deepEqual(
        new Map(withoutDuration.map((s) => [key(s), s.value])),
        new Map(expected.map((s) => [key(s), s.value])),
      );
      for (const s of got) assert.equal(s.labels.service, undefined, 'identity comes from Prometheus, not the exporter');
    });
  }

  it('reads the numbers that matter in each sample', async () => {
    const degraded = parseExposition((await exporter.probe('degraded')).text);
    assert.equal(valueOf(degraded, 'grpc_pool_healthy_ratio', { pool: 'payment-service' }), 0.6);
    assert.equal(valueOf(degraded, 'grpc_pool_connections', { pool: 'payment-service', state: 'transient_failure' }), 2);
    assert.equal(valueOf(degraded, 'grpc_pool_status', { pool: 'payment-service', status: 'degraded' }), 1);
    assert.equal(valueOf(degraded, 'grpc_pool_manager_status', { status: 'degraded' }), 1);

    const unhealthy = parseExposition((await exporter.probe('unhealthy')).text);
    assert.equal(valueOf(unhealthy, 'probe_success'), 1, 'a 503 document is data');
    assert.equal(valueOf(unhealthy, 'probe_http_status_code'), 503);
    assert.equal(valueOf(unhealthy, 'grpc_pool_healthy_ratio', { pool: 'order-service' }), 0);
    assert.equal(valueOf(unhealthy, 'grpc_pool_connections', { pool: 'order-service', state: 'connecting' }), 1);
    assert.equal(valueOf(unhealthy, 'grpc_pool_status', { pool: 'order-service', status: 'unhealthy' }), 1);

    const cold = parseExposition((await exporter.probe('cold-start-idle')).text);
    assert.equal(valueOf(cold, 'grpc_pool_connections', { pool: 'user-service', state: 'idle' }), 5);
    assert.equal(valueOf(cold, 'grpc_pool_healthy_ratio', { pool: 'user-service' }), 1, 'IDLE counts as healthy');

    const unavailable = parseExposition((await exporter.probe('unavailable')).text);
    assert.equal(valueOf(unavailable, 'probe_success'), 1);
    assert.equal(valueOf(unavailable, 'grpc_pool_manager_status', { status: 'unavailable' }), 1);
    assert.equal(unavailable.filter((s) => s.name === 'grpc_pool_size').length, 0);
  });
});
