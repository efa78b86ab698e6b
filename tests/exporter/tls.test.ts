/**
 * https targets: the system trust store plus NODE_EXTRA_CA_CERTS for a private CA; a certificate
 * that is not trusted fails the probe with reason connect.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateSelfSignedCert } from '../../demo/lib/tls.ts';
import { parseExposition, spawnExporter, startExporter, startHttpServer, valueOf, type ExporterProcess, type TestExporter, type TestServer } from './support.ts';

describe('pool exporter over https', () => {
  let server: Server;
  let url: string;
  /** NODE_EXTRA_CA_CERTS is read when Node starts: this one is a process of its own. */
  let trusting: ExporterProcess;
  let plain: TestExporter;
  let plainHttp: TestServer;
  let silent: TcpServer;
  const silentSockets: Socket[] = [];

  before(async () => {
    const cert = await generateSelfSignedCert();
    server = createServer({ cert: cert.certPem, key: cert.keyPem }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'healthy', services: { a: { total_connections: 5, ready_connections: 5, idle_connections: 0 } } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/health/pools/detailed`;
    // Accepts TCP, never speaks TLS: the handshake can only end by the connect deadline.
    silent = createTcpServer((socket) => silentSockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentAddress = silent.address();
    const silentPort = typeof silentAddress === 'object' && silentAddress ? silentAddress.port : 0;
    plainHttp = await startHttpServer((_req, res) => res.end('{}'));
    const config = `targets:\n  tls:\n    url: ${url}\n    timeout: 2s\n  handshake:\n    url: https://127.0.0.1:${silentPort}/\n    timeout: 2s\n    connect_timeout: 300ms\n  tls-to-plain:\n    url: https://127.0.0.1:${plainHttp.port}/\n    timeout: 2s\n`;
    plain = await startExporter(config);
    const caFile = join(plain.dir, 'ca.pem');
    await writeFile(caFile, cert.certPem);
    trusting = await spawnExporter(config, { env: { NODE_EXTRA_CA_CERTS: caFile } });
  });
  after(async () => {
    await trusting?.stop();
    await plain?.stop();
    server?.closeAllConnections();
    server?.close();
    for (const socket of silentSockets) socket.destroy();
    silent?.close();
    await plainHttp?.close();
  });

  it('reports https to a plain-HTTP port as a protocol mismatch, not a connect failure', async () => {
    const got = parseExposition((await plain.probe('tls-to-plain')).text);
    assert.equal(valueOf(got, 'probe_success'), 0);
    assert.match(await plain.log(), /target=tls-to-plain .*reason=protocol err="the port does not speak TLS/);
    const self = parseExposition(await (await fetch(`${plain.url}/metrics`)).text());
    assert.equal(valueOf(self, 'pool_exporter_probe_failures_total', { target: 'tls-to-plain', reason: 'protocol' }), 1);
    assert.equal(valueOf(self, 'pool_exporter_probe_failures_total', { target: 'tls-to-plain', reason: 'connect' }), 0);
  });

  it('reads a target whose CA is given with NODE_EXTRA_CA_CERTS', async () => {
    const got = parseExposition((await trusting.probe('tls')).text);
    assert.equal(valueOf(got, 'probe_success'), 1);
    assert.equal(valueOf(got, 'grpc_pool_size', { pool: 'a' }), 5);
  });

  it('refuses an untrusted certificate (reason connect)', async () => {
    const got = parseExposition((await plain.probe('tls')).text);
    assert.equal(valueOf(got, 'probe_success'), 0);
    assert.equal(valueOf(got, 'probe_http_status_code'), 0);
    assert.match(await plain.log(), /reason=connect err=".*(self-signed|SELF_SIGNED)/i);
  });

  it('gives up on a connect (TLS handshake) at connect_timeout, inside the probe timeout', async () => {
    const got = parseExposition((await trusting.probe('handshake')).text);
    assert.equal(valueOf(got, 'probe_success'), 0);
    const duration = valueOf(got, 'probe_duration_seconds');
    // Which timeout ended it is in the log (connect, not the 2 s probe timeout); not how long it took here.
    assert.ok(duration >= 0.29, `connect_timeout 300ms, timeout 2s: the probe took ${duration} s`);
    assert.match(await trusting.log(), /target=handshake .*reason=timeout err="could not connect within 300 ms"/);
  });
});
