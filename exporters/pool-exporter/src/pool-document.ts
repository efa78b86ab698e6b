/**
 * Read one GET /health/pools/detailed document into pool readings (exposition.ts renders them).
 *
 * Shape errors (not an object, `services` not a map, a pool that is not an object) fail the
 * probe with reason `schema`. Field errors (missing, wrong type, negative, unknown status) drop
 * only the series that field feeds and are reported as notes. Unknown fields are ignored.
 */
import { connectionStateField, managerStatuses, poolStatuses, type ConnectionState, type ManagerStatus, type PoolStatus } from '../../../contract/pool-health.ts';
import { WorkBudget } from './work-budget.ts';

export interface PoolReading {
  name: string;
  /** Undefined where the document's count was missing or unusable. */
  connections: Record<ConnectionState, number | undefined>;
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
/** Any surrogate at all: a cheap test that spares most names the lookbehind above. */
const SURROGATE = /[\ud800-\udfff]/;


/**
 * JSON.parse is the one step that cannot be sliced; its cost is bounded by body_size_limit. The
 * walk over the pools gives the event loop back between slices and stops at the budget's end
 * (OutOfTime).
 */
export async function readPoolHealth(body: string, budget: WorkBudget = WorkBudget.unlimited()): Promise<ParseResult> {
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
    if (budget.due()) await budget.checkpoint();
    if (!isRecord(entry)) {
      return { ok: false, reason: 'schema', detail: `services[${JSON.stringify(key)}] is ${kind(entry)}, not an object` };
    }
    // The exposition is UTF-8: a lone surrogate (legal in JSON escapes) becomes U+FFFD, and two
    // keys that only differ there would become one series twice.
    const name = SURROGATE.test(key) ? key.replace(LONE_SURROGATE, '\ufffd') : key;
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
  // Every key always present: one object shape for all pools (this runs 6,000 times a probe).
  const connections: Record<ConnectionState, number | undefined> = {
    ready: count(entry, connectionStateField.ready, name, notes),
    idle: count(entry, connectionStateField.idle, name, notes),
    connecting: count(entry, connectionStateField.connecting, name, notes),
    transient_failure: count(entry, connectionStateField.transient_failure, name, notes),
    shutdown: count(entry, connectionStateField.shutdown, name, notes),
  };
  const size = count(entry, 'total_connections', name, notes);

  // The ratio is recomputed from the counts of the same snapshot (exact, and consistent with
  // grpc_pool_connections / grpc_pool_size in PromQL); healthy_percentage is the fallback.
  let healthyRatio: number | undefined;
  if (connections.ready !== undefined && connections.idle !== undefined && size !== undefined) {
    healthyRatio = size === 0 ? 0 : clamp01((connections.ready + connections.idle) / size);
  } else {
    const percentage = count(entry, 'healthy_percentage', name, notes);
    if (percentage !== undefined) healthyRatio = clamp01(percentage / 100);
  }

  const status = oneOf(entry.status, poolStatuses);
  if (status === undefined) {
    notes.push(`services[${JSON.stringify(name)}].status: ${kind(entry.status)} is not one of ${poolStatuses.join(', ')}`);
  }
  return { name, connections, size, healthyRatio, status };
}

/** A finite, non-negative number; anything else present is noted and dropped. */
function count(entry: Record<string, unknown>, field: string, pool: string, notes: string[]): number | undefined {
  const v = entry[field];
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (v !== undefined) notes.push(`services[${JSON.stringify(pool)}].${field}: ${kind(v)} is not a count`);
  return undefined;
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
