/**
 * The VU side of the harness: per-VU state (like k6's per-VU runtime), sample buffering, and the
 * synchronous bridge to the main thread. k6 HTTP calls and sleep() block the VU; here the worker
 * blocks in Atomics.wait while the main thread does the work, then reads the reply with
 * receiveMessageOnPort.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve, dirname } from 'node:path';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import {
  SIGNAL_INTERRUPT,
  SIGNAL_REPLY,
  type BridgeRequest,
  type HttpRequest,
  type HttpResult,
  type MetricDef,
  type Sample,
  type VuWorkerData,
  type WorkerMessage,
} from '../protocol.ts';

const data = workerData as VuWorkerData;
const signal = new Int32Array(data.signal);

/** Thrown into a VU's code when the main thread stops its iteration (gracefulStop passed). */
export class IterationInterrupted extends Error {
  constructor() {
    super('iteration interrupted by the end of its scenario (gracefulStop)');
  }
}

export type Phase = 'init' | 'setup' | 'vu' | 'teardown' | 'summary';

export const vuState = {
  vu: data.vu,
  vuInTest: data.vuInTest,
  env: data.env,
  phase: 'init' as Phase,
  iteration: 0,
  iterationInScenario: 0,
  iterationInTest: 0,
  iterationInInstance: 0,
  scenario: '',
  executor: '',
  /** The running scenario's `tags`. */
  scenarioTags: {} as Record<string, string>,
  /** Current group path: '' at the root, '::name' inside group('name'). */
  group: '',
  samples: [] as Sample[],
  metrics: new Map<string, MetricDef>(),
  /** http.setResponseCallback: undefined keeps k6's default (200-399 expected), null sets none. */
  responseCallback: undefined as ((status: number) => boolean) | null | undefined,
};

export function post(message: WorkerMessage): void {
  parentPort?.postMessage(message);
}

export function defineMetric(def: MetricDef): void {
  const known = vuState.metrics.get(def.name);
  if (known) {
    if (known.type !== def.type || known.contains !== def.contains) {
      throw new Error(`metric ${def.name} is already declared as a ${known.type} (${known.contains}), not a ${def.type} (${def.contains})`);
    }
    return;
  }
  vuState.metrics.set(def.name, def);
  if (vuState.phase !== 'init') post({ type: 'metric', def });
}

/** Tags every sample of the current context carries. */
export function contextTags(): Record<string, string> {
  const tags: Record<string, string> = { ...vuState.scenarioTags, group: vuState.group };
  if (vuState.scenario) tags.scenario = vuState.scenario;
  return tags;
}

export function emit(metric: string, value: number, tags: Record<string, string>, time = Date.now()): void {
  vuState.samples.push({ metric, value, tags, time });
}

export function takeSamples(): Sample[] {
  const taken = vuState.samples;
  vuState.samples = [];
  return taken;
}

function checkInterrupt(): void {
  if (Atomics.load(signal, SIGNAL_INTERRUPT) !== 0) throw new IterationInterrupted();
}

/** Send one HTTP request through the main thread and block until its result arrives. */
export function syncHttp(request: HttpRequest): HttpResult {
  checkInterrupt();
  Atomics.store(signal, SIGNAL_REPLY, 0);
  const message: BridgeRequest = { type: 'http', request, samples: takeSamples() };
  data.bridge.postMessage(message);
  // The main thread answers every request (errors and timeouts included); the wait is bounded anyway.
  const deadline = Date.now() + request.timeoutMs + 30_000;
  while (Atomics.load(signal, SIGNAL_REPLY) === 0) {
    if (Date.now() > deadline) throw new Error(`harness: no reply for ${request.method} ${request.url} from the main thread`);
    Atomics.wait(signal, SIGNAL_REPLY, 0, 1_000);
  }
  const reply = receiveMessageOnPort(data.bridge);
  if (!reply) throw new Error(`harness: reply for ${request.method} ${request.url} was signalled but not delivered`);
  return reply.message as HttpResult;
}

/** k6 sleep(): blocks this VU only; the main thread can cut it short to interrupt the iteration. */
export function syncSleep(ms: number): void {
  checkInterrupt();
  if (ms > 0) Atomics.wait(signal, SIGNAL_INTERRUPT, 0, ms);
  checkInterrupt();
}

/** k6 open(): init context only; relative paths resolve against the script's folder, as in k6. */
export function openFile(path: string, mode?: string): string | ArrayBuffer {
  if (vuState.phase !== 'init') throw new Error(`open(${JSON.stringify(path)}) is only available in the init context`);
  const full = isAbsolute(path) ? path : resolve(dirname(data.scriptPath), path);
  const bytes = readFileSync(full);
  if (mode === 'b') return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return bytes.toString('utf8');
}
