/**
 * The SLO module's shape with its literal types widened to number/string, so generators can take
 * a modified copy (tests prove that a changed target changes every generated threshold).
 */
import { latencyTargets, slo, type LatencyTargetKey } from './slo.ts';

type Widen<T> = T extends number ? number : T extends string ? string : { readonly [K in keyof T]: Widen<T[K]> };

export type SloConfig = Widen<typeof slo>;

export const defaultSlo: SloConfig = slo;

/** The latency targets of an SLO config, keyed and ordered as `latencyTargets` of slo.ts. */
export function latencyTargetsOf(config: SloConfig): { readonly [K in LatencyTargetKey]: SloConfig[K] } {
  const keys = Object.keys(latencyTargets) as LatencyTargetKey[];
  return Object.fromEntries(keys.map((key) => [key, config[key]])) as { readonly [K in LatencyTargetKey]: SloConfig[K] };
}

/** Milliseconds to the seconds that k6's remote-write histograms carry. */
export const msToSeconds = (ms: number): number => Number((ms / 1000).toFixed(6));
