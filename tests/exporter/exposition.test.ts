/**
 * The exposition is written by hand (exposition.ts) for speed; these tests hold it to the bytes
 * prom-client's Registry writes for the same readings (the way the exporter rendered before),
 * on generated documents with hostile pool names, and to promtool.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Gauge, Registry } from 'prom-client';
import { poolMetric } from '../../contract/metrics.ts';
import { connectionStates, managerStatuses, poolStatuses } from '../../contract/pool-health.ts';
import { EXPOSITION_CONTENT_TYPE, renderProbe, type ProbeOutcome } from '../../exporters/pool-exporter/src/exposition.ts';
import { readPoolHealth } from '../../exporters/pool-exporter/src/pool-document.ts';
import { promtoolCheckBatch } from './support.ts';

/** The reference: a prom-client registry per probe, as the exporter rendered up to this change. */
async function renderWithPromClient(outcome: ProbeOutcome): Promise<string> {
  const registry = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> =>
    new Gauge<L>({ name, help, labelNames, registers: [registry] });
  gauge(poolMetric.probeSuccess, 'Whether a valid pool health document was read (a 503 document counts).').set(outcome.success ? 1 : 0);
  gauge(poolMetric.probeDuration, 'How long the probe took (fetch and parse), in seconds.').set(outcome.durationSeconds);
  gauge(poolMetric.probeHttpStatus, 'HTTP status code of the pool health answer (0 when there was none).').set(outcome.httpStatus);
  const doc = outcome.success ? outcome.doc : undefined;
  if (doc) {
    const connections = gauge(poolMetric.connections, 'Connections of the pool in each gRPC connectivity state.', ['pool', 'state']);
    const size = gauge(poolMetric.size, 'Connections held by the pool, whatever their state.', ['pool']);
    const ratio = gauge(poolMetric.healthyRatio, 'Share of the pool that is READY or IDLE, 0-1.', ['pool']);
    const status = gauge(poolMetric.status, 'Pool status as reported by the service (state set).', ['pool', 'status']);
    const manager = gauge(poolMetric.managerStatus, 'Overall pool manager status (state set).', ['status']);
    for (const pool of doc.pools) {
      for (const state of connectionStates) {
        const v = pool.connections[state];
        if (v !== undefined) connections.set({ pool: pool.name, state }, v);
      }
      if (pool.size !== undefined) size.set({ pool: pool.name }, pool.size);
      if (pool.healthyRatio !== undefined) ratio.set({ pool: pool.name }, pool.healthyRatio);
      if (pool.status !== undefined) for (const s of poolStatuses) status.set({ pool: pool.name, status: s }, s === pool.status ? 1 : 0);
    }
    if (doc.managerStatus !== undefined) for (const s of managerStatuses) manager.set({ status: s }, s === doc.managerStatus ? 1 : 0);
  }
  assert.equal(registry.contentType, EXPOSITION_CONTENT_TYPE);
  return registry.metrics();
}

const name = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('"', '\\', '\n', '\\n', '"}', '",pool="x', '} 1\nx 2', '__proto__', 'constructor', '\r\t', '\ud800', 'ünï-🚀'),
);
const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
const count = fc.oneof(fc.nat({ max: 50 }), fc.double({ min: 0, max: 50, noNaN: true }), fc.constantFrom(-1, '3', null));
const document = fc.record({
  status: maybe(fc.constantFrom(...managerStatuses, 'weird')),
  services: fc.dictionary(
    name,
    fc.record(
      {
        ready_connections: count,
        idle_connections: count,
        connecting: count,
        failed_connections: count,
        shutdown: count,
        total_connections: count,
        healthy_percentage: fc.double({ min: -10, max: 200, noNaN: true }),
        status: fc.constantFrom(...poolStatuses, 'other'),
      },
      { requiredKeys: [] },
    ),
    { maxKeys: 12 },
  ),
});

describe('exposition text', () => {
  it('is byte for byte what prom-client writes, on 300 generated documents', async () => {
    const docs = fc.sample(fc.tuple(document, fc.double({ min: 0, max: 10, noNaN: true }), fc.constantFrom(200, 503)), { numRuns: 300, seed: 42 });
    const texts: string[] = [];
    for (const [raw, duration, httpStatus] of docs) {
      const parsed = await readPoolHealth(JSON.stringify(raw));
      assert.ok(parsed.ok, JSON.stringify(raw));
      const outcome: ProbeOutcome = { success: true, durationSeconds: duration, httpStatus, doc: parsed.doc };
      const ours = (await renderProbe(outcome)).toString('utf8');
      assert.equal(ours, await renderWithPromClient(outcome), JSON.stringify(raw));
      texts.push(ours);
    }
    const failed: ProbeOutcome = { success: false, durationSeconds: 0.25, httpStatus: 0 };
    assert.equal((await renderProbe(failed)).toString('utf8'), await renderWithPromClient(failed));
    assert.deepEqual((await promtoolCheckBatch(texts)).parseErrors, []);
  });
});
