/**
 * A static check of docker-compose-monitoring.yaml against what the containers will meet at run
 * time, without a Docker engine: the file's text, the Dockerfiles it builds, the image table
 * (scripts/stack/images.ts) and what stack:up creates on the host (scripts/stack/stack-files.ts).
 * Works on any compose text, so a test can show it failing on an older file.
 */
import { posix, relative, resolve } from 'node:path';
import YAML from 'yaml';
import type { ImageUser } from '../../../scripts/stack/images.ts';
import type { StackFile } from '../../../scripts/stack/stack-files.ts';

export type Rule = 'bind-source' | 'mount-in-read-only' | 'write-permission' | 'secret-readable' | 'image-table' | 'compose-spec';

export interface Problem {
  rule: Rule;
  service: string;
  message: string;
}

/**
 * Paths each service writes at run time (its data). A new service must be added here; flags in
 * its command that name a data path (--storage.tsdb.path, --storage.path, --tsdb.path, --data-dir,
 * --out) must be listed.
 */
export const serviceWrites: Record<string, string[]> = {
  prometheus: ['/prometheus'],
  alertmanager: ['/alertmanager'],
  grafana: ['/var/lib/grafana'],
  'notification-sink': ['/data'],
  k6: ['/work/results'],
  'k6-results': ['/work/results'],
  'pool-exporter': [],
  // blackbox_exporter keeps nothing on disk: it probes and answers.
  'blackbox-exporter': [],
  demo: [],
  // The scale-out profile: each receiver's TSDB, Rule's WAL; the router and Query keep nothing.
  'thanos-volumes': ['/data/thanos-receive-1', '/data/thanos-receive-2', '/data/thanos-receive-3', '/data/thanos-rule'],
  'thanos-receive-1': ['/var/thanos/receive'],
  'thanos-receive-2': ['/var/thanos/receive'],
  'thanos-receive-3': ['/var/thanos/receive'],
  'thanos-receive-router': [],
  'thanos-query': [],
  'thanos-rule': ['/var/thanos/rule'],
};

export interface ComposeInput {
  composeText: string;
  projectDir: string;
  /** Variables for ${VAR:-default} interpolation (defaults apply when unset). */
  env?: Record<string, string>;
  /** A file of the project by relative path (the Dockerfiles), or undefined. */
  readFile(path: string): string | undefined;
  /** Is this relative path in git (so a fresh clone has it)? */
  isCommitted(path: string): boolean;
  stackFiles: readonly StackFile[];
  images: Record<string, ImageUser>;
  baseImageUsers: Record<string, Record<string, number>>;
}

interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  user?: string | number;
  command?: string[] | string;
  volumes?: (string | { type?: string; source?: string; target: string; read_only?: boolean })[];
  secrets?: (string | { source: string; target?: string })[];
  depends_on?: Record<string, unknown> | string[];
  profiles?: string[];
}

interface ComposeFile {
  services: Record<string, Service>;
  secrets?: Record<string, { file?: string }>;
  volumes?: Record<string, unknown>;
}

interface Mount {
  kind: 'bind' | 'volume' | 'secret';
  /** bind/secret: path relative to the project (or absolute outside it); volume: its name. */
  source: string;
  target: string;
  readOnly: boolean;
}

interface RunUser {
  uid: number;
  ownedDirs: string[];
  what: string;
}

export function interpolate(text: string, env: Record<string, string> = {}): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_m, name: string, fallback: string | undefined) => {
    const value = env[name];
    return value !== undefined && value !== '' ? value : (fallback ?? '');
  });
}

const within = (path: string, dir: string): boolean => path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

function mountsOf(svc: Service, file: ComposeFile, projectDir: string): Mount[] {
  const local = (src: string): string => {
    const rel = relative(projectDir, resolve(projectDir, src));
    return rel.startsWith('..') ? resolve(projectDir, src) : rel;
  };
  const mounts: Mount[] = [];
  for (const volume of svc.volumes ?? []) {
    if (typeof volume === 'string') {
      const [source = '', target = '', mode = ''] = volume.split(':');
      const isBind = /^[./~]/.test(source);
      mounts.push({ kind: isBind ? 'bind' : 'volume', source: isBind ? local(source) : source, target, readOnly: mode.split(',').includes('ro') });
    } else {
      const isBind = volume.type === 'bind';
      mounts.push({ kind: isBind ? 'bind' : 'volume', source: isBind ? local(volume.source ?? '') : (volume.source ?? ''), target: volume.target, readOnly: volume.read_only === true });
    }
  }
  for (const secret of svc.secrets ?? []) {
    const name = typeof secret === 'string' ? secret : secret.source;
    const target = typeof secret === 'string' || !secret.target ? `/run/secrets/${name}` : secret.target;
    const fileSource = file.secrets?.[name]?.file;
    mounts.push({ kind: 'secret', source: fileSource ? local(fileSource) : `(undefined secret ${name})`, target, readOnly: true });
  }
  return mounts;
}

