/**
 * Compose's `scale-out` profile (the Thanos store of docs/scale-out.md), checked statically: the
 * compose commands are the generator's (monitoring/generators/thanos-compose.ts), every path they
 * name is mounted and exists, the volume job really hands the volumes to the image's user, the
 * Prometheus config of the profile passes promtool (pinned and Debian's) and Thanos' rules check,
 * and `stack:up --scale-out` points Prometheus, Grafana and k6 at the store while the defaults
 * stay on plain Prometheus.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import YAML from 'yaml';
import { thanos } from '../../monitoring/config/thanos.ts';
import { composeGrafanaDatasources, grafanaPrometheusUrlVariable } from '../../monitoring/generators/grafana-provisioning.ts';
import { composeDefaultUrls, composeScaleOutUrls, composeThanosCommands, composeThanosPaths } from '../../monitoring/generators/thanos-compose.ts';
import { imageUsers } from '../../scripts/stack/images.ts';
import { composeEnvironment, composeProfiles, scaleOutPrometheusConfigFile } from '../../scripts/stack/compose.ts';
import { localConfigFileNames } from '../../scripts/stack/own-targets.ts';
import { composeFile, repoRoot, stackSettings } from '../../scripts/stack/settings.ts';
import { bin, fallbackTool } from '../support/engines.ts';

interface Service {
  image?: string;
  command?: string[];
  entrypoint?: string[];
  user?: string;
  ports?: (string | number)[];
  volumes?: string[];
  environment?: Record<string, string | null>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
}

const scratch = mkdtempSync(join(tmpdir(), 'compose-scale-out-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** `docker-compose config` (Debian's v1.29) with these profiles and variables, parsed. */
function composeConfig(profiles: readonly string[], env: Record<string, string> = {}): Record<string, Service> {
  const clean = { ...process.env };
  for (const name of ['PROMETHEUS_CONFIG_FILE', grafanaPrometheusUrlVariable, 'K6_REMOTE_WRITE_URL']) delete clean[name];
  const out = execFileSync('docker-compose', ['-f', composeFile, ...profiles.flatMap((p) => ['--profile', p]), 'config'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...clean, ...env },
  });
  return (YAML.parse(out) as { services: Record<string, Service> }).services;
}

/** Host path of a bind-mounted container path, or undefined (v1.29's config prints absolute sources). */
function hostPathOf(svc: Service, containerPath: string): { kind: 'bind' | 'volume'; source: string; target: string } | undefined {
  const mounts = (svc.volumes ?? []).map((v) => {
    const [source = '', target = ''] = String(v).split(':');
    return { kind: source.startsWith('/') ? ('bind' as const) : ('volume' as const), source, target };
  });
  const mount = mounts.filter((m) => containerPath === m.target || containerPath.startsWith(`${m.target}/`)).sort((a, b) => b.target.length - a.target.length)[0];
  if (!mount) return undefined;
  return mount.kind === 'bind' ? { ...mount, source: join(mount.source, posix.relative(mount.target, containerPath)) } : mount;
}

const generated = composeThanosCommands();
const storeServices = Object.keys(generated);

