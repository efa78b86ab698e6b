/**
 * Serves the main thread's calls (setup, iterate, teardown, handleSummary) on the VU's copy of the
 * script, and reports the script's options and metrics once its init context has run.
 */
import { parentPort } from 'node:worker_threads';
import type { CallMessage } from '../protocol.ts';
import { IterationInterrupted, contextTags, defineMetric, emit, post, takeSamples, vuState } from './runtime.ts';

defineMetric({ name: 'iterations', type: 'counter', contains: 'default' });
defineMetric({ name: 'iteration_duration', type: 'trend', contains: 'time' });

type ScriptModule = Record<string, unknown>;

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}

function run(script: ScriptModule, message: CallMessage): void {
  const globals = globalThis as unknown as Record<string, unknown>;
  const fnName = message.fn === 'iterate' ? message.exec : message.fn;
  const fn = script[fnName];
  let resultJson: string | null = null;
  let error: string | null = null;
  let interrupted = false;
  vuState.phase = message.fn === 'iterate' ? 'vu' : message.fn === 'handleSummary' ? 'summary' : message.fn;
  vuState.scenario = message.scenario;
  vuState.executor = message.executor;
  vuState.scenarioTags = message.tags;
  globals.__ENV = { ...vuState.env, ...message.env };
  vuState.iteration = message.iteration;
  vuState.iterationInScenario = message.iterationInScenario;
  vuState.iterationInTest = message.iterationInTest;
  vuState.iterationInInstance = message.iterationInInstance;
  vuState.group = message.fn === 'setup' || message.fn === 'teardown' ? `::${message.fn}` : '';
  globals.__ITER = message.iteration;
  const started = performance.now();
  try {
    if (typeof fn !== 'function') throw new Error(`the script exports no function ${JSON.stringify(fnName)}`);
    const arg = message.argJson === null ? undefined : (JSON.parse(message.argJson) as unknown);
    const result: unknown = (fn as (data: unknown) => unknown)(arg);
    if (result instanceof Promise) throw new Error(`${fnName}() returned a Promise: async functions are not supported by the harness`);
    resultJson = result === undefined ? null : JSON.stringify(result);
  } catch (err) {
    if (err instanceof IterationInterrupted) interrupted = true;
    else error = `${fnName}() on VU ${vuState.vu}: ${describe(err)}`;
  }
  if (message.fn === 'iterate' && !interrupted) {
    vuState.group = '';
    const tags = contextTags();
    emit('iteration_duration', performance.now() - started, tags);
    emit('iterations', 1, tags);
  }
  vuState.group = '';
  post({ type: 'done', id: message.id, samples: takeSamples(), resultJson, error, interrupted });
}

export function serve(script: ScriptModule): void {
  let options: unknown = {};
  try {
    options = JSON.parse(JSON.stringify(script.options ?? {})) as unknown;
  } catch (err) {
    post({ type: 'init-error', error: `options cannot be serialised: ${describe(err)}` });
    return;
  }
  const exports = Object.keys(script).filter((key) => typeof script[key] === 'function');
  post({ type: 'ready', options, metrics: [...vuState.metrics.values()], exports });
  parentPort?.on('message', (message: CallMessage) => run(script, message));
}

