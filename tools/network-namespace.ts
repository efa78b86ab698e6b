/**
 * Run a command in its own network namespace: `unshare -n` (as root) or `unshare -rn` (a user
 * namespace), loopback brought up. Whatever runs there can bind fixed ports (the Thanos ring's)
 * without racing anything on the machine. Used by tests (tests/support/network-namespace.ts) and
 * by benchmarks that start the ring (bench/ingest-bench.ts).
 */
import { readlinkSync } from 'node:fs';

/** The command line that runs argv in a fresh network namespace with `lo` up. */
export function namespaceCommand(argv: string[]): { command: string; args: string[] } {
  const asRoot = process.getuid?.() === 0;
  return {
    command: 'unshare',
    args: [...(asRoot ? ['--net'] : ['--map-root-user', '--net']), '--', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', ...argv],
  };
}

/** This process' network namespace id (e.g. `net:[4026531840]`): an inner run proves it is elsewhere. */
export function currentNetns(): string {
  return readlinkSync('/proc/self/ns/net');
}
