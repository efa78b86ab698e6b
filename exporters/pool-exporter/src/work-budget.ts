/**
 * The rest of a probe's deadline, for the work after the fetch (parse, render). That work runs in
 * slices: between slices it gives the event loop back, so one big document cannot hold up other
 * scrapes or /-/healthy, and it stops once the deadline has passed or the scrape was cancelled.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Thrown at a checkpoint past the deadline or after cancellation: the probe fails with `timeout`. */
export class OutOfTime extends Error {
  override name = 'OutOfTime';
}

/** How long one slice of work may hold the event loop (by default). */
export const SLICE_MS = 4;
/** Units of work (pools, lines) between two looks at the clock. */
const UNITS_PER_CHECK = 64;

export class WorkBudget {
  private units = 0;
  private sliceStarted = performance.now();

  /** `deadline` is a performance.now() time; Infinity for no limit. */
  constructor(
    private readonly deadline: number,
    private readonly signal?: AbortSignal,
    private readonly sliceMs = SLICE_MS,
  ) {}

  static unlimited(): WorkBudget {
    return new WorkBudget(Number.POSITIVE_INFINITY);
  }

  /** Cheap: true once every UNITS_PER_CHECK calls; then await checkpoint(). */
  due(): boolean {
    return ++this.units >= UNITS_PER_CHECK;
  }

  /** Throws OutOfTime when the time is up; yields to the event loop when this slice is used. */
  async checkpoint(): Promise<void> {
    this.units = 0;
    this.check();
    if (performance.now() - this.sliceStarted < this.sliceMs) return;
    await nextTurn();
    this.sliceStarted = performance.now();
    this.check();
  }

  private check(): void {
    if (this.signal?.aborted) throw new OutOfTime('the scrape was cancelled by its client');
    if (performance.now() > this.deadline) throw new OutOfTime('the probe deadline passed while the document was read');
  }
}
