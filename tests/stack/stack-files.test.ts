/**
 * What stack:up creates for both modes: the sink token readable by the containers' users (compose
 * mounts file secrets with the host's owner and mode) inside a folder closed to other host users,
 * and a run id that lasts from stack:up to stack:down.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stackSettings } from '../../scripts/stack/settings.ts';
import { endStackRun, ensureSinkToken, ensureStackFiles, stackRunId } from '../../scripts/stack/stack-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'stack-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const settings = stackSettings({ STACK_STATE_DIR: join(dir, 'state'), NOTIFICATION_SINK_TOKEN_FILE: join(dir, 'secrets', 'notification_sink_token') });
const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

describe('stack files', () => {
  it('writes a random sink token, 0644 in a 0700 folder, and keeps it on the next stack:up', () => {
    assert.match(ensureSinkToken(settings) ?? '', /token written/);
    const token = readFileSync(settings.sinkTokenFile, 'utf8').trim();
    assert.ok(token.length >= 32, token);
    assert.equal(mode(settings.sinkTokenFile), '644', 'Alertmanager (nobody) and the sink (node) read it in their containers');
    assert.equal(mode(join(dir, 'secrets')), '700');
    assert.equal(ensureSinkToken(settings), undefined);
    assert.equal(readFileSync(settings.sinkTokenFile, 'utf8').trim(), token);
  });

  it('narrows an existing secrets/ that other host users may enter (its files are 0644 for the containers)', () => {
    const root = mkdtempSync(join(dir, 'root-'));
    ensureStackFiles(root, () => 'pw\n');
    chmodSync(join(root, 'secrets'), 0o755);
    assert.ok(ensureStackFiles(root).some((line) => /narrowed secrets\/ to 0700/.test(line)));
    assert.equal(mode(join(root, 'secrets')), '700');
    assert.deepEqual(ensureStackFiles(root), [], 'a second stack:up changes nothing');
  });

  it('makes a token file of mode 0600 readable by the container users, and refuses an empty one', () => {
    chmodSync(settings.sinkTokenFile, 0o600);
    assert.match(ensureSinkToken(settings) ?? '', /made readable/);
    assert.equal(mode(settings.sinkTokenFile), '644');
    writeFileSync(settings.sinkTokenFile, '\n');
    assert.throws(() => ensureSinkToken(settings), /is empty/);
  });

  it('keeps one run id until stack:down ends the run', () => {
    const id = stackRunId(settings);
    assert.match(id, /^run-\d{4}-\d{2}-\d{2}T\d{9}Z-[0-9a-f]{6}$/);
    assert.equal(stackRunId(settings), id);
    endStackRun(settings);
    assert.notEqual(stackRunId(settings), id);
  });
});
