/**
 * The compose stack, checked statically against what the containers meet at run time
 * (tests/stack/support/compose-static.ts): bind-mount and secret sources exist or are created by
 * stack:up, no mount point sits inside a read-only mount, every path a service writes is writable
 * by its image's user, and every secret is readable by it. Shown failing on the stack as it was
 * (tests/stack/fixtures/compose-41b44c7) for each defect found there, and passing today.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import YAML from 'yaml';
import { baseImageUsers, imageUsers, type ImageUser } from '../../scripts/stack/images.ts';
import { composeFile, repoRoot } from '../../scripts/stack/settings.ts';
import { ensureStackFiles, stackFiles, type StackFile } from '../../scripts/stack/stack-files.ts';
import { checkCompose, type ComposeInput, type Problem, type Rule } from './support/compose-static.ts';

const committed = new Set(execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' }).split('\n').filter(Boolean));
const isCommitted = (path: string): boolean => committed.has(path) || [...committed].some((f) => f.startsWith(`${path}/`));
const readRepoFile = (path: string): string | undefined => (existsSync(join(repoRoot, path)) ? readFileSync(join(repoRoot, path), 'utf8') : undefined);

const today: ComposeInput = {
  composeText: readFileSync(composeFile, 'utf8'),
  projectDir: repoRoot,
  readFile: readRepoFile,
  isCommitted,
  stackFiles,
  images: imageUsers,
  baseImageUsers,
};

const fixtureDir = join(repoRoot, 'tests/stack/fixtures/compose-41b44c7');
/** What stack:up created then: secrets/ (0700) and the Grafana password file (0600), nothing else. */
const stackFilesThen: StackFile[] = [
  { path: 'secrets', kind: 'dir', mode: 0o700, why: 'then' },
  { path: 'secrets/grafana_admin_password', kind: 'file', mode: 0o600, why: 'then' },
];
const before: ComposeInput = {
  ...today,
  composeText: readFileSync(join(fixtureDir, 'docker-compose-monitoring.yaml'), 'utf8'),
  readFile: (path) => (path === 'Dockerfile' ? readFileSync(join(fixtureDir, 'Dockerfile'), 'utf8') : readRepoFile(path)),
  stackFiles: stackFilesThen,
  // The Grafana image then: the same user (uid 472 since Grafana 5.1), only the tag differs.
  images: { ...imageUsers, 'grafana/grafana:12.1.1': { ...(imageUsers['grafana/grafana:12.3.6'] as ImageUser), source: 'as 12.3.6' } },
};

const show = (problems: Problem[]): string => problems.map((p) => `${p.rule} ${p.service}: ${p.message}`).join('\n');
const found = (problems: Problem[], rule: Rule, service: string, text: RegExp): boolean =>
  problems.some((p) => p.rule === rule && p.service === service && text.test(p.message));

