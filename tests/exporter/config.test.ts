/**
 * Config schema: defaults, `${VAR}` expansion, secret headers, and an error that names the key
 * for each kind of mistake. Plus the CLI's --check-config on the generated stack file.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig, MAX_HEADER_FILE_BYTES, parseConfig, parseListen } from '../../exporters/pool-exporter/src/config.ts';
import { demoPoolTargets } from '../../monitoring/config/stack.ts';
import { EXPORTER_MAIN, REPO_ROOT } from './support.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pool-exporter-config-'));
  await writeFile(join(dir, 'token'), 's3cret-from-file\n');
  await writeFile(join(dir, 'empty'), '\n');
  await writeFile(join(dir, 'big'), 'x'.repeat(MAX_HEADER_FILE_BYTES + 1));
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

  /** What is wrong, the file, the line (where the file has one) and the key; never the value. */
  const mistakes: [string, string, RegExp, { env?: Record<string, string>; hidden?: string }?][] = [
    ['invalid YAML', 'targets: [', /^test\.yml: line 1: targets: invalid YAML \(/],
    ['a duplicate key', `${one('')}  gw:\n    url: http://x/\n`, /line 4: gw: invalid YAML \(duplicate key\)/],
    ['no targets', 'listen: 127.0.0.1:1\n', /targets: is required/],
    ['empty targets', 'targets: {}\n', /line 1: targets: must name at least one target/],
    ['a list for targets', 'targets: [a]\n', /line 1: targets: must be a map, got a list/],
    ['an unknown top-level key', `${one('')}timeout: 3s\n`, /line 4: timeout: unknown key \(allowed here: listen, body_size_limit, targets\)/],
    ['an unknown target key', one('    timout: 3s\n'), /line 4: targets\.gw\.timout: unknown key/],
    ['a missing url', 'targets:\n  gw:\n    timeout: 3s\n', /line 2: targets\.gw\.url: is required/],
    ['a relative url', 'targets:\n  gw:\n    url: /health-xyz\n', /line 3: targets\.gw\.url: is not an absolute URL/, { hidden: 'health-xyz' }],
    ['a file: url', 'targets:\n  gw:\n    url: file:///etc/passwd\n', /line 3: targets\.gw\.url: the scheme is not http: or https:/, { hidden: 'passwd' }],
    ['an expansion that is not a URL', 'targets:\n  gw:\n    url: ${HOST_SECRET}\n', /line 3: targets\.gw\.url: is not an absolute URL \(after \$\{VAR\} expansion\)/, { env: { HOST_SECRET: 'tok-4a7' }, hidden: 'tok-4a7' }],
    ['credentials in the url', 'targets:\n  gw:\n    url: http://u:p@h/\n', /line 3: targets\.gw\.url: must not contain user:password@/],
    ['a bad target name', 'targets:\n  "bad name":\n    url: http://h/\n', /line 2: targets\.bad name: a target name must match/],
    ['a bad duration', one('    timeout: 3 seconds\n'), /line 4: targets\.gw\.timeout: is not a duration/, { hidden: 'seconds' }],
    ['a zero duration', one('    timeout: 0s\n'), /line 4: targets\.gw\.timeout: is out of range/],
    ['a huge duration', one('    timeout: 1h\n'), /line 4: targets\.gw\.timeout: is out of range/],
    ['a bad size', `body_size_limit: 1GB\n${one('')}`, /line 1: body_size_limit: is not a size/, { hidden: '1GB' }],
    ['a tiny size', `body_size_limit: 10\n${one('')}`, /line 1: body_size_limit: is out of range/],
    ['a bad listen', `listen: localhost\n${one('')}`, /line 1: listen: is not HOST:PORT/, { hidden: 'localhost' }],
    ['an unset variable', 'targets:\n  gw:\n    url: http://${NOPE}/\n', /line 3: targets\.gw\.url: environment variable NOPE is not set \(use \$\{NOPE:-default\}/],
    ['an unterminated reference', 'targets:\n  gw:\n    url: http://${NOPE/\n', /line 3: targets\.gw\.url: unterminated \$\{/],
    ['an invalid reference', one('    headers:\n      A: "tok-9b2${1X}"\n'), /line 5: targets\.gw\.headers\.A: invalid \$\{…\} reference/, { hidden: 'tok-9b2' }],
    ['an unset header env', one('    headers:\n      A: { env: NOPE }\n'), /line 5: targets\.gw\.headers\.A\.env: environment variable NOPE is not set or empty/],
    ['a missing header file', one('    headers:\n      A: { file: nope.txt }\n'), /line 5: targets\.gw\.headers\.A\.file: cannot read the file: ENOENT/, { hidden: 'nope.txt' }],
    ['an empty header file', one('    headers:\n      A: { file: empty }\n'), /line 5: targets\.gw\.headers\.A\.file: the file is empty/],
    ['a directory as header file', one('    headers:\n      A: { file: . }\n'), /line 5: targets\.gw\.headers\.A\.file: cannot read the file: not a regular file \(a directory\)/],
    ['a device as header file', one('    headers:\n      A: { file: /dev/zero }\n'), /line 5: targets\.gw\.headers\.A\.file: cannot read the file: not a regular file \(a device\)/],
    ['a header file over 64 KiB', one('    headers:\n      A: { file: big }\n'), /line 5: targets\.gw\.headers\.A\.file: cannot read the file: larger than 65536 bytes/],
    ['two header sources', one('    headers:\n      A: { env: X, file: y }\n'), /line 5: targets\.gw\.headers\.A: give exactly one of/],
    ['an unknown header source', one('    headers:\n      A: { vault: x }\n'), /line 5: targets\.gw\.headers\.A\.vault: unknown key/],
    ['a bad header name', one('    headers:\n      "A B": x\n'), /line 5: targets\.gw\.headers\.A B: is not a valid HTTP header name/],
    ['a list for a header', one('    headers:\n      A: [1]\n'), /line 5: targets\.gw\.headers\.A: must be a map, got a list/],
    ['a string for a target', 'targets:\n  gw: tok-5c1\n', /line 2: targets\.gw: must be a map, got a string/, { hidden: 'tok-5c1' }],
    ['a YAML error beside a literal secret', one('    headers:\n      Authorization: Bearer tok-8d4: x\n'), /line 5: Authorization: invalid YAML/, { hidden: 'tok-8d4' }],
    ['an alias bomb', `a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n${one('')}`, /^test\.yml: the YAML aliases expand too much/],
  ];
  for (const [what, text, message, { env, hidden } = {}] of mistakes) {
    it(`rejects ${what} with the key named${hidden ? ', not the value' : ''}`, () => {
      assert.throws(() => parse(text, env), (err: unknown) => {
        assert.ok(err instanceof ConfigError, String(err));
        assert.match(err.message, /^test\.yml: /);
        assert.match(err.message, message);
        assert.ok(!err.located.includes('test.yml'), 'located leaves the file out');
        if (hidden) assert.ok(!err.message.includes(hidden), `the error shows the value: ${err.message}`);
        return true;
      });
    });
  }

  it('reads a FIFO header file without waiting for a writer (fails at once)', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // Without O_NONBLOCK the open alone would block this process until a writer came.
    assert.throws(() => parse(one(`    headers:\n      A: { file: fifo }\n`)), /line 5: targets\.gw\.headers\.A\.file: cannot read the file: not a regular file \(a FIFO\)/);
    assert.throws(() => loadConfig(fifo), /cannot read the config file: not a regular file \(a FIFO\)/);
  });

  it('takes a header file up to 64 KiB, through a symlink too (Kubernetes secrets are symlinks)', async () => {
    await writeFile(join(dir, 'max'), `${'k'.repeat(MAX_HEADER_FILE_BYTES - 1)}\n`);
    await symlink(join(dir, 'token'), join(dir, 'token-link'));
    const config = parse(one('    headers:\n      A: { file: max }\n      B: { file: token-link }\n'));
    assert.equal(config.targets.get('gw')?.headers.A?.length, MAX_HEADER_FILE_BYTES - 1);
    assert.equal(config.targets.get('gw')?.headers.B, 's3cret-from-file');
  });

  it('the CLI exits 1 with the error on a bad file, 2 on bad flags', async () => {
    const bad = join(dir, 'bad.yml');
    await writeFile(bad, one('    timout: 3s\n'));
    const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', EXPORTER_MAIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
    const badFile = run(['--config', bad]);
    assert.equal(badFile.status, 1);
    assert.match(badFile.stderr, /bad\.yml: line 4: targets\.gw\.timout: unknown key/);
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