describe('compose profile scale-out', () => {
  const services = composeConfig(['scale-out']);

  it('is accepted by docker-compose config and adds the store: router, Receive ×3, Query, Rule, and the volume job', () => {
    const added = Object.keys(services).filter((name) => services[name]?.profiles?.includes('scale-out')).sort();
    assert.deepEqual(added, [...storeServices, 'thanos-volumes'].sort());
    assert.equal(storeServices.length, thanos.receivers + 3, storeServices.join(', '));
    // Only with the profile (docker-compose 1.29's config lists every service whatever the profiles).
    for (const name of Object.keys(services).filter((n) => n.startsWith('thanos'))) assert.deepEqual(services[name]?.profiles, ['scale-out'], name);
  });

  it("runs exactly the generator's command lines (service names as hosts, 0.0.0.0 binds)", () => {
    for (const name of storeServices) {
      assert.deepEqual(services[name]?.command, generated[name], `${name}: compose's command differs from monitoring/generators/thanos-compose.ts`);
    }
  });

  it('pins the image of monitoring/config/thanos.ts, whose user the static check knows', () => {
    for (const name of [...storeServices, 'thanos-volumes']) assert.equal(services[name]?.image, thanos.image, name);
    assert.match(thanos.image, /:v\d+\.\d+\.\d+$/);
    assert.equal(thanos.image, `thanosio/thanos:v${thanos.version}`, 'the image and the native build are the same release');
    assert.equal(imageUsers[thanos.image]?.uid, 1001);
  });

  it('mounts every path the commands name, and the files there exist in this checkout', () => {
    for (const name of storeServices) {
      const svc = services[name] as Service;
      for (const arg of svc.command ?? []) {
        const path = /^--(?:tsdb\.path|data-dir|receive\.hashrings-file|remote-write\.config-file|rule-file)=(\/.*)$/.exec(arg)?.[1];
        if (!path) continue;
        const mount = hostPathOf(svc, path);
        assert.ok(mount, `${name}: ${arg} is on no mount (it would be lost or missing)`);
        if (mount.kind === 'volume') continue;
        if (path.includes('*')) {
          const glob = new RegExp(`^${posix.basename(mount.source).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
          assert.ok(readdirSync(dirname(mount.source)).some((f) => glob.test(f)), `${name}: ${arg} matches no file in ${relative(repoRoot, dirname(mount.source))}`);
        } else {
          assert.ok(existsSync(mount.source), `${name}: ${arg} is ${relative(repoRoot, mount.source)} on the host, which does not exist`);
        }
      }
    }
  });

  it('checks health on each process own HTTP port (/-/ready) with the image busybox wget', () => {
    for (const name of storeServices) {
      const svc = services[name] as Service;
      const httpPort = svc.command?.find((a) => a.startsWith('--http-address='))?.split(':').pop();
      assert.ok(httpPort, name);
      assert.deepEqual(svc.healthcheck?.test, ['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${httpPort}/-/ready`], name);
    }
  });

  it('hands every Thanos volume to the image user (uid 1001) before the store writes there (the job command, run here as root)', { skip: process.getuid?.() === 0 ? false : 'chown needs root' }, () => {
    const job = services['thanos-volumes'] as Service;
    assert.equal(job.user, '0:0');
    assert.deepEqual(job.entrypoint, ['/bin/sh', '-c']);
    const jobMounts = new Map((job.volumes ?? []).map((v) => String(v).split(':')).map(([source = '', target = '']) => [source, target]));
    // The job's command against scratch folders standing in for its mounts.
    let script = (job.command ?? []).join(' ');
    for (const target of jobMounts.values()) {
      const stand = join(scratch, 'volumes', target);
      mkdirSync(stand, { recursive: true });
      script = script.replaceAll(target, stand);
    }
    execFileSync('/bin/sh', ['-c', script]);
    const uid = imageUsers[thanos.image]?.uid;
    for (const name of storeServices) {
      const svc = services[name] as Service;
      for (const v of svc.volumes ?? []) {
        const [source = ''] = String(v).split(':');
        if (source.startsWith('/')) continue; // bind mounts are read-only configs
        const target = jobMounts.get(source);
        assert.ok(target, `${name}: volume ${source} is not mounted by thanos-volumes`);
        assert.equal(statSync(join(scratch, 'volumes', target)).uid, uid, `${name}: ${source} is not handed to uid ${uid}`);
        assert.equal(svc.depends_on?.['thanos-volumes']?.condition, 'service_completed_successfully', `${name} may start before its volume is handed over`);
      }
    }
  });
});

describe('prometheus-scale-out.yml', () => {
  const file = 'monitoring/prometheus/prometheus-scale-out.yml';
  const scaleOut = YAML.parse(readFileSync(resolve(repoRoot, file), 'utf8')) as Record<string, unknown>;
  const plain = YAML.parse(readFileSync(resolve(repoRoot, 'monitoring/prometheus/prometheus.yml'), 'utf8')) as Record<string, unknown>;

  it("scrapes what prometheus.yml scrapes, writes to the router with native histograms, and loads no rules (Thanos Rule evaluates them)", () => {
    assert.deepEqual(scaleOut.scrape_configs, plain.scrape_configs);
    assert.deepEqual(scaleOut.global, plain.global);
    assert.deepEqual(scaleOut.remote_write, [{ name: 'thanos-router', url: composeScaleOutUrls.k6RemoteWriteUrl, send_native_histograms: true }]);
    assert.equal(scaleOut.rule_files, undefined);
    assert.equal(scaleOut.alerting, undefined);
    assert.ok(Array.isArray(plain.rule_files) && plain.rule_files.length > 0, 'the plain config keeps its rules');
  });

  it("passes the pinned promtool and Debian's 2.42, which refuse a broken copy", () => {
    const broken = join(scratch, 'prometheus-broken.yml');
    writeFileSync(broken, YAML.stringify({ ...scaleOut, remote_write: [{ name: 'thanos-router', url: 'http://thanos-receive-router:19291/api/v1/receive', send_native_histograms: 'often' }] }));
    for (const promtool of [bin('promtool'), fallbackTool('promtool').path]) {
      const ok = spawnSync(promtool, ['check', 'config', file], { cwd: repoRoot, encoding: 'utf8' });
      assert.equal(ok.status, 0, `${promtool}: ${ok.stdout}${ok.stderr}`);
      const bad = spawnSync(promtool, ['check', 'config', broken], { encoding: 'utf8' });
      assert.notEqual(bad.status, 0, `${promtool} accepted send_native_histograms: 'often'`);
    }
  });

  it("has rule files Thanos Rule (the pinned build) accepts: the ones compose mounts at its --rule-file", () => {
    const ruleFile = generated['thanos-rule']?.find((a) => a.startsWith('--rule-file='));
    assert.equal(ruleFile, `--rule-file=${composeThanosPaths.rulesDir}/*.yml`);
    const rules = readdirSync(resolve(repoRoot, 'monitoring/thanos/rules')).filter((f) => f.endsWith('.yml'));
    // The same files as Prometheus', each group with Thanos' partial_response_strategy.
    assert.deepEqual(rules, readdirSync(resolve(repoRoot, 'monitoring/prometheus/rules')).filter((f) => f.endsWith('.yml')));
    for (const f of rules) assert.match(readFileSync(resolve(repoRoot, 'monitoring/thanos/rules', f), 'utf8'), /partial_response_strategy: warn/);
    const result = spawnSync(bin('thanos'), ['tools', 'rules-check', ...rules.map((f) => `--rules=monitoring/thanos/rules/${f}`)], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal((result.stderr.match(/result=SUCCESS/g) ?? []).length, rules.length, result.stderr);
  });
});

describe('stack:up --scale-out in compose', () => {
  const settings = (env: Record<string, string> = {}) => stackSettings({ STACK_STATE_DIR: join(scratch, 'state'), ...env });

  it('leaves Grafana on Prometheus, k6 writing to Prometheus and the plain config by default, and without the flag', () => {
    const env = composeEnvironment(settings(), { scaleOut: false, monitoringDir: join(scratch, 'unused') });
    assert.deepEqual(env, {
      PROMETHEUS_CONFIG_FILE: 'prometheus.yml',
      POOL_EXPORTER_CONFIG_FILE: 'pool-exporter.yml',
      [grafanaPrometheusUrlVariable]: composeDefaultUrls.grafanaPrometheusUrl,
      K6_REMOTE_WRITE_URL: composeDefaultUrls.k6RemoteWriteUrl,
    });
    // The flag wins over a scale-out .env: stack:up's variables are the shell's, which compose prefers.
    const overridden = composeConfig(composeProfiles, env);
    assert.equal(overridden.grafana?.environment?.[grafanaPrometheusUrlVariable], composeDefaultUrls.grafanaPrometheusUrl);
    for (const file of [env.PROMETHEUS_CONFIG_FILE, env.POOL_EXPORTER_CONFIG_FILE]) {
      assert.ok(existsSync(resolve(repoRoot, 'monitoring', file?.startsWith('prometheus') ? 'prometheus' : 'pool-exporter', file ?? '')), `${file} is not committed`);
    }
    // Compose's own defaults, with none of the variables set.
    const services = composeConfig(composeProfiles);
    assert.equal(services.grafana?.environment?.[grafanaPrometheusUrlVariable], composeDefaultUrls.grafanaPrometheusUrl);
    assert.equal(composeDefaultUrls.grafanaPrometheusUrl, composeGrafanaDatasources.prometheusUrl, 'the default is the plain Prometheus of the committed datasources');
    assert.equal(services.k6?.environment?.K6_PROMETHEUS_RW_SERVER_URL, composeDefaultUrls.k6RemoteWriteUrl);
    assert.ok(services.prometheus?.command?.includes('--config.file=/etc/prometheus/prometheus.yml'));
  });

  it('points Prometheus at prometheus-scale-out.yml, Grafana at Thanos Query and k6 at the router', () => {
    const env = composeEnvironment(settings(), { scaleOut: true, monitoringDir: join(scratch, 'unused') });
    assert.deepEqual(env, {
      PROMETHEUS_CONFIG_FILE: scaleOutPrometheusConfigFile,
      POOL_EXPORTER_CONFIG_FILE: 'pool-exporter.yml',
      [grafanaPrometheusUrlVariable]: `http://thanos-query:${thanos.ports.queryHttp}`,
      K6_REMOTE_WRITE_URL: `http://thanos-receive-router:${thanos.ports.routerRemoteWrite}/api/v1/receive`,
    });
    assert.ok(existsSync(resolve(repoRoot, 'monitoring/prometheus', scaleOutPrometheusConfigFile)));
    const services = composeConfig(composeProfiles, env);
    assert.ok(services.prometheus?.command?.includes(`--config.file=/etc/prometheus/${scaleOutPrometheusConfigFile}`));
    assert.equal(services.grafana?.environment?.[grafanaPrometheusUrlVariable], composeScaleOutUrls.grafanaPrometheusUrl);
    assert.equal(services.k6?.environment?.K6_PROMETHEUS_RW_SERVER_URL, composeScaleOutUrls.k6RemoteWriteUrl);
    // Those hosts and ports are the store's services in this file.
    const query = new URL(composeScaleOutUrls.grafanaPrometheusUrl);
    assert.ok(services[query.hostname]?.command?.includes(`--http-address=0.0.0.0:${query.port}`));
    const router = new URL(composeScaleOutUrls.k6RemoteWriteUrl);
    assert.ok(services[router.hostname]?.command?.includes(`--remote-write.address=0.0.0.0:${router.port}`));
  });

  it('renders the local targets (another preset) in the scale-out flavour: same targets, remote write, no rules', () => {
    const dir = join(scratch, 'monitoring');
    const env = composeEnvironment(settings({ TARGETS: 'ecommerce-go-app' }), { scaleOut: true, monitoringDir: dir });
    assert.equal(env.PROMETHEUS_CONFIG_FILE, localConfigFileNames.prometheus);
    assert.equal(env.POOL_EXPORTER_CONFIG_FILE, localConfigFileNames.poolExporter);
    const local = YAML.parse(readFileSync(join(dir, 'prometheus', localConfigFileNames.prometheus), 'utf8')) as Record<string, unknown>;
    assert.equal(local.rule_files, undefined);
    assert.deepEqual(local.remote_write, [{ name: 'thanos-router', url: composeScaleOutUrls.k6RemoteWriteUrl, send_native_histograms: true }]);
    assert.match(JSON.stringify(local.scrape_configs), /api-gateway:8000/, 'the preset ecommerce-go-app on its compose names');
    const plainEnv = composeEnvironment(settings({ TARGETS: 'ecommerce-go-app' }), { scaleOut: false, monitoringDir: dir });
    const plain = YAML.parse(readFileSync(join(dir, 'prometheus', localConfigFileNames.prometheus), 'utf8')) as Record<string, unknown>;
    assert.equal(plainEnv.PROMETHEUS_CONFIG_FILE, localConfigFileNames.prometheus);
    assert.deepEqual(plain.scrape_configs, local.scrape_configs);
    assert.equal(plain.remote_write, undefined);
    assert.ok(Array.isArray(plain.rule_files));
    const promtool = spawnSync(bin('promtool'), ['check', 'config', '--syntax-only', join(dir, 'prometheus', localConfigFileNames.prometheus)], { encoding: 'utf8' });
    assert.equal(promtool.status, 0, promtool.stdout + promtool.stderr);
  });
});

describe("Grafana's datasources in compose", () => {
  const composeCopy = YAML.parse(readFileSync(resolve(repoRoot, 'monitoring/grafana/compose-datasources/datasources.yml'), 'utf8')) as { datasources: { type: string; url: string }[] };
  const committed = YAML.parse(readFileSync(resolve(repoRoot, 'monitoring/grafana/provisioning/datasources/datasources.yml'), 'utf8')) as { datasources: { type: string; url: string }[] };

  it("are provisioning/datasources/ with the Prometheus URL from Grafana's environment (${VAR}, expanded by Grafana)", () => {
    const prometheus = composeCopy.datasources.find((d) => d.type === 'prometheus');
    assert.equal(prometheus?.url, `\${${grafanaPrometheusUrlVariable}}`);
    const withUrl = composeCopy.datasources.map((d) => (d.type === 'prometheus' ? { ...d, url: composeDefaultUrls.grafanaPrometheusUrl } : d));
    assert.deepEqual(withUrl, committed.datasources, 'with the default URL they are the committed datasources');
  });

  it('are what compose mounts as the datasources folder, beside every other provisioning folder', () => {
    const grafana = composeConfig([]).grafana as Service;
    const mounted = new Map((grafana.volumes ?? []).map((v) => String(v).split(':')).map(([source = '', target = '']) => [target, relative(repoRoot, source)]));
    assert.equal(mounted.get('/etc/grafana/provisioning/datasources'), 'monitoring/grafana/compose-datasources');
    for (const sub of readdirSync(resolve(repoRoot, 'monitoring/grafana/provisioning'))) {
      if (sub === 'datasources') continue;
      assert.equal(mounted.get(`/etc/grafana/provisioning/${sub}`), `monitoring/grafana/provisioning/${sub}`, `provisioning/${sub} is not mounted in compose`);
    }
  });
});
