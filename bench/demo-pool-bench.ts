/**
 * `npm run bench:demo`: order creation and payment latency through the gateway's HTTP API,
 * POOL_MODE=pooled against POOL_MODE=per-call, side by side in one run, over plain gRPC, TLS and
 * a simulated network round trip. The shop runs as `npm run demo` in a child process; this process
 * only drives HTTP load at a fixed concurrency. Writes bench/results/demo-pool-bench.md.
 *
 * Knobs (environment): BENCH_SECONDS (measured seconds per run, default 10), BENCH_CONCURRENCY
 * (default 8), BENCH_RTT_MS (default 5).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { startDemoChild } from '../tools/demo-process.ts';

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name}=${raw}: an integer from ${min} to ${max} is expected`);
  return value;
}

const SECONDS = intFromEnv('BENCH_SECONDS', 10, 1, 60);
const CONCURRENCY = intFromEnv('BENCH_CONCURRENCY', 8, 1, 64);
const RTT_MS = intFromEnv('BENCH_RTT_MS', 5, 1, 100);
const WARMUP_MS = 1_500;
/** Bounded in count too, whatever the speed. */
const MAX_ITERATIONS = 20_000;
const RESULT_FILE = new URL('./results/demo-pool-bench.md', import.meta.url);

type Mode = 'pooled' | 'per-call';
interface Transport {
  name: string;
  tls: boolean;
  rttMs: number;
}

const transports: Transport[] = [
  { name: 'plain', tls: false, rttMs: 0 },
  { name: 'TLS', tls: true, rttMs: 0 },
  { name: `RTT ${RTT_MS} ms`, tls: false, rttMs: RTT_MS },
  { name: `TLS + RTT ${RTT_MS} ms`, tls: true, rttMs: RTT_MS },
];
const modes: Mode[] = ['pooled', 'per-call'];

interface Stats {
  count: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  perSecond: number;
}

interface RunResult {
  transport: string;
  mode: Mode;
  order: Stats;
  payment: Stats;
  rpcsPerIteration: number;
  loadAtStart: number;
}

function envFor(mode: Mode, transport: Transport): NodeJS.ProcessEnv {
  // The gateway's per-IP rate limit would cap the benchmark, not the pools: off here.
  return { POOL_MODE: mode, DEMO_TLS: transport.tls ? '1' : '0', DEMO_RTT_MS: String(transport.rttMs), SECURITY_RATE_LIMIT_ENABLED: 'false' };
}

async function post(url: string, token: string | undefined, body: object): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, json: await res.json() };
}

function idOf(json: unknown, what: string): string {
  if (typeof json === 'object' && json !== null && 'data' in json && typeof json.data === 'object' && json.data !== null) {
    const data = json.data as Record<string, unknown>;
    const id = data.id ?? data.access_token;
    if (typeof id === 'string') return id;
  }
  throw new Error(`${what}: unexpected answer ${JSON.stringify(json)}`);
}

function stats(samples: number[], errors: number, seconds: number): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return {
    count: sorted.length,
    errors,
    p50: rank(0.5),
    p95: rank(0.95),
    p99: rank(0.99),
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    perSecond: sorted.length / seconds,
  };
}

async function rpcsHandled(adminUrl: string): Promise<number> {
  const res = await fetch(`${adminUrl}/admin/services`);
  const body = (await res.json()) as { data: Record<string, { rpcs_handled: number }> };
  return Object.values(body.data).reduce((sum, s) => sum + s.rpcs_handled, 0);
}

async function runOne(mode: Mode, transport: Transport): Promise<RunResult> {
  const loadAtStart = loadavg()[0] ?? NaN;
  // Ports picked by the kernel, read back from the shop's output (docs/testing.md).
  const shop = await startDemoChild({ name: `demo shop (${mode}, ${transport.name})`, env: envFor(mode, transport) });
  const { ports } = shop;
  try {
    const api = `http://127.0.0.1:${ports.gateway}/api/v1`;
    const admin = `http://127.0.0.1:${ports.admin}`;
    const tokens: string[] = [];
    for (let i = 0; i < CONCURRENCY; i++) {
      const email = `bench-${i}@example.com`;
      await post(`${api}/auth/register`, undefined, { email, password: 'bench-password-1', name: email });
      tokens.push(idOf((await post(`${api}/auth/login`, undefined, { email, password: 'bench-password-1' })).json, 'login'));
    }

    const orderMs: number[] = [];
    const paymentMs: number[] = [];
    let orderErrors = 0;
    let paymentErrors = 0;
    let iterations = 0;
    /** Every iteration, warm-up and failures included: the denominator of RPCs per iteration. */
    let allIterations = 0;
    const rpcsAtStart = await rpcsHandled(admin);
    const warmupEnd = performance.now() + WARMUP_MS;
    let measuring = false;
    const measureEnd = warmupEnd + SECONDS * 1_000;

    const worker = async (token: string, index: number): Promise<void> => {
      while (performance.now() < measureEnd && iterations < MAX_ITERATIONS) {
        const record = measuring;
        allIterations += 1;
        // The real contract orders the cart: fill it first, outside the timed order call.
        const cart = await post(`${api}/cart`, token, { product_id: `prod-000${(index % 9) + 1}`, quantity: 1 });
        if (cart.status !== 200) {
          if (record) orderErrors += 1;
          continue;
        }
        const t0 = performance.now();
        const order = await post(`${api}/orders`, token, { shipping_address: '1 Bench Street', payment_method: 'credit_card' });
        const t1 = performance.now();
        if (order.status !== 201) {
          if (record) orderErrors += 1;
          continue;
        }
        const created = (order.json as { data: { id: string; total_amount: number } }).data;
        const payment = await post(`${api}/payments`, token, { order_id: created.id, amount: created.total_amount, method: 'credit_card' });
        const t2 = performance.now();
        if (!record) continue;
        iterations += 1;
        orderMs.push(t1 - t0);
        if (payment.status === 201) paymentMs.push(t2 - t1);
        else paymentErrors += 1;
      }
    };
    const warm = setTimeout(() => {
      measuring = true;
    }, WARMUP_MS);
    await Promise.all(tokens.map((t, i) => worker(t, i)));
    clearTimeout(warm);
    const rpcs = (await rpcsHandled(admin)) - rpcsAtStart;
    return {
      transport: transport.name,
      mode,
      order: stats(orderMs, orderErrors, SECONDS),
      payment: stats(paymentMs, paymentErrors, SECONDS),
      rpcsPerIteration: rpcs / Math.max(1, allIterations),
      loadAtStart,
    };
  } finally {
    await shop.stop();
  }
}

