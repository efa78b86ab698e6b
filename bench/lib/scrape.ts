/**
 * One timed scrape, as Prometheus makes it (a GET over a kept-alive agent with
 * `X-Prometheus-Scrape-Timeout-Seconds`), and the bench's verdict on the answer; then latency
 * statistics over the successful scrapes only (a latency that counts failed scrapes is a defect:
 * a probe that failed fast would make an exporter look quick).
 *
 * What a failure looks like differs by exporter, hence the check per URL:
 * - the pool exporter's /probe answers 200 whatever happened and says it in `probe_success`
 *   (0 for an unreachable target, a bad document or a probe past its deadline);
 * - json_exporter v0.7.0's /probe answers 503 with a plain-text message when the fetch fails, and
 *   200 with an EMPTY body when the document is not JSON; it writes no `probe_success`.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { quantile } from './quantile.ts';

/** What makes an answer a success, besides HTTP 200. */
export type AnswerCheck =
  /** HTTP 200 is enough (/-/healthy, a baseline server). */
  | { kind: 'status' }
  /** The sample of `metric` (unlabelled or labelled, anywhere in the body) is present, and 1. */
  | { kind: 'probe-success'; metric: string }
  /** At least one sample of `metric` is present (an exporter that writes no probe_success). */
  | { kind: 'has-sample'; metric: string };

export interface ScrapeOptions {
  agent: http.Agent;
  check: AnswerCheck;
  /** Sent as X-Prometheus-Scrape-Timeout-Seconds. */
  scrapeTimeoutSeconds: number;
  /** The request is given up (an error) when its socket is idle this long. */
  requestTimeoutMs: number;
}

export interface Scrape {
  ok: boolean;
  ms: number;
  /** 0 when no response came. */
  status: number;
  bytes: number;
  /** Why it is not a success (for the log), when it is not. */
  failure?: string;
}

export function scrape(url: string, opts: ScrapeOptions): Promise<Scrape> {
  return new Promise((resolve) => {
    const started = performance.now();
    let settled = false;
    const done = (s: Omit<Scrape, 'ms'>): void => {
      if (settled) return;
      settled = true;
      resolve({ ...s, ms: performance.now() - started });
    };
    const req = http.get(url, { agent: opts.agent, headers: { 'X-Prometheus-Scrape-Timeout-Seconds': String(opts.scrapeTimeoutSeconds) } }, (res) => {
      const status = res.statusCode ?? 0;
      const check = opts.check;
      const finder = check.kind === 'status' ? undefined : { check, samples: new SampleFinder(check.metric) };
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        finder?.samples.push(chunk);
      });
      res.on('end', () => {
        if (status !== 200) return done({ ok: false, status, bytes, failure: `HTTP ${status}` });
        const failure = finder ? judge(finder.check, finder.samples.finish()) : undefined;
        done({ ok: failure === undefined, status, bytes, failure });
      });
      res.on('error', (err) => done({ ok: false, status, bytes, failure: `response: ${err.message}` }));
      res.on('close', () => done({ ok: false, status, bytes, failure: 'the answer was cut short' }));
    });
    req.on('error', (err) => done({ ok: false, status: 0, bytes: 0, failure: `request: ${err.message}` }));
    req.setTimeout(opts.requestTimeoutMs, () => req.destroy(new Error(`no progress for ${opts.requestTimeoutMs} ms`)));
  });
}

/** undefined when the samples make the answer a success, else why not. */
function judge(check: Exclude<AnswerCheck, { kind: 'status' }>, values: number[]): string | undefined {
  if (values.length === 0) return `no ${check.metric} sample in the answer`;
  if (check.kind === 'has-sample') return undefined;
  const bad = values.find((v) => v !== 1);
  return bad === undefined ? undefined : `${check.metric} ${bad}`;
}

const NEWLINE = 0x0a;

/**
 * The values of one metric's samples in a text-format body read chunk by chunk, without keeping
 * the body (a 6,000-pool answer is 3.7 MB): a sample line starts at a line start with the exact
 * name, then `{labels}` or a space, then the value. Only the line being matched is carried over
 * between chunks, and the last bytes where the name may begin.
 */
export class SampleFinder {
  private readonly needle: Buffer;
  /** Starts as a newline: the body's first line is a line start too. */
  private carry: Buffer = Buffer.from('\n');
  private readonly values: number[] = [];

  constructor(private readonly metric: string) {
    this.needle = Buffer.from(`\n${metric}`);
  }