describe('static compose check', () => {
  const problemsBefore = checkCompose(before);

  it('passes on docker-compose-monitoring.yaml as it is', () => {
    assert.deepEqual(checkCompose(today), [], show(checkCompose(today)));
  });

  it("catches Alertmanager's secrets mounted inside its read-only config mount (it could not start)", () => {
    assert.ok(found(problemsBefore, 'mount-in-read-only', 'alertmanager', /\/etc\/alertmanager\/secrets is mounted inside the read-only mount \/etc\/alertmanager/), show(problemsBefore));
  });

  it('catches the sink-data volume created root-owned while the sink runs as node', () => {
    assert.ok(found(problemsBefore, 'write-permission', 'notification-sink', /writes \/data on volume sink-data, created root-owned/), show(problemsBefore));
  });

  it('catches secret files Grafana (472) and Alertmanager (65534) cannot read', () => {
    assert.ok(found(problemsBefore, 'secret-readable', 'grafana', /secrets\/grafana_admin_password \(mode 600 .*uid 472/), show(problemsBefore));
    assert.ok(found(problemsBefore, 'secret-readable', 'alertmanager', /\.\/secrets \(mode 700 .*uid 65534/), show(problemsBefore));
  });

  it("catches k6's results folder: not created by stack:up, not writable by k6 (uid 12345)", () => {
    assert.ok(found(problemsBefore, 'bind-source', 'k6', /\.\/results is neither in git nor created by stack:up/), show(problemsBefore));
    assert.ok(found(problemsBefore, 'write-permission', 'k6', /\/work\/results on the bind mount \.\/results/), show(problemsBefore));
  });

  it('checks every image against the table at its pinned tag (Grafana 12.1.1 has no row)', () => {
    const withTodaysTable = checkCompose({ ...before, images: imageUsers });
    assert.ok(found(withTodaysTable, 'image-table', 'grafana', /grafana\/grafana:12\.1\.1 is not in scripts\/stack\/images\.ts/), show(withTodaysTable));
    const services = (YAML.parse(today.composeText, { merge: true }) as { services: Record<string, { image?: string; build?: unknown }> }).services;
    for (const [name, svc] of Object.entries(services)) {
      if (svc.build === undefined) assert.ok(svc.image && imageUsers[svc.image], `${name}: ${svc.image} has no row in images.ts`);
    }
    for (const image of Object.keys(imageUsers)) {
      assert.ok(Object.values(services).some((svc) => svc.image === image), `images.ts lists ${image}, which compose no longer pins`);
    }
  });

  it('finds nothing else in the old file than the defects above', () => {
    const rules = [...new Set(problemsBefore.map((p) => `${p.rule} ${p.service}`))].sort();
    assert.deepEqual(rules, [
      'bind-source k6',
      'mount-in-read-only alertmanager',
      'secret-readable alertmanager',
      'secret-readable grafana',
      'write-permission k6',
      'write-permission notification-sink',
    ]);
  });

  it('flags a data path the command writes that serviceWrites does not list, and a mutated mode', () => {
    const moved = today.composeText.replace('--storage.path=/alertmanager', '--storage.path=/var/alertmanager');
    assert.notEqual(moved, today.composeText);
    assert.ok(found(checkCompose({ ...today, composeText: moved }), 'write-permission', 'alertmanager', /writes \/var\/alertmanager \(--storage\.path\)/));
    const private0600 = stackFiles.map((f) => (f.path === 'secrets/slack_api_url' ? { ...f, mode: 0o600 } : f));
    assert.ok(found(checkCompose({ ...today, stackFiles: private0600 }), 'secret-readable', 'alertmanager', /secrets\/slack_api_url \(mode 600/));
  });
});

describe('static compose check of the scale-out profile (Thanos runs as uid 1001 and owns no folder)', () => {
  const withCompose = (composeText: string): Problem[] => checkCompose({ ...today, composeText });

  it('catches a receiver whose new volume no root job hands over first (it would be root-owned)', () => {
    const unprepared = today.composeText.replace(
      '      - thanos-receive-1-data:/var/thanos/receive\n    depends_on:\n      thanos-volumes:\n        condition: service_completed_successfully\n',
      '      - thanos-receive-1-data:/var/thanos/receive\n',
    );
    assert.notEqual(unprepared, today.composeText);
    const problems = withCompose(unprepared);
    assert.ok(found(problems, 'write-permission', 'thanos-receive-1', /writes \/var\/thanos\/receive on volume thanos-receive-1-data, created root-owned: thanosio\/thanos:v0\.42\.4 \(uid 1001\)/), show(problems));
    assert.deepEqual(problems.map((p) => p.service), ['thanos-receive-1'], show(problems));
  });

  it("catches the job not mounting Rule's volume: it cannot hand over what it does not see", () => {
    const missing = today.composeText.replace('      - thanos-rule-data:/data/thanos-rule\n', '');
    assert.notEqual(missing, today.composeText);
    assert.ok(found(withCompose(missing), 'write-permission', 'thanos-rule', /writes \/var\/thanos\/rule on volume thanos-rule-data, created root-owned/), show(withCompose(missing)));
  });

  it('flags a Thanos data path (--tsdb.path, --data-dir) that serviceWrites does not list', () => {
    const moved = today.composeText.replace('--tsdb.path=/var/thanos/receive\n      - --grpc-address=0.0.0.0:10912', '--tsdb.path=/tsdb\n      - --grpc-address=0.0.0.0:10912');
    assert.notEqual(moved, today.composeText);
    assert.ok(found(withCompose(moved), 'write-permission', 'thanos-receive-2', /writes \/tsdb \(--tsdb\.path\)/), show(withCompose(moved)));
    const rule = today.composeText.replace('--data-dir=/var/thanos/rule', '--data-dir=/rule');
    assert.ok(found(withCompose(rule), 'write-permission', 'thanos-rule', /writes \/rule \(--data-dir\)/), show(withCompose(rule)));
  });
});

describe('Compose v2 checks that v1.29 lacks', () => {
  it('refuses a dependency on a service only a profile enables, which docker-compose 1.29 config accepts', () => {
    const mutated = today.composeText.replace(
      /(  grafana:[\s\S]*?    depends_on:\n)/,
      '$1      demo:\n        condition: service_healthy\n',
    );
    assert.notEqual(mutated, today.composeText);
    const file = join(repoRoot, `.compose-v2-check-${process.pid}.yaml`);
    writeFileSync(file, mutated);
    try {
      execFileSync('docker-compose', ['-f', file, 'config', '-q'], { cwd: repoRoot, stdio: 'pipe' }); // v1 accepts it
    } finally {
      rmSync(file, { force: true });
    }
    assert.ok(found(checkCompose({ ...today, composeText: mutated }), 'compose-spec', 'grafana', /depends_on demo, which its profiles \(default\) do not enable/));
  });
});

describe('what stack:up creates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stack-files-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has the modes the static check assumed, and widens a secret file others cannot read', () => {
    ensureStackFiles(dir, (path) => (path.endsWith('grafana_admin_password') ? 'pw' : ''));
    for (const entry of stackFiles) {
      const stat = statSync(join(dir, entry.path));
      assert.equal(stat.isDirectory(), entry.kind === 'dir', entry.path);
      assert.equal((stat.mode & 0o7777).toString(8), entry.mode.toString(8), entry.path);
    }
    assert.equal(readFileSync(join(dir, 'secrets/grafana_admin_password'), 'utf8'), 'pw');
    execFileSync('chmod', ['600', join(dir, 'secrets/slack_api_url')]);
    const changes = ensureStackFiles(dir);
    assert.deepEqual(changes.length, 1, changes.join('\n'));
    assert.equal((statSync(join(dir, 'secrets/slack_api_url')).mode & 0o777).toString(8), '644');
  });
});
