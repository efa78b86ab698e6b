/**
 * Run a test file in its own network namespace (`unshare -n`, loopback up): the stack's default
 * ports are free there whatever else runs on the machine, and nothing it binds is seen outside.
 * Needs root (or unprivileged user namespaces); a machine without them fails with that message.
 */
import { spawn } from 'node:child_process';
import { namespaceCommand } from './network-namespace.ts';

const MARK = 'TEST_IN_OWN_NETNS';

export const inOwnNetworkNamespace = (): boolean => process.env[MARK] === '1';

/** The test runner marks its children (NODE_TEST_CONTEXT) and such a child runs no files of its own: drop it. */
function innerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, [MARK]: '1' };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/** How many tests of the inner run passed and failed (its spec reporter's summary). */
export function testCounts(output: string): { pass: number; fail: number } {
  const count = (word: string): number => Number(new RegExp(`^ℹ ${word} (\\d+)$`, 'm').exec(output)?.[1] ?? Number.NaN);
  return { pass: count('pass'), fail: count('fail') };
}

/** Run `node --test <file>` inside a new network namespace; resolves with its exit status and output. */
export function runTestFileInNetworkNamespace(file: string, timeoutMs: number): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const { command, args } = namespaceCommand([process.execPath, '--import', 'tsx', '--test', '--test-reporter=spec', file]);
    const child = spawn(command, args, { env: innerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ status: null, output: `cannot run unshare -n (needs root or user namespaces): ${err.message}` });
    });
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}
