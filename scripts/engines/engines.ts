/**
 * The engines every test and the native stack run: Prometheus/promtool, Alertmanager/amtool and
 * Thanos (the scale-out mode's store) at the versions docker-compose-monitoring.yaml pins, built from their Go modules into a cache
 * outside the clone (scripts/engines/provision.ts), so a fresh clone in another folder reuses it.
 * Debian's packages (Prometheus 2.42, Alertmanager 0.25) are a fallback for native mode only: the
 * suite proves the generated configs and rule tests on them too (tests/core/engines-fallback.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { thanos } from '../../monitoring/config/thanos.ts';

export type Tool = 'prometheus' | 'promtool' | 'alertmanager' | 'amtool' | 'thanos';
export type EngineName = 'prometheus' | 'alertmanager' | 'thanos';

export interface PinnedEngine {
  /** Cache folder name prefix and the project that releases it. */
  name: EngineName;
  /** The release version, as the binaries print it and the compose image tag carries it (v-prefixed). */
  version: string;
  /** The Go module and its version (Prometheus 3 publishes v0.3xx.y module versions for v3.x.y). */
  module: string;
  moduleVersion: string;
  /** Packages built, relative to the module root. */
  commands: string[];
  tools: Tool[];
  /**
   * How it is built: `install` (go install module@version), or `copy` (go build inside a copy of
   * the module: `go install` refuses modules with replace directives).
   */
  build: 'install' | 'copy';
  /** Build tags the project's own release build uses (its .promu.yml). */
  tags?: string[];
}

export const pinnedEngines: Record<EngineName, PinnedEngine> = {
  prometheus: {
    name: 'prometheus',
    version: '3.5.0',
    module: 'github.com/prometheus/prometheus',
    moduleVersion: 'v0.305.0',
    commands: ['./cmd/prometheus', './cmd/promtool'],
    tools: ['prometheus', 'promtool'],
    build: 'copy',
  },
  alertmanager: {
    name: 'alertmanager',
    version: '0.28.1',
    module: 'github.com/prometheus/alertmanager',
    moduleVersion: 'v0.28.1',
    commands: ['./cmd/alertmanager', './cmd/amtool'],
    tools: ['alertmanager', 'amtool'],
    build: 'install',
  },
  thanos: {
    name: 'thanos',
    version: thanos.version,
    module: 'github.com/thanos-io/thanos',
    moduleVersion: `v${thanos.version}`,
    commands: ['./cmd/thanos'],
    tools: ['thanos'],
    build: 'copy',
    // Thanos' labels code casts Prometheus' labels by their memory layout and needs the slice
    // implementation: without `slicelabels` a receiver answers Query's Info call with garbage
    // label strings and crashes (seen here: grpc's buffer pool, `index out of range [64]`).
    tags: ['netgo', 'slicelabels'],
  },
};

export function engineOf(tool: Tool): PinnedEngine {
  if (tool === 'thanos') return pinnedEngines.thanos;
  return tool === 'prometheus' || tool === 'promtool' ? pinnedEngines.prometheus : pinnedEngines.alertmanager;
}

/** Debian's binary names for the fallback. */
const debianNames: Record<Tool, string | undefined> = {
  prometheus: 'prometheus',
  promtool: 'promtool',
  alertmanager: 'prometheus-alertmanager',
  amtool: 'amtool',
  thanos: undefined, // Debian has no Thanos package: the pinned build is the only one
};

/** The Debian packages that carry the fallback binaries (and docker-compose for the static compose test). */
export const debianPackages = ['prometheus', 'prometheus-alertmanager', 'docker-compose', 'prometheus-blackbox-exporter'];

/** `${XDG_CACHE_HOME:-$HOME/.cache}/grpc-pool-observability/engines`: outside the clone, shared by every clone. */
export function engineCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'grpc-pool-observability', 'engines');
}

export function engineDir(engine: PinnedEngine, env: NodeJS.ProcessEnv = process.env): string {
  return join(engineCacheRoot(env), `${engine.name}-${engine.version}`);
}

