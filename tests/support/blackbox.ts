/**
 * The Prometheus project's blackbox_exporter as tests run it: the real binary (Debian's
 * prometheus-blackbox-exporter, or blackbox_exporter on PATH) with the generated config.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { grpcHealthModule } from '../../monitoring/config/stack.ts';
import { findBinary } from '../../scripts/stack/native.ts';
import { listeningLine, startListeningProcess, type ListeningProcess } from '../../tools/process.ts';

export const blackboxConfigFile = resolve(import.meta.dirname, '../../monitoring/blackbox/blackbox.yml');

export function blackboxBinary(): string {
  const binary = findBinary(['blackbox_exporter', 'prometheus-blackbox-exporter']);
  if (!binary) throw new Error('no blackbox_exporter on PATH (Debian: apt-get install prometheus-blackbox-exporter)');
  return binary;
}

export interface TestBlackbox {
  url: string;
  /** probe_* samples of one grpc_health probe of host:port, by metric name (labels dropped). */
  probeGrpc(target: string): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

export async function startBlackbox(): Promise<TestBlackbox> {
  const dir = mkdtempSync(join(tmpdir(), 'blackbox-'));
  // Port 0: blackbox_exporter prints the address it bound (no free port guessed beforehand).
  const proc: ListeningProcess = await startListeningProcess({
    name: 'blackbox_exporter',
    command: blackboxBinary(),
    args: [`--config.file=${blackboxConfigFile}`, '--web.listen-address=127.0.0.1:0'],
    cwd: dir,
    listening: listeningLine.goExporterToolkit,
    readyPath: '/-/healthy',
    readyTimeoutMs: 20_000,
  });
  const url = proc.url;
  return {
    url,
    async probeGrpc(target) {
      const res = await fetch(`${url}/probe?module=${grpcHealthModule}&target=${encodeURIComponent(target)}`, { signal: AbortSignal.timeout(10_000) });
      const text = await res.text();
      if (!res.ok) throw new Error(`blackbox /probe ${target}: HTTP ${res.status}: ${text}`);
      const samples = new Map<string, number>();
      for (const line of text.split('\n')) {
        const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
        if (match?.[1] && match[3]) samples.set(`${match[1]}${match[2] ?? ''}`, Number(match[3]));
      }
      return samples;
    },
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
