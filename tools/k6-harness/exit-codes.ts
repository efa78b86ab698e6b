/** Exit codes of a harness instance process (tools/k6-harness/cli.ts), as k6's where k6 has one. */
export const PASSED_EXIT = 0;
/** k6: thresholds crossed. */
export const THRESHOLDS_FAILED_EXIT = 99;
/** A remote-write push failed (k6 only logs that and has no such code; 3 is none of k6's). */
export const PUSH_FAILED_EXIT = 3;
