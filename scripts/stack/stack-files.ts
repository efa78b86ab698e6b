/**
 * What `stack:up` creates on the host before compose starts, with the modes it gives them, and
 * for both modes: the notification sink's token and the id of the current stack run. The
 * static compose test (tests/stack/compose-static.test.ts) reads this list: a bind-mount or
 * secret source must be committed or listed here, and the container's user must be able to read
 * (secrets) or write (results) it with these modes.
 *
 * Compose bind-mounts file secrets with the host's owner and mode, and the images run as other
 * uids (Grafana 472, Alertmanager 65534): a secret file must be readable by others. secrets/
 * itself stays 0700, so other host users cannot reach the files; each file is mounted on its own.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { StackSettings } from './settings.ts';

export interface StackFile {
  /** Relative to the repository root. */
  path: string;
  kind: 'dir' | 'file';
  mode: number;
  why: string;
}

export const grafanaPasswordPath = 'secrets/grafana_admin_password';
/** The bearer token Alertmanager sends to the notification sink (settings.ts: NOTIFICATION_SINK_TOKEN_FILE moves it). */
export const sinkTokenPath = 'secrets/notification_sink_token';
export const newSinkToken = (): string => `${randomBytes(24).toString('base64url')}\n`;

/** Optional notification secrets: compose needs every secret's source file, so unset ones are empty. */
export const optionalSecretFiles = ['secrets/slack_api_url', 'secrets/smtp_password'] as const;
/** Prometheus' remote_write credentials (REMOTE_WRITE_*_FILE in .env moves them); empty unless used. */
export const remoteWriteSecretFiles = ['secrets/remote_write_password', 'secrets/remote_write_bearer_token'] as const;

export const stackFiles: readonly StackFile[] = [
  { path: 'secrets', kind: 'dir', mode: 0o700, why: 'holds the secret files; no other host user may enter it' },
  { path: grafanaPasswordPath, kind: 'file', mode: 0o644, why: 'compose secret for Grafana (uid 472)' },
  { path: sinkTokenPath, kind: 'file', mode: 0o644, why: 'compose secret for Alertmanager (uid 65534) and the notification sink (node, uid 1000): the webhook token' },
  ...optionalSecretFiles.map((path) => ({ path, kind: 'file' as const, mode: 0o644, why: 'compose secret for Alertmanager (uid 65534); empty unless .env turns Slack/email on' })),
  ...remoteWriteSecretFiles.map((path) => ({ path, kind: 'file' as const, mode: 0o644, why: "compose secret for Prometheus (uid 65534): its remote_write credentials; empty unless .env sets REMOTE_WRITE_*" })),
  // Created as the user, not root-owned by Docker; the compose k6-results job (root) then makes
  // results/<testid>/ writable for k6 (uid 12345).
  { path: 'results', kind: 'dir', mode: 0o755, why: 'k6 summaries from the compose k6 service' },
];

/**
 * Create what is missing with its mode; widen an existing secret file that others cannot read
 * (its folder stays 0700). `content` gives a new file's content (the Grafana password).
 * Returns one line per change, for the user.
 */
export function ensureStackFiles(root: string, content: (path: string) => string = () => ''): string[] {
  const changes: string[] = [];
  for (const entry of stackFiles) {
    const path = resolve(root, entry.path);
    if (entry.kind === 'dir') {
      if (!existsSync(path)) {
        mkdirSync(path, { recursive: true });
        chmodSync(path, entry.mode); // mkdir's mode is masked by the umask
        changes.push(`created ${entry.path}/ (${entry.why})`);
      } else if (entry.mode === 0o700 && (statSync(path).mode & 0o077) !== 0) {
        // The secret files inside are 0644 for the containers' users: only this folder keeps
        // other host users out, so an existing one that lets them in is narrowed.
        chmodSync(path, entry.mode);
        changes.push(`narrowed ${entry.path}/ to 0700 (${entry.why})`);
      }
      continue;
    }
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content(entry.path));
      chmodSync(path, entry.mode);
      changes.push(`created ${entry.path} (${entry.why})`);
      continue;
    }
    const mode = statSync(path).mode & 0o7777;
    const missing = entry.mode & ~mode;
    if (missing !== 0) {
      chmodSync(path, mode | missing);
      changes.push(`${entry.path}: mode ${mode.toString(8)} -> ${(mode | missing).toString(8)} (${entry.why})`);
    }
  }
  return changes;
}

/**
 * The sink's token where settings put it (ensureStackFiles covers the default path; a test or
 * NOTIFICATION_SINK_TOKEN_FILE may move it): random, created when missing, 0644 like every secret
 * above. Returns a notice when something was created or changed.
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
  writeFileSync(file, newSinkToken(), { mode: 0o644 });
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
