/**
 * The compose file, checked statically: `docker-compose config` (Debian's package) accepts it
 * with every profile, every image is pinned, ports bind to loopback, services wait on health,
 * no password is in it, and Prometheus gets the same flags as in native mode.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { ports, prometheusFlags } from '../../monitoring/config/stack.ts';
import { composeSinkTokenFile } from '../../monitoring/generators/alertmanager-config.ts';
import { K6_IMAGE } from '../../scripts/lib/k6-command.ts';
import { composeFile, repoRoot } from '../../scripts/stack/settings.ts';
import { composeProfiles } from '../../scripts/stack/compose.ts';
import { thanos } from '../../monitoring/config/thanos.ts';
import { isK6AuthEnv, k6RemoteWriteEnvNames, remoteWriteAuthFromK6Env } from '../../tools/remote-write-auth.ts';

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string | null>;
  profiles?: string[];
}

function composeConfig(env: NodeJS.ProcessEnv = {}): { services: Record<string, ComposeService> } {
  const out = execFileSync(
    'docker-compose',
    ['-f', composeFile, ...composeProfiles.flatMap((p) => ['--profile', p]), 'config'],
    { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env } },
  );
  return YAML.parse(out) as { services: Record<string, ComposeService> };
}

describe('docker-compose-monitoring.yaml', () => {
  const config = composeConfig();
  const services = Object.entries(config.services);

  it('is accepted by docker-compose config with the demo, loadtest and scale-out profiles', () => {
    assert.deepEqual(
      Object.keys(config.services).sort(),
      [
        'alertmanager', 'blackbox-exporter', 'demo', 'grafana', 'k6', 'k6-results', 'notification-sink', 'pool-exporter', 'prometheus',
        'thanos-query', 'thanos-receive-1', 'thanos-receive-2', 'thanos-receive-3', 'thanos-receive-router', 'thanos-rule', 'thanos-volumes',
      ],
    );
  });

  it('pins every image to a version (no :latest, no bare name)', () => {
    for (const [name, svc] of services) {
      assert.ok(svc.image, `${name} has no image name`);
      const tag = /:([^/:]+)$/.exec(svc.image)?.[1];
      assert.ok(tag, `${name}: image ${svc.image} has no tag`);
      assert.notEqual(tag, 'latest', `${name}: image ${svc.image} floats on :latest`);
      assert.match(tag, /\d/, `${name}: image tag ${tag} is not a version`);
    }
  });

  it('binds every published port to 127.0.0.1 by default', () => {
    for (const [name, svc] of services) {
      for (const port of svc.ports ?? []) {
        const published = typeof port === 'string' ? port : JSON.stringify(port);
        assert.match(published, /127\.0\.0\.1/, `${name} publishes ${published} beyond loopback`);
      }
    }
  });

  it('gives every long-running service a healthcheck and waits on health (on one-shot jobs: their success)', () => {
    const oneShot = new Set(['k6', 'k6-results', 'thanos-volumes']);
    for (const [name, svc] of services) {
      if (oneShot.has(name)) continue;
      assert.ok(svc.healthcheck?.test?.length, `${name} has no healthcheck`);
      for (const [dep, cond] of Object.entries(svc.depends_on ?? {})) {
        const wanted = oneShot.has(dep) ? 'service_completed_successfully' : 'service_healthy';
        assert.equal(cond.condition, wanted, `${name} depends on ${dep} without waiting for ${oneShot.has(dep) ? 'its success' : 'health'}`);
      }
    }
  });

  it('keeps passwords out of the file: Grafana reads its admin password from a secret file', () => {
    const grafana = config.services.grafana;
    assert.ok(grafana?.environment);
    assert.equal(grafana.environment.GF_SECURITY_ADMIN_PASSWORD, undefined);
    assert.equal(grafana.environment.GF_SECURITY_ADMIN_PASSWORD__FILE, '/run/secrets/grafana_admin_password');
    assert.equal(grafana.environment.GF_AUTH_ANONYMOUS_ENABLED, 'false', 'anonymous access must be opt-in');
  });

  it('starts Prometheus with the same feature flags as native mode', () => {
    const command = config.services.prometheus?.command;
    assert.ok(Array.isArray(command));
    const flags: string[] = prometheusFlags.map((f) => f.flag);
    for (const flag of flags) assert.ok(command.includes(flag), `compose Prometheus lacks ${flag}`);
    const extra = command.filter((arg) => arg.startsWith('--') && !/^--(config\.file|storage\.tsdb\.)/.test(arg) && !flags.includes(arg));
    assert.deepEqual(extra, [], 'compose passes flags native mode does not');
  });

  it('gives no web page a way to shut Prometheus down (no lifecycle API; reload is SIGHUP)', () => {
    const command = config.services.prometheus?.command as string[];
    assert.ok(!command.includes('--web.enable-lifecycle'), 'any page could POST /-/quit');
  });

  it('lets only Alertmanager post to the sink: both get the token secret, and the config reads it there', () => {
    const raw = YAML.parse(readFileSync(composeFile, 'utf8')) as { services: Record<string, { secrets?: string[] }> };
    for (const name of ['alertmanager', 'notification-sink']) {
      assert.ok(raw.services[name]?.secrets?.includes('notification_sink_token'), `${name} lacks the notification_sink_token secret`);
    }
    assert.ok((config.services['notification-sink']?.command as string[]).includes(`--token-file=${composeSinkTokenFile}`));
    const am = readFileSync(resolve(repoRoot, 'monitoring/alertmanager/alertmanager.yml'), 'utf8');
    const files = [...am.matchAll(/credentials_file: (\S+)/g)].map((m) => m[1]);
    assert.ok(files.length >= 4 && files.every((f) => f === composeSinkTokenFile), `every receiver sends the token: ${files.join(', ')}`);
  });

  it('publishes the ports monitoring/config/stack.ts names (stack:up prints those URLs)', () => {
    const expected: Record<string, number> = {
      prometheus: ports.prometheus,
      alertmanager: ports.alertmanager,
      grafana: ports.grafana,
      'pool-exporter': ports.poolExporter,
      'blackbox-exporter': ports.blackboxExporter,
      'notification-sink': ports.notificationSink,
      demo: ports.demoGateway,
      'thanos-receive-router': thanos.ports.routerRemoteWrite,
      'thanos-query': thanos.ports.queryHttp,
      'thanos-rule': thanos.ports.ruleHttp,
    };
    for (const [name, port] of Object.entries(expected)) {
      const published = (config.services[name]?.ports ?? []).map(String);
      assert.ok(published.some((p) => p.replace(/\/tcp$/, '') === `127.0.0.1:${port}:${port}`), `${name} publishes ${published.join(', ')}, not ${port}`);
    }
  });

  it('runs the same k6 image as `npm run loadtest`', () => {
    assert.equal(config.services.k6?.image, K6_IMAGE);
  });

  it("passes k6's remote-write auth and header variables from the shell, only when set there", () => {
    const n = k6RemoteWriteEnvNames;
    const passed = [n.username, n.password, n.bearerToken, n.headerList];
    const env = config.services.k6?.environment ?? {};
    // Every auth variable but the per-header prefix (a compose file cannot name what it does not know).
    assert.deepEqual(Object.keys(env).filter(isK6AuthEnv).sort(), [...passed].sort());
    for (const name of passed) assert.equal(env[name], null, `${name} is passed through, with no value of its own`);
    const set = composeConfig({ [n.username]: 'bob', [n.headerList]: 'THANOS-TENANT:team-a' }).services.k6?.environment ?? {};
    assert.equal(set[n.username], 'bob');
    assert.equal(set[n.headerList], 'THANOS-TENANT:team-a');
    assert.deepEqual(remoteWriteAuthFromK6Env({ [n.username]: 'bob', [n.headerList]: String(set[n.headerList]) }), { headers: { 'THANOS-TENANT': 'team-a' }, basicAuth: { username: 'bob', password: '' } });
  });

  it('creates results/<testid>/ writable for the k6 image user (uid 12345) before k6 starts', async () => {
    // k6 opens handleSummary's files without creating their folder, as uid 12345.
    const k6 = config.services.k6;
    const prep = config.services['k6-results'];
    assert.ok(k6 && prep);
    assert.equal(k6.depends_on?.['k6-results']?.condition, 'service_completed_successfully');
    assert.equal(prep.image, k6.image, 'the folder job reuses the pinned k6 image (it has /bin/sh)');
    const hostResults = (svc: ComposeService): string | undefined => svc.volumes?.map(String).find((v) => v.endsWith(':/work/results:rw') || v.endsWith(':/work/results'));
    assert.equal(hostResults(prep)?.split(':')[0], hostResults(k6)?.split(':')[0], 'both mount the same ./results');
    assert.equal(prep.environment?.TESTID, k6.environment?.TESTID);
    // Run the job's command with sh against a scratch folder standing in for the mount.
    const entry = (prep as { entrypoint?: string[] }).entrypoint;
    assert.deepEqual(entry, ['/bin/sh', '-c']);
    const command = Array.isArray(prep.command) ? prep.command.join(' ') : String(prep.command);
    const scratch = await mkdtemp(join(tmpdir(), 'compose-results-'));
    try {
      const script = command.replaceAll('$$', '$').replaceAll('/work/results', scratch);
      execFileSync('/bin/sh', ['-c', script], { env: { ...process.env, TESTID: 'run-7' } });
      const mode = statSync(join(scratch, 'run-7')).mode & 0o777;
      assert.equal(mode & 0o003, 0o003, `results/run-7 is ${mode.toString(8)}: other users (uid 12345) cannot write into it`);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('lets .env move the bind address and the probed host', () => {
    const moved = composeConfig({
      STACK_BIND: '0.0.0.0',
      TARGET_HOST: 'gateway.internal',
      PROMETHEUS_CONFIG_FILE: 'prometheus.local.yml',
      POOL_EXPORTER_CONFIG_FILE: 'pool-exporter.local.yml',
      ALERTMANAGER_CONFIG_FILE: 'alertmanager.local.yml',
    });
    assert.ok(moved.services.prometheus?.ports?.some((p) => String(p).startsWith('0.0.0.0:9090')));
    assert.equal(moved.services['pool-exporter']?.environment?.TARGET_HOST, 'gateway.internal');
    assert.ok((moved.services.prometheus?.command as string[]).includes('--config.file=/etc/prometheus/prometheus.local.yml'));
    assert.ok((moved.services['pool-exporter']?.command as string[]).includes('/etc/pool-exporter/pool-exporter.local.yml'));
    assert.ok((moved.services.alertmanager?.command as string[]).includes('--config.file=/etc/alertmanager/config/alertmanager.local.yml'));
  });

  it('builds the Node services from Dockerfiles that exist', () => {
    assert.ok(existsSync(resolve(repoRoot, 'Dockerfile')));
    assert.ok(existsSync(resolve(repoRoot, 'exporters/pool-exporter/Dockerfile')));
  });
});
