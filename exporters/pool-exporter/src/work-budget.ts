/**
 * The rest of a probe's deadline, for the work after the fetch (parse, render), and the order in
 * which that work runs.
 *
 * JavaScript runs on one thread: fifty big documents worked on "at once" finish no sooner than
 * one after another, and each slice of each of them stands between the event loop and everything
 * else (setImmediate runs every queued callback before the loop polls again). So big documents
 * take turns, one at a time in arrival order (WorkQueue), and the one at work gives the event
 * loop back every few milliseconds; small documents, a millisecond of work, do not wait in line.
 * Waiting counts against the probe's deadline like the work itself.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Thrown past the deadline or after cancellation: the probe fails with `timeout`. */
export class OutOfTime extends Error {
  override name = 'OutOfTime';
}

/** How long one slice of work may hold the event loop (by default). */
export const SLICE_MS = 4;
/** Units of work (pools) between two looks at the clock. */
const UNITS_PER_CHECK = 64;

export class WorkBudget {
  private units = 0;
  private sliceStarted = performance.now();

  /** `deadline` is a performance.now() time; Infinity for no limit. */
  constructor(
    readonly deadline: number,
    readonly signal?: AbortSignal,
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
    this.startSlice();
    this.check();
  }

  startSlice(): void {
    this.sliceStarted = performance.now();
  }

  check(): void {
    if (this.signal?.aborted) throw new OutOfTime('the scrape was cancelled by its client');
    if (performance.now() > this.deadline) throw new OutOfTime('the probe deadline passed before the document was read');
  }
}

/** Big documents one at a time, in arrival order; a waiting probe leaves at its deadline. */
export class WorkQueue {
  private busy = false;
  private readonly waiting: (() => void)[] = [];

  /** Bodies from this size on take their turn in the queue; smaller ones are worked on at once. */
  constructor(readonly bigDocumentBytes = 64 * 1024) {}

  async run<T>(bodyBytes: number, budget: WorkBudget, work: () => Promise<T>): Promise<T> {
    if (bodyBytes < this.bigDocumentBytes) return work();
    await this.turn(budget);
    try {
      budget.startSlice();
      budget.check();
      return await work();
    } finally {
      this.next();
    }
  }

  /** Probes waiting for their turn (for tests and diagnostics). */
  get length(): number {
    return this.waiting.length;
  }

  private turn(budget: WorkBudget): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const leave = (): void => {
        const at = this.waiting.indexOf(enter);
        if (at >= 0) this.waiting.splice(at, 1);
        clearTimeout(timer);
        budget.signal?.removeEventListener('abort', leave);
        reject(new OutOfTime(budget.signal?.aborted ? 'the scrape was cancelled by its client' : 'the probe deadline passed while it waited for its turn'));
      };
      const enter = (): void => {
        clearTimeout(timer);
        budget.signal?.removeEventListener('abort', leave);
        resolve();
      };
      const timer = Number.isFinite(budget.deadline) ? setTimeout(leave, Math.max(0, budget.deadline - performance.now())) : undefined;
      budget.signal?.addEventListener('abort', leave, { once: true });
      this.waiting.push(enter);
    });
  }

  /** The next one starts on a later turn of the event loop: what waited on I/O goes first. */
  private next(): void {
    const enter = this.waiting.shift();
    if (enter) setImmediate(enter);
    else this.busy = false;
  }
}
