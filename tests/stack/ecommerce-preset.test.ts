/**
 * "stack:up --native --targets ecommerce-go-app against a system with that layout probes only what
 * exists": the demo shop laid out on the real system's fixed ports (8000-8006, 9001-9006), in a
 * network namespace of its own (`unshare -n`, loopback only) so those ports and the stack's default
 * ones are free, whatever else runs on this machine. On that healthy system every probe succeeds,
 * every /metrics is scraped, and no alert is pending or firing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { targetPreset } from '../../monitoring/config/targets.ts';
import { repoRoot } from '../../scripts/stack/settings.ts';
import { namespaceCommand } from '../support/network-namespace.ts';

describe('the ecommerce-go-app preset against a system with its layout', { timeout: 300_000 }, () => {
  it('probes only what exists: every probe succeeds, nothing alerts', () => {
    const { command, args } = namespaceCommand([process.execPath, '--import', 'tsx', 'tests/stack/support/ecommerce-layout-check.ts']);
    const check = spawnSync(command, args, { cwd: repoRoot, encoding: 'utf8', timeout: 280_000 });
    const line = check.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    assert.ok(line, `no result (exit ${check.status}):\n${check.stdout}\n${check.stderr}`);
    const result = JSON.parse(line.slice('RESULT '.length)) as Record<string, unknown>;
    assert.equal(result.upStatus, 0, String(result.upOutput));
    const preset = targetPreset('ecommerce-go-app');
    assert.deepEqual(result.poolProbes, preset.poolHealth.map((e) => e.service).sort());
    assert.deepEqual(result.grpcHealth, preset.grpcHealth.map((e) => e.service).sort());
    assert.deepEqual(result.metrics, preset.metrics.map((e) => e.service).sort());
    assert.deepEqual(result.failing, []);
    assert.deepEqual(result.alerts, []);
    assert.equal(result.downStatus, 0);
  });
});
