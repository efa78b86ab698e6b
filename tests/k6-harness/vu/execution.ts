/** The `k6/execution` module: the parts that describe the current VU and iteration. */
import { vuState } from './runtime.ts';

const execution = {
  get vu() {
    return { idInTest: vuState.vu, idInInstance: vuState.vu, iterationInInstance: vuState.iteration, iterationInScenario: vuState.iteration };
  },
  get scenario() {
    return { name: vuState.scenario, executor: '', iterationInTest: vuState.iteration, iterationInInstance: vuState.iteration };
  },
  test: {
    abort(reason = 'test aborted by the script'): never {
      throw new Error(`test.abort(): ${reason}`);
    },
  },
};

export default execution;
