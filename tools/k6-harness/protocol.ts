import type { MessagePort } from 'node:worker_threads';

/**
 * Messages between the harness main thread and its VU workers. Each VU is a worker thread with its
 * own copy of the bundled script (k6 gives every VU its own JS runtime); the main thread owns the
 * clock, the HTTP connections, the metric sinks and the remote-write output.
 */

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
export type ValueType = 'default' | 'time' | 'data';

export interface MetricDef {
  name: string;
  type: MetricType;
  contains: ValueType;
}

export interface Sample {
  metric: string;
  value: number;
  /** Tags from the VU (scenario, group, request tags). Test-wide tags are added by the main thread. */
  tags: Record<string, string>;
  /** Unix ms (fractional). */
  time: number;
}

/** What a VU asks the main thread to send (k6/http request, after defaults are applied). */
export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  timeoutMs: number;
}

export interface HttpTimings {
  blocked: number;
  connecting: number;
  tls_handshaking: number;
  sending: number;
  waiting: number;
  receiving: number;
  duration: number;
}

export interface HttpResult {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
  timings: HttpTimings;
  bytesSent: number;
  bytesReceived: number;
  proto: string;
  /** Set when no response came back (status 0). */
  error: string;
  errorCode: number;
}

/** VU -> main over the bridge port; the VU blocks (Atomics.wait) until the reply. */
export interface BridgeRequest {
  type: 'http';
  request: HttpRequest;
  samples: Sample[];
}

export type CallName = 'setup' | 'iterate' | 'teardown' | 'handleSummary';

/** main -> VU over parentPort. */
export interface CallMessage {
  type: 'call';
  id: number;
  fn: CallName;
  /** JSON text (setup data, or the summary data for handleSummary). */
  argJson: string | null;
  scenario: string;
  /** Exported function to run for 'iterate' (scenario `exec`). */
  exec: string;
  /** The scenario's executor, for k6/execution. */
  executor: string;
  /** The scenario's tags and env (k6 applies both to its iterations). */
  tags: Record<string, string>;
  env: Record<string, string>;
  /** This VU's iterations so far, all scenarios (k6 __ITER). */
  iteration: number;
  /** This VU's iterations so far in this scenario. */
  iterationInScenario: number;
  /** This iteration's index in the scenario across all instances (k6 scenario.iterationInTest). */
  iterationInTest: number;
  /** Iterations all VUs of this instance started before this one in this scenario. */
  iterationInInstance: number;
}

/** VU -> main over parentPort. */
export type WorkerMessage =
  | { type: 'ready'; options: unknown; metrics: MetricDef[]; exports: string[] }
  | { type: 'init-error'; error: string }
  | { type: 'samples'; samples: Sample[] }
  | { type: 'metric'; def: MetricDef }
  | {
      type: 'done';
      id: number;
      samples: Sample[];
      /** JSON text of the return value (setup data, handleSummary's map). */
      resultJson: string | null;
      error: string | null;
      interrupted: boolean;
    };

export interface VuWorkerData {
  vu: number;
  /** k6 vu.idInTest: unique across the instances of a split test (the segment's VU stripe). */
  vuInTest: number;
  /** Synchronous request channel (the VU side of a MessageChannel). */
  bridge: MessagePort;
  env: Record<string, string>;
  scriptPath: string;
  /** Int32Array over it: [0] reply ready, [1] interrupt requested. */
  signal: SharedArrayBuffer;
}

export const SIGNAL_REPLY = 0;
export const SIGNAL_INTERRUPT = 1;
