/**
 * Render one /probe answer as Prometheus text format 0.0.4, written directly: the same bytes
 * prom-client's Registry would write (family order, HELP/TYPE lines, label escaping, number
 * format; tests/exporter/exposition.test.ts compares the two on generated documents), at a cost
 * proportional to the series. A registry per probe spent most of a big probe's time in label
 * hashing and garbage (bench/results/exporter-bench.md has the before and after).
 */
import { poolMetric } from '../../../contract/metrics.ts';
import { connectionStates, managerStatuses, poolStatuses, type ConnectionState } from '../../../contract/pool-health.ts';
import type { PoolHealthDocument, PoolReading } from './pool-document.ts';
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
  out.text(family(poolMetric.probeSuccess, `${poolMetric.probeSuccess} ${outcome.success ? 1 : 0}\n`));
  out.text(`\n${family(poolMetric.probeDuration, `${poolMetric.probeDuration} ${number(outcome.durationSeconds)}\n`)}`);
  out.text(`\n${family(poolMetric.probeHttpStatus, `${poolMetric.probeHttpStatus} ${number(outcome.httpStatus)}\n`)}`);
  if (!doc) return out.bytes();

  // One pass per family (the format keeps a family's samples together). Each pool's escaped name
  // is encoded once; the lines are assembled from pre-encoded pieces (see ByteWriter). Indexed
  // loops: this runs 60,000 lines a probe for 6,000 pools.
  const pools = doc.pools;
  const names = encodeNames(pools);
  out.text(`\n${family(poolMetric.connections)}`);
  for (let i = 0; i < pools.length; i++) {
    if (budget.due()) await budget.checkpoint();
    const connections = (pools[i] as PoolReading).connections;
    for (let k = 0; k < connectionStates.length; k++) {
      const v = connections[connectionStates[k] as ConnectionState];
      if (v !== undefined) out.line(piece.connections, names, i, piece.stateSuffix[k], v);
    }
  }
  out.text(`\n${family(poolMetric.size)}`);
  for (let i = 0; i < pools.length; i++) {
    if (budget.due()) await budget.checkpoint();
    const size = (pools[i] as PoolReading).size;
    if (size !== undefined) out.line(piece.size, names, i, piece.close, size);
  }
  out.text(`\n${family(poolMetric.healthyRatio)}`);
  for (let i = 0; i < pools.length; i++) {
    if (budget.due()) await budget.checkpoint();
    const ratio = (pools[i] as PoolReading).healthyRatio;
    if (ratio !== undefined) out.line(piece.healthyRatio, names, i, piece.close, ratio);
  }
  out.text(`\n${family(poolMetric.status)}`);
  for (let i = 0; i < pools.length; i++) {
    if (budget.due()) await budget.checkpoint();
    const status = (pools[i] as PoolReading).status;
    if (status === undefined) continue;
    for (let k = 0; k < poolStatuses.length; k++) out.line(piece.status, names, i, piece.statusSuffix[k], poolStatuses[k] === status ? 1 : 0);
  }
  out.text(`\n${family(poolMetric.managerStatus)}`);
  if (doc.managerStatus !== undefined) {
    for (const s of managerStatuses) out.text(`${poolMetric.managerStatus}{status="${s}"} ${s === doc.managerStatus ? 1 : 0}\n`);
  }
  return out.bytes();
}

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');

/** Every pool's escaped name, encoded in one go: pool i is bytes[offsets[i]..offsets[i + 1]). */
interface EncodedNames {
  bytes: Uint8Array;
  offsets: Uint32Array;
}

function encodeNames(pools: readonly PoolReading[]): EncodedNames {
  const escaped = pools.map((pool) => labelValue(pool.name));
  const bytes = utf8(escaped.join(''));
  const offsets = new Uint32Array(pools.length + 1);
  // All ASCII (the usual case): byte offsets are character offsets.
  const ascii = bytes.length === escaped.reduce((n, name) => n + name.length, 0);
  for (let i = 0, at = 0; i < escaped.length; i++) {
    const name = escaped[i] as string;
    at += ascii ? name.length : Buffer.byteLength(name, 'utf8');
    offsets[i + 1] = at;
  }
  return { bytes, offsets };
}

/** The fixed parts of the pool lines, encoded once: `<start><name><suffix><value>\n`. */
const piece = {
  connections: utf8(`${poolMetric.connections}{pool="`),
  size: utf8(`${poolMetric.size}{pool="`),
  healthyRatio: utf8(`${poolMetric.healthyRatio}{pool="`),
  status: utf8(`${poolMetric.status}{pool="`),
  close: utf8('"} '),
  stateSuffix: connectionStates.map((state) => utf8(`",state="${state}"} `)),
  statusSuffix: poolStatuses.map((status) => utf8(`",status="${status}"} `)),
};

/**
 * A family's HELP and TYPE lines, then its samples. As prom-client writes it, a blank line
 * separates families, and a family without samples keeps its HELP and TYPE.
 */
function family(name: keyof typeof help, samples = ''): string {
  return `# HELP ${name} ${help[name]}\n# TYPE ${name} gauge\n${samples}`;
}

/**
 * A growing byte buffer. Pool lines are copied together from pre-encoded pieces, byte by byte:
 * building each line as a JS string and encoding it (Buffer#write per line, or a join) cost
 * twice as much, mostly in flattening concatenated strings and in Buffer#write's argument checks.
 */
class ByteWriter {
  private buf: Buffer;
  private length = 0;
  constructor(sizeHint: number) {
    this.buf = Buffer.allocUnsafe(sizeHint);
  }

  text(text: string): void {
    this.reserve(text.length * 3);
    this.length += this.buf.write(text, this.length, 'utf8');
  }

  /** `start name suffix value\n`; value as JavaScript (and prom-client) writes the number. */
  line(start: Uint8Array, names: EncodedNames, pool: number, suffix: Uint8Array | undefined, value: number): void {
    if (!suffix) return;
    const from = names.offsets[pool] ?? 0;
    const to = names.offsets[pool + 1] ?? 0;
    this.reserve(start.length + (to - from) + suffix.length + 32);
    this.copy(start, 0, start.length);
    this.copy(names.bytes, from, to);
    this.copy(suffix, 0, suffix.length);
    if (Number.isSafeInteger(value) && value >= 0) {
      this.digits(value);
    } else {
      const text = number(value); // ASCII: digits, '.', 'e', '+', '-', or Nan/Inf
      for (let i = 0; i < text.length; i++) this.buf[this.length++] = text.charCodeAt(i);
    }
    this.buf[this.length++] = 0x0a;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  private copy(bytes: Uint8Array, from: number, to: number): void {
    const buf = this.buf;
    let at = this.length;
    for (let i = from; i < to; i++) buf[at++] = bytes[i] as number;
    this.length = at;
  }

  private digits(value: number): void {
    let end = this.length;
    let v = value;
    do {
      end++;
      v = Math.floor(v / 10);
    } while (v > 0);
    this.length = end;
    v = value;
    do {
      this.buf[--end] = 0x30 + (v % 10);
      v = Math.floor(v / 10);
    } while (v > 0);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + bytes));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
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
