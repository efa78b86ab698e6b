/**
 * A bcrypt hash (what Prometheus' web config `basic_auth_users` holds), made by the system's
 * libcrypt through Python's crypt module (Debian's python3 3.11; libxcrypt does bcrypt), so no
 * package is added for it. Cost 10: Prometheus checks it on every request.
 */
import { spawnSync } from 'node:child_process';

export function bcryptHash(password: string): string {
  const script = 'import crypt, sys; print(crypt.crypt(sys.stdin.read(), crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10)))';
  const out = spawnSync('python3', ['-W', 'ignore', '-c', script], { input: password, encoding: 'utf8' });
  const hash = out.stdout?.trim() ?? '';
  if (out.status !== 0 || !/^\$2[aby]\$10\$[./A-Za-z0-9]{53}$/.test(hash)) {
    throw new Error(`bcryptHash: python3's crypt module made no bcrypt hash (exit ${out.status}): ${out.stderr || hash}; needs python3 < 3.13 with libcrypt (Debian's python3)`);
  }
  return hash;
}
