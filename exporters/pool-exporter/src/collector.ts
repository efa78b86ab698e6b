/**
 * Turn one GET /health/pools/detailed document into metrics, in a fresh registry per probe.
 *
 * Shape errors (not an object, `services` not a map, a pool that is not an object) fail the
 * probe with reason `schema`. Field errors (missing, wrong type, negative, unknown status) drop
 * only the series that field feeds and are reported as notes. Unknown fields are ignored.
 */
import { Gauge, Registry } from 'prom-client';
import {
  connectionStateField as stateField,
  connectionStates,
  managerStatuses,
  poolStatuses,
  type ConnectionState,
  type ManagerStatus,
  type PoolStatus,
} from '../../../contract/pool-health.ts';
import { poolMetric } from '../../../contract/metrics.ts';

export interface PoolReading {
  name: string;
  connections: Partial<Record<ConnectionState, number>>;
  size?: number;
  /** (ready + idle) / size, 0-1. */
  healthyRatio?: number;
  status?: PoolStatus;
}

export interface PoolHealthDocument {
  managerStatus?: ManagerStatus;
  pools: PoolReading[];
  /** Field-level problems: each dropped the series it feeds. */
  notes: string[];
}

export type ParseResult =
  | { ok: true; doc: PoolHealthDocument }
  | { ok: false; reason: 'invalid_json' | 'schema'; detail: string };

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function parsePoolHealth(body: string): ParseResult {
  let root: unknown;
  try {
    // A leading BOM is legal in a UTF-8 file but not in JSON.parse.
    root = JSON.parse(body.charCodeAt(0) === 0xfeff ? body.slice(1) : body);
  } catch (err) {
    return { ok: false, reason: 'invalid_json', detail: `${(err as Error).message}; body starts ${JSON.stringify(body.slice(0, 80))}` };
  }
  if (!isRecord(root)) return { ok: false, reason: 'schema', detail: `the document is ${kind(root)}, not a JSON object` };

  const notes: string[] = [];
  const managerStatus = oneOf(root.status, managerStatuses);
  if (managerStatus === undefined) notes.push(`status: ${kind(root.status)} is not one of ${managerStatuses.join(', ')}`);

  const services = root.services;
  if (services === undefined) {
    // The documented "pool manager not initialised" answer has no services at all.
    if (managerStatus === 'unavailable') return { ok: true, doc: { managerStatus, pools: [], notes } };
    return { ok: false, reason: 'schema', detail: 'no "services" map (allowed only when status is "unavailable")' };
  }
  if (!isRecord(services)) return { ok: false, reason: 'schema', detail: `"services" is ${kind(services)}, not a map` };

  const pools: PoolReading[] = [];
  const seen = new Set<string>();
  for (const [key, entry] of Object.entries(services)) {
    if (!isRecord(entry)) {
      return { ok: false, reason: 'schema', detail: `services[${JSON.stringify(key)}] is ${kind(entry)}, not an object` };
    }
    // The exposition is UTF-8: a lone surrogate (legal in JSON escapes) becomes U+FFFD, and two
    // keys that only differ there would become one series twice.
    const name = key.replace(LONE_SURROGATE, '\ufffd');
    if (name === '' || seen.has(name)) {
      notes.push(`services[${JSON.stringify(key)}]: ${name === '' ? 'a pool without a name' : 'a repeated pool name'} is skipped`);
      continue;
    }
    seen.add(name);
    pools.push(readPool(name, entry, notes));
  }
  return { ok: true, doc: { managerStatus, pools, notes } };
}

function readPool(name: string, entry: Record<string, unknown>, notes: string[]): PoolReading {
  const count = (field: string): number | undefined => {
    const v = entry[field];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
    if (v !== undefined) notes.push(`services[${JSON.stringify(name)}].${field}: ${kind(v)} is not a count`);
    return undefined;
  };
  const connections: Partial<Record<ConnectionState, number>> = {};
  for (const state of connectionStates) {
    const v = count(stateField[state]);
    if (v !== undefined) connections[state] = v;
  }
  const size = count('total_connections');

  // The ratio is recomputed from the counts of the same snapshot (exact, and consistent with
  // grpc_pool_connections / grpc_pool_size in PromQL); healthy_percentage is the fallback.
  let healthyRatio: number | undefined;
  if (connections.ready !== undefined && connections.idle !== undefined && size !== undefined) {
    healthyRatio = size === 0 ? 0 : clamp01((connections.ready + connections.idle) / size);
  } else {
    const percentage = count('healthy_percentage');
    if (percentage !== undefined) healthyRatio = clamp01(percentage / 100);
  }

  const status = oneOf(entry.status, poolStatuses);
  if (status === undefined) {
    notes.push(`services[${JSON.stringify(name)}].status: ${kind(entry.status)} is not one of ${poolStatuses.join(', ')}`);
  }
  return { name, connections, size, healthyRatio, status };
}

export interface ProbeOutcome {
  success: boolean;
  durationSeconds: number;
  /** 0 when no HTTP response was received. */
  httpStatus: number;
  doc?: PoolHealthDocument;
}

/** The whole /probe answer, rendered from a registry that lives for this probe only. */
export async function renderProbe(outcome: ProbeOutcome): Promise<{ contentType: string; text: string }> {
  const registry = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> =>
    new Gauge<L>({ name, help, labelNames, registers: [registry] });

  gauge(poolMetric.probeSuccess, 'Whether a valid pool health document was read (a 503 document counts).').set(
    outcome.success ? 1 : 0,
  );
  gauge(poolMetric.probeDuration, 'How long the probe took (fetch and parse), in seconds.').set(outcome.durationSeconds);
  gauge(poolMetric.probeHttpStatus, 'HTTP status code of the pool health answer (0 when there was none).').set(
    outcome.httpStatus,
  );

  const doc = outcome.success ? outcome.doc : undefined;
  if (doc) {
    const connections = gauge(poolMetric.connections, 'Connections of the pool in each gRPC connectivity state.', [
      'pool',
      'state',
    ]);
    const size = gauge(poolMetric.size, 'Connections held by the pool, whatever their state.', ['pool']);
    const ratio = gauge(poolMetric.healthyRatio, 'Share of the pool that is READY or IDLE, 0-1.', ['pool']);
    const status = gauge(poolMetric.status, 'Pool status as reported by the service (state set).', ['pool', 'status']);
    const manager = gauge(poolMetric.managerStatus, 'Overall pool manager status (state set).', ['status']);
    for (const pool of doc.pools) {
      for (const state of connectionStates) {
        const v = pool.connections[state];
        if (v !== undefined) connections.set({ pool: pool.name, state }, v);
      }
      if (pool.size !== undefined) size.set({ pool: pool.name }, pool.size);
      if (pool.healthyRatio !== undefined) ratio.set({ pool: pool.name }, pool.healthyRatio);
      if (pool.status !== undefined) {
        for (const s of poolStatuses) status.set({ pool: pool.name, status: s }, s === pool.status ? 1 : 0);
      }
    }
    if (doc.managerStatus !== undefined) {
      for (const s of managerStatuses) manager.set({ status: s }, s === doc.managerStatus ? 1 : 0);
    }
  }
  return { contentType: registry.contentType, text: await registry.metrics() };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[]): T | undefined {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : undefined;
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

function kind(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v);
  return `${typeof v} ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
}
