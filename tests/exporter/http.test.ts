/**
 * The exporter's HTTP surface and its limits, over real HTTP: target allow-list, failure
 * reasons, timeouts, redirects, size cap, field-level tolerance, hostile names, isolation of
 * concurrent scrapes, and its own /metrics.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { parseExposition, promtoolCheck, startExporter, startHttpServer, valueOf, type Sample, type TestExporter, type TestServer } from './support.ts';

const pool = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  healthy_percentage: 100.0,
  ready_connections: 5,
  idle_connections: 0,
  connecting: 0,
  failed_connections: 0,
  shutdown: 0,
  total_connections: 5,
  is_healthy: true,
  status: 'healthy',
  ...over,
});

const HOSTILE_NAMES = [
  'quote"inside',
  'back\\slash',
  'new\nline',
  'both\\"\n',
  '",state="ready',
  '} 1\ngrpc_pool_size{pool="x"} 99',
  '__proto__',
  'constructor',
  'ünïcødé-サービス-🚀',
  'tab\tand\rcarriage',
  ' ',
  'x'.repeat(2000),
];

/** Routes of the fake service: path -> how to answer. */
type Route = (res: ServerResponse) => void;
const json = (status: number, body: unknown): Route => (res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

describe('pool exporter HTTP surface', () => {
  let server: TestServer;
  let grpcServer: grpc.Server;
  let exporter: TestExporter;
  let redirectFollowed = 0;
  let keepAliveRequests = 0;
  let droppedReused = 0;
  let hangArrivals = 0;
  const servedOn = new WeakSet<object>();
  const routes: Record<string, Route> = {
    '/ok': json(200, { status: 'healthy', services: { a: pool() } }),
    '/slow': (res) => setTimeout(() => json(200, { status: 'healthy', services: {} })(res), 1_500),
    '/drip': (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":"healthy",');
      setTimeout(() => res.end('"services":{}}'), 1_500);
    },
    '/404': json(404, { error: 'not found' }),
    // The real gateway's rate limiter answers every route, pool health included, like this.
    '/429': json(429, { error: 'rate limit exceeded' }),
    '/500-json': json(500, { status: 'healthy', services: { a: pool() } }),
    '/redirect': (res) => {
      res.writeHead(302, { location: '/redirect-target' });
      res.end();
    },
    '/redirect-target': (res) => {
      redirectFollowed++;
      json(200, { status: 'healthy', services: {} })(res);
    },
    '/html': (res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    },
    '/html-200': (res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Service Unavailable</body></html>');
    },
    '/array': json(200, [1, 2, 3]),
    '/services-list': json(200, { status: 'healthy', services: [pool()] }),
    '/pool-not-object': json(200, { status: 'healthy', services: { a: pool(), b: 5 } }),
    '/no-services': json(200, { status: 'healthy' }),
    '/big-declared': json(200, { status: 'healthy', services: {}, pad: 'x'.repeat(40_000) }),
    '/big-chunked': (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 40; i++) res.write(`${' '.repeat(1_000)}`);
      res.end('{}');
    },
    '/reset-mid-body': (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
      res.write('{"status":"healthy","services":{');
      setTimeout(() => res.socket?.destroy(), 50);
    },
    '/keepalive': (res) => {
      // The race a kept-alive client meets: the server drops the idle socket as it is reused.
      const socket = res.socket;
      if (socket && servedOn.has(socket)) {
        droppedReused++;
        socket.destroy();
        return;
      }
      if (socket) servedOn.add(socket);
      keepAliveRequests++;
      json(200, { status: 'healthy', services: { a: pool() } })(res);
    },
    '/fields': json(200, {
      // Key order shuffled, floats, extra fields, one pool per field-level problem.
      extra_top_level: { anything: [1, 2] },
      services: {
        floats: { total_connections: 5.0, shutdown: 0.0, status: 'degraded', failed_connections: 1.5, connecting: 0, idle_connections: 1.0, ready_connections: 2.5, healthy_percentage: 70.0, is_healthy: true, new_field: 'ignored' },
        'no-counts': { healthy_percentage: 40.0, total_connections: 5, status: 'unhealthy' },
        'bad-types': pool({ ready_connections: '5', idle_connections: null, status: 'weird', shutdown: -1 }),
        empty: pool({ ready_connections: 0, idle_connections: 0, total_connections: 0, healthy_percentage: 0 }),
        'only-status': { status: 'healthy' },
        inconsistent: pool({ ready_connections: 9, total_connections: 5 }),
      },
      status: 'degraded',
    }),
    '/hostile': json(200, {
      status: 'healthy',
      services: Object.fromEntries(HOSTILE_NAMES.map((name, i) => [name, pool({ total_connections: i + 1 })])),
    }),
    '/lone-surrogate': json(200, '{"status":"healthy","services":{"a\\ud800b":{"total_connections":3}}}'),
    '/bom': json(200, `\ufeff${JSON.stringify({ status: 'healthy', services: { a: pool() } })}`),
  };

  before(async () => {
    // A real gRPC server: HTTP/2 only, it answers an HTTP/1.1 request with a binary SETTINGS frame.
    grpcServer = new grpc.Server();
    const grpcPort = await new Promise<number>((resolve, reject) =>
      grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    server = await startHttpServer((req, res) => {
      if (req.url === '/hang') {
        // Never answers: only the scrape's cancellation can end this probe before its 10 s timeout.
        hangArrivals++;
        return;
      }
      const route = routes[req.url ?? ''];
      if (route) route(res);
      else json(404, 'no route')(res);
    });
    // 1 s only where the timeout is what is tested; elsewhere a timeout a busy machine cannot reach,
    // so 30 concurrent scrapes on 2 loaded cores still test function, not speed.
    const timeoutOf = (path: string): string => (path === '/slow' || path === '/drip' ? '1s' : '60s');
    const targets = Object.keys(routes)
      .map((path) => `  ${path.slice(1)}:\n    url: ${server.url}${path}\n    timeout: ${timeoutOf(path)}\n`)
      .join('');
    exporter = await startExporter(
      `body_size_limit: 32KiB\ntargets:\n${targets}  refused:\n    url: http://127.0.0.1:9/none\n  grpc:\n    url: http://127.0.0.1:${grpcPort}/health/pools/detailed\n  long-timeout:\n    url: ${server.url}/slow\n    timeout: 10s\n  hang:\n    url: ${server.url}/hang\n    timeout: 10s\n`,
    );
  });

  after(async () => {
    await exporter?.stop();
    await server?.close();
    grpcServer?.forceShutdown();
  });

  const probe = async (target: string, headers?: Record<string, string>): Promise<Sample[]> => {
    const res = await exporter.probe(target, headers);
    assert.equal(res.status, 200, res.text);
    const verdict = await promtoolCheck(res.text);
    assert.deepEqual(verdict.parseErrors, [], res.text);
    return parseExposition(res.text);
  };
  const failures = async (): Promise<Sample[]> =>
    parseExposition(await (await fetch(`${exporter.url}/metrics`)).text()).filter((s) => s.name === 'pool_exporter_probe_failures_total');
  const failureCount = (all: Sample[], target: string, reason: string): number =>
    valueOf(all, 'pool_exporter_probe_failures_total', { target, reason });

  it('accepts only configured target names (no open URL parameter)', async () => {
    for (const query of ['', '?target=nope', `?target=${encodeURIComponent('http://127.0.0.1:9/x')}`, '?target=ok&target=ok']) {
      const res = await fetch(`${exporter.url}/probe${query}`);
      assert.equal(res.status, 400, query);
      assert.match(await res.text(), /target/);
    }
  });

  it('answers a repeated target parameter with its own 400', async () => {
    for (const query of ['?target=ok&target=ok', '?target=ok&target=refused']) {
      const res = await fetch(`${exporter.url}/probe${query}`);
      assert.equal(res.status, 400, query);
      const text = await res.text();
      assert.match(text, /given more than once/, query);
      assert.doesNotMatch(text, /missing/, query);
    }
  });

  it('reports a gRPC (HTTP/2-only) port as reason protocol, not connect', async () => {
    const before = await failures();
    const got = await probe('grpc');
    assert.equal(valueOf(got, 'probe_success'), 0);
    assert.equal(valueOf(got, 'probe_http_status_code'), 0);
    const after = await failures();
    assert.equal(failureCount(after, 'grpc', 'protocol'), failureCount(before, 'grpc', 'protocol') + 1);
    assert.equal(failureCount(after, 'grpc', 'connect'), 0);
    assert.match(await exporter.log(), /target=grpc .*reason=protocol err="the answer is not HTTP\/1\.x/);
  });

  const failureCases: [string, string, number][] = [
    ['slow', 'timeout', 0],
    ['drip', 'timeout', 200],
    ['refused', 'connect', 0],
    ['reset-mid-body', 'connect', 200],
    ['404', 'http_status', 404],
    ['429', 'rate_limited', 429],
    ['500-json', 'http_status', 500],
    ['redirect', 'http_status', 302],
    ['html', 'http_status', 502],
    ['html-200', 'invalid_json', 200],
    ['array', 'schema', 200],
    ['services-list', 'schema', 200],
    ['pool-not-object', 'schema', 200],
    ['no-services', 'schema', 200],
    ['big-declared', 'too_large', 200],
    ['big-chunked', 'too_large', 200],
  ];
  for (const [target, reason, httpStatus] of failureCases) {
    it(`${target}: probe_success 0, reason ${reason}, no pool series`, async () => {
      const before = failureCount(await failures(), target, reason);
      const got = await probe(target);
      assert.equal(valueOf(got, 'probe_success'), 0);
      assert.equal(valueOf(got, 'probe_http_status_code'), httpStatus);
      assert.deepEqual(got.filter((s) => s.name.startsWith('grpc_pool_')), []);
      assert.equal(failureCount(await failures(), target, reason), before + 1);
      assert.match(await exporter.log(), new RegExp(`probe failed.*target=${target} .*reason=${reason}`));
    });
  }

  it('does not follow redirects', async () => {
    await probe('redirect');
    assert.equal(redirectFollowed, 0);
  });

  it('shortens the probe to the scrape timeout minus 0.5 s', async () => {
    const got = await probe('long-timeout', { 'X-Prometheus-Scrape-Timeout-Seconds': '1' });
    assert.equal(valueOf(got, 'probe_success'), 0);
    const duration = valueOf(got, 'probe_duration_seconds');
    // The budget the probe used is in its log (how long it took on this machine is not asserted).
    assert.ok(duration >= 0.45, `a 1 s scrape timeout gave a ${duration} s probe`);
    assert.match(await exporter.log(), /target=long-timeout .*reason=timeout err="no complete answer within 500 ms"/);
    const untouched = await probe('long-timeout');
    assert.equal(valueOf(untouched, 'probe_success'), 1, 'without the header the 10 s target timeout applies');
  });

  it('aborts the fetch when the scrape is cancelled', async () => {
    const before = failureCount(await failures(), 'hang', 'timeout');
    const arrived = hangArrivals;
    const scrape = new AbortController();
    const cancelled = assert.rejects(fetch(`${exporter.url}/probe?target=hang`, { signal: scrape.signal }));
    // Cancel only once the exporter's fetch has reached the target.
    for (let i = 0; i < 3_000 && hangArrivals === arrived; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(hangArrivals, arrived + 1, 'the probe reached the target');
    const started = Date.now();
    scrape.abort();
    await cancelled;
    // The log says which ended it (the cancellation, not the 10 s timeout); the wait is only a bound.
    while (failureCount(await failures(), 'hang', 'timeout') === before && Date.now() - started < 30_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(failureCount(await failures(), 'hang', 'timeout'), before + 1);
    assert.match(await exporter.log(), /target=hang .*reason=timeout err="the scrape was cancelled by its client"/);
  });

  it('drops only the series a missing or unusable field feeds', async () => {
    const got = await probe('fields');
    assert.equal(valueOf(got, 'probe_success'), 1);
    assert.equal(valueOf(got, 'grpc_pool_manager_status', { status: 'degraded' }), 1);
    // Floats are fine, the ratio comes from the counts: (2.5 + 1) / 5.
    assert.equal(valueOf(got, 'grpc_pool_connections', { pool: 'floats', state: 'ready' }), 2.5);
    assert.equal(valueOf(got, 'grpc_pool_healthy_ratio', { pool: 'floats' }), 0.7);
    // No counts: the ratio falls back to healthy_percentage / 100; connections are absent.
    assert.equal(valueOf(got, 'grpc_pool_healthy_ratio', { pool: 'no-counts' }), 0.4);
    assert.equal(got.filter((s) => s.name === 'grpc_pool_connections' && s.labels.pool === 'no-counts').length, 0);
    assert.equal(valueOf(got, 'grpc_pool_status', { pool: 'no-counts', status: 'unhealthy' }), 1);
    // Wrong types and negative counts drop their own series only.
    const badStates = got.filter((s) => s.name === 'grpc_pool_connections' && s.labels.pool === 'bad-types').map((s) => s.labels.state);
    assert.deepEqual(badStates.sort(), ['connecting', 'transient_failure']);
    assert.equal(valueOf(got, 'grpc_pool_size', { pool: 'bad-types' }), 5);
    assert.equal(valueOf(got, 'grpc_pool_healthy_ratio', { pool: 'bad-types' }), 1, 'fallback to healthy_percentage');
    assert.equal(got.filter((s) => s.name === 'grpc_pool_status' && s.labels.pool === 'bad-types').length, 0);
    // An empty pool is 0 % healthy, not NaN; ratios stay within 0-1.
    assert.equal(valueOf(got, 'grpc_pool_healthy_ratio', { pool: 'empty' }), 0);
    assert.equal(valueOf(got, 'grpc_pool_healthy_ratio', { pool: 'inconsistent' }), 1);
    assert.deepEqual(
      got.filter((s) => s.labels.pool === 'only-status').map((s) => `${s.name}/${s.labels.status}`).sort(),
      ['grpc_pool_status/degraded', 'grpc_pool_status/healthy', 'grpc_pool_status/unhealthy'],
    );
    assert.match(await exporter.log(), /some fields were unusable.*bad-types/);
  });

  it('escapes hostile pool names and keeps every pool apart', async () => {
    const got = await probe('hostile');
    for (const [i, name] of HOSTILE_NAMES.entries()) {
      assert.equal(valueOf(got, 'grpc_pool_size', { pool: name }), i + 1, `pool ${JSON.stringify(name.slice(0, 40))}`);
    }
    assert.equal(got.filter((s) => s.name === 'grpc_pool_size').length, HOSTILE_NAMES.length);
    const surrogate = await probe('lone-surrogate');
    assert.equal(valueOf(surrogate, 'grpc_pool_size', { pool: 'a\ufffdb' }), 3, 'a lone surrogate becomes U+FFFD (valid UTF-8)');
    assert.equal(valueOf(await probe('bom'), 'probe_success'), 1);
  });

  it('reuses kept-alive connections and retries once when the server closed one', async () => {
    for (let i = 0; i < 6; i++) {
      assert.equal(valueOf(await probe('keepalive'), 'probe_success'), 1, `probe ${i}`);
    }
    assert.equal(keepAliveRequests, 6);
    // Every other probe finds the socket the previous one left in the pool (a retry's own
    // connection is not kept): 3 of the 6 hit the race and were retried.
    assert.ok(droppedReused >= 3, `the exporter reused a kept-alive socket ${droppedReused} times`);
  });

  it('keeps concurrent scrapes apart', async () => {
    const targets = ['ok', 'hostile', 'fields', 'refused', 'array', 'keepalive'];
    const rounds = await Promise.all(Array.from({ length: 30 }, (_, i) => probe(targets[i % targets.length] ?? 'ok')));
    rounds.forEach((got, i) => {
      const target = targets[i % targets.length];
      const pools = new Set(got.filter((s) => s.name === 'grpc_pool_size').map((s) => s.labels.pool));
      const expected = { ok: ['a'], keepalive: ['a'], hostile: HOSTILE_NAMES, fields: ['floats', 'no-counts', 'bad-types', 'empty', 'inconsistent'], refused: [], array: [] }[target ?? 'ok'];
      assert.deepEqual([...pools].sort(), [...(expected ?? [])].sort(), `scrape ${i} of ${target}`);
    });
  });

  it('serves its own health on /metrics', async () => {
    await probe('ok');
    const res = await fetch(`${exporter.url}/metrics`);
    const text = await res.text();
    assert.deepEqual((await promtoolCheck(text)).parseErrors, []);
    const got = parseExposition(text);
    assert.equal(valueOf(got, 'pool_exporter_build_info', { version: '0.1.0', nodejs_version: process.version }), 1);
    assert.ok(valueOf(got, 'pool_exporter_probes_total', { target: 'ok' }) >= 1);
    assert.equal(valueOf(got, 'pool_exporter_probe_failures_total', { target: 'ok', reason: 'timeout' }), 0, 'zeroed from the start');
    assert.equal(valueOf(got, 'pool_exporter_config_last_reload_successful'), 1);
    assert.ok(got.some((s) => s.name === 'process_cpu_user_seconds_total'));
    assert.ok(got.some((s) => s.name === 'nodejs_heap_size_used_bytes'));
    assert.equal(got.filter((s) => s.name.startsWith('grpc_pool_')).length, 0, 'probe series never leak into /metrics');
  });

  it('has a landing page and health endpoints', async () => {
    const landing = await fetch(`${exporter.url}/`);
    const page = await landing.text();
    assert.match(landing.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page, /href="\/probe\?target=ok"/);
    assert.match(page, /href="\/metrics"/);
    assert.equal((await fetch(`${exporter.url}/-/healthy`)).status, 200);
    assert.equal((await fetch(`${exporter.url}/-/ready`)).status, 200);
    const reload = await fetch(`${exporter.url}/-/reload`, { method: 'POST' });
    assert.equal(reload.status, 403, 'reload over HTTP is off without --web.enable-lifecycle');
    assert.match(await reload.text(), /--web\.enable-lifecycle/);
  });
});
