/** k6's globals for the VU runtime; imported before the script so its init code sees them. */
import { openFile, vuState } from './runtime.ts';

const globals = globalThis as unknown as Record<string, unknown>;
globals.__ENV = vuState.env;
globals.__VU = vuState.vu;
globals.__ITER = 0;
globals.open = openFile;
