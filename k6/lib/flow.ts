/**
 * A flow of named steps that tolerates a broken one. Each step runs inside a k6 group and adds
 * its duration to the flow's ACTIVE time (think time between steps is left out). The first step
 * that fails ends the flow: no later step runs on missing data, the failed step is known by name
 * and status, and the VU backs off before its next flow, longer after each failed flow in a row,
 * so a broken endpoint is never hammered in a tight loop (nor the gateway's rate limit tripped).
 */
import { group, sleep } from 'k6';
import { config } from './config.ts';
import { baseline } from './baseline.ts';
import { backoffSeconds, thinkSeconds } from './profiles.ts';
import { poolTimeSaved } from './metrics.ts';
import type { StepResult } from './api.ts';

/** Failed flows in a row of this VU (module state lives per VU in k6). */
let failuresInARow = 0;

export class Flow {
  private active = 0;
  /** The step that ended the flow, e.g. { step: 'GET /orders/:id', status: 404 }. */
  failed: { step: string; status: number } | null = null;

  /**
   * Run one or more step calls in group `name`; returns the last call's payload, or null when a
   * call failed (or the flow had already failed: then nothing runs).
   */
  step<T>(name: string, fn: () => StepResult<T> | null): T | null {
    if (this.failed) return null;
    const started = Date.now();
    try {
      const result = group(name, fn);
      if (result === null) return null;
      if (!result.ok) {
        this.failed = { step: result.step, status: result.status };
        return null;
      }
      return result.data;
    } finally {
      this.active += Date.now() - started;
    }
  }

  /** Run a step whose time is not part of the flow's active time (login: its own target). */
  untimedStep<T>(name: string, fn: () => StepResult<T> | null): T | null {
    const before = this.active;
    const data = this.step(name, fn);
    this.active = before;
    return data;
  }

  get ok(): boolean {
    return this.failed === null;
  }

  get activeMs(): number {
    return this.active;
  }

  /** End of the flow: a failed one makes the VU back off before its next flow. */
  end(): void {
    if (this.failed) {
      failuresInARow += 1;
      sleep(backoffSeconds(config.profile, failuresInARow));
    } else {
      failuresInARow = 0;
    }
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
