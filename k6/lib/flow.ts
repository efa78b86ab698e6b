/**
 * Flow timing helpers. A flow's duration is its ACTIVE time: the time spent in its steps, with
 * think time (sleep) between steps left out. (The seed measured wall time and so counted ~2.3 s
 * of sleep as latency.)
 */
import { group, sleep } from 'k6';
import { config } from './config.ts';
import { baseline } from './baseline.ts';
import { thinkSeconds } from './profiles.ts';
import { poolTimeSaved } from './metrics.ts';

export class ActiveTimer {
  private active = 0;

  /** Run one step inside a k6 group and add its duration to the active time. */
  step<T>(name: string, fn: () => T): T {
    const started = Date.now();
    try {
      return group(name, fn);
    } finally {
      this.active += Date.now() - started;
    }
  }

  get activeMs(): number {
    return this.active;
  }
}

/** A user's pause between steps; never part of any latency metric. */
export function think(): void {
  const { min, max } = thinkSeconds[config.profile];
  sleep(min + Math.random() * (max - min));
}

/** Time this order saved against the measured baseline's order p95 (only when there is one). */
export function recordTimeSaved(orderDurationMs: number): void {
  if (baseline) poolTimeSaved.add(baseline.orderP95Ms - orderDurationMs);
}
