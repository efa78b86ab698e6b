/** k6's globals for the VU runtime; imported before the script so its init code sees them. */
import { openFile, vuState } from './runtime.ts';
import { MISSING_GLOBAL_HOLDER } from '../k6-globals.ts';

const globals = globalThis as unknown as Record<string, unknown>;
globals.__ENV = vuState.env;
globals.__VU = vuState.vu;
globals.__ITER = 0;
globals.open = openFile;
// The bundler points the script's references to Node/browser globals k6 lacks here.
globals[MISSING_GLOBAL_HOLDER] = new Proxy(
  {},
  {
    get(_target, name) {
      throw new ReferenceError(`${String(name)} is not defined (k6 has no such global: it is Node's or the browser's)`);
    },
  },
);
