/**
 * `--instances N`: the N execution segments of a run, and the merged summary written once all
 * instances have finished.
 */
import { mkdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { evenSegment, evenSequence } from '../../tools/k6-harness/execution-segment.ts';
import { markdown } from '../../k6/lib/summary-table.ts';
import type { RunSummary } from '../../k6/lib/summary-format.ts';
import type { InstanceSegment } from './k6-command.ts';
import { mergeSummaries } from './merge-summaries.ts';

/** Equal segments 0:1/N, ..., (N-1)/N:1, tagged instance=k6-1 .. k6-N. */
export function instanceSegments(n: number): InstanceSegment[] {
  const sequence = evenSequence(n);
  return Array.from({ length: n }, (_, i) => ({ id: `k6-${i + 1}`, segment: evenSegment(i, n), sequence }));
}

/** results/<testid>/instances/<id>/: where that instance's handleSummary writes; created first (k6 does not). */
export function createInstanceDirs(resultsDir: string, instances: InstanceSegment[]): void {
  for (const instance of instances) mkdirSync(join(resultsDir, 'instances', instance.id), { recursive: true });
}

/**
 * Read every instance's summary and write the merged results/<testid>/summary.json and .md.
 * A missing instance summary is an error (a merge without it would undercount the run).
 */
export async function writeMergedSummary(resultsDir: string, instances: InstanceSegment[]): Promise<RunSummary> {
  const parts: RunSummary[] = [];
  const missing: string[] = [];
  for (const instance of instances) {
    const path = join(resultsDir, 'instances', instance.id, 'summary.json');
    try {
      parts.push(JSON.parse(await readFile(path, 'utf8')) as RunSummary);
    } catch (err) {
      missing.push(`${path} (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  if (missing.length > 0) throw new Error(`no merged summary: instance summaries missing or unreadable: ${missing.join('; ')}`);
  const merged = mergeSummaries(parts);
  await writeFile(join(resultsDir, 'summary.json'), `${JSON.stringify(merged, null, 2)}\n`);
  await writeFile(join(resultsDir, 'summary.md'), markdown(merged));
  return merged;
}
