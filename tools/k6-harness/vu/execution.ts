/**
 * The `k6/execution` module: the parts that describe the current VU and iteration (one instance,
 * so "in test" and "in instance" agree). test.abort() ends only the current iteration here.
 */
import { vuState } from './runtime.ts';

const execution = {
  get vu() {
    return { idInTest: vuState.vu, idInInstance: vuState.vu, iterationInInstance: vuState.iteration, iterationInScenario: vuState.iterationInScenario };
  },
  get scenario() {
    return { name: vuState.scenario, executor: vuState.executor, iterationInTest: vuState.iterationInTest, iterationInInstance: vuState.iterationInTest };
  },
  test: {
    abort(reason = 'test aborted by the script'): never {
      throw new Error(`test.abort(): ${reason}`);
    },
  },
};

export default execution;
