/**
 * Load profiles. `full` is the documented test; `smoke` keeps the same shape in seconds with a
 * few VUs, for CI and quick checks (PROFILE=smoke).
 */
import type { Scenario } from 'k6/options';
import type { ProfileName } from './config.ts';

export interface Phase {
  /** Scenario name: becomes the `scenario` label, so dashboards can split warm-up, load and peak. */
  name: string;
  vus: number;
  duration: string;
}

/** Sequential constant-VU phases: each starts when the previous one ends. */
export function phasedScenarios(phases: readonly Phase[], exec = 'default'): Record<string, Scenario> {
  const scenarios: Record<string, Scenario> = {};
  let startSeconds = 0;
  for (const phase of phases) {
    scenarios[phase.name] = {
      executor: 'constant-vus',
      exec,
      vus: phase.vus,
      duration: phase.duration,
      startTime: `${startSeconds}s`,
      gracefulStop: '10s',
    };
    startSeconds += durationSeconds(phase.duration);
  }
  return scenarios;
}

/** '2m', '30s', '1m30s' to seconds. */
export function durationSeconds(duration: string): number {
  const match = /^(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(duration);
  if (!match || duration === '') throw new Error(`duration ${JSON.stringify(duration)} is not like 2m, 30s or 1m30s`);
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}

export const orderPhases: Record<ProfileName, Phase[]> = {
  full: [
    { name: 'warmup', vus: 10, duration: '30s' },
    { name: 'load', vus: 50, duration: '2m' },
    { name: 'peak', vus: 100, duration: '2m' },
  ],
  smoke: [
    { name: 'warmup', vus: 1, duration: '2s' },
    { name: 'load', vus: 2, duration: '3s' },
    { name: 'peak', vus: 3, duration: '3s' },
  ],
};

export const paymentPhases: Record<ProfileName, Phase[]> = {
  full: [
    { name: 'warmup', vus: 10, duration: '30s' },
    { name: 'load', vus: 25, duration: '2m' },
    { name: 'peak', vus: 50, duration: '2m' },
  ],
  smoke: [
    { name: 'warmup', vus: 1, duration: '2s' },
    { name: 'load', vus: 2, duration: '3s' },
    { name: 'peak', vus: 3, duration: '3s' },
  ],
};

export interface Stage {
  duration: string;
  target: number;
}

/** End to end: 9 stages, 14 minutes, up to 150 VUs, with a stress plateau and a spike. */
export const endToEndStages: Record<ProfileName, Stage[]> = {
  full: [
    { duration: '1m', target: 20 }, // warm-up
    { duration: '2m', target: 50 }, // ramp to normal load
    { duration: '2m', target: 50 }, // normal load
    { duration: '1m', target: 100 }, // ramp to stress
    { duration: '2m', target: 100 }, // stress
    { duration: '30s', target: 150 }, // spike
    { duration: '1m', target: 150 }, // spike plateau
    { duration: '2m', target: 50 }, // recovery
    { duration: '2m30s', target: 0 }, // ramp down
  ],
  smoke: [
    { duration: '1s', target: 1 },
    { duration: '1s', target: 2 },
    { duration: '2s', target: 2 },
    { duration: '1s', target: 3 },
    { duration: '2s', target: 3 },
    { duration: '1s', target: 4 },
    { duration: '1s', target: 4 },
    { duration: '1s', target: 2 },
    { duration: '1s', target: 0 },
  ],
};

/** Think time between user steps, in seconds: a real user pauses; a smoke run should not wait long. */
export const thinkSeconds: Record<ProfileName, { min: number; max: number }> = {
  full: { min: 0.5, max: 1.5 },
  smoke: { min: 0.05, max: 0.15 },
};

/**
 * Pause after a failed flow, in seconds: the think-time maximum, doubled for each further failed
 * flow in a row, up to `maxSeconds`. One failed flow costs a VU at least `min` seconds, which
 * bounds its request rate whatever the target answers.
 */
export const backoff: Record<ProfileName, { min: number; maxSeconds: number }> = {
  full: { min: thinkSeconds.full.max, maxSeconds: 30 },
  smoke: { min: thinkSeconds.smoke.max, maxSeconds: 1 },
};

export function backoffSeconds(profile: ProfileName, failuresInARow: number): number {
  const { min, maxSeconds } = backoff[profile];
  return Math.min(maxSeconds, min * 2 ** Math.max(0, failuresInARow - 1));
}