function machine(): string[] {
  const cpuModel = cpus()[0]?.model ?? 'unknown';
  const nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  let memory = 'unknown';
  try {
    memory = (/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? '') + ' kB';
  } catch {
    // not Linux
  }
  return [`- nproc: ${nproc}`, `- CPU: ${cpuModel}`, `- memory: ${memory}`, `- node: ${process.version}`, `- load average at start (1/5/15 min): ${loadavg().map((l) => l.toFixed(2)).join(' / ')}`];
}

const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const header = machine();
  console.log(header.join('\n'));
  const results: RunResult[] = [];
  for (const transport of transports) {
    for (const mode of modes) {
      process.stdout.write(`running ${transport.name}, ${mode} ... `);
      const result = await runOne(mode, transport);
      results.push(result);
      console.log(`orders p50 ${ms(result.order.p50)} ms p95 ${ms(result.order.p95)} ms, ${result.order.perSecond.toFixed(1)}/s; payments p95 ${ms(result.payment.p95)} ms`);
    }
  }
  const finishedLoad = loadavg().map((l) => l.toFixed(2)).join(' / ');

  const rows = results.flatMap((r) =>
    (['order', 'payment'] as const).map((kind) => {
      const s = r[kind];
      return `| ${r.transport} | ${r.mode} | ${kind === 'order' ? 'POST /orders' : 'POST /payments'} | ${s.count} | ${s.errors} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.mean)} | ${s.perSecond.toFixed(1)} | ${kind === 'order' ? r.rpcsPerIteration.toFixed(1) : ''} | ${kind === 'order' ? r.loadAtStart.toFixed(2) : ''} |`;
    }),
  );
  const speedups = transports.flatMap((t) =>
    (['order', 'payment'] as const).map((kind) => {
      const pooled = results.find((r) => r.transport === t.name && r.mode === 'pooled')?.[kind];
      const perCall = results.find((r) => r.transport === t.name && r.mode === 'per-call')?.[kind];
      if (!pooled || !perCall) return `| ${t.name} | ${kind} | n/a | n/a | n/a |`;
      return `| ${t.name} | ${kind === 'order' ? 'POST /orders' : 'POST /payments'} | ${(perCall.p50 / pooled.p50).toFixed(2)}x | ${(perCall.p95 / pooled.p95).toFixed(2)}x | ${(pooled.perSecond / perCall.perSecond).toFixed(2)}x |`;
    }),
  );
  const report = [
    '# Demo shop: pooled vs per-call gRPC channels',
    '',
    `Recorded by \`npm run bench:demo\` (bench/demo-pool-bench.ts), ${startedAt}.`,
    '',
    '## Machine',
    '',
    ...header,
    `- load average at end: ${finishedLoad}`,
    '- shared with other jobs while it ran: read the load averages (2 cores) before reading the numbers.',
    '',
    '## Method',
    '',
    `- The shop runs as \`npm run demo\` in a child process (one Node process: gateway and six gRPC services, every hop real gRPC over 127.0.0.1 TCP); this process drives HTTP load.`,
    `- ${CONCURRENCY} concurrent workers, each its own user; each iteration puts one product in the cart (POST /cart, untimed), orders the cart (POST /orders) and pays the order's total (POST /payments), as the real gateway's contract has it.`,
    `- ${WARMUP_MS} ms warm-up discarded, then ${SECONDS} s measured per run (at most ${MAX_ITERATIONS} iterations). Latency is client-side HTTP time.`,
    '- POST /cart (untimed) costs 3 gRPC calls (ValidateToken, AddCartItem -> GetProduct);',
    '  POST /orders costs 7 gRPC calls (ValidateToken, CreateOrder -> GetUser, GetProduct, Reserve, AuthorizePayment, Send);',
    '  POST /payments costs 5 (ValidateToken, ProcessPayment -> GetOrder, MarkOrderPaid, Send). In per-call mode each of them dials a new connection.',
    `- TLS: self-signed P-256 certificate, every gRPC hop. RTT: a delaying TCP proxy in front of every gRPC server (half the RTT each way per chunk, one RTT before the first byte: the TCP handshake).`,
    '- "RPCs/iter" is measured on the servers (admin endpoint, rpcs_handled): gRPC calls per order+payment iteration.',
    '',
    '## Results',
    '',
    '| transport | mode | request | count | errors | p50 ms | p95 ms | p99 ms | mean ms | per s | RPCs/iter | load 1m at start |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '## Speed-up of the pool (per-call / pooled latency; pooled / per-call throughput)',
    '',
    '| transport | request | p50 | p95 | throughput |',
    '| --- | --- | --- | --- | --- |',
    ...speedups,
    '',
  ].join('\n');
  writeFileSync(RESULT_FILE, report);
  console.log(`\n${report}`);
}

main().catch((err: unknown) => {
  console.error(`bench:demo failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exit(1);
});
