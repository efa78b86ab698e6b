/**
 * Prometheus' own remote write to a store that needs auth and headers: the generator's remote_write
 * entries (headers, basic_auth with password_file, authorization with credentials_file), the
 * REMOTE_WRITE_* settings of .env rendered into the native and compose configs, accepted by
 * promtool 3.5 and Debian's 2.42, and a real Prometheus with the rendered native config forwarding
 * to a real Prometheus behind basic auth: refused with a wrong password, delivered with the right
 * one. (The header on the wire: tests/scale-out/remote-write-tenant.test.ts, a real Thanos ring.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import YAML from 'yaml';
import { composePrometheusOptions, prometheusConfig } from '../../monitoring/generators/prometheus-config.ts';
import { writeNativeConfigs } from '../../scripts/stack/native-config.ts';
import { writeTargetConfigs } from '../../scripts/stack/own-targets.ts';
import { composeRemoteWriteSecrets } from '../../scripts/stack/remote-write-settings.ts';
import { remoteWriteSecretFiles } from '../../scripts/stack/stack-files.ts';
import { needsLocalTargetConfigs, repoRoot, stackSettings, targetSelection } from '../../scripts/stack/settings.ts';
import { bin, fallbackTool } from '../support/engines.ts';
import { prometheusClient, startPrometheus, type PrometheusClient } from '../support/prometheus.ts';
import { runOk } from '../core/support.ts';

const dir = mkdtempSync(join(tmpdir(), 'rw-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const passwordFile = join(dir, 'remote_write_password');
const tokenFile = join(dir, 'remote_write_bearer_token');
writeFileSync(passwordFile, 'not-the-password\n');
writeFileSync(tokenFile, 'a-token\n');

type RemoteWriteYaml = { url: string; name?: string; headers?: Record<string, string>; basic_auth?: Record<string, string>; authorization?: Record<string, string>; send_native_histograms?: boolean };
const remoteWriteOf = (file: string): RemoteWriteYaml[] => (YAML.parse(readFileSync(file, 'utf8')) as { remote_write?: RemoteWriteYaml[] }).remote_write ?? [];

describe("Prometheus' own remote write (auth, headers)", () => {
  it('the generator writes headers, basic_auth (password_file) and authorization (credentials_file), and refuses what Prometheus would', () => {
    const config = prometheusConfig({
      ...composePrometheusOptions,
      remoteWrite: [
        { url: 'https://store.example/api/v1/push', name: 'hosted', headers: { 'X-Scope-OrgID': 'team-a' }, basicAuth: { username: 'alice', passwordFile: '/run/secrets/pw' } },
        { url: 'http://thanos-receive-router:19291/api/v1/receive', name: 'tenant', headers: { 'THANOS-TENANT': 'team-a' }, bearerTokenFile: '/run/secrets/token' },
      ],
    });
    assert.deepEqual(config.remote_write, [
      { url: 'https://store.example/api/v1/push', name: 'hosted', headers: { 'X-Scope-OrgID': 'team-a' }, basic_auth: { username: 'alice', password_file: '/run/secrets/pw' }, send_native_histograms: true },
      { url: 'http://thanos-receive-router:19291/api/v1/receive', name: 'tenant', headers: { 'THANOS-TENANT': 'team-a' }, authorization: { type: 'Bearer', credentials_file: '/run/secrets/token' }, send_native_histograms: true },
    ]);
    assert.equal(prometheusConfig(composePrometheusOptions).remote_write, undefined, 'none unless asked for');
    const refused: [object, RegExp][] = [
      [{ url: 'http://s/w', headers: { Authorization: 'Bearer x' } }, /Prometheus sets header Authorization itself/],
      [{ url: 'http://s/w', headers: { 'Bad Name': 'x' } }, /"Bad Name" is not a valid header name/],
      [{ url: 'http://s/w', basicAuth: { username: 'a', passwordFile: '/p' }, bearerTokenFile: '/t' }, /basicAuth and bearerTokenFile both set the Authorization header/],
      [{ url: 'http://a:b@s/w' }, /no credentials in the url/],
      [{ url: 'ftp://s/w' }, /remote write x needs an http\(s\) URL/],
    ];
    for (const [entry, message] of refused) assert.throws(() => prometheusConfig({ ...composePrometheusOptions, remoteWrite: [{ name: 'x', ...(entry as { url: string }) }] }), message);
  });

  it('REMOTE_WRITE_* of .env: parsed, rendered into the native (host files) and compose (secrets) configs; mistakes are named', () => {
    const env = { STACK_STATE_DIR: join(dir, 'native-a'), REMOTE_WRITE_URL: 'https://store.example/api/prom/push', REMOTE_WRITE_HEADERS: 'X-Scope-OrgID: team-a, THANOS-TENANT: team-a', REMOTE_WRITE_USERNAME: '123456', REMOTE_WRITE_PASSWORD_FILE: passwordFile };
    const settings = stackSettings(env);
    assert.equal(needsLocalTargetConfigs(settings), true, 'compose mounts prometheus.local.yml, which has the remote write');
    const expected = { url: env.REMOTE_WRITE_URL, name: 'remote-store', headers: { 'X-Scope-OrgID': 'team-a', 'THANOS-TENANT': 'team-a' }, send_native_histograms: true };
    assert.deepEqual(remoteWriteOf(writeNativeConfigs(settings, env).prometheusConfig), [{ ...expected, basic_auth: { username: '123456', password_file: passwordFile } }]);
    const compose = writeTargetConfigs(targetSelection(settings, 'compose', env), composePrometheusOptions, join(dir, 'compose'));
    assert.deepEqual(remoteWriteOf(compose.prometheusConfig), [{ ...expected, basic_auth: { username: '123456', password_file: composeRemoteWriteSecrets.password } }]);
    assert.equal(needsLocalTargetConfigs(stackSettings({})), false);

    const refused: [Record<string, string>, RegExp][] = [
      [{ REMOTE_WRITE_USERNAME: 'a' }, /REMOTE_WRITE_USERNAME configure Prometheus' remote write: set REMOTE_WRITE_URL too/],
      [{ REMOTE_WRITE_URL: 'store.example' }, /REMOTE_WRITE_URL must be a URL/],
      [{ REMOTE_WRITE_URL: 'https://a:b@store.example/push' }, /no credentials in the URL/],
      [{ REMOTE_WRITE_URL: 'https://store.example/push', REMOTE_WRITE_USERNAME: 'a' }, /REMOTE_WRITE_USERNAME and REMOTE_WRITE_PASSWORD_FILE go together/],
      [{ REMOTE_WRITE_URL: 'https://store.example/push', REMOTE_WRITE_PASSWORD_FILE: join(dir, 'missing') }, /REMOTE_WRITE_PASSWORD_FILE: \S+missing does not exist/],
      [{ REMOTE_WRITE_URL: 'https://store.example/push', REMOTE_WRITE_USERNAME: 'a', REMOTE_WRITE_PASSWORD_FILE: passwordFile, REMOTE_WRITE_BEARER_TOKEN_FILE: tokenFile }, /both set the Authorization header/],
      [{ REMOTE_WRITE_URL: 'https://store.example/push', REMOTE_WRITE_HEADERS: 'X-Scope-OrgID team-a' }, /REMOTE_WRITE_HEADERS: expected 'Name: value'/],
      [{ REMOTE_WRITE_URL: 'https://store.example/push', REMOTE_WRITE_HEADERS: 'Authorization: Bearer x' }, /header Authorization is set by the remote-write client itself/],
    ];
    for (const [bad, message] of refused) assert.throws(() => stackSettings(bad), message);
  });

  it('promtool 3.5 and 2.42 accept the rendered configs (basic auth with headers; a bearer token)', () => {
    const promtools = [bin('promtool'), fallbackTool('promtool').path];
    const variants: Record<string, string>[] = [
      { REMOTE_WRITE_HEADERS: 'X-Scope-OrgID: team-a', REMOTE_WRITE_USERNAME: '123456', REMOTE_WRITE_PASSWORD_FILE: passwordFile },
      { REMOTE_WRITE_HEADERS: 'THANOS-TENANT: team-a', REMOTE_WRITE_BEARER_TOKEN_FILE: tokenFile },
    ];
    for (const [i, variant] of variants.entries()) {
      const env = { STACK_STATE_DIR: join(dir, `native-${i}`), REMOTE_WRITE_URL: 'http://127.0.0.1:19291/api/v1/receive', ...variant };
      const settings = stackSettings(env);
      const native = writeNativeConfigs(settings, env).prometheusConfig;
      const compose = writeTargetConfigs(targetSelection(settings, 'compose', env), composePrometheusOptions, join(dir, `compose-${i}`)).prometheusConfig;
      assert.equal(remoteWriteOf(native).length, 1);
      for (const promtool of promtools) {
        for (const file of [native, compose]) assert.match(runOk(promtool, ['check', 'config', file], repoRoot), /SUCCESS/, `${promtool} ${file}`);
      }
    }
  });

  it('a real Prometheus forwards to one behind basic auth: a wrong password is refused, the right one (re-read from the file) delivers', async () => {
    const store = await startPrometheus({ basicAuth: { username: 'forwarder', password: 'right-password' } });
    const env = { STACK_STATE_DIR: join(dir, 'native-forward'), REMOTE_WRITE_URL: `${store.url}/api/v1/write`, REMOTE_WRITE_HEADERS: 'X-Scope-OrgID: team-a', REMOTE_WRITE_USERNAME: 'forwarder', REMOTE_WRITE_PASSWORD_FILE: passwordFile };
    const forwarder = await startPrometheus({ configFile: writeNativeConfigs(stackSettings(env), env).prometheusConfig });
    try {
      /** Poll until `done` holds (Prometheus sends from its WAL in batches, every few seconds). */
      const until = async (read: () => Promise<number>, done: (v: number) => boolean): Promise<number> => {
        const deadline = Date.now() + 90_000;
        let value = NaN;
        while (Date.now() < deadline) {
          value = await read();
          if (done(value)) return value;
          await sleep(1_000);
        }
        return value;
      };
      const instant = (client: PrometheusClient, expr: string) => async () => Number((await client.query(expr))[0]?.value?.[1] ?? NaN);
      // The forwarder's own counter, from its /metrics (it scrapes the stack's port, not its own).
      const failedSamples = async (): Promise<number> => {
        const text = await (await fetch(`${forwarder.url}/metrics`)).text();
        return Number(/^prometheus_remote_storage_samples_failed_total\{[^}]*remote_name="remote-store"[^}]*\} (\S+)$/m.exec(text)?.[1] ?? NaN);
      };
      // The file holds a wrong password: the store answers 401, Prometheus drops what it sent.
      const failed = await until(failedSamples, (v) => v > 0);
      assert.ok(failed > 0, `failed samples: ${failed}`);
      assert.deepEqual(await store.query('up'), [], 'nothing arrived with the wrong password');
      // The right password, in the same file: Prometheus reads it on every send.
      writeFileSync(passwordFile, 'right-password\n');
      const jobs = await until(instant(store, 'count(count by (job) (up))'), (v) => v >= 3);
      assert.ok(jobs >= 3, `jobs forwarded: ${jobs}`);
      assert.deepEqual(await prometheusClient(store.url).query('up').catch((err: Error) => err.message), 'Prometheus query: HTTP 401 (basic auth required)', 'the store itself wants the credentials');
    } finally {
      writeFileSync(passwordFile, 'not-the-password\n');
      await forwarder.stop();
      await store.stop();
    }
  });
});

it("compose gives Prometheus the secrets its remote_write config names, from files stack:up creates", () => {
  const compose = YAML.parse(readFileSync(join(repoRoot, 'docker-compose-monitoring.yaml'), 'utf8')) as {
    services: Record<string, { secrets?: string[] }>;
    secrets: Record<string, { file: string }>;
  };
  const mounted = compose.services.prometheus?.secrets ?? [];
  for (const path of Object.values(composeRemoteWriteSecrets)) {
    const name = path.replace('/run/secrets/', '');
    assert.ok(mounted.includes(name), `prometheus does not mount the secret ${name}`);
    const source = compose.secrets[name]?.file ?? '';
    const defaultFile = /^\$\{[A-Z_]+:-\.\/(.+)\}$/.exec(source)?.[1];
    assert.ok(defaultFile && (remoteWriteSecretFiles as readonly string[]).includes(defaultFile), `${name}: ${source} is not a file stack:up creates`);
  }
});
