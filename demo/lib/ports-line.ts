/**
 * The machine-readable line `npm run demo` prints once every listener is bound:
 *   demo shop listening: {"gateway":8000,"admin":8099,"health":{...},"grpc":{...}}
 * With DEMO_*_PORT=0 the kernel picks each port; whoever started the shop reads them back here
 * (tests, benchmarks) instead of guessing free ports beforehand, which races (docs/testing.md).
 */
import { serviceNames, type ShopPorts } from './services.ts';

const PREFIX = 'demo shop listening: ';

export function shopPortsLine(ports: ShopPorts): string {
  return `${PREFIX}${JSON.stringify(ports)}`;
}

/** The ports of the first such line in `output`, or undefined while there is none. */
export function parseShopPortsLine(output: string): ShopPorts | undefined {
  const line = output.split('\n').find((l) => l.startsWith(PREFIX));
  if (line === undefined) return undefined;
  const ports = JSON.parse(line.slice(PREFIX.length)) as ShopPorts;
  const all = [ports.gateway, ports.admin, ...serviceNames.flatMap((s) => [ports.health?.[s], ports.grpc?.[s]])];
  if (!all.every((p) => Number.isInteger(p) && (p as number) > 0)) throw new Error(`demo shop printed incomplete ports: ${line}`);
  return ports;
}

/** The pattern for waitForOutput (tools/process.ts). */
export const shopPortsLinePattern = /^demo shop listening: .*$/m;
