/** A throw-away self-signed certificate for 127.0.0.1/localhost, made with the openssl binary. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SelfSignedCert {
  certPem: Buffer;
  keyPem: Buffer;
}

export async function generateSelfSignedCert(): Promise<SelfSignedCert> {
  const dir = await mkdtemp(join(tmpdir(), 'demo-shop-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  try {
    // P-256: what a Go service would typically present; cheap handshakes keep the comparison fair.
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', key, '-out', cert,
    ]);
    return { certPem: await readFile(cert), keyPem: await readFile(key) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`demo TLS: could not generate a self-signed certificate with openssl (is it on PATH?): ${message}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