/** The uid a service runs as and the directories its image owns, or a problem. */
function runUser(name: string, svc: Service, input: ComposeInput): RunUser | Problem {
  if (svc.build !== undefined) {
    const build = typeof svc.build === 'string' ? { context: svc.build } : svc.build;
    const dockerfile = posix.join(build.context ?? '.', build.dockerfile ?? 'Dockerfile');
    const text = input.readFile(dockerfile);
    if (text === undefined) return { rule: 'image-table', service: name, message: `builds from ${dockerfile}, which does not exist` };
    const lines = text.split('\n').map((l) => l.trim());
    const base = [...lines].reverse().find((l) => /^FROM\s/i.test(l))?.split(/\s+/)[1] ?? '';
    const user = [...lines].reverse().find((l) => /^USER\s/i.test(l))?.split(/\s+/)[1]?.split(':')[0] ?? 'root';
    const uid = /^\d+$/.test(user) ? Number(user) : input.baseImageUsers[base]?.[user];
    if (uid === undefined) return { rule: 'image-table', service: name, message: `${dockerfile}: USER ${user} on ${base} is not in baseImageUsers` };
    // Directories given to the user by `chown [-R] user[:group] dir...` in RUN lines.
    const ownedDirs = lines
      .filter((l) => /^RUN\s/i.test(l))
      .flatMap((l) => l.replace(/^RUN\s+/i, '').split(/&&|;/))
      .map((cmd) => cmd.trim().split(/\s+/))
      .filter((words) => words[0] === 'chown')
      .flatMap((words) => {
        const args = words.slice(1).filter((w) => !w.startsWith('-'));
        const owner = args[0]?.split(':')[0];
        return owner === user || owner === String(uid) ? args.slice(1) : [];
      });
    return { uid, ownedDirs, what: `${dockerfile} (USER ${user}, uid ${uid})` };
  }
  const row = svc.image ? input.images[svc.image] : undefined;
  if (!row) return { rule: 'image-table', service: name, message: `image ${svc.image ?? '(none)'} is not in scripts/stack/images.ts (add its user, read from its Dockerfile at that tag)` };
  const override = svc.user === undefined ? undefined : String(svc.user).split(':')[0];
  if (override !== undefined && !/^\d+$/.test(override)) return { rule: 'image-table', service: name, message: `user: ${override} is not numeric` };
  return { uid: override === undefined ? row.uid : Number(override), ownedDirs: override === undefined ? row.ownedDirs : [], what: `${svc.image} (uid ${override ?? row.uid})` };
}

