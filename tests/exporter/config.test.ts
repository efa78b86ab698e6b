/**
 * Config schema: defaults, `${VAR}` expansion, secret headers, and an error that names the key
 * for each kind of mistake. Plus the CLI's --check-config on the generated stack file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, parseConfig, parseListen } from '../../exporters/pool-exporter/src/config.ts';
import { demoPoolTargets } from '../../monitoring/config/stack.ts';
import { EXPORTER_MAIN, REPO_ROOT } from './support.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pool-exporter-config-'));
  await writeFile(join(dir, 'token'), 's3cret-from-file\n');
  await writeFile(join(dir, 'empty'), '\n');
});
after(() => rm(dir, { recursive: true, force: true }));

const parse = (text: string, env: Record<string, string> = {}) => parseConfig(text, { source: 'test.yml', env, baseDir: dir });
const rejects = (text: string, message: RegExp, env: Record<string, string> = {}): void => {
  assert.throws(() => parse(text, env), (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, /^test\.yml: /);
    assert.match(err.message, message);
    return true;
  });
};
const one = (extra: string): string => `targets:\n  gw:\n    url: http://127.0.0.1:8000/health/pools/detailed\n${extra}`;

describe('pool exporter config', () => {
  it('applies defaults', () => {
    const config = parse(one(''));
    assert.deepEqual(config.listen, { host: '127.0.0.1', port: 9470 });
    assert.equal(config.bodySizeLimitBytes, 1024 * 1024);
    const gw = config.targets.get('gw');
    assert.equal(gw?.timeoutMs, 5_000);
    assert.equal(gw?.connectTimeoutMs, 2_000);
    assert.deepEqual(gw?.headers, {});
    assert.equal(gw?.url.href, 'http://127.0.0.1:8000/health/pools/detailed');
  });

  it('reads durations, sizes and listen addresses', () => {
    const config = parse(`listen: "[::1]:9999"\nbody_size_limit: 512KiB\n${one('    timeout: 1m30s\n    connect_timeout: 250ms\n')}`);
    assert.deepEqual(config.listen, { host: '::1', port: 9999 });
    assert.equal(config.bodySizeLimitBytes, 512 * 1024);
    assert.equal(config.targets.get('gw')?.timeoutMs, 90_000);
    assert.equal(config.targets.get('gw')?.connectTimeoutMs, 250);
    assert.equal(parse(one('    timeout: 500ms\n')).targets.get('gw')?.connectTimeoutMs, 500, 'connect timeout never exceeds the timeout');
    assert.deepEqual(parseListen(':9470', 'flag'), { host: undefined, port: 9470 });
  });

  it('expands ${VAR}, ${VAR:-default} and $$ in string values', () => {
    const text = `listen: \${LISTEN:-127.0.0.1:9470}\ntargets:\n  gw:\n    url: http://\${DEMO_HOST:-127.0.0.1}:8000/p?cost=$$5\n    headers:\n      X-Env: pre-\${TOKEN}-post\n`;
    const defaults = parse(text, { TOKEN: 't' });
    assert.equal(defaults.targets.get('gw')?.url.href, 'http://127.0.0.1:8000/p?cost=$5');
    assert.equal(defaults.targets.get('gw')?.headers['X-Env'], 'pre-t-post');
    const set = parse(text, { DEMO_HOST: 'demo', LISTEN: ':1234', TOKEN: '' });
    assert.equal(set.targets.get('gw')?.url.host, 'demo:8000');
    assert.deepEqual(set.listen, { host: undefined, port: 1234 });
    assert.equal(set.targets.get('gw')?.headers['X-Env'], 'pre--post', 'set but empty is kept for ${VAR}');
    assert.equal(parse(text.replace('DEMO_HOST:-127.0.0.1', 'DEMO_HOST:-fallback'), { DEMO_HOST: '', TOKEN: 'x' }).targets.get('gw')?.url.host, 'fallback:8000');
    const numbers = parse(`body_size_limit: \${LIMIT:-2048}\n${one('    timeout: ${PROBE_TIMEOUT:-3s}\n')}`, { PROBE_TIMEOUT: '750ms' });
    assert.equal(numbers.targets.get('gw')?.timeoutMs, 750);
    assert.equal(numbers.bodySizeLimitBytes, 2048);
  });

  it('loads the generated stack file with the defaults the stack relies on', () => {
    const stackFile = join(REPO_ROOT, 'monitoring', 'pool-exporter', 'pool-exporter.yml');
    const result = spawnSync(process.execPath, ['--import', 'tsx', EXPORTER_MAIN, '--config', stackFile, '--check-config'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, DEMO_HOST: '' },
    });
    assert.equal(result.status, 0, result.stderr);
    for (const name of Object.keys(demoPoolTargets)) assert.match(result.stdout, new RegExp(name));
  });

  it('resolves header secrets from env and files, never echoing them in errors', () => {
    const config = parse(one('    headers:\n      Authorization: { env: API_TOKEN }\n      X-Token: { file: token }\n'), { API_TOKEN: 'Bearer abc' });
    assert.deepEqual(config.targets.get('gw')?.headers, { Authorization: 'Bearer abc', 'X-Token': 's3cret-from-file' });
    rejects(one('    headers:\n      X-Bad: "${EVIL}"\n'), /targets\.gw\.headers\.X-Bad: the value contains characters not allowed/, { EVIL: 'a\r\nInjected: yes' });
    assert.throws(() => parse(one('    headers:\n      X-Bad: "${EVIL}"\n'), { EVIL: 'secret\nvalue' }), (err: Error) => !err.message.includes('secret'));
  });

  const mistakes: [string, string, RegExp, Record<string, string>?][] = [
    ['invalid YAML', 'targets: [', /invalid YAML/],
    ['a duplicate key', `${one('')}  gw:\n    url: http://x/\n`, /invalid YAML.*unique/i],
    ['no targets', 'listen: 127.0.0.1:1\n', /targets: is required/],
    ['empty targets', 'targets: {}\n', /targets: must name at least one target/],
    ['a list for targets', 'targets: [a]\n', /targets: must be a map, got a list/],
    ['an unknown top-level key', `${one('')}timeout: 3s\n`, /timeout: unknown key \(allowed here: listen, body_size_limit, targets\)/],
    ['an unknown target key', one('    timout: 3s\n'), /targets\.gw\.timout: unknown key/],
    ['a missing url', 'targets:\n  gw:\n    timeout: 3s\n', /targets\.gw\.url: is required/],
    ['a relative url', 'targets:\n  gw:\n    url: /health\n', /targets\.gw\.url: "\/health" is not an absolute URL/],
    ['a file: url', 'targets:\n  gw:\n    url: file:///etc/passwd\n', /targets\.gw\.url: scheme file: is not http: or https:/],
    ['credentials in the url', 'targets:\n  gw:\n    url: http://u:p@h/\n', /targets\.gw\.url: must not contain user:password@/],
    ['a bad target name', 'targets:\n  "bad name":\n    url: http://h/\n', /targets\.bad name: a target name must match/],
    ['a bad duration', one('    timeout: 3 seconds\n'), /targets\.gw\.timeout: "3 seconds" is not a duration/],
    ['a zero duration', one('    timeout: 0s\n'), /targets\.gw\.timeout: 0s is out of range/],
    ['a huge duration', one('    timeout: 1h\n'), /out of range/],
    ['a bad size', `body_size_limit: 1GB\n${one('')}`, /body_size_limit: "1GB" is not a size/],
    ['a tiny size', `body_size_limit: 10\n${one('')}`, /body_size_limit: 10 is out of range/],
    ['a bad listen', `listen: localhost\n${one('')}`, /listen: "localhost" is not HOST:PORT/],
    ['an unset variable', 'targets:\n  gw:\n    url: http://${NOPE}/\n', /targets\.gw\.url: environment variable NOPE is not set \(use \$\{NOPE:-default\}/],
    ['an unterminated reference', 'targets:\n  gw:\n    url: http://${NOPE/\n', /unterminated \$\{/],
    ['an invalid reference', 'targets:\n  gw:\n    url: http://${1X}/\n', /invalid reference \$\{1X\}/],
    ['an unset header env', one('    headers:\n      A: { env: NOPE }\n'), /targets\.gw\.headers\.A\.env: environment variable NOPE is not set or empty/],
    ['a missing header file', one('    headers:\n      A: { file: nope.txt }\n'), /targets\.gw\.headers\.A\.file: cannot read .*nope\.txt: ENOENT/],
    ['an empty header file', one('    headers:\n      A: { file: empty }\n'), /targets\.gw\.headers\.A\.file: .*empty is empty/],
    ['two header sources', one('    headers:\n      A: { env: X, file: y }\n'), /exactly one of/],
    ['an unknown header source', one('    headers:\n      A: { vault: x }\n'), /targets\.gw\.headers\.A\.vault: unknown key/],
    ['a bad header name', one('    headers:\n      "A B": x\n'), /targets\.gw\.headers\.A B: is not a valid HTTP header name/],
    ['a number for a header', one('    headers:\n      A: [1]\n'), /targets\.gw\.headers\.A: must be a map, got a list/],
  ];
  for (const [what, text, message, env] of mistakes) {
    it(`rejects ${what} with the key named`, () => rejects(text, message, env));
  }

  it('the CLI exits 1 with the error on a bad file, 2 on bad flags', async () => {
    const bad = join(dir, 'bad.yml');
    await writeFile(bad, one('    timout: 3s\n'));
    const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', EXPORTER_MAIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
    const badFile = run(['--config', bad]);
    assert.equal(badFile.status, 1);
    assert.match(badFile.stderr, /bad\.yml: targets\.gw\.timout: unknown key/);
    assert.equal(run(['--config', join(dir, 'missing.yml')]).status, 1);
    const noConfig = run([]);
    assert.equal(noConfig.status, 2);
    assert.match(noConfig.stderr, /--config FILE is required/);
    assert.equal(run(['--config', bad, '--listen', 'nonsense']).status, 1, 'the file is checked first');
    const good = join(dir, 'good.yml');
    await writeFile(good, one(''));
    const badListen = run(['--config', good, '--listen', 'nonsense']);
    assert.equal(badListen.status, 2);
    assert.match(badListen.stderr, /--listen: "nonsense" is not HOST:PORT/);
  });
});
