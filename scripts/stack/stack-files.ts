/**
 * What `stack:up` creates on the host before compose starts, with the modes it gives them. The
 * static compose test (tests/stack/compose-static.test.ts) reads this list: a bind-mount or
 * secret source must be committed or listed here, and the container's user must be able to read
 * (secrets) or write (results) it with these modes.
 *
 * Compose bind-mounts file secrets with the host's owner and mode, and the images run as other
 * uids (Grafana 472, Alertmanager 65534): a secret file must be readable by others. secrets/
 * itself stays 0700, so other host users cannot reach the files; each file is mounted on its own.
 */
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface StackFile {
  /** Relative to the repository root. */
  path: string;
  kind: 'dir' | 'file';
  mode: number;
  why: string;
}

export const grafanaPasswordPath = 'secrets/grafana_admin_password';

/** Optional notification secrets: compose needs every secret's source file, so unset ones are empty. */
export const optionalSecretFiles = ['secrets/slack_api_url', 'secrets/smtp_password'] as const;

export const stackFiles: readonly StackFile[] = [
  { path: 'secrets', kind: 'dir', mode: 0o700, why: 'holds the secret files; no other host user may enter it' },
  { path: grafanaPasswordPath, kind: 'file', mode: 0o644, why: 'compose secret for Grafana (uid 472)' },
  ...optionalSecretFiles.map((path) => ({ path, kind: 'file' as const, mode: 0o644, why: 'compose secret for Alertmanager (uid 65534); empty unless .env turns Slack/email on' })),
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