export function checkCompose(input: ComposeInput): Problem[] {
  const file = YAML.parse(interpolate(input.composeText, input.env), { merge: true }) as ComposeFile;
  const problems: Problem[] = [];
  const stackFile = (path: string): StackFile | undefined => input.stackFiles.find((f) => f.path === path);

  for (const [name, svc] of Object.entries(file.services)) {
    const add = (rule: Rule, message: string) => problems.push({ rule, service: name, message });
    const mounts = mountsOf(svc, file, input.projectDir);

    // Compose v2 (compose-go) refuses a dependency on a service its profiles leave out; v1.29's
    // `config` accepts it. (References to undeclared volumes/secrets: both refuse; kept for the mounts below.)
    const deps = Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {});
    for (const dep of deps) {
      const target = file.services[dep];
      if (!target) add('compose-spec', `depends_on ${dep}, which is not a service`);
      else if (target.profiles?.length && (!svc.profiles?.length || !svc.profiles.every((p) => target.profiles?.includes(p)))) {
        add('compose-spec', `depends_on ${dep}, which its profiles (${(svc.profiles ?? ['default']).join(', ')}) do not enable`);
      }
    }
    for (const m of mounts) {
      if (m.kind === 'volume' && !(m.source in (file.volumes ?? {}))) add('compose-spec', `mounts volume ${m.source}, which is not declared under volumes:`);
      if (m.kind === 'secret' && m.source.startsWith('(undefined')) add('compose-spec', `uses ${m.source.slice(1, -1)}`);
    }

    // Every bind/secret source is in git or created by stack:up.
    for (const m of mounts) {
      if (m.kind === 'volume' || m.source.startsWith('/') || m.source.startsWith('(')) continue;
      if (!input.isCommitted(m.source) && !stackFile(m.source)) add('bind-source', `${m.kind} source ./${m.source} is neither in git nor created by stack:up`);
    }

    // No mount point inside a read-only mount: the runtime cannot create it there.
    for (const outer of mounts.filter((m) => m.readOnly)) {
      for (const inner of mounts) {
        if (inner !== outer && inner.target !== outer.target && within(inner.target, outer.target)) {
          add('mount-in-read-only', `${inner.target} is mounted inside the read-only mount ${outer.target} (./${outer.source})`);
        }
      }
    }

    const user = runUser(name, svc, input);
    if ('rule' in user) {
      problems.push(user);
      continue;
    }
    // A job this service waits for (service_completed_successfully) that runs as root and mounts
    // the same host folder or volume can make it writable first (k6-results for k6, thanos-volumes
    // for the Thanos services; tests/stack show their commands do).
    const rootJobsPreparing = (service: Service, kind: Mount['kind'], source: string): string[] =>
      Object.entries(Array.isArray(service.depends_on) ? {} : (service.depends_on ?? {}))
        .filter(([, cond]) => (cond as { condition?: string }).condition === 'service_completed_successfully')
        .map(([dep]) => dep)
        .filter((dep) => {
          const job = file.services[dep];
          if (!job) return false;
          const jobUser = runUser(dep, job, input);
          return !('rule' in jobUser) && jobUser.uid === 0 && mountsOf(job, file, input.projectDir).some((m) => m.kind === kind && m.source === source && !m.readOnly);
        });
    const owns = (path: string): boolean => user.uid === 0 || user.ownedDirs.some((d) => within(path, d));

    // The command's data paths are declared, and every declared path is writable by the user.
    const writes = serviceWrites[name];
    if (!writes) {
      add('write-permission', `is not in serviceWrites (tests/stack/support/compose-static.ts): say which paths it writes`);
      continue;
    }
    const args = Array.isArray(svc.command) ? svc.command : (svc.command ?? '').split(/\s+/);
    args.forEach((arg, i) => {
      const flag = /^--(storage\.tsdb\.path|storage\.path|tsdb\.path|data-dir|out)(?:=(.*))?$/.exec(arg);
      if (!flag) return;
      const value = flag[2] ?? args[i + 1] ?? '';
      if (!value.startsWith('/')) return; // k6's --out=<output name> is no path
      const dir = flag[1] === 'out' ? posix.dirname(value) : value;
      if (!writes.some((w) => within(dir, w))) add('write-permission', `writes ${dir} (--${flag[1]}), which serviceWrites does not list`);
    });
    for (const path of writes) {
      const mount = mounts.filter((m) => within(path, m.target)).sort((a, b) => b.target.length - a.target.length)[0];
      if (!mount) {
        if (!owns(path)) add('write-permission', `writes ${path} in the container layer, which ${user.what} does not own`);
      } else if (mount.readOnly) {
        add('write-permission', `writes ${path}, mounted read-only`);
      } else if (mount.kind === 'volume') {
        // A new named volume takes the owner of the image's directory at the mount point (root when absent).
        if (!owns(mount.target) && rootJobsPreparing(svc, 'volume', mount.source).length === 0) add('write-permission', `writes ${path} on volume ${mount.source}, created root-owned: ${user.what} has no ${mount.target} of its own`);
      } else if (user.uid !== 0) {
        const created = stackFile(mount.source);
        const preparedBy = rootJobsPreparing(svc, 'bind', mount.source);
        if (preparedBy.length === 0 && (!created || (created.mode & 0o002) === 0)) {
          add('write-permission', `writes ${path} on the bind mount ./${mount.source}, owned by the host user and not writable by uid ${user.uid}${created ? ` (mode ${created.mode.toString(8)})` : ''}`);
        }
      }
    }

    // Secrets (and anything stack:up creates that is mounted) must be readable by the user:
    // compose keeps the host owner and mode, and the host user is not the container's uid.
    if (user.uid === 0) continue;
    for (const m of mounts) {
      const created = m.kind === 'volume' ? undefined : stackFile(m.source);
      if (!created) continue;
      const need = created.kind === 'dir' ? 0o005 : 0o004;
      if ((created.mode & need) !== need) {
        add('secret-readable', `${m.kind} ./${m.source} (mode ${created.mode.toString(8)} from stack:up) at ${m.target} is unreadable by ${user.what}`);
      }
    }
  }
  return problems;
}
