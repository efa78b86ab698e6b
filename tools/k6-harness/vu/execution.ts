/**
 * The `k6/execution` module: the parts that describe the current VU and iteration. With an
 * execution segment, scenario.iterationInTest is the test-wide index; VU ids stay the instance's. test.abort() ends only the current iteration here.
 */
import { vuState } from './runtime.ts';

const execution = {
  get vu() {
    return { idInTest: vuState.vuInTest, idInInstance: vuState.vu, iterationInInstance: vuState.iteration, iterationInScenario: vuState.iterationInScenario };
  },
  get scenario() {
    return { name: vuState.scenario, executor: vuState.executor, iterationInTest: vuState.iterationInTest, iterationInInstance: vuState.iterationInInstance };
  },
  test: {
    abort(reason = 'test aborted by the script'): never {
      throw new Error(`test.abort(): ${reason}`);
    },
  },
};

export default execution;
