/**
 * The harness records a refused connection as k6 does. Refused for certain: the test runs in its
 * own network namespace, where nothing listens on the port it calls (outside it, a port found free
 * and closed again could be taken by another process before the call).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sendRequest, vuAgent } from '../../tools/k6-harness/http-client.ts';
import { ownNetworkNamespace } from '../support/network-namespace.ts';

/** Nothing in a fresh namespace listens here. */
const CLOSED_PORT = 9;

if (ownNetworkNamespace(import.meta.filename, { timeoutMs: 60_000, expectedPass: 1 })) {
  describe('k6 harness: a refused connection', () => {
    it('records it as k6 does: status 0, error 1212, duration = sending + waiting + receiving', async () => {
      const agents = { http: vuAgent(false), https: vuAgent(true) };
      const result = await sendRequest({ method: 'GET', url: `http://127.0.0.1:${CLOSED_PORT}/`, headers: {}, body: null, timeoutMs: 5_000 }, agents);
      assert.equal(result.status, 0);
      assert.equal(result.errorCode, 1212);
      const t = result.timings;
      assert.equal(t.duration, t.sending + t.waiting + t.receiving);
      assert.equal(t.waiting, 0);
      assert.equal(t.receiving, 0);
    });
  });
}
