/**
 * One harness instance as its own process: `node --import tsx tools/k6-harness/cli.ts '<json>'`
 * with HarnessOptions as JSON. `npm run loadtest -- --instances N --harness` starts N of them,
 * like N k6 processes. Exit code as k6's: 0 passed, 99 thresholds crossed, 2 could not run; and
 * 3 when a remote-write push failed (k6 only logs that; the harness tells its parent, which marks
 * the merged summary and exits 3 as a single run whose pushes failed does).
 */
import { PASSED_EXIT, PUSH_FAILED_EXIT, THRESHOLDS_FAILED_EXIT } from './exit-codes.ts';
import { runHarness, type HarnessOptions } from './index.ts';

async function main(): Promise<number> {
  const json = process.argv[2];
  if (json === undefined) throw new Error('usage: cli.ts <HarnessOptions as JSON>');
  const result = await runHarness(JSON.parse(json) as HarnessOptions);
  const errors = result.remoteWrite.errors;
  if (errors.length > 0) {
    console.error(`k6 harness: ${errors.length} remote-write push(es) failed, the first: ${errors[0]}`);
    return PUSH_FAILED_EXIT;
  }
  return result.passed ? PASSED_EXIT : THRESHOLDS_FAILED_EXIT;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`k6 harness: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
