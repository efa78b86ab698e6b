/** The exporter's own health on /metrics: one registry per exporter instance. */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { poolExporterMetric, probeFailureReasons, type ProbeFailureReason } from '../../../contract/metrics.ts';

export interface SelfMetrics {
  readonly registry: Registry;
  /** Give every configured target its zeroed counters, and drop those of removed targets. */
  setTargets(previous: Iterable<string>, next: Iterable<string>): void;
  countProbe(target: string): void;
  countFailure(target: string, reason: ProbeFailureReason): void;
  configLoaded(ok: boolean): void;
}

export function createSelfMetrics(version: string): SelfMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const probesTotal = new Counter({
    name: poolExporterMetric.probesTotal,
    help: 'Probes run, per configured target.',
    labelNames: ['target'],
    registers: [registry],
  });
  const probeFailures = new Counter({
    name: poolExporterMetric.probeFailuresTotal,
    help: 'Probes that did not read a valid document, per target and reason.',
    labelNames: ['target', 'reason'],
    registers: [registry],
  });
  const reloadSuccess = new Gauge({
    name: poolExporterMetric.configReloadSuccessful,
    help: 'Whether the last configuration load succeeded (1) or was rejected and the old one kept (0).',
    registers: [registry],
  });
  const reloadTimestamp = new Gauge({
    name: poolExporterMetric.configReloadSuccessTimestamp,
    help: 'Unix time of the last successful configuration load.',
    registers: [registry],
  });
  new Gauge({
    name: poolExporterMetric.buildInfo,
    help: 'Always 1; labels carry the exporter and Node.js versions.',
    labelNames: ['version', 'nodejs_version'],
    registers: [registry],
  }).set({ version, nodejs_version: process.version }, 1);

  return {
    registry,
    setTargets(previous, next) {
      const kept = new Set(next);
      for (const name of previous) {
        if (kept.has(name)) continue;
        probesTotal.remove({ target: name });
        for (const reason of probeFailureReasons) probeFailures.remove({ target: name, reason });
      }
      for (const name of kept) {
        probesTotal.inc({ target: name }, 0);
        for (const reason of probeFailureReasons) probeFailures.inc({ target: name, reason }, 0);
      }
    },
    countProbe: (target) => probesTotal.inc({ target }),
    countFailure: (target, reason) => probeFailures.inc({ target, reason }),
    configLoaded(ok) {
      reloadSuccess.set(ok ? 1 : 0);
      if (ok) reloadTimestamp.set(Date.now() / 1000);
    },
  };
}
