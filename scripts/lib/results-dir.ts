/**
 * results/<testid>/ for a k6 run. k6 opens handleSummary's summary.json and summary.md without
 * creating their folder (grafana/k6 issue #3084: it only logs "failed to handle the end-of-test
 * summary"), so whatever starts k6 or the harness creates it first.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TESTID_PATTERN } from '../../k6/lib/summary-format.ts';

/** Create `<root>/results/<testid>/` and return its path. */
export function createResultsDir(root: string, testid: string): string {
  if (!TESTID_PATTERN.test(testid)) throw new Error(`testid ${JSON.stringify(testid)} may only hold letters, digits, '.', '_' and '-' (it names a folder)`);
  const dir = join(root, 'results', testid);
  mkdirSync(dir, { recursive: true });
  return dir;
}
