/**
 * k6 scenario options to execution plans: ramping-vus, constant-vus, per-vu-iterations and
 * shared-iterations executors, plus the `iterations`, `duration` and `stages` shortcuts (as k6
 * derives them). Durations can be scaled down.
 */

import { ExecutionTuple } from './execution-segment.ts';

const WHOLE_TEST = ExecutionTuple.parse('', '');

export interface Stage {
  durationMs: number;
  target: number;
}

export interface Plan {
  name: string;
  executor: 'ramping-vus' | 'constant-vus' | 'per-vu-iterations' | 'shared-iterations';
  exec: string;
  startMs: number;
  /** When new iterations stop being started. */
  durationMs: number;
  gracefulStopMs: number;
  maxVus: number;
  /** Scenario `tags`, on every sample of its iterations. */
  tags: Record<string, string>;
  /** Scenario `env`, over the test's __ENV in its iterations. */
  env: Record<string, string>;
  startVus: number;
  stages: Stage[];
  /** per-vu-iterations: per VU; shared-iterations: in total (this instance's share). */
  iterations: number;
  /**
   * This instance's execution segment (k6 `--execution-segment`): VU counts scale with it, and
   * `iterations` stripes this instance's iterations into the test-wide numbering.
   */
  segment: { vus: ExecutionTuple; iterations: ExecutionTuple };
}

export function parseDuration(value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value !== 'string') throw new Error(`${where}: ${JSON.stringify(value)} is not a duration such as 30s or 1m30s`);
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (const match of value.matchAll(re)) {
    const amount = Number(match[1]);
    total += amount * (match[2] === 'ms' ? 1 : match[2] === 's' ? 1000 : match[2] === 'm' ? 60_000 : 3_600_000);
    consumed += match[0].length;
  }
  if (consumed !== value.length || value === '') throw new Error(`${where}: ${JSON.stringify(value)} is not a duration such as 30s or 1m30s`);
  return total;
}

type Raw = Record<string, unknown>;

function int(value: unknown, where: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new Error(`${where}: a non-negative integer is required, got ${JSON.stringify(value)}`);
  return value;
}

function planFor(name: string, raw: Raw, scale: number): Plan {
  const where = `scenario ${name}`;
  const executor = raw.executor;
  const base = {
    name,
    exec: typeof raw.exec === 'string' ? raw.exec : 'default',
    startMs: raw.startTime === undefined ? 0 : parseDuration(raw.startTime, `${where} startTime`) * scale,
    gracefulStopMs: (raw.gracefulStop === undefined ? 30_000 : parseDuration(raw.gracefulStop, `${where} gracefulStop`)) * scale,
    tags: (raw.tags ?? {}) as Record<string, string>,
    env: (raw.env ?? {}) as Record<string, string>,
    startVus: 0,
    stages: [] as Stage[],
    iterations: 0,
    segment: { vus: WHOLE_TEST, iterations: WHOLE_TEST },
  };
  switch (executor) {
    case 'constant-vus': {
      const vus = int(raw.vus, `${where} vus`, 1);
      return { ...base, executor, durationMs: parseDuration(raw.duration, `${where} duration`) * scale, maxVus: vus, startVus: vus };
    }
    case 'ramping-vus': {
      if (!Array.isArray(raw.stages) || raw.stages.length === 0) throw new Error(`${where}: ramping-vus needs stages`);
      const stages = (raw.stages as Raw[]).map((s, i) => ({
        durationMs: parseDuration(s.duration, `${where} stages[${i}].duration`) * scale,
        target: int(s.target, `${where} stages[${i}].target`),
      }));
      const startVus = int(raw.startVUs, `${where} startVUs`, 1);
      return {
        ...base,
        executor,
        stages,
        startVus,
        durationMs: stages.reduce((sum, s) => sum + s.durationMs, 0),
        maxVus: Math.max(startVus, ...stages.map((s) => s.target)),
      };
    }
    case 'per-vu-iterations': {
      const vus = int(raw.vus, `${where} vus`, 1);
      return {
        ...base,
        executor,
        maxVus: vus,
        startVus: vus,
        iterations: int(raw.iterations, `${where} iterations`, 1),
        durationMs: (raw.maxDuration === undefined ? 600_000 : parseDuration(raw.maxDuration, `${where} maxDuration`)) * scale,
      };
    }
    case 'shared-iterations': {
      const vus = int(raw.vus, `${where} vus`, 1);
      const iterations = int(raw.iterations, `${where} iterations`, 1);
      if (iterations < vus) throw new Error(`${where}: the number of iterations (${iterations}) can't be less than the number of VUs (${vus})`);
      return {
        ...base,
        executor,
        maxVus: vus,
        startVus: vus,
        iterations,
        durationMs: (raw.maxDuration === undefined ? 600_000 : parseDuration(raw.maxDuration, `${where} maxDuration`)) * scale,
      };
    }
    default:
      throw new Error(
        `${where}: executor ${JSON.stringify(executor)} is not implemented by the harness (ramping-vus, constant-vus, per-vu-iterations, shared-iterations are)`,
      );
  }
}

