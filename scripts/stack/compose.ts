/** Compose mode: the same stack in containers, through `docker compose` (v2) or `docker-compose` (v1). */
import { spawnSync } from 'node:child_process';
import { composeFile, composeProject, repoRoot } from './settings.ts';

/** The compose command line to use, or undefined when no Docker engine answers. */
export function composeCommand(): string[] | undefined {
  const engine = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 10_000 });
  if (engine.status !== 0) return undefined;
  if (spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0) return ['docker-compose'];
  return undefined;
}

/** Run compose with the project's file and name; throws with compose's own message on failure. */
export function compose(cmd: string[], args: string[], profiles: string[] = []): void {
  const [bin, ...pre] = cmd;
  if (!bin) throw new Error('empty compose command');
  const full = [...pre, '-p', composeProject, '-f', composeFile, ...profiles.flatMap((p) => ['--profile', p]), ...args];
  const result = spawnSync(bin, full, { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${cmd.join(' ')} ${full.join(' ')} failed (exit ${result.status})`);
}
