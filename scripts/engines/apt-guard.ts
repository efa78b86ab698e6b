/**
 * Debian's prometheus and prometheus-alertmanager packages start their services from postinst, on
 * 9090 and 9093: the native stack's ports. A policy-rc.d that exits 101 ("action forbidden", read
 * by invoke-rc.d and, under systemd, deb-systemd-invoke) stops that for one install; a policy that
 * was there before is put back, also when the install fails. .ci/run does the same in shell.
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';

export const POLICY_RC_D = '/usr/sbin/policy-rc.d';

export function withoutServiceStarts<T>(install: () => T, policy = POLICY_RC_D): T {
  const saved = `${policy}.provision-saved`;
  const hadPolicy = existsSync(policy);
  if (hadPolicy) renameSync(policy, saved);
  writeFileSync(policy, '#!/bin/sh\n# npm run provision: no service starts while it installs packages\nexit 101\n', { mode: 0o755 });
  try {
    return install();
  } finally {
    rmSync(policy, { force: true });
    if (hadPolicy) renameSync(saved, policy);
  }
}
