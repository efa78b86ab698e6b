/**
 * One harness instance as its own process: `node --import tsx tools/k6-harness/cli.ts '<json>'`
 * with HarnessOptions as JSON. `npm run loadtest -- --instances N --harness` starts N of them,
 * like N k6 processes. Exit code as k6's: 0 passed, 99 thresholds crossed, 2 could not run.
 */
import { runHarness, type HarnessOptions } from './index.ts';

async function main(): Promise<number> {
  const json = process.argv[2];
  if (json === undefined) throw new Error('usage: cli.ts <HarnessOptions as JSON>');
  const result = await runHarness(JSON.parse(json) as HarnessOptions);
  return result.passed ? 0 : 99;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`k6 harness: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
