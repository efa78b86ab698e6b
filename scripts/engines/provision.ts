/**
 * npm run provision: build the pinned engines (Prometheus 3.5.0 + promtool, Alertmanager 0.28.1 +
 * amtool, Thanos for the scale-out mode) from their Go modules into the cache outside the clone, unless the cache already holds
 * them, and install Debian's fallback packages (and docker-compose) when running as root.
 * Prints the version and path of every binary the suite will run.
 *
 *   npm run provision             # build what is missing
 *   npm run provision -- --check  # exit 1 naming what is missing, build nothing
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { withoutServiceStarts } from './apt-guard.ts';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  debianPackages,
  engineCacheRoot,
  engineDir,
  engineReport,
  findDebian,
  findPinned,
  onPath,
  pinnedEngines,
  type PinnedEngine,
  type Tool,
} from './engines.ts';

// Debian's fallback binaries (Debian has no Thanos package).
const debianTools: Tool[] = ['prometheus', 'promtool', 'alertmanager', 'amtool'];
const repoRoot = resolve(import.meta.dirname, '../..');

function run(command: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...opts });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
  return String(result.stdout ?? '');
}

/** Module cache files are read-only; the copy must be removable (and writable for go.mod tidying). */
function makeWritable(path: string): void {
  const stat = statSync(path);
  chmodSync(path, stat.mode | 0o200);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) makeWritable(join(path, entry));
}

/** prometheus/common/version's variables, so `--version` prints the release (a plain go build prints none). */
function versionLdflags(engine: PinnedEngine): string {
  const v = 'github.com/prometheus/common/version';
  return [
    `-X ${v}.Version=${engine.version}`,
    `-X ${v}.Revision=${engine.moduleVersion}`,
    `-X ${v}.Branch=HEAD`,
    `-X ${v}.BuildUser=grpc-pool-observability`,
    `-X ${v}.BuildDate=${new Date().toISOString().slice(0, 10)}`,
  ].join(' ');
}

function build(engine: PinnedEngine): void {
  const root = engineCacheRoot();
  mkdirSync(root, { recursive: true });
  const staging = mkdtempSync(join(root, `.${engine.name}-${engine.version}-`));
  const env = { ...process.env, GOFLAGS: '-mod=mod' };
  try {
    const out = join(staging, 'bin');
    const tags = engine.tags ? ['-tags', engine.tags.join(',')] : [];
    if (engine.build === 'copy') {
      // `go install` refuses the module (replace directives): build inside a copy of it instead.
      const info = JSON.parse(run('go', ['mod', 'download', '-json', `${engine.module}@${engine.moduleVersion}`], { env })) as { Dir?: string; Error?: string };
      if (!info.Dir) throw new Error(`go mod download ${engine.module}@${engine.moduleVersion}: ${info.Error ?? 'no Dir'}`);
      // A fixed source path: Go's build cache keys the module's own packages by their directory,
      // so a rebuild from the same path (another cache folder, a lost binary) recompiles nothing.
      const src = join(tmpdir(), 'grpc-pool-observability-build', `${engine.name}-${engine.moduleVersion}`);
      rmSync(src, { recursive: true, force: true });
      cpSync(info.Dir, src, { recursive: true });
      makeWritable(src);
      try {
        run('go', ['build', ...tags, '-ldflags', versionLdflags(engine), '-o', `${out}/`, ...engine.commands], { cwd: src, env, stdio: ['ignore', 'inherit', 'inherit'] });
      } finally {
        rmSync(src, { recursive: true, force: true });
      }
    } else {
      const packages = engine.commands.map((c) => `${engine.module}/${c.replace(/^\.\//, '')}@${engine.moduleVersion}`);
      run('go', ['install', ...tags, '-ldflags', versionLdflags(engine), ...packages], { env: { ...env, GOBIN: out }, stdio: ['ignore', 'inherit', 'inherit'] });
    }
    const target = engineDir(engine);
    rmSync(target, { recursive: true, force: true });
    renameSync(out, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function provisionPinned(check: boolean): string[] {
  const problems: string[] = [];
  for (const engine of Object.values(pinnedEngines)) {
    if (engine.tools.every((tool) => findPinned(tool))) continue;
    if (check) {
      problems.push(`${engine.name} ${engine.version} is not built in ${engineDir(engine)}`);
      continue;
    }
    if (!onPath('go')) {
      problems.push(`${engine.name} ${engine.version}: building it needs Go (https://go.dev/dl/) on PATH`);
      continue;
    }
    console.log(`Building ${engine.name} ${engine.version} (${engine.module}@${engine.moduleVersion}) into ${engineDir(engine)} ...`);
    const started = Date.now();
    build(engine);
    const missing = engine.tools.filter((tool) => !findPinned(tool));
    if (missing.length > 0) problems.push(`${engine.name}: the build did not produce ${missing.join(', ')} at ${engine.version}`);
    console.log(`Built ${engine.name} ${engine.version} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  }
  return problems;
}

/** The dashboard checker's Go module (tools/dashboard-check): downloaded and compiled once, so the suite needs no network. */
function provisionDashboardCheck(check: boolean): string[] {
  const dir = join(repoRoot, 'tools/dashboard-check');
  if (!onPath('go')) return ['tools/dashboard-check needs Go (https://go.dev/dl/) on PATH'];
  const offline = spawnSync('go', ['mod', 'download'], { cwd: dir, env: { ...process.env, GOPROXY: 'off', GOFLAGS: '-mod=mod' }, stdio: 'ignore' });
  if (offline.status === 0) return [];
  if (check) return ['tools/dashboard-check: the foundation SDK Go module is not downloaded'];
  console.log('Downloading and compiling tools/dashboard-check (grafana-foundation-sdk/go) ...');
  const out = mkdtempSync(join(tmpdir(), 'dashboard-check-'));
  try {
    run('go', ['build', '-o', join(out, 'dashboard-check'), '.'], { cwd: dir, stdio: 'inherit' });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return [];
}

function provisionDebian(check: boolean): string[] {
  const missing = [
    ...debianTools.filter((tool) => !findDebian(tool)),
    ...(onPath('docker-compose') ? [] : ['docker-compose']),
    // blackbox_exporter probes the backends' gRPC health (tests/support/blackbox.ts finds either name).
    ...(onPath('blackbox_exporter') || onPath('prometheus-blackbox-exporter') ? [] : ['prometheus-blackbox-exporter']),
  ];
  if (missing.length === 0) return [];
  const command = `apt-get install -y --no-install-recommends ${debianPackages.join(' ')}`;
  if (check || process.getuid?.() !== 0) return [`Debian's ${missing.join(', ')} missing: sudo ${command}`];
  console.log(`Installing Debian's ${debianPackages.join(', ')} (fallback engines, docker-compose, blackbox_exporter) ...`);
  withoutServiceStarts(() => {
    run('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    run('sh', ['-c', command], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: 'inherit' });
  });
  return [];
}

function main(): void {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  const started = Date.now();
  const problems = [...provisionPinned(values.check), ...provisionDashboardCheck(values.check), ...provisionDebian(values.check)];
  console.log(engineReport());
  if (problems.length > 0) {
    for (const problem of problems) console.error(`provision: ${problem}`);
    process.exit(1);
  }
  console.log(`Engines ready in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

main();