  push(chunk: Buffer): void {
    const window = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    let from = 0;
    for (;;) {
      const hit = window.indexOf(this.needle, from);
      if (hit < 0) break;
      const lineStart = hit + 1;
      const lineEnd = window.indexOf(NEWLINE, lineStart);
      if (lineEnd < 0) {
        // The line goes on in the next chunk: keep it whole (lines are short; cap it anyway).
        this.carry = window.length - lineStart > 1 << 20 ? Buffer.alloc(0) : Buffer.from(window.subarray(hit));
        return;
      }
      this.readLine(window.toString('utf8', lineStart, lineEnd));
      from = lineEnd;
    }
    // The name may begin in the last bytes, after their newline: keep needle.length - 1 of them.
    const keep = Math.max(from, window.length - (this.needle.length - 1));
    this.carry = Buffer.from(window.subarray(keep));
  }

  /** The values found; a last line without a newline is read too. */
  finish(): number[] {
    if (this.carry.length > this.needle.length && this.carry[0] === NEWLINE && this.carry.subarray(0, this.needle.length).equals(this.needle)) {
      this.readLine(this.carry.toString('utf8', 1));
    }
    this.carry = Buffer.alloc(0);
    return this.values;
  }

  /** `metric 1`, `metric{a="b"} 1`, `metric 1 1700000000000`; anything else (`metric_total 3`) is not it. */
  private readLine(line: string): void {
    let rest = line.slice(this.metric.length);
    if (rest.startsWith('{')) {
      // Label values may hold `}` inside quotes: skip quoted text with its escapes.
      let i = 1;
      let quoted = false;
      for (; i < rest.length; i++) {
        const c = rest[i];
        if (quoted && c === '\\') i++;
        else if (c === '"') quoted = !quoted;
        else if (!quoted && c === '}') break;
      }
      rest = rest.slice(i + 1);
    }
    const value = /^ +(\S+)/.exec(rest)?.[1];
    if (value === undefined) return;
    this.values.push(Number(value));
  }
}

export interface LoadOptions {
  /** Clients, each scraping again as soon as its answer is in (one kept-alive agent for all). */
  concurrency: number;
  /** New scrapes start until this much time has passed ... */
  maxMs: number;
  /** ... or this many were started, whichever comes first ... */
  maxProbes: number;
  /** ... but past maxMs, still until this many were started. */
  minProbes?: number;
  /** Untimed scrapes first, `concurrency` at a time (connections opened, code warm). */
  warmup?: number;
}

/** Scrape `url` under a closed-loop load and return the statistics of the timed part. */
export async function scrapeUnderLoad(url: string, scrapeOptions: Omit<ScrapeOptions, 'agent'>, load: LoadOptions): Promise<ScrapeStats> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: load.concurrency });
  const opts = { ...scrapeOptions, agent };
  const clients = (client: () => Promise<void>) => Promise.all(Array.from({ length: load.concurrency }, client));
  for (let i = 0; i < (load.warmup ?? 0); i += load.concurrency) await clients(async () => void (await scrape(url, opts)));
  const tally = new ScrapeTally();
  let issued = 0;
  const started = performance.now();
  const deadline = started + load.maxMs;
  await clients(async () => {
    while (issued < load.maxProbes && (performance.now() < deadline || issued < (load.minProbes ?? 0))) {
      issued++;
      tally.add(await scrape(url, opts));
    }
  });
  const elapsedS = (performance.now() - started) / 1000;
  agent.destroy();
  return tally.summary(elapsedS);
}

/** Latency statistics over successful scrapes; failed ones are only counted. */
export interface ScrapeStats {
  /** Successful scrapes: the percentiles, max and rate are over these only. */
  succeeded: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Successful scrapes per second of the measured time. */
  perSecond: number;
  /** The size of the last successful answer. */
  bytes: number;
  /** The first failure's reason, to say what went wrong. */
  firstFailure?: string;
}

export class ScrapeTally {
  private readonly latencies: number[] = [];
  private errors = 0;
  private bytes = 0;
  private firstFailure: string | undefined;

  add(s: Scrape): void {
    if (s.ok) {
      this.latencies.push(s.ms);
      this.bytes = s.bytes;
    } else {
      this.errors++;
      this.firstFailure ??= s.failure;
    }
  }

  /** Percentiles are NaN when nothing succeeded (the tables print them as "-"). */
  summary(elapsedSeconds: number): ScrapeStats {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      succeeded: sorted.length,
      errors: this.errors,
      p50Ms: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
      maxMs: sorted[sorted.length - 1] ?? Number.NaN,
      perSecond: sorted.length / elapsedSeconds,
      bytes: this.bytes,
      firstFailure: this.firstFailure,
    };
  }
}

/** A latency for the tables: fewer digits as it grows; "-" when nothing succeeded. */
export function formatMs(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}
