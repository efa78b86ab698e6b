/**
 * Remote write to a store that needs auth and headers: what `npm run loadtest` hands to k6 (k6's
 * own K6_PROMETHEUS_RW_* variables, read by stand-ins for k6 and docker that record what they
 * got), that no printed line carries a credential, and a real Prometheus behind basic auth
 * (--web.config.file, bcrypt) that refuses a run without credentials (exit 3) and accepts one
 * with them, the post-run check included (every Prometheus endpoint wants them).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoProcess, type DemoProcess } from '../../tools/demo-process.ts';
import { remoteWrite } from '../../tools/remote-write.ts';
import type { RunSummary } from '../../k6/lib/summary-format.ts';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.ts';

const repo = join(import.meta.dirname, '../..');
const PASSWORD = 'pw-7f3a9c-secret';
const TOKEN = 'tok-41d2e8-secret';
const API_KEY = 'key-93b1f0-secret';

/** Without the caller's own K6_PROMETHEUS_RW_* (the test sets what it means to). */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('K6_PROMETHEUS_RW_') && k !== 'PROMETHEUS_QUERY_URL'));
  return { ...env, ...extra };
}

function loadtest(args: string[], env: NodeJS.ProcessEnv = cleanEnv()) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'scripts/loadtest.ts'), ...args], { encoding: 'utf8', cwd: repo, env, timeout: 120_000 });
}

function assertNoSecret(text: string): void {
  for (const secret of [PASSWORD, TOKEN, API_KEY]) assert.ok(!text.includes(secret), `a credential was printed:\n${text}`);
}

