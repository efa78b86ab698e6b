/**
 * k6's execution segments (`--execution-segment`, `--execution-segment-sequence`), so one test can
 * run as several harness instances that split VUs and iterations exactly as k6 instances do
 * (k6 lib/execution_segment.go): segments are rational (from, to] parts of [0, 1]; a sequence
 * fills [0, 1]; values split by the striping algorithm, so the instances' shares always add up to
 * the whole and every global iteration index belongs to exactly one instance.
 */

/** A non-negative fraction in lowest terms. */
interface Rat {
  num: bigint;
  den: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function rat(num: bigint, den: bigint): Rat {
  if (den === 0n) throw new Error('division by zero');
  const g = gcd(num, den) || 1n;
  const sign = den < 0n ? -1n : 1n;
  return { num: (sign * num) / g, den: (sign * den) / g };
}

const cmp = (a: Rat, b: Rat): number => {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
};
const sub = (a: Rat, b: Rat): Rat => rat(a.num * b.den - b.num * a.den, a.den * b.den);
const ratString = (r: Rat): string => (r.den === 1n ? String(r.num) : `${r.num}/${r.den}`);

/** k6's stringToRat: a percentage (50%), a decimal (0.5) or a fraction (1/2). */
export function parseRat(text: string): Rat {
  const s = text.trim();
  if (s.endsWith('%')) {
    const digits = s.slice(0, -1);
    if (!/^\d+$/.test(digits)) throw new Error(`'${text}' is not a valid percentage`);
    return rat(BigInt(digits), 100n);
  }
  const fraction = /^(\d+)\/(\d+)$/.exec(s);
  if (fraction) return rat(BigInt(fraction[1] ?? '0'), BigInt(fraction[2] ?? '1'));
  const decimal = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (decimal) {
    const decimals = decimal[2] ?? '';
    return rat(BigInt(`${decimal[1]}${decimals}`), 10n ** BigInt(decimals.length));
  }
  throw new Error(`'${text}' is not a valid percentage, decimal, fraction or interval value`);
}

export interface Segment {
  from: Rat;
  to: Rat;
}

function segment(from: Rat, to: Rat): Segment {
  if (from.num < 0n) throw new Error(`segment start value should be at least 0 but was ${ratString(from)}`);
  if (cmp(from, to) >= 0) throw new Error(`segment start(${ratString(from)}) should be less than its end(${ratString(to)})`);
  if (cmp(to, rat(1n, 1n)) > 0) throw new Error(`segment end value shouldn't be more than 1 but was ${ratString(to)}`);
  return { from, to };
}

export const segmentString = (s: Segment): string => `${ratString(s.from)}:${ratString(s.to)}`;

/** `--execution-segment`: "1/3:2/3", "50%:75%", or "1/4" meaning 0:1/4; empty is the whole test. */
export function parseSegment(text: string): Segment {
  const value = text === '' ? '1' : text;
  const colon = value.indexOf(':');
  if (colon === -1) return segment(rat(0n, 1n), parseRat(value));
  return segment(parseRat(value.slice(0, colon)), parseRat(value.slice(colon + 1)));
}

/** `--execution-segment-sequence`: "0,1/3,2/3,1" (at least two points, each segment ends where the next starts). */
export function parseSequence(text: string): Segment[] {
  const points = text.split(',');
  if (points.length < 2) throw new Error(`at least 2 points are needed for an execution segment sequence, ${points.length} given`);
  const rats = points.map(parseRat);
  return rats.slice(1).map((to, i) => segment(rats[i] ?? rat(0n, 1n), to));
}

/** The sequence `0,1/n,2/n,...,1` that `--instances n` uses. */
export function evenSequence(n: number): string {
  if (!Number.isInteger(n) || n < 1) throw new Error(`instances: a positive integer is required, got ${n}`);
  return ['0', ...Array.from({ length: n }, (_, i) => ratString(rat(BigInt(i + 1), BigInt(n))))].join(',');
}

/** Segment i (0-based) of `evenSequence(n)`. */
export function evenSegment(i: number, n: number): string {
  return segmentString(segment(rat(BigInt(i), BigInt(n)), rat(BigInt(i + 1), BigInt(n))));
}

/** Fill gaps so the sequence covers 0..1 (k6 GetFilledExecutionSegmentSequence). */
function filled(sequence: Segment[], fallback: Segment | null): Segment[] {
  let result = sequence.length > 0 ? [...sequence] : fallback ? [fallback] : [segment(rat(0n, 1n), rat(1n, 1n))];
  const first = result[0] as Segment;
  if (first.from.num !== 0n) result = [segment(rat(0n, 1n), first.from), ...result];
  const last = result[result.length - 1] as Segment;
  if (cmp(last.to, rat(1n, 1n)) !== 0) result = [...result, segment(last.to, rat(1n, 1n))];
  return result;
}

/**
 * A filled sequence with its striped offsets (k6 ExecutionSegmentSequenceWrapper): of every `lcd`
 * consecutive indexes, segment k owns length(k) * lcd of them, spread as evenly as possible.
 */
class StripedSequence {
  readonly lcd: bigint;
  /** Per segment: [first index, gap to the next, ..., gap from the last back to the first + lcd]. */
  readonly offsets: bigint[][];

