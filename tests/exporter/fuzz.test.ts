/**
 * Property test: >= 1,200 malformed or hostile answers (truncated, huge, wrong types, slow,
 * redirects, HTML pages, resets, lying lengths, garbage status lines) served by a raw TCP server
 * to the real exporter, 8 probes at a time. The exporter must never die, must answer every scrape
 * with exposition text that promtool parses, and must read well-formed documents exactly.
 *
 * Replay a failure with FUZZ_SEED=<seed printed in the failure> npm test -- exporter/fuzz.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parseExposition, promtoolCheckBatch, startExporter, valueOf, type Sample, type TestExporter } from './support.ts';

const CASES = 1_200;
const LANES = 8;
const BODY_LIMIT = 16 * 1024;
/**
 * Timeouts are tested on lanes of their own, against answers that never complete, so the outcome
 * does not depend on how fast the machine is. The other lanes have a timeout no busy machine
 * reaches: a clean case never becomes a timeout because 2 cores are loaded.
 */
const TIMEOUT_MS = 1_000;
const TIMEOUT_LANES = 2;
const GENEROUS_TIMEOUT = 'timeout: 60s\n    connect_timeout: 30s';
const DELAY_FAULTS: readonly Fault[] = ['delay-headers', 'slow-body'];
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

const STATES = ['ready_connections', 'idle_connections', 'connecting', 'failed_connections', 'shutdown'] as const;
const METRIC_NAMES = new Set([
  'probe_success', 'probe_duration_seconds', 'probe_http_status_code', 'grpc_pool_connections', 'grpc_pool_size',
  'grpc_pool_healthy_ratio', 'grpc_pool_status', 'grpc_pool_manager_status',
]);

type Fault =
  | 'none' | 'delay-headers' | 'slow-body' | 'reset-before-headers' | 'reset-mid-body' | 'garbage-status-line'
  | 'close-without-response' | 'length-too-long' | 'length-too-short' | 'huge-header';
type Framing = 'length' | 'chunked' | 'close';

interface Case {
  status: number;
  body: Buffer;
  /** Set when the body is a well-formed document: pool name -> total_connections. */
  sizes?: Map<string, number>;
  framing: Framing;
  fault: Fault;
  contentType: string;
}

// ---- generators ----
const hostileName = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('"', '\\', '\n', '\\n', '"}', '",pool="x', '} 1\nx 2', '__proto__', 'constructor', 'toString', '\u0000', '\ud800', 'a b'),
  fc.stringMatching(/^[a-z]{1,8}-service$/),
);
const count = fc.oneof(fc.nat({ max: 50 }), fc.double({ min: 0, max: 50, noNaN: true }));
const wellFormedPool = fc.record({
  ready_connections: count,
  idle_connections: count,
  connecting: count,
  failed_connections: count,
  shutdown: count,
  total_connections: count,
  healthy_percentage: fc.double({ min: 0, max: 100, noNaN: true }),
  is_healthy: fc.boolean(),
  status: fc.constantFrom('healthy', 'degraded', 'unhealthy'),
});
const wellFormedDoc = fc.record({
  status: fc.constantFrom('healthy', 'degraded', 'unhealthy', 'unavailable'),
  services: fc.dictionary(hostileName, wellFormedPool, { maxKeys: 12 }),
  summary: fc.jsonValue({ maxDepth: 1 }),
});
/** Any field may be missing, of the wrong type, or joined by unknown fields. */
const mutatedPool = fc.dictionary(
  fc.oneof(fc.constantFrom(...STATES, 'total_connections', 'healthy_percentage', 'status', 'is_healthy'), fc.string({ maxLength: 6 })),
  fc.oneof(count, fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(-1, 1e308, 'healthy', 'degraded', 'READY', '5', null, true)),
  { maxKeys: 10 },
);
const mutatedDoc = fc.record(
  {
    status: fc.oneof(fc.constantFrom('healthy', 'degraded', 'unhealthy', 'unavailable', 'HEALTHY', ''), fc.jsonValue({ maxDepth: 1 })),
    services: fc.oneof(
      { arbitrary: fc.dictionary(hostileName, mutatedPool, { maxKeys: 8 }), weight: 8 },
      { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 },
    ),
    error: fc.string({ maxLength: 20 }),
  },
  { requiredKeys: [] },
);

