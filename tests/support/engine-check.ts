/**
 * Builds tools/k6-engine-check (a Go test tool: k6 v1.3.0's engine without k6) into a scratch
 * folder; Go's build cache makes every build after the first one quick.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const engineCheckDir = join(import.meta.dirname, '../../tools/k6-engine-check');

/** Path of a freshly built k6-engine-check binary. */
export async function buildEngineCheck(): Promise<string> {
  const out = join(await mkdtemp(join(tmpdir(), 'k6-engine-check-')), 'k6-engine-check');
  try {
    await promisify(execFile)('go', ['build', '-o', out, '.'], { cwd: engineCheckDir, timeout: 600_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`go build in ${engineCheckDir} failed (needs Go and the Go module proxy): ${e.stderr ?? e.message}`);
  }
  return out;
}