  constructor(readonly segments: Segment[]) {
    const lengths = segments.map((s) => sub(s.to, s.from));
    this.lcd = lengths.reduce((acc, l) => (acc % l.den === 0n ? acc : (acc * l.den) / gcd(acc, l.den)), lengths[0]?.den ?? 1n);
    const lcd = this.lcd;
    const order = lengths
      .map((l, index) => ({ norm: l.num * (lcd / l.den), index }))
      // Stable, biggest first: the biggest segments have the hardest time not taking neighbours.
      .sort((a, b) => (a.norm === b.norm ? a.index - b.index : a.norm > b.norm ? -1 : 1));
    this.offsets = segments.map(() => []);
    const prev = segments.map(() => 0n);
    const chosen = order.map(() => 0n);
    for (let i = 0n; i < lcd; i += 1n) {
      for (let k = 0; k < order.length; k += 1) {
        const { norm, index } = order[k] as { norm: bigint; index: number };
        const num = (chosen[k] as bigint) * lcd;
        if (i > num / norm || (i === num / norm && num % norm === 0n)) {
          chosen[k] = (chosen[k] as bigint) + 1n;
          const own = this.offsets[index] as bigint[];
          own.push(i - (prev[index] as bigint));
          prev[index] = i;
          if (BigInt(own.length) === norm) own.push((own[0] as bigint) + lcd - i);
          break;
        }
      }
    }
  }

  /** How many of the indexes 0..value-1 belong to segment `index` (k6 ScaleInt64). */
  scale(index: number, value: bigint): bigint {
    const own = this.offsets[index] as bigint[];
    const gaps = own.slice(1);
    let result = (value / this.lcd) * BigInt(gaps.length);
    for (let g = 0, i = own[0] as bigint; i < value % this.lcd; i += gaps[g] as bigint, g += 1) result += 1n;
    return result;
  }
}

/**
 * One instance's place in a test split by segments (k6 ExecutionTuple): scales VU counts and
 * iteration counts, and maps this instance's n-th iteration to its index in the whole test.
 */
export class ExecutionTuple {
  private constructor(
    private readonly sequence: StripedSequence,
    readonly index: number,
  ) {}

  /** `segment` empty and `sequence` empty: the whole test on this instance. */
  static parse(segmentText: string, sequenceText: string): ExecutionTuple {
    const own = parseSegment(segmentText);
    const seq = filled(sequenceText === '' ? [] : parseSequence(sequenceText), own);
    for (let i = 1; i < seq.length; i += 1) {
      if (cmp((seq[i] as Segment).from, (seq[i - 1] as Segment).to) !== 0) {
        throw new Error(`the start value ${ratString((seq[i] as Segment).from)} of segment #${i} must be equal to the end value of the previous one`);
      }
    }
    const index = seq.findIndex((s) => cmp(s.from, own.from) === 0 && cmp(s.to, own.to) === 0);
    if (index === -1) throw new Error(`couldn't find segment ${segmentString(own)} in sequence ${sequenceText}`);
    return new ExecutionTuple(new StripedSequence(seq), index);
  }

  get segment(): Segment {
    return this.sequence.segments[this.index] as Segment;
  }

  /** This instance's share of `value` VUs or iterations; the instances' shares add up to `value`. */
  scale(value: number): number {
    if (this.sequence.segments.length === 1) return value;
    return Number(this.sequence.scale(this.index, BigInt(value)));
  }

  /**
   * The tuple shared-iterations stripes its iterations with (k6 GetNewExecutionTupleFromValue):
   * the sequence re-cut so each instance's length is its share of `value` VUs. null when this
   * instance gets none of them (it then has no work in that scenario).
   */
  resegment(value: number): ExecutionTuple | null {
    if (value < 1) return null;
    const seq = this.sequence;
    if (BigInt(value) % seq.lcd === 0n) return this;
    const next: Segment[] = [];
    let newIndex = -1;
    let prev = 0n;
    for (let i = 0; i < seq.segments.length; i += 1) {
      const share = seq.scale(i, BigInt(value));
      if (share === 0n) continue;
      if (i === this.index) newIndex = next.length;
      next.push(segment(rat(prev, BigInt(value)), rat(prev + share, BigInt(value))));
      prev += share;
    }
    return newIndex === -1 ? null : new ExecutionTuple(new StripedSequence(next), newIndex);
  }

  /**
   * The test-wide index of this instance's n-th (0-based) iteration (k6 SegmentedIndex.Next:
   * `scenario.iterationInTest`): instances never share an index and together cover 0, 1, 2, ...
   */
  indexInTest(n: number): number {
    if (this.sequence.segments.length === 1) return n;
    const own = this.sequence.offsets[this.index] as bigint[];
    const perCycle = own.length - 1;
    // Position of each owned index inside one cycle of lcd indexes.
    let position = own[0] as bigint;
    for (let k = 1; k <= n % perCycle; k += 1) position += own[k] as bigint;
    return Number(BigInt(Math.floor(n / perCycle)) * this.sequence.lcd + position);
  }
}