const htmlPage = fc.constantFrom(
  '<html><body><h1>502 Bad Gateway</h1></body></html>',
  '<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>down</body></html>',
  'upstream connect error or disconnect/reset before headers',
);

type BodyKind = { body: Buffer; sizes?: Map<string, number> };
const toBody = (text: string): Buffer => Buffer.from(text, 'utf8');
const body: fc.Arbitrary<BodyKind> = fc.oneof(
  { weight: 8, arbitrary: wellFormedDoc.map((d) => ({ body: toBody(JSON.stringify(d)), sizes: sizesOf(d.services) })) },
  { weight: 5, arbitrary: mutatedDoc.map((d) => ({ body: toBody(JSON.stringify(d)) })) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => ({ body: toBody(JSON.stringify(v) ?? '') })) },
  {
    weight: 2,
    arbitrary: fc.tuple(wellFormedDoc, fc.double({ min: 0, max: 1, noNaN: true })).map(([d, cut]) => {
      const text = JSON.stringify(d);
      return { body: toBody(text.slice(0, Math.floor(text.length * cut))) };
    }),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => ({ body: Buffer.from(b) })) },
  { weight: 1, arbitrary: htmlPage.map((h) => ({ body: toBody(h) })) },
  {
    weight: 1,
    arbitrary: fc.tuple(wellFormedDoc, fc.integer({ min: BODY_LIMIT + 1, max: 4 * BODY_LIMIT })).map(([d, size]) => ({
      body: toBody(JSON.stringify(d).padEnd(size, ' ')),
    })),
  },
  { weight: 1, arbitrary: fc.constant({ body: Buffer.alloc(0) }) },
);

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    status: fc.oneof(
      { weight: 10, arbitrary: fc.constantFrom(200, 503) },
      { weight: 3, arbitrary: fc.constantFrom(201, 204, 301, 302, 307, 308, 400, 404, 418, 500, 502, 504, 103) },
    ),
    body,
    framing: fc.constantFrom<Framing>('length', 'chunked', 'close'),
    fault: fc.oneof(
      { weight: 20, arbitrary: fc.constant<Fault>('none') },
      {
        weight: 6,
        arbitrary: fc.constantFrom<Fault>(
          'delay-headers', 'slow-body', 'reset-before-headers', 'reset-mid-body', 'garbage-status-line',
          'close-without-response', 'length-too-long', 'length-too-short', 'huge-header',
        ),
      },
    ),
    contentType: fc.constantFrom('application/json', 'text/html', 'text/plain; charset=utf-8', ''),
  })
  .map(({ body: b, ...rest }) => ({ ...rest, body: b.body, sizes: b.sizes }));

function sizesOf(services: Record<string, { total_connections: number }>): Map<string, number> {
  // What the exporter must show: UTF-8 turns a lone surrogate into U+FFFD, the first of two
  // names that become equal wins, and a pool without a name is skipped.
  const parsed = JSON.parse(JSON.stringify(services)) as Record<string, { total_connections: number }>;
  const out = new Map<string, number>();
  for (const [key, p] of Object.entries(parsed)) {
    const name = Buffer.from(key, 'utf8').toString('utf8');
    if (name !== '' && !out.has(name)) out.set(name, p.total_connections);
  }
  return out;
}

// ---- a raw HTTP/1.1 server: every byte on the wire is ours ----
function startRawServer(laneCase: (Case | undefined)[]): Promise<{ port: number; server: Server }> {
  const server = createServer((socket: Socket) => {
    let buffered = '';
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        const lane = Number(/^GET \/lane\/(\d+) /.exec(head)?.[1]);
        const c = laneCase[lane];
        if (!c) {
          socket.end('HTTP/1.1 500 No case\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
          return;
        }
        respond(socket, c);
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    resolve({ port: typeof address === 'object' && address ? address.port : 0, server });
  }));
}

