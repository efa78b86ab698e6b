/**
 * One VU: a worker thread running the bundled script, the bridge that serves its synchronous HTTP
 * calls, and its keep-alive connections.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { sendRequest, vuAgent, type VuAgent } from './http-client.ts';
import {
  SIGNAL_INTERRUPT,
  SIGNAL_REPLY,
  type BridgeRequest,
  type CallMessage,
  type CallName,
  type MetricDef,
  type Sample,
  type VuWorkerData,
  type WorkerMessage,
} from './protocol.ts';

export interface VuReady {
  options: unknown;
  metrics: MetricDef[];
  exports: string[];
}

export interface CallResult {
  resultJson: string | null;
  error: string | null;
  interrupted: boolean;
}

/** Where an iteration runs: its scenario and its place among the scenario's iterations. */
export type IterationPlace = Pick<CallMessage, 'scenario' | 'exec' | 'executor' | 'tags' | 'env' | 'iterationInScenario' | 'iterationInTest' | 'iterationInInstance'>;

const noIteration: IterationPlace = { scenario: '', exec: 'default', executor: '', tags: {}, env: {}, iterationInScenario: 0, iterationInTest: 0, iterationInInstance: 0 };

export interface VuEvents {
  samples(vu: number, samples: Sample[]): void;
  metric(def: MetricDef): void;
}

export class VuHandle {
  readonly id: number;
  /** Iterations this VU has started (k6 __ITER). */
  iterations = 0;
  busy = false;
  readonly ready: Promise<VuReady>;
  private readonly worker: Worker;
  private readonly bridge: MessagePort;
  private readonly signal: Int32Array;
  private readonly agents: { http: VuAgent; https: VuAgent };
  private readonly pending = new Map<number, (result: CallResult) => void>();
  private nextCall = 1;
  private failure: string | null = null;

  constructor(id: number, bundlePath: string, scriptPath: string, env: Record<string, string>, events: VuEvents, vuInTest = id) {
    this.id = id;
    const shared = new SharedArrayBuffer(8);
    this.signal = new Int32Array(shared);
    this.agents = { http: vuAgent(false), https: vuAgent(true) };
    const { port1, port2 } = new MessageChannel();
    this.bridge = port1;
    const workerData: VuWorkerData = { vu: id, vuInTest, env, scriptPath, signal: shared, bridge: port2 };
    this.worker = new Worker(bundlePath, { workerData, transferList: [port2], execArgv: ['--enable-source-maps'] });
    this.bridge.on('message', (message: BridgeRequest) => {
      events.samples(id, message.samples);
      void sendRequest(message.request, this.agents).then((result) => {
        this.bridge.postMessage(result);
        Atomics.store(this.signal, SIGNAL_REPLY, 1);
        Atomics.notify(this.signal, SIGNAL_REPLY);
      });
    });
    this.ready = new Promise<VuReady>((resolve, reject) => {
      const fail = (message: string): void => {
        this.failure = message;
        reject(new Error(message));
        for (const done of this.pending.values()) done({ resultJson: null, error: message, interrupted: false });
        this.pending.clear();
      };
      this.worker.on('message', (message: WorkerMessage) => {
        switch (message.type) {
          case 'ready':
            resolve({ options: message.options, metrics: message.metrics, exports: message.exports });
            break;
          case 'init-error':
            fail(`VU ${id} init: ${message.error}`);
            break;
          case 'samples':
            events.samples(id, message.samples);
            break;
          case 'metric':
            events.metric(message.def);
            break;
          case 'done': {
            events.samples(id, message.samples);
            const done = this.pending.get(message.id);
            this.pending.delete(message.id);
            done?.({ resultJson: message.resultJson, error: message.error, interrupted: message.interrupted });
            break;
          }
        }
      });
      this.worker.on('error', (err) => fail(`VU ${id}: ${err.stack ?? err.message}`));
      this.worker.on('exit', (code) => {
        if (this.failure === null) fail(`VU ${id}: worker exited (code ${code})`);
      });
    });
    // An init failure is reported through `ready`; keep it from being an unhandled rejection meanwhile.
    this.ready.catch(() => undefined);
  }

  call(fn: CallName, argJson: string | null, at: IterationPlace = noIteration): Promise<CallResult> {
    if (this.failure !== null) return Promise.resolve({ resultJson: null, error: this.failure, interrupted: false });
    const id = this.nextCall++;
    const iteration = fn === 'iterate' ? this.iterations++ : 0;
    const message: CallMessage = { type: 'call', id, fn, argJson, ...at, iteration };
    Atomics.store(this.signal, SIGNAL_INTERRUPT, 0);
    this.busy = true;
    return new Promise<CallResult>((resolve) => {
      this.pending.set(id, (result) => {
        this.busy = false;
        resolve(result);
      });
      this.worker.postMessage(message);
    });
  }

  /** Stop the running iteration at its next sleep or request (k6's gracefulStop expiry). */
  interrupt(): void {
    Atomics.store(this.signal, SIGNAL_INTERRUPT, 1);
    Atomics.notify(this.signal, SIGNAL_INTERRUPT);
  }

  async terminate(): Promise<void> {
    this.failure ??= `VU ${this.id}: terminated`;
    this.bridge.close();
    this.agents.http.destroy();
    this.agents.https.destroy();
    await this.worker.terminate();
  }
}
