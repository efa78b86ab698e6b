/**
 * docs/scale-out.md quotes the store's version, replication and addresses: they must be those of
 * monitoring/config/thanos.ts and monitoring/generators/thanos.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { thanos } from '../../monitoring/config/thanos.ts';
import { thanosAddresses } from '../../monitoring/generators/thanos.ts';

const doc = readFileSync(join(import.meta.dirname, '../../docs/scale-out.md'), 'utf8');
/** The doc with its line breaks as spaces: a quoted phrase may wrap. */
const flatDoc = doc.replace(/\s+/g, ' ');
const row = (process: string): string => doc.split('\n').find((line) => line.startsWith(`| \`${process}\``)) ?? '';

it("docs/scale-out.md's store table and build notes match the config", () => {
  const a = thanosAddresses();
  assert.match(row('thanos-receive-router'), new RegExp(`\\| ${a.router.remoteWrite.replaceAll('.', '\\.')} \\|$`));
  assert.match(row('thanos-query'), new RegExp(`\\| ${a.query.http.replaceAll('.', '\\.')} \\|$`));
  assert.match(row('thanos-rule'), new RegExp(`\\| ${a.rule.http.replaceAll('.', '\\.')} \\|$`));
  const grpc = a.receivers.map((r) => r.grpc.split(':')[1]);
  assert.match(row(`thanos-receive-1..${thanos.receivers}`), new RegExp(`gRPC 127\\.0\\.0\\.1:${grpc[0]}\\.\\.${grpc.at(-1)} \\|$`));
  assert.match(row(`thanos-receive-1..${thanos.receivers}`), new RegExp(`replication factor ${thanos.replicationFactor}, .*replica label \`${thanos.replicaLabel}\``));
  assert.match(doc, new RegExp(`builds Thanos ${thanos.version.replaceAll('.', '\\.')} from its Go module`));
});

it("docs/scale-out.md quotes the ingest benchmark's recorded result", () => {
  const results = readFileSync(join(import.meta.dirname, '../../bench/results/ingest-bench.md'), 'utf8').trim().split('\n');
  const sentence = results.at(-1) ?? '';
  assert.match(sentence, /^On this 2-core machine the Thanos ring .* accepted [\d.]+× the remote-write samples per second of one Prometheus/);
  assert.ok(doc.includes(`> ${sentence}`), `docs/scale-out.md must quote bench/results/ingest-bench.md's result:\n${sentence}`);
  // The workload's float/histogram split and push size, as the results' method states them.
  const split = /(\d+) float, (\d+) native histogram\)/.exec(results.join('\n'));
  const bytes = /([\d,]+) bytes each on average/.exec(results.join('\n'));
  assert.ok(split && bytes, 'bench/results/ingest-bench.md states the float/histogram split and the bytes per push');
  const n = (x: string | undefined): string => Number(x).toLocaleString('en-US');
  assert.ok(
    flatDoc.includes(`${n(split[1])} float series (counters, rates) and ${n(split[2])} native histogram series`),
    `docs/scale-out.md must state the split of bench/results/ingest-bench.md: ${split[0]}`,
  );
  assert.ok(flatDoc.includes(`about ${Math.round(Number(bytes[1]?.replaceAll(',', '')) / 1000)} KB per push`), `docs/scale-out.md must state ${bytes[0]}`);
});

it('docs/scale-out.md compares with the floats-only recording, numbers as recorded', () => {
  const sentence = readFileSync(join(import.meta.dirname, '../../bench/results/ingest-bench-floats-only.md'), 'utf8').trim().split('\n').at(-1) ?? '';
  const m = /accepted ([\d.]+)× .*\(ring ([\d,]+), Prometheus ([\d,]+) samples\/s, medians/.exec(sentence);
  assert.ok(m, `the floats-only recording's result: ${sentence}`);
  const expected = `floats only, the recording before: ${m[1]}×, ring ${m[2]} and Prometheus ${m[3]} samples/s`;
  assert.ok(flatDoc.includes(expected), `docs/scale-out.md must say: ${expected}`);
});
