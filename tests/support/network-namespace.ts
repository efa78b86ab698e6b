/**
 * An end-to-end test that must use fixed ports (the stack's defaults: Prometheus writes them into
 * its config before anything starts) runs in its own network namespace: `unshare -n`, loopback
 * up, nothing else on the machine can hold or take its ports, and it cannot disturb a stack a
 * developer runs. Why, and when port 0 is used instead: docs/testing.md.
 *
 *   const isolated = ownNetworkNamespace(import.meta.filename, { timeoutMs, expectedPass: 6 });
 *   if (isolated) describe(...);   // the real tests, run again inside the namespace
 *   else test(...);                // tests that need no namespace run outside it, as usual
 *
 * Outside the namespace the file registers one test that re-runs the file inside it and passes
 * or fails with it (its output is forwarded to stderr as it runs): the inner run must exit 0 and
 * report passing tests (exactly `expectedPass` when given) and no failure.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { it } from 'node:test';
import { currentNetns, namespaceCommand } from '../../tools/network-namespace.ts';

export { namespaceCommand };

/** Set to the outer process' namespace id, so the inner run can prove it is elsewhere. */
const OUTER_NETNS = 'TEST_OUTER_NETNS';

export interface NamespaceOptions {
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** How many tests the inner run must pass: a test that stopped registering fails the file. */
  expectedPass?: number;
}

export function ownNetworkNamespace(file: string, opts: NamespaceOptions): boolean {
  const outer = process.env[OUTER_NETNS];
  if (outer !== undefined) {
    assert.notEqual(currentNetns(), outer, 'this run should be in its own network namespace but shares the outer one');
    return true;
  }
  it(`runs in its own network namespace (unshare -n, lo up): ${file.split('/').slice(-2).join('/')}`, { timeout: opts.timeoutMs }, async () => {
    const { command, args } = namespaceCommand([process.execPath, '--import', 'tsx', '--test', '--test-reporter=spec', file]);
    // Without NODE_TEST_CONTEXT: set by the outer runner, it makes the inner `node --test` skip its files.
    const { NODE_TEST_CONTEXT: _outerRunner, ...env } = process.env;
    const child = spawn(command, args, {
      env: { ...env, ...opts.env, [OUTER_NETNS]: currentNetns() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      process.stderr.write(chunk);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const code = await new Promise<number | null>((resolve) => {
      child.on('error', (err) => {
        output += `\nspawn ${command}: ${err.message}`;
        resolve(null);
      });
      child.on('close', (status) => resolve(status));
    });
    assert.equal(code, 0, `the run in its own network namespace failed (exit ${code}); its output (above, and its end here):\n${output.slice(-4_000)}`);
    // The inner run's own totals (its last summary): tests ran, none failed. An inner run that
    // registered nothing must not pass for a green one.
    const totals = [...output.matchAll(/^ℹ (pass|fail) (\d+)$/gm)];
    const last = (what: string) => Number(totals.filter((m) => m[1] === what).at(-1)?.[2] ?? NaN);
    assert.ok(last('pass') > 0, 'the inner run reported passing tests');
    if (opts.expectedPass !== undefined) assert.equal(last('pass'), opts.expectedPass, 'every test of the inner run ran and passed');
    assert.equal(last('fail'), 0, 'the inner run reported no failure');
  });
  return false;
}