export function pinnedPath(tool: Tool, env: NodeJS.ProcessEnv = process.env): string {
  return join(engineDir(engineOf(tool), env), tool);
}

/** The version a binary prints (`prometheus, version 3.5.0 (...)`, `amtool, version 0.28.1 (...)`), or undefined. */
export function binaryVersion(path: string): string | undefined {
  const result = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  if (result.error || result.status !== 0) return undefined;
  return /version (\d+\.\d+\.\d+\S*)/.exec(`${result.stdout}${result.stderr}`)?.[1];
}

export function onPath(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : undefined;
}

export interface ResolvedTool {
  tool: Tool;
  path: string;
  version: string;
  pinned: boolean;
}

/** Keyed by path and mtime: a rebuild in the same process is seen. */
const versionCache = new Map<string, string | undefined>();
function cachedVersion(path: string): string | undefined {
  const key = `${path}@${statSync(path).mtimeMs}`;
  if (!versionCache.has(key)) versionCache.set(key, binaryVersion(path));
  return versionCache.get(key);
}

/** The pinned build of a tool, when the cache holds it at exactly the pinned version. */
export function findPinned(tool: Tool, env: NodeJS.ProcessEnv = process.env): ResolvedTool | undefined {
  const path = pinnedPath(tool, env);
  if (!existsSync(path)) return undefined;
  const version = cachedVersion(path);
  return version === engineOf(tool).version ? { tool, path, version, pinned: true } : undefined;
}

/** Debian's binary on PATH (Prometheus 2.42, Alertmanager 0.25 on bookworm), whatever its version. */
export function findDebian(tool: Tool): ResolvedTool | undefined {
  const name = debianNames[tool];
  const path = name === undefined ? undefined : onPath(name);
  if (!path) return undefined;
  const version = cachedVersion(path);
  return version ? { tool, path, version, pinned: false } : undefined;
}

/** The single command that provisions the pinned engines. */
export const PROVISION_COMMAND = 'npm run provision';

/**
 * The binary a test runs: always the pinned build. `npm test` provisions it first, so a miss here
 * means the suite was started some other way; the message names the command that fixes it.
 */
export function pinnedTool(tool: Tool): ResolvedTool {
  const found = findPinned(tool);
  if (found) return found;
  const engine = engineOf(tool);
  throw new Error(`${tool} ${engine.version} is not in ${engineDir(engine)}; run \`${PROVISION_COMMAND}\``);
}

/** Native mode: the pinned build, else Debian's with a notice naming the version difference. */
export function nativeTool(tool: Tool): { resolved: ResolvedTool; notice?: string } {
  const pinned = findPinned(tool);
  if (pinned) return { resolved: pinned };
  const debian = findDebian(tool);
  const engine = engineOf(tool);
  if (!debian) {
    const debianHint = debianNames[tool] ? `, or install Debian's ${debianNames[tool]}` : '';
    throw new Error(`no ${tool}: run \`${PROVISION_COMMAND}\` (builds ${engine.name} ${engine.version} with Go)${debianHint}`);
  }
  return {
    resolved: debian,
    notice: `${tool}: using ${debian.path} ${debian.version}, not the pinned ${engine.version} that compose runs; \`${PROVISION_COMMAND}\` builds it.`,
  };
}

export const allTools: Tool[] = ['prometheus', 'promtool', 'alertmanager', 'amtool', 'thanos'];

/** One line per binary the suite runs: the pinned engines, then Debian's fallback. */
export function engineReport(): string {
  const lines = allTools.map((tool) => {
    const pinned = findPinned(tool);
    const debian = findDebian(tool);
    return `  ${tool.padEnd(13)} ${pinned ? `${pinned.version.padEnd(7)} ${pinned.path}` : 'missing'}${debian ? `   (fallback: ${debian.version} ${debian.path})` : ''}`;
  });
  return ['Engines (pinned, from the cache):', ...lines].join('\n');
}
