/**
 * Start the scale-out store as local processes: the routing receiver, Thanos Receive ×3 (one
 * hashring, replication 2) and Thanos Query, optionally Thanos Rule. The ring's members must know
 * each other's addresses before they start, so the ports are fixed (monitoring/config/thanos.ts):
 * tests and benchmarks that start a ring run in their own network namespace. The binary is the
 * pinned build (scripts/engines: `npm run provision`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import YAML from 'yaml';
import {
  hashrings,
  queryArgs,
  queryUrl,
  receiverArgs,
  routerArgs,
  routerWriteUrl,
  ruleArgs,
  ruleRemoteWriteConfig,
  thanosAddresses,
  type ThanosAddresses,
} from '../monitoring/generators/thanos.ts';
import { startProcess, type RunningProcess } from './process.ts';

/** One process to start: what the native stack turns into a service and startThanosRing into a child. */
export interface ThanosProcessSpec {
  name: string;
  args: string[];
  /** Answers 200 once the process serves. */
  readyUrl: string;
  /** What a person opens: its UI, or the router's write URL. */
  url: string;
  /** Every host:port it listens on (HTTP, gRPC, remote write, Cap'n Proto): all must be free before it starts. */
  listens: string[];
}

export interface ThanosSpecOptions {
  /** Data and config files go here (hashrings.json, the receivers' TSDBs, Rule's files). */
  dir: string;
  /** Also Thanos Rule over these rule files, alerting to this Alertmanager. */
  rule?: { ruleFiles: readonly string[]; alertmanagerUrl: string };
}

/** Write the ring's files into opts.dir and return its processes in start order. */
export function thanosProcessSpecs(a: ThanosAddresses, opts: ThanosSpecOptions): ThanosProcessSpec[] {
  mkdirSync(opts.dir, { recursive: true });
  const hashringsPath = join(opts.dir, 'hashrings.json');
  writeFileSync(hashringsPath, `${JSON.stringify(hashrings(a), null, 2)}\n`);
  const specs: ThanosProcessSpec[] = a.receivers.map((r) => ({
    name: r.name,
    args: receiverArgs(r, join(opts.dir, r.name)),
    readyUrl: `http://${r.http}/-/ready`,
    url: `http://${r.http}/`,
    listens: [r.http, r.grpc, r.remoteWrite, r.capnproto],
  }));
  specs.push({ name: 'thanos-receive-router', args: routerArgs(a, hashringsPath), readyUrl: `http://${a.router.http}/-/ready`, url: routerWriteUrl(a), listens: Object.values(a.router) });
  specs.push({ name: 'thanos-query', args: queryArgs(a), readyUrl: `http://${a.query.http}/-/ready`, url: `${queryUrl(a)}/`, listens: Object.values(a.query) });
  if (opts.rule) {
    const remoteWriteConfigPath = join(opts.dir, 'rule-remote-write.yml');
    writeFileSync(remoteWriteConfigPath, YAML.stringify(ruleRemoteWriteConfig(a)));
    specs.push({
      name: 'thanos-rule',
      args: ruleArgs(a, { dataDir: join(opts.dir, 'thanos-rule'), ruleFiles: opts.rule.ruleFiles, alertmanagerUrl: opts.rule.alertmanagerUrl, remoteWriteConfigPath }),
      readyUrl: `http://${a.rule.http}/-/ready`,
      url: `http://${a.rule.http}/`,
      listens: Object.values(a.rule),
    });
  }
  return specs;
}

export interface ThanosRing {
  addresses: ThanosAddresses;
  /** Where k6 and Prometheus write. */
  writeUrl: string;
  /** Thanos Query's HTTP API (Prometheus-compatible). */
  queryUrl: string;
  processes: Map<string, RunningProcess>;
  stop(): Promise<void>;
}

/** Start the ring and wait until every member is ready; on failure stop what was started. */
export async function startThanosRing(opts: ThanosSpecOptions & { binary: string; addresses?: ThanosAddresses }): Promise<ThanosRing> {
  const a = opts.addresses ?? thanosAddresses();
  const binary = opts.binary;
  const processes = new Map<string, RunningProcess>();
  const stop = async (): Promise<void> => {
    for (const p of [...processes.values()].reverse()) await p.stop();
  };
  try {
    for (const spec of thanosProcessSpecs(a, opts)) {
      processes.set(spec.name, await startProcess({ name: spec.name, command: binary, args: spec.args, readyUrl: spec.readyUrl, readyTimeoutMs: 60_000 }));
    }
    await waitForQueryEndpoints(queryUrl(a), a.receivers.map((r) => r.grpc));
  } catch (err) {
    await stop();
    throw err;
  }
  return { addresses: a, writeUrl: routerWriteUrl(a), queryUrl: queryUrl(a), processes, stop };
}

/**
 * Wait until the Thanos Query at `queryBase` lists every one of `endpoints` (gRPC addresses) as a
 * healthy store. Query is ready before it has connected them; until then it answers from fewer
 * receivers, or none.
 */
export async function waitForQueryEndpoints(queryBase: string, endpoints: readonly string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let missing: string[] = [...endpoints];
  while (Date.now() < deadline) {
    try {
      const healthy = new Set(await healthyQueryEndpoints(queryBase));
      missing = endpoints.filter((e) => !healthy.has(e));
      if (missing.length === 0) return;
    } catch {
      // Not answering yet: ask again.
    }
    await sleep(250);
  }
  throw new Error(`Thanos Query at ${queryBase} did not connect ${missing.join(', ')} within ${timeoutMs / 1000} s`);
}

/** The stores (gRPC addresses) the Thanos Query at `queryBase` lists without an error, of every kind. */
export async function healthyQueryEndpoints(queryBase: string): Promise<string[]> {
  const res = await fetch(`${queryBase}/api/v1/stores`, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as { data?: Record<string, { name: string; lastError: string | null }[]> };
  return Object.values(body.data ?? {}).flat().filter((s) => s.lastError === null).map((s) => s.name);
}
