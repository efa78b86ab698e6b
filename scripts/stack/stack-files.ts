/**
 * Files stack:up creates for both modes: the notification sink's shared token (a git-ignored
 * secret) and the id of the current stack run.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StackSettings } from './settings.ts';

/**
 * The sink's token, random, created when missing. Compose bind-mounts a file secret with the host's
 * owner and mode, and the containers read it as other users (Alertmanager as `nobody`, the sink as
 * `node`), so the file is 0644; its folder is 0700, which keeps other users of the host out.
 * Returns a notice when something was created or needs attention.
 */
export function ensureSinkToken(settings: StackSettings): string | undefined {
  const file = settings.sinkTokenFile;
  const dir = dirname(file);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (existsSync(file)) {
    if (!readFileSync(file, 'utf8').trim()) throw new Error(`${file} is empty: delete it and stack:up writes a new token`);
    if ((statSync(file).mode & 0o044) !== 0o044) {
      chmodSync(file, 0o644); // the containers' users must read it (see above)
      return `${file}: made readable by the stack's container users (0644; the folder keeps others out)`;
    }
    return undefined;
  }
  writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o644 });
  chmodSync(file, 0o644); // the umask may have narrowed the mode
  const dirMode = statSync(dir).mode & 0o777;
  const warning = dirMode & 0o077 ? ` Note: ${dir} is mode ${dirMode.toString(8)}; 0700 keeps other users of this machine from reading it.` : '';
  return `Notification sink token written to ${file} (Alertmanager sends it; other posts get 401).${warning}`;
}

/** The current stack run's id: kept while the stack is up (stack:up reconciles into the same run). */
export function stackRunId(settings: StackSettings): string {
  const file = settings.runIdFile;
  if (existsSync(file)) {
    const id = readFileSync(file, 'utf8').trim();
    if (id) return id;
  }
  const id = `run-${new Date().toISOString().replace(/[:.]/g, '')}-${randomBytes(3).toString('hex')}`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${id}\n`);
  return id;
}

/** stack:down ends the run: the next stack:up starts a new one. */
export function endStackRun(settings: StackSettings): void {
  rmSync(settings.runIdFile, { force: true });
}
