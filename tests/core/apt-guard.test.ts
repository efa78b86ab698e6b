/**
 * `npm run provision` installs Debian's packages under a policy-rc.d that forbids service starts
 * (scripts/engines/apt-guard.ts): during the install the policy answers 101, afterwards the
 * machine's own policy (or none) is back, also when the install throws.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { withoutServiceStarts } from '../../scripts/engines/apt-guard.ts';

const dir = mkdtempSync(join(tmpdir(), 'apt-guard-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('forbids service starts during the install and leaves no policy behind', () => {
  const policy = join(dir, 'none', 'policy-rc.d');
  mkdirSync(join(dir, 'none'));
  const during = withoutServiceStarts(() => {
    assert.equal(statSync(policy).mode & 0o777, 0o755);
    // invoke-rc.d runs it as `policy-rc.d <service> <action>` and refuses the action on 101.
    return spawnSync(policy, ['prometheus', 'start']).status;
  }, policy);
  assert.equal(during, 101);
  assert.equal(existsSync(policy), false);
});

it("puts the machine's own policy back, also when the install fails", () => {
  const policy = join(dir, 'policy-rc.d');
  writeFileSync(policy, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  assert.throws(
    () =>
      withoutServiceStarts(() => {
        assert.match(readFileSync(policy, 'utf8'), /exit 101/);
        throw new Error('apt-get failed');
      }, policy),
    /apt-get failed/,
  );
  assert.equal(readFileSync(policy, 'utf8'), '#!/bin/sh\nexit 0\n');
  assert.equal(existsSync(`${policy}.provision-saved`), false);
});
