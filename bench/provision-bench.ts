/**
 * npm run bench:provision [-- --rounds N] [--cold]
 *
 * How long `npm run provision` takes, measured, in the cases CI meets:
 *   - cache hit: the engines are in ~/.cache already (every CI run after the first);
 *   - fresh engine cache, warm Go caches: a new cache folder, Go's module and build caches warm
 *     (what a CI machine with a kept Go cache pays); built into a temporary XDG_CACHE_HOME;
 *   - cold (--cold, one round): empty Go module and build caches too (temporary GOMODCACHE and
 *     GOCACHE): downloads every module and compiles everything.
 * Rewrites the part of bench/results/provision-bench.md between its markers.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pinnedEngines } from '../scripts/engines/engines.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, cold: { type: 'boolean', default: false } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
const RESULT_FILE = new URL('./results/provision-bench.md', import.meta.url);

interface Row {
  case: string;
  seconds: number[];
  load: string;
}

/** One provision run with this environment; seconds of wall time. Fails loudly when provisioning fails. */
function provision(env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/engines/provision.ts'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`provision failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  return seconds;
}

function measure(name: string, n: number, envFor: () => { env: NodeJS.ProcessEnv; cleanup: () => void }): Row {
  const seconds: number[] = [];
  const loads: string[] = [];
  for (let i = 0; i < n; i++) {
    const { env, cleanup } = envFor();
    try {
      loads.push(loadavg()[0]?.toFixed(2) ?? '?');
      seconds.push(provision(env));
      console.log(`${name}, round ${i + 1}: ${seconds.at(-1)?.toFixed(1)} s`);
    } finally {
      cleanup();
    }
  }
  return { case: name, seconds, load: loads.join(' / ') };
}

const tempDirs = (...names: string[]) => {
  const root = mkdtempSync(join(tmpdir(), 'provision-bench-'));
  return { dirs: names.map((n) => join(root, n)), cleanup: () => rmSync(root, { recursive: true, force: true }) };
};

const goCache = spawnSync('go', ['env', 'GOCACHE'], { encoding: 'utf8' }).stdout.trim();
if (!goCache) throw new Error('`go env GOCACHE` gave nothing: is Go on PATH?');

const rows: Row[] = [
  measure('cache hit (engines in the cache)', rounds, () => ({ env: process.env, cleanup: () => undefined })),
  measure('fresh engine cache, warm Go module and build caches', Math.min(rounds, 2), () => {
    const { dirs, cleanup } = tempDirs('xdg');
    // Go's build cache defaults to $XDG_CACHE_HOME/go-build: keep it where it was.
    return { env: { ...process.env, XDG_CACHE_HOME: dirs[0], GOCACHE: goCache }, cleanup };
  }),
];
if (values.cold) {
  rows.push(
    measure('cold: empty engine, Go module and Go build caches', 1, () => {
      const { dirs, cleanup } = tempDirs('xdg', 'gomodcache', 'gocache');
      // Module cache files are read-only: make them removable before cleanup.
      return {
        env: { ...process.env, XDG_CACHE_HOME: dirs[0], GOMODCACHE: dirs[1], GOCACHE: dirs[2] },
        cleanup: () => {
          spawnSync('chmod', ['-R', 'u+w', dirs[1] ?? '']);
          cleanup();
        },
      };
    }),
  );
}

const fmt = (s: number[]) => s.map((x) => x.toFixed(1)).join(', ');
const median = (s: number[]) => [...s].sort((a, b) => a - b)[Math.floor(s.length / 2)] ?? NaN;
const out = [
  '<!-- bench:begin (written by `npm run bench:provision`; edit outside the markers) -->',
  `Run ${new Date().toISOString().slice(0, 16)}Z on ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}; ` +
    `Prometheus ${pinnedEngines.prometheus.version} (${pinnedEngines.prometheus.module}@${pinnedEngines.prometheus.moduleVersion}), Alertmanager ${pinnedEngines.alertmanager.version}.`,
  '',
  '| case | rounds (s) | median (s) | 1-min load average at each start |',
  '| --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.case} | ${fmt(r.seconds)} | ${median(r.seconds).toFixed(1)} | ${r.load} |`),
  '<!-- bench:end -->',
].join('\n');
let text: string;
try {
  text = readFileSync(RESULT_FILE, 'utf8');
} catch {
  text = '# Provisioning benchmark\n\n<!-- bench:begin -->\n<!-- bench:end -->\n';
}
const begin = text.indexOf('<!-- bench:begin');
const end = text.indexOf('<!-- bench:end -->');
text = begin >= 0 && end > begin ? `${text.slice(0, begin)}${out}${text.slice(end + '<!-- bench:end -->'.length)}` : `${text}\n${out}\n`;
writeFileSync(RESULT_FILE, text);
console.log(out);
