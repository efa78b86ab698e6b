/**
 * Where load tests write and check while a stack runs: Prometheus, or the Thanos router and Query
 * after `stack:up --scale-out` (either mode). stack:up records the scale-out endpoints in
 * <stateDir>/scale-out.json, stack:up without the flag and stack:down remove it, and
 * `npm run loadtest` reads it for its defaults.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { queryUrl, routerWriteUrl, thanosAddresses } from '../../monitoring/generators/thanos.ts';
import type { StackSettings } from './settings.ts';

export interface StackEndpoints {
  /** Remote-write URL. */
  remoteWriteUrl: string;
  /** Prometheus-compatible query API base URL. */
  queryUrl: string;
}

const file = (settings: StackSettings): string => join(settings.stateDir, 'scale-out.json');

/** The scale-out store as the host sees it: the native processes, and compose's published ports (the same numbers). */
export const hostScaleOutEndpoints: StackEndpoints = {
  remoteWriteUrl: routerWriteUrl(thanosAddresses()),
  queryUrl: queryUrl(thanosAddresses()),
};

export function recordScaleOut(settings: StackSettings, endpoints: StackEndpoints | null): void {
  if (endpoints === null) {
    rmSync(file(settings), { force: true });
    return;
  }
  mkdirSync(settings.stateDir, { recursive: true });
  writeFileSync(file(settings), `${JSON.stringify(endpoints, null, 2)}\n`);
}

/** The running stack's endpoints: the recorded scale-out store, else its Prometheus. */
export function stackEndpoints(settings: StackSettings): StackEndpoints {
  if (existsSync(file(settings))) {
    try {
      return JSON.parse(readFileSync(file(settings), 'utf8')) as StackEndpoints;
    } catch (err) {
      throw new Error(`${file(settings)} is not valid JSON (${(err as Error).message}): run npm run stack:up again`);
    }
  }
  const prometheus = `http://127.0.0.1:${settings.ports.prometheus}`;
  return { remoteWriteUrl: `${prometheus}/api/v1/write`, queryUrl: prometheus };
}
