/**
 * Render one /probe answer as Prometheus text format 0.0.4, written directly: the same bytes
 * prom-client's Registry would write (family order, HELP/TYPE lines, label escaping, number
 * format; tests/exporter/exposition.test.ts compares the two on generated documents), at a cost
 * proportional to the series. A registry per probe cost 200-440 ms for 6,000 pools
 * (bench/results/exporter-bench.md), mostly label hashing and garbage.
 */
import { connectionStates, managerStatuses, poolMetric, poolStatuses } from '../../../monitoring/metrics.ts';
import type { PoolHealthDocument } from './pool-document.ts';
import { WorkBudget } from './work-budget.ts';

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface ProbeOutcome {
  success: boolean;
  durationSeconds: number;
  /** 0 when no HTTP response was received. */
  httpStatus: number;
  doc?: PoolHealthDocument;
}

const help = {
  [poolMetric.probeSuccess]: 'Whether a valid pool health document was read (a 503 document counts).',
  [poolMetric.probeDuration]: 'How long the probe took (fetch and parse), in seconds.',
  [poolMetric.probeHttpStatus]: 'HTTP status code of the pool health answer (0 when there was none).',
  [poolMetric.connections]: 'Connections of the pool in each gRPC connectivity state.',
  [poolMetric.size]: 'Connections held by the pool, whatever their state.',
  [poolMetric.healthyRatio]: 'Share of the pool that is READY or IDLE, 0-1.',
  [poolMetric.status]: 'Pool status as reported by the service (state set).',
  [poolMetric.managerStatus]: 'Overall pool manager status (state set).',
} as const;

/**
 * The whole answer as UTF-8 bytes, ready to send. With a budget, the loops over the pools yield
 * between slices and throw OutOfTime once the probe's deadline has passed.
 */
export async function renderProbe(outcome: ProbeOutcome, budget: WorkBudget = WorkBudget.unlimited()): Promise<Buffer> {
  const doc = outcome.success ? outcome.doc : undefined;
  const out = new ByteWriter(1024 + (doc?.pools.length ?? 0) * 720);
  out.write(family(poolMetric.probeSuccess, `${poolMetric.probeSuccess} ${outcome.success ? 1 : 0}\n`));
  out.write(`\n${family(poolMetric.probeDuration, `${poolMetric.probeDuration} ${number(outcome.durationSeconds)}\n`)}`);
  out.write(`\n${family(poolMetric.probeHttpStatus, `${poolMetric.probeHttpStatus} ${number(outcome.httpStatus)}\n`)}`);
  if (!doc) return out.bytes();

  // One pass per family (the format keeps a family's samples together); the names are escaped once.
  const labels = new Array<string>(doc.pools.length);
  out.write(`\n${family(poolMetric.connections)}`);
  for (const [i, pool] of doc.pools.entries()) {
    if (budget.due()) await budget.checkpoint();
    const label = `${poolMetric.connections}{pool="${(labels[i] = labelValue(pool.name))}",state="`;
    let lines = '';
    for (const state of connectionStates) {
      const v = pool.connections[state];
      if (v !== undefined) lines += `${label}${state}"} ${number(v)}\n`;
    }
    out.write(lines);
  }
  out.write(`\n${family(poolMetric.size)}`);
  for (const [i, pool] of doc.pools.entries()) {
    if (budget.due()) await budget.checkpoint();
    if (pool.size !== undefined) out.write(`${poolMetric.size}{pool="${labels[i]}"} ${number(pool.size)}\n`);
  }
  out.write(`\n${family(poolMetric.healthyRatio)}`);
  for (const [i, pool] of doc.pools.entries()) {
    if (budget.due()) await budget.checkpoint();
    if (pool.healthyRatio !== undefined) out.write(`${poolMetric.healthyRatio}{pool="${labels[i]}"} ${number(pool.healthyRatio)}\n`);
  }
  out.write(`\n${family(poolMetric.status)}`);
  for (const [i, pool] of doc.pools.entries()) {
    if (budget.due()) await budget.checkpoint();
    if (pool.status === undefined) continue;
    const label = `${poolMetric.status}{pool="${labels[i]}",status="`;
    let lines = '';
    for (const s of poolStatuses) lines += `${label}${s}"} ${s === pool.status ? 1 : 0}\n`;
    out.write(lines);
  }
  out.write(`\n${family(poolMetric.managerStatus)}`);
  if (doc.managerStatus !== undefined) {
    for (const s of managerStatuses) out.write(`${poolMetric.managerStatus}{status="${s}"} ${s === doc.managerStatus ? 1 : 0}\n`);
  }
  return out.bytes();
}

/**
 * A family's HELP and TYPE lines, then its samples. As prom-client writes it, a blank line
 * separates families, and a family without samples keeps its HELP and TYPE.
 */
function family(name: keyof typeof help, samples = ''): string {
  return `# HELP ${name} ${help[name]}\n# TYPE ${name} gauge\n${samples}`;
}

/** A growing byte buffer: the text is encoded once, as it is written, never joined as a string. */
class ByteWriter {
  private buf: Buffer;
  private length = 0;
  constructor(sizeHint: number) {
    this.buf = Buffer.allocUnsafe(sizeHint);
  }
  write(text: string): void {
    const worstCase = text.length * 3;
    if (this.length + worstCase > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + worstCase));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    this.length += this.buf.write(text, this.length, 'utf8');
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** The text format's escaping of a label value: backslash, double quote and line feed. */
export function labelValue(text: string): string {
  return /[\\"\n]/.test(text) ? text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : text;
}

/** As prom-client (and Go's text format) write values. */
function number(v: number): string {
  if (Number.isNaN(v)) return 'Nan';
  if (!Number.isFinite(v)) return v < 0 ? '-Inf' : '+Inf';
  return `${v}`;
}