function conflict(options: Raw, shortcut: string, others: string[]): void {
  for (const other of others) {
    const value = options[other];
    const set = other === 'scenarios' ? value !== undefined : Array.isArray(value) && value.length > 0;
    if (set) throw new Error(`options: using \`${shortcut}\` and \`${other}\` simultaneously is not allowed (k6 refuses it too)`);
  }
}

/**
 * Plans from k6 options; `scale` multiplies every duration (1 = as written). The shortcuts map as
 * in k6 (lib/executor/execution_config_shortcuts.go): `iterations` is shared-iterations (all VUs
 * share that many, `duration` caps it), else `duration` is constant-vus, else `stages` is
 * ramping-vus starting at `vus`; nothing at all is one iteration on one VU.
 */
export function plansFromOptions(options: Raw, scale = 1): Plan[] {
  const vus = options.vus ?? 1;
  if (options.iterations !== undefined) {
    conflict(options, 'iterations', ['stages', 'scenarios']);
    const raw: Raw = { executor: 'shared-iterations', vus, iterations: options.iterations };
    if (options.duration !== undefined) raw.maxDuration = options.duration;
    return [planFor('default', raw, scale)];
  }
  if (options.duration !== undefined) {
    conflict(options, 'duration', ['stages', 'scenarios']);
    return [planFor('default', { executor: 'constant-vus', vus, duration: options.duration }, scale)];
  }
  if (Array.isArray(options.stages) && options.stages.length > 0) {
    conflict(options, 'stages', ['scenarios']);
    return [planFor('default', { executor: 'ramping-vus', stages: options.stages, startVUs: vus }, scale)];
  }
  const scenarios = Object.entries((options.scenarios ?? {}) as Record<string, Raw>);
  if (scenarios.length > 0) return scenarios.map(([name, raw]) => planFor(name, raw, scale));
  return [planFor('default', { executor: 'per-vu-iterations', vus: 1, iterations: 1 }, scale)];
}

/**
 * This instance's share of each plan, as k6 computes it for an execution segment: VUs (and a
 * ramping plan's target at every moment) scale by the striping algorithm; shared-iterations
 * splits its iterations in proportion to each instance's VUs; per-vu-iterations keeps its
 * per-VU count. Plans with no work in this segment are dropped (k6: HasWork).
 */
export function segmentPlans(plans: Plan[], tuple: ExecutionTuple): Plan[] {
  return plans.flatMap((plan): Plan[] => {
    const maxVus = tuple.scale(plan.maxVus);
    // A ramp keeps the whole test's start: targetVus scales the whole test's target.
    const startVus = plan.executor === 'ramping-vus' ? plan.startVus : tuple.scale(plan.startVus);
    if (plan.executor === 'shared-iterations') {
      const byVus = tuple.resegment(plan.maxVus);
      const iterations = byVus === null ? 0 : byVus.scale(plan.iterations);
      if (byVus === null || maxVus === 0 || iterations === 0) return [];
      return [{ ...plan, maxVus, startVus, iterations, segment: { vus: tuple, iterations: byVus } }];
    }
    if (maxVus === 0) return [];
    return [{ ...plan, maxVus, startVus, segment: { vus: tuple, iterations: tuple } }];
  });
}

/**
 * The script's options with k6's command-line shortcuts on top (k6 lib/options.go Apply): a
 * higher tier's `iterations` or `duration` unsets the lower tier's shortcuts and scenarios.
 */
export function withShortcuts(options: Raw, cli: { vus?: number; iterations?: number; duration?: string } = {}): Raw {
  const result: Raw = { ...options };
  if (cli.iterations !== undefined || cli.duration !== undefined) {
    for (const key of ['duration', 'iterations', 'stages', 'scenarios']) delete result[key];
    if (cli.iterations !== undefined) result.iterations = cli.iterations;
    if (cli.duration !== undefined) result.duration = cli.duration;
  }
  if (cli.vus !== undefined) result.vus = cli.vus;
  return result;
}

/** VUs a ramping-vus plan wants at `elapsedMs` after its start (linear within a stage). */
export function targetVus(plan: Plan, elapsedMs: number): number {
  if (plan.executor !== 'ramping-vus') return plan.maxVus;
  // The ramp is the whole test's; this instance runs its segment's share of it.
  return plan.segment.vus.scale(wholeTestTarget(plan, elapsedMs));
}

function wholeTestTarget(plan: Plan, elapsedMs: number): number {
  let from = plan.startVus;
  let stageStart = 0;
  for (const stage of plan.stages) {
    const end = stageStart + stage.durationMs;
    if (elapsedMs < end) {
      const exact = from + ((stage.target - from) * (elapsedMs - stageStart)) / Math.max(stage.durationMs, 1);
      return stage.target >= from ? Math.floor(exact) : Math.ceil(exact);
    }
    from = stage.target;
    stageStart = end;
  }
  return from;
}

/** Most VUs the plans need at once (a plan holds its VUs until its gracefulStop has passed). */
export function peakVus(plans: Plan[]): number {
  const edges = plans.flatMap((p) => [
    { at: p.startMs, delta: p.maxVus },
    { at: p.startMs + p.durationMs + p.gracefulStopMs, delta: -p.maxVus },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let peak = 0;
  for (const edge of edges) {
    current += edge.delta;
    peak = Math.max(peak, current);
  }
  return peak;
}