function respond(socket: Socket, c: Case): void {
  const clean = c.fault === 'none' && c.framing !== 'close' && c.status >= 200 && c.status !== 204;
  const headers = [`HTTP/1.1 ${c.status} Whatever`];
  if (c.contentType) headers.push(`Content-Type: ${c.contentType}`);
  // Only clean answers keep the connection: a socket in a strange state must not reach the next case.
  headers.push(clean ? 'Connection: keep-alive' : 'Connection: close');
  if (c.framing === 'chunked') headers.push('Transfer-Encoding: chunked');
  const length = c.fault === 'length-too-long' ? c.body.length + 100 : c.fault === 'length-too-short' ? Math.max(0, c.body.length - 10) : c.body.length;
  if (c.framing === 'length') headers.push(`Content-Length: ${length}`);
  if (c.fault === 'huge-header') headers.push(`X-Padding: ${'p'.repeat(20_000)}`);
  const head = `${headers.join('\r\n')}\r\n\r\n`;
  const payload = c.framing === 'chunked' ? chunked(c.body) : c.body;
  const closeAfter = () => (clean ? undefined : socket.end());
  switch (c.fault) {
    case 'delay-headers':
      // Never answers: only the exporter's timeout ends this probe, however late its timer fires.
      return;
    case 'slow-body':
      // Half the body, then nothing: the same.
      socket.write(Buffer.concat([Buffer.from(head, 'latin1'), payload.subarray(0, payload.length >> 1)]));
      return;
    case 'reset-before-headers':
      socket.resetAndDestroy();
      return;
    case 'close-without-response':
      socket.end();
      return;
    case 'reset-mid-body':
      socket.write(Buffer.concat([Buffer.from(head, 'latin1'), payload.subarray(0, payload.length >> 1)]), () => socket.resetAndDestroy());
      return;
    case 'garbage-status-line':
      socket.end(Buffer.concat([Buffer.from('SSH-2.0-OpenSSH_9.2\r\nHTTP/1.1 2OO OK\r\n\r\n'), payload]));
      return;
    default:
      socket.write(Buffer.concat([Buffer.from(head, 'latin1'), payload]));
      closeAfter();
  }
}

function chunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length; i += 1_000) {
    const piece = body.subarray(i, i + 1_000);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/** What a case must give, when the outcome is certain; undefined = either is fine. */
function expectedSuccess(c: Case): 0 | 1 | undefined {
  const accepted = (c.status >= 200 && c.status < 300) || c.status === 503;
  if (['delay-headers', 'slow-body', 'reset-before-headers', 'garbage-status-line', 'close-without-response', 'huge-header'].includes(c.fault)) return 0;
  if (c.fault === 'length-too-long' && c.framing === 'length') return 0;
  if (c.status < 200 || !accepted) return 0;
  if (c.fault === 'none' && c.body.length > BODY_LIMIT) return 0;
  // A reset is seen as truncation when the framing says how long the body is; a close-delimited
  // body (no length, no chunks) ends wherever the connection ends, and may still be valid JSON.
  if (c.fault === 'reset-mid-body' && c.framing !== 'close') return 0;
  if (c.sizes && c.fault === 'none' && c.status !== 204) return 1;
  return undefined;
}

describe(`pool exporter under ${CASES} hostile answers (seed ${SEED})`, () => {
  const laneCase: (Case | undefined)[] = Array.from({ length: LANES }, () => undefined);
  let raw: { port: number; server: Server };
  let exporter: TestExporter;

  before(async () => {
    raw = await startRawServer(laneCase);
    const timeouts = (lane: number): string => (lane >= LANES - TIMEOUT_LANES ? `timeout: ${TIMEOUT_MS}ms\n    connect_timeout: 500ms` : GENEROUS_TIMEOUT);
    const targets = Array.from({ length: LANES }, (_, i) => `  fuzz-${i}:\n    url: http://127.0.0.1:${raw.port}/lane/${i}\n    ${timeouts(i)}\n`).join('');
    exporter = await startExporter(`body_size_limit: ${BODY_LIMIT}\ntargets:\n${targets}`);
  });
  after(async () => {
    await exporter?.stop();
    raw?.server.close();
  });

  it('never dies, always answers valid exposition, reads well-formed documents exactly', { timeout: 180_000 }, async () => {
    const cases = fc.sample(caseArb, { numRuns: CASES, seed: SEED });
    const answers: string[] = new Array<string>(CASES);
    let failuresSeen = 0;
    let exactChecks = 0;
    const describeCase = (i: number): string => {
      const c = cases[i];
      return `case ${i} (seed ${SEED}): status ${c?.status}, fault ${c?.fault}, framing ${c?.framing}, body ${JSON.stringify(c?.body.toString('utf8').slice(0, 300))}`;
    };

    // Cases whose answer never completes go to the timeout lanes, the others to the rest.
    const queues = [cases.flatMap((c, i) => (DELAY_FAULTS.includes(c.fault) ? [] : [i])), cases.flatMap((c, i) => (DELAY_FAULTS.includes(c.fault) ? [i] : []))];
    const cursors = [0, 0];
    const take = (kind: 0 | 1): number | undefined => {
      const at = cursors[kind] ?? 0;
      cursors[kind] = at + 1;
      return queues[kind]?.[at];
    };
    await Promise.all(
      Array.from({ length: LANES }, async (_, lane) => {
        const kind = lane >= LANES - TIMEOUT_LANES ? 1 : 0;
        for (let i = take(kind); i !== undefined; i = take(kind)) {
          const c = cases[i];
          if (!c) continue;
          laneCase[lane] = c;
          const res = await exporter.probe(`fuzz-${lane}`);
          assert.equal(res.status, 200, describeCase(i));
          answers[i] = res.text;
          let samples: Sample[];
          try {
            samples = parseExposition(res.text);
          } catch (err) {
            assert.fail(`${describeCase(i)}: ${(err as Error).message}\n${res.text}`);
          }
          const success = valueOf(samples, 'probe_success');
          assert.ok(success === 0 || success === 1, describeCase(i));
          if (success === 0) failuresSeen++;
          for (const s of samples) {
            assert.ok(METRIC_NAMES.has(s.name), `${describeCase(i)}: unexpected metric ${s.name}`);
            assert.ok(Number.isFinite(s.value), `${describeCase(i)}: ${s.name} = ${s.value}`);
            assert.equal(s.labels.service, undefined);
            if (s.name === 'grpc_pool_healthy_ratio') assert.ok(s.value >= 0 && s.value <= 1, describeCase(i));
          }
          const expected = expectedSuccess(c);
          if (expected !== undefined) assert.equal(success, expected, `${describeCase(i)}\n${res.text}\nbody length ${c.body.length}`);
          if (expected === 1 && c.sizes) {
            exactChecks++;
            const got = new Map(samples.filter((s) => s.name === 'grpc_pool_size').map((s) => [s.labels.pool ?? '', s.value]));
            assert.deepEqual(got, c.sizes, describeCase(i));
            assert.equal(samples.filter((s) => s.name === 'grpc_pool_connections').length, c.sizes.size * 5, describeCase(i));
          }
        }
      }),
    );

    // The real parser: promtool, a few hundred answers per run.
    for (let i = 0; i < answers.length; i += 300) {
      const verdict = await promtoolCheckBatch(answers.slice(i, i + 300));
      assert.deepEqual(verdict.parseErrors, [], `promtool rejected answers ${i}..${i + 299} (seed ${SEED})`);
    }

    // Still alive and consistent: every probe counted once, every failure counted once.
    assert.equal((await fetch(`${exporter.url}/-/healthy`)).status, 200);
    const self = parseExposition(await (await fetch(`${exporter.url}/metrics`)).text());
    const sum = (name: string) => self.filter((s) => s.name === name).reduce((a, s) => a + s.value, 0);
    assert.equal(sum('pool_exporter_probes_total'), CASES);
    assert.equal(sum('pool_exporter_probe_failures_total'), failuresSeen);
    assert.ok(failuresSeen > CASES / 10 && failuresSeen < CASES, `${failuresSeen} failures: the generators cover both outcomes`);
    assert.ok(exactChecks > CASES / 10, `only ${exactChecks} well-formed documents were checked series by series`);
    console.log(`fuzz seed ${SEED}: ${CASES} cases, ${failuresSeen} probe failures, ${exactChecks} documents checked exactly`);
    const log = await exporter.log();
    assert.doesNotMatch(log, /unhandled|uncaught|TypeError|RangeError/i);
  });
});
