/**
 * The exporter's image copies a few folders, not the repository: every file main.ts imports,
 * directly or not, must be inside one of them (a moved module once left the image unable to start).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { EXPORTER_MAIN, REPO_ROOT } from './support.ts';

function localImports(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) {
    localImports(resolve(dirname(file), spec ?? ''), seen);
  }
  return seen;
}

describe('pool exporter image', () => {
  it('copies every repository file the exporter imports', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'exporters/pool-exporter/Dockerfile'), 'utf8');
    const copied = [...dockerfile.matchAll(/^COPY\s+(?!--)(.+)\s+\S+$/gm)].flatMap(([, sources]) => (sources ?? '').split(/\s+/));
    const needed = [...localImports(EXPORTER_MAIN)].map((file) => relative(REPO_ROOT, file));
    assert.ok(needed.length > 5, `the import walk found ${needed.length} files`);
    const missing = needed.filter((file) => !copied.some((source) => file === source || file.startsWith(`${source.replace(/\/$/, '')}/`)));
    assert.deepEqual(missing, [], `not copied into the image: ${missing.join(', ')}`);
  });
});
