/**
 * `npm run loadtest` finds the scale-out store by itself: stack:up --scale-out records the router
 * and Query (scripts/stack/endpoints.ts), the load test's defaults follow, explicit URLs win, and
 * without the record it is the stack's Prometheus.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { parseLoadtestArgs } from '../../scripts/lib/loadtest-args.ts';
import { hostScaleOutEndpoints, recordScaleOut } from '../../scripts/stack/endpoints.ts';
import YAML from 'yaml';
import { readFileSync } from 'node:fs';
import { stackSettings } from '../../scripts/stack/settings.ts';

const dir = mkdtempSync(join(tmpdir(), 'endpoints-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { STACK_STATE_DIR: dir, PROMETHEUS_PORT: '19090' };
const args = (...extra: string[]) => parseLoadtestArgs(['e2e', ...extra], env);

it('defaults to the stack Prometheus, to the recorded scale-out store after stack:up --scale-out', () => {
  assert.equal(args().remoteWriteUrl, 'http://127.0.0.1:19090/api/v1/write');
  assert.equal(args().queryUrl, 'http://127.0.0.1:19090');
  recordScaleOut(stackSettings(env), hostScaleOutEndpoints);
  assert.equal(args().remoteWriteUrl, hostScaleOutEndpoints.remoteWriteUrl);
  assert.equal(args().queryUrl, hostScaleOutEndpoints.queryUrl);
  // Explicit URLs win; a given write URL is checked on its own server unless --query-url says otherwise.
  assert.deepEqual([args('--remote-write', 'http://10.0.0.1:9090/api/v1/write').queryUrl], ['http://10.0.0.1:9090']);
  assert.equal(args('--query-url', 'http://q:1').queryUrl, 'http://q:1');
  recordScaleOut(stackSettings(env), null);
  assert.equal(args().remoteWriteUrl, 'http://127.0.0.1:19090/api/v1/write');
});

it('compose publishes the router and Query on the ports the host-side endpoints name', () => {
  const compose = YAML.parse(readFileSync(join(import.meta.dirname, '../../docker-compose-monitoring.yaml'), 'utf8')) as { services: Record<string, { ports?: string[] }> };
  const published = (service: string): string[] => (compose.services[service]?.ports ?? []).map((p) => p.replace(/^\$\{STACK_BIND:-127\.0\.0\.1\}:/, ''));
  const port = (url: string): string => new URL(url).port;
  assert.ok(published('thanos-receive-router').includes(`${port(hostScaleOutEndpoints.remoteWriteUrl)}:${port(hostScaleOutEndpoints.remoteWriteUrl)}`));
  assert.ok(published('thanos-query').includes(`${port(hostScaleOutEndpoints.queryUrl)}:${port(hostScaleOutEndpoints.queryUrl)}`));
});

it('asks for --query-url when the write URL is not a Prometheus receiver (the Thanos router, Mimir)', () => {
  assert.throws(() => args('--remote-write', hostScaleOutEndpoints.remoteWriteUrl), /is not a Prometheus receiver \(\/api\/v1\/write\).*--query-url/);
  assert.equal(args('--remote-write', hostScaleOutEndpoints.remoteWriteUrl, '--query-url', hostScaleOutEndpoints.queryUrl).queryUrl, hostScaleOutEndpoints.queryUrl);
  assert.throws(() => parseLoadtestArgs(['e2e'], { ...env, K6_PROMETHEUS_RW_SERVER_URL: 'http://mimir:8080/api/v1/push' }), /--query-url/);
});