describe('remote-write auth and headers', () => {
  let dir: string;
  let passwordFile: string;
  let tokenFile: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rw-auth-'));
    passwordFile = join(dir, 'password');
    tokenFile = join(dir, 'token');
    await writeFile(passwordFile, `${PASSWORD}\n`);
    await writeFile(tokenFile, `${TOKEN}\n`);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--dry-run names every setting under its k6 variable and masks the credentials, for every runner', () => {
    const auth = ['--remote-write-header', 'THANOS-TENANT: team-a', '--remote-write-header', `X-Access-Key: ${API_KEY}`, '--remote-write-user', 'alice', '--remote-write-password-file', passwordFile];
    const k6 = loadtest(['order', '--runner', 'k6', '--testid', 'auth-1', '--dry-run', ...auth]);
    assert.equal(k6.status, 0, k6.stderr);
    assert.match(k6.stdout, /^loadtest: K6_PROMETHEUS_RW_SERVER_URL=\S+ K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true K6_PROMETHEUS_RW_USERNAME=alice K6_PROMETHEUS_RW_PASSWORD='\*\*\*' K6_PROMETHEUS_RW_HEADERS_THANOS-TENANT=team-a K6_PROMETHEUS_RW_HEADERS_X-Access-Key='\*\*\*' k6 run /m);
    assert.match(k6.stdout, /^loadtest: after the run, checks the run's series at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query \(with header THANOS-TENANT, header X-Access-Key, basic auth as alice, as the remote write\)$/m);

    const docker = loadtest(['order', '--runner', 'docker', '--testid', 'auth-2', '--dry-run', ...auth]);
    assert.equal(docker.status, 0, docker.stderr);
    // Credentials reach the container as `-e NAME` (docker copies the value from its environment).
    assert.match(docker.stdout, / -e K6_PROMETHEUS_RW_USERNAME=alice -e K6_PROMETHEUS_RW_PASSWORD -e K6_PROMETHEUS_RW_HEADERS_THANOS-TENANT=team-a -e K6_PROMETHEUS_RW_HEADERS_X-Access-Key grafana\/k6/);

    const harness = loadtest(['order', '--harness', '--testid', 'auth-3', '--dry-run', ...auth]);
    assert.equal(harness.status, 0, harness.stderr);
    assert.match(harness.stdout, /"remoteWriteAuth":\{"headers":\{"THANOS-TENANT":"team-a","X-Access-Key":"\*\*\*"\},"basicAuth":\{"username":"alice","password":"\*\*\*"\}\}/);

    const instances = loadtest(['order', '--harness', '--instances', '2', '--testid', 'auth-4', '--dry-run', '--remote-write-bearer-token-file', tokenFile]);
    assert.equal(instances.status, 0, instances.stderr);
    assert.equal(instances.stdout.match(/^loadtest: \[k6-\d\] K6_PROMETHEUS_RW_BEARER_TOKEN='\*\*\*' \S+ --import tsx \S+cli\.ts /gm)?.length, 2, instances.stdout);

    const fromEnv = loadtest(['order', '--runner', 'k6', '--instances', '2', '--testid', 'auth-5', '--dry-run'], cleanEnv({ K6_PROMETHEUS_RW_BEARER_TOKEN: TOKEN }));
    assert.equal(fromEnv.status, 0, fromEnv.stderr);
    assert.equal(fromEnv.stdout.match(/K6_PROMETHEUS_RW_BEARER_TOKEN='\*\*\*'/g)?.length, 2);
    for (const out of [k6, docker, harness, instances, fromEnv]) assertNoSecret(out.stdout + out.stderr);
  });

  it('--query-url (or PROMETHEUS_QUERY_URL) is where the check asks; the default stays the write URL\'s host', () => {
    const cases: [string[], NodeJS.ProcessEnv, string][] = [
      [['--remote-write', 'http://127.0.0.1:19291/api/v1/receive', '--query-url', 'http://127.0.0.1:10904'], {}, 'http://127.0.0.1:10904/api/v1/query'],
      [['--remote-write', 'https://prom.example/api/prom/push'], { PROMETHEUS_QUERY_URL: 'https://prom.example/api/prom/' }, 'https://prom.example/api/prom/api/v1/query'],
      [['--remote-write', 'http://127.0.0.1:19090/api/v1/write'], {}, 'http://127.0.0.1:19090/api/v1/query'],
    ];
    for (const [args, env, queryUrl] of cases) {
      const out = loadtest(['order', '--runner', 'k6', '--testid', 'q-1', '--dry-run', ...args], cleanEnv(env));
      assert.equal(out.status, 0, out.stderr);
      assert.ok(out.stdout.includes(`checks the run's series at ${queryUrl}\n`), out.stdout);
    }
  });

  it('refuses settings that would leak or conflict, with a clear error', () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--remote-write-password', PASSWORD], {}, /--remote-write-password: a secret on the command line is visible to every user/],
      [['--remote-write-user', 'alice', '--remote-write-password-file', passwordFile, '--remote-write-bearer-token-file', tokenFile], {}, /basic auth and a bearer token both set the Authorization header/],
      [['--remote-write-password-file', passwordFile], {}, /--remote-write-password-file needs --remote-write-user/],
      [['--remote-write-user', 'alice'], {}, /remote-write user alice has no password/],
      [['--remote-write-user', 'alice', '--remote-write-password-file', join(dir, 'missing')], {}, /--remote-write-password-file \S+missing: cannot read the secret/],
      [['--remote-write-header', 'THANOS-TENANT team-a'], {}, /--remote-write-header: expected 'Name: value'/],
      [['--remote-write-header', `Authorization: Bearer ${TOKEN}`], {}, /header Authorization is set by the remote-write client itself \(use basic auth or a bearer token instead\)/],
      [['--remote-write', `http://alice:${PASSWORD}@127.0.0.1:9090/api/v1/write`], {}, /--remote-write: no credentials in the URL/],
      [[], { K6_PROMETHEUS_RW_HTTP_HEADERS: 'a:b:c' }, /K6_PROMETHEUS_RW_HTTP_HEADERS: "a:b:c" does not respect the format/],
    ];
    for (const [args, env, message] of cases) {
      const out = loadtest(['order', '--runner', 'k6', '--dry-run', ...args], cleanEnv(env));
      assert.equal(out.status, 2, `${args.join(' ')}: ${out.stdout}`);
      assert.match(out.stderr, message);
      assertNoSecret(out.stdout + out.stderr);
    }
  });

  it('k6 and docker get the settings in their environment (k6 variables), the command line over the environment', async () => {
    // Stand-ins record their arguments and environment (k6 and Docker are not installed here). In
    // Node, not sh: like the Go binaries they stand for, and unlike dash, Node keeps variables whose
    // names hold a '-' (K6_PROMETHEUS_RW_HEADERS_THANOS-TENANT).
    const record = join(dir, 'record');
    const standIn = [
      '#!/usr/bin/env node',
      "const { writeFileSync } = require('node:fs');",
      "const args = process.argv.slice(2);",
      "if (args[0] === 'version' || args[0] === 'info') process.exit(0);",
      `writeFileSync(${JSON.stringify(record)}, ['ARGS ' + args.join(' '), ...Object.entries(process.env).map(([k, v]) => k + '=' + v)].join('\\n') + '\\n');`,
      '',
    ].join('\n');
    await writeFile(join(dir, 'stand-in'), standIn);
    await chmod(join(dir, 'stand-in'), 0o755);
    const env = cleanEnv({
      K6_BIN: join(dir, 'stand-in'),
      'K6_PROMETHEUS_RW_HEADERS_THANOS-TENANT': 'from-env',
      K6_PROMETHEUS_RW_HTTP_HEADERS: 'X-Scope-OrgID:org-1',
    });
    const args = ['order', '--testid', 'auth-run', '--remote-write', 'http://127.0.0.1:1/api/v1/write', '--remote-write-header', 'thanos-tenant: team-b', '--remote-write-user', 'alice', '--remote-write-password-file', passwordFile];
    try {
      const k6 = loadtest([...args, '--runner', 'k6'], env);
      // The stand-in pushed nothing, and nothing answers the check: exit 3, and no credential printed.
      assert.equal(k6.status, 3, k6.stderr);
      assertNoSecret(k6.stdout + k6.stderr);
      const got = await readFile(record, 'utf8');
      assert.match(got, /^K6_PROMETHEUS_RW_USERNAME=alice$/m);
      assert.match(got, new RegExp(`^K6_PROMETHEUS_RW_PASSWORD=${PASSWORD}$`, 'm'));
      assert.match(got, /^K6_PROMETHEUS_RW_HEADERS_thanos-tenant=team-b$/m, 'the command line replaces the env header of any case');
      assert.doesNotMatch(got, /^K6_PROMETHEUS_RW_HEADERS_THANOS-TENANT=/m);
      // K6_PROMETHEUS_RW_HTTP_HEADERS was read and handed on as one variable per header (k6 would apply it last).
      assert.match(got, /^K6_PROMETHEUS_RW_HEADERS_X-Scope-OrgID=org-1$/m);
      assert.doesNotMatch(got, /^K6_PROMETHEUS_RW_HTTP_HEADERS=/m);

      await writeFile(join(dir, 'docker'), await readFile(join(dir, 'stand-in'), 'utf8'), { mode: 0o755 });
      const docker = loadtest([...args, '--runner', 'docker'], { ...env, PATH: `${dir}:${env.PATH ?? ''}` });
      assert.equal(docker.status, 3, docker.stderr);
      assertNoSecret(docker.stdout + docker.stderr);
      const dockerGot = await readFile(record, 'utf8');
      assert.match(dockerGot, / -e K6_PROMETHEUS_RW_PASSWORD -e /, 'the password is named, not given, on docker\'s command line');
      assert.ok(!/^ARGS .*pw-7f3a9c/m.test(dockerGot));
      assert.match(dockerGot, new RegExp(`^K6_PROMETHEUS_RW_PASSWORD=${PASSWORD}$`, 'm'), 'docker has the value in its environment, for -e NAME');
    } finally {
      await rm(join(repo, 'results', 'auth-run'), { recursive: true, force: true });
    }
  });

  describe('a real Prometheus behind basic auth (--web.config.file, bcrypt)', () => {
    let prom: TestPrometheus;
    let demo: DemoProcess;
    const stamp = Date.now();
    const ids = { anonymous: `auth-anon-${stamp}`, alice: `auth-alice-${stamp}`, instances: `auth-inst-${stamp}` };
    before(async () => {
      [prom, demo] = await Promise.all([startPrometheus({ basicAuth: { username: 'alice', password: PASSWORD } }), startDemoProcess()]);
    });
    after(async () => {
      await Promise.all([prom?.stop(), demo?.stop()]);
      for (const id of Object.values(ids)) await rm(join(repo, 'results', id), { recursive: true, force: true });
    });

    it('the client: refused without credentials (HTTP 401), stored with them', async () => {
      const data = { floats: [{ labels: { __name__: 'rw_auth_probe', testid: 'c' }, value: 1, timestampMs: Date.now() }] };
      await assert.rejects(remoteWrite(`${prom.url}/api/v1/write`, data), /rejected \(1 samples\): HTTP 401/);
      await assert.rejects(remoteWrite(`${prom.url}/api/v1/write`, data, { basicAuth: { username: 'alice', password: 'wrong' } }), /HTTP 401/);
      await remoteWrite(`${prom.url}/api/v1/write`, data, { basicAuth: { username: 'alice', password: PASSWORD } });
      assert.equal((await prom.query('rw_auth_probe')).length, 1);
    });

    const run = (id: string, extra: string[]) =>
      loadtest(['order', '--harness', '--profile', 'smoke', '--testid', id, '--base-url', demo.baseUrl, '--remote-write', `${prom.url}/api/v1/write`, ...extra]);
    const summaryOf = async (id: string) => JSON.parse(await readFile(join(repo, 'results', id, 'summary.json'), 'utf8')) as RunSummary;

    it('refuses a harness run without credentials: remote write FAILED, exit 3 (99 only if a threshold was crossed too)', async () => {
      const out = run(ids.anonymous, []);
      assert.match(out.stderr, /loadtest: remote write FAILED: \d+ of the pushes to \S+ failed, the first: remote write to \S+ rejected \(\d+ samples\): HTTP 401/, out.stderr);
      const summary = await summaryOf(ids.anonymous);
      assert.equal(summary.remoteWrite?.ok, false);
      assert.equal(out.status, summary.passed ? 3 : 99, `${out.stdout}\n${out.stderr}`);
      assert.deepEqual(await prom.query(`k6_http_reqs_total{testid="${ids.anonymous}"}`), []);
    });

    it('accepts one with them, and the check (which needs them too) finds its series', async () => {
      const out = run(ids.alice, ['--remote-write-user', 'alice', '--remote-write-password-file', passwordFile]);
      assert.match(out.stdout, new RegExp(`loadtest: remote write ok: \\d+ k6_http_reqs_total series for testid ${ids.alice}`), `${out.stdout}\n${out.stderr}`);
      assertNoSecret(out.stdout + out.stderr);
      const summary = await summaryOf(ids.alice);
      assert.equal(summary.remoteWrite?.ok, true);
      assert.equal(out.status, summary.passed ? 0 : 99);
      assert.ok((await prom.query(`k6_http_reqs_total{testid="${ids.alice}"}`)).length > 0);
    });

    it('--instances 2: each harness process gets the credentials from its environment (K6_PROMETHEUS_RW_*)', async () => {
      const out = loadtest(
        ['order', '--harness', '--instances', '2', '--profile', 'smoke', '--testid', ids.instances, '--base-url', demo.baseUrl, '--remote-write', `${prom.url}/api/v1/write`],
        cleanEnv({ K6_PROMETHEUS_RW_USERNAME: 'alice', K6_PROMETHEUS_RW_PASSWORD: PASSWORD }),
      );
      assert.match(out.stdout, /loadtest: remote write ok: /, `${out.stdout}\n${out.stderr}`);
      assertNoSecret(out.stdout + out.stderr);
      const rows = await prom.query(`count by (instance) (k6_http_reqs_total{testid="${ids.instances}"})`);
      assert.deepEqual(rows.map((r) => r.metric.instance).sort(), ['k6-1', 'k6-2']);
    });
  });
});
