/**
 * stack:down signals only processes it started: a recorded pid that now belongs to another
 * program (pids are recycled) is left alone, and a live one of ours is stopped with its group.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isAlive, startProcess } from '../../tools/process.ts';
import { isOurProcess, nativeDown, stateFile, type StackState } from '../../scripts/stack/native.ts';
import { stackSettings } from '../../scripts/stack/settings.ts';

const dir = mkdtempSync(join(tmpdir(), 'native-state-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('native stack state', () => {
  it('leaves a recycled pid alone and stops a process of ours with its children', async () => {
    const settings = stackSettings({ STACK_STATE_DIR: dir });
    // A process of ours: a shell whose child sleeps (stop must end the whole group).
    const ours = await startProcess({ name: 'sleeper', command: 'sh', args: ['-c', 'sleep 300 & wait'], logFile: join(dir, 'sleeper.log'), daemon: true });
    const state: StackState = {
      mode: 'native',
      startedAt: new Date().toISOString(),
      services: [
        // This test's own pid, recorded as if it were a Prometheus we started: it must survive.
        { name: 'recycled', pid: process.pid, url: '', healthUrl: '', logFile: '', command: '/usr/bin/prometheus --config.file=/nowhere' },
        { name: 'sleeper', pid: ours.pid, url: '', healthUrl: '', logFile: '', command: 'sh -c sleep 300 & wait' },
      ],
    };
    writeFileSync(stateFile(settings), JSON.stringify(state));
    let child = '';
    for (let i = 0; i < 50 && !child; i += 1) {
      child = spawnSync('pgrep', ['-P', String(ours.pid)], { encoding: 'utf8' }).stdout.trim();
      if (!child) await sleep(20);
    }
    assert.match(child, /^\d+$/, 'the sleeper has its child');
    assert.equal(isOurProcess(state.services[0]!), false);
    assert.equal(isOurProcess(state.services[1]!), true);

    const results = await nativeDown(settings);
    assert.deepEqual(
      results.map((r) => [r.name, r.stopped, r.note ?? '']),
      [
        ['sleeper', true, ''],
        ['recycled', true, 'was not running'],
      ],
    );
    assert.equal(isAlive(process.pid), true);
    assert.equal(isAlive(ours.pid), false);
    assert.equal(isAlive(Number(child)), false, 'the child of a stopped service is stopped too');
    assert.equal(existsSync(stateFile(settings)), false, 'the state file goes once everything is stopped');
  });
});
