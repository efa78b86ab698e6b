/**
 * Which dashboard panel shows each alert: notifications link there (the Alertmanager templates).
 * Panel ids are looked up by title in the generated dashboards, so a renamed or removed panel is
 * an error at `npm run generate`, never a dead link.
 */
import { defaultSlo, type SloConfig } from './config/slo-config.ts';
import { dashboards } from './dashboards/index.ts';
import { LOADTEST_UID } from './dashboards/loadtest.ts';
import { POOLS_UID } from './dashboards/pools.ts';
import type { AlertPanelLink } from './generators/alertmanager-templates.ts';
import { allAlerts } from './rules/index.ts';

/** The panel that shows each alert's expression, by dashboard uid and panel title. */
const alertPanels: Record<string, { uid: string; panelTitle: string }> = {
  GrpcPoolUnhealthy: { uid: POOLS_UID, panelTitle: 'Healthy ratio' },
  GrpcPoolDegraded: { uid: POOLS_UID, panelTitle: 'Healthy ratio' },
  GrpcPoolConnectionsFailing: { uid: POOLS_UID, panelTitle: 'Connections in TRANSIENT_FAILURE' },
  GrpcPoolManagerUnavailable: { uid: POOLS_UID, panelTitle: 'Pool manager status' },
  PoolHealthProbeFailing: { uid: POOLS_UID, panelTitle: 'Probe success' },
  PoolExporterDown: { uid: POOLS_UID, panelTitle: 'Exporter up' },
  LoadTestFullFlowLatencyHigh: { uid: LOADTEST_UID, panelTitle: 'Full flow latency p50 / p95 / p99' },
  LoadTestApiGatewayLatencyHigh: { uid: LOADTEST_UID, panelTitle: 'p95 per flow step' },
  LoadTestOrderServiceLatencyHigh: { uid: LOADTEST_UID, panelTitle: 'p95 per flow step' },
  LoadTestPaymentServiceLatencyHigh: { uid: LOADTEST_UID, panelTitle: 'p95 per flow step' },
  LoadTestLoginLatencyHigh: { uid: LOADTEST_UID, panelTitle: 'p95 per flow step' },
  LoadTestErrorRateHigh: { uid: LOADTEST_UID, panelTitle: 'Error rate' },
  LoadTestChecksFailing: { uid: LOADTEST_UID, panelTitle: 'Checks passing' },
};

/** Each alert's panel, with the panel id looked up in the generated dashboard (an error if gone). */
export function alertPanelLinks(slo: SloConfig = defaultSlo): AlertPanelLink[] {
  const built = dashboards(slo);
  return allAlerts(slo).map(({ alert }) => {
    const target = alertPanels[alert];
    if (!target) throw new Error(`alert panels: alert ${alert} has no dashboard panel; add it to alertPanels`);
    const board = built.find((d) => d.uid === target.uid);
    if (!board) throw new Error(`alert panels: no dashboard with uid ${target.uid}`);
    const panel = (board.panels ?? []).find((p) => p.title === target.panelTitle);
    if (!panel || typeof panel.id !== 'number') throw new Error(`alert panels: dashboard ${target.uid} has no panel "${target.panelTitle}"`);
    const variables = (board.templating?.list ?? []).map((v) => v.name ?? '').filter((name) => name !== '' && name !== 'datasource');
    return { alertname: alert, uid: target.uid, panelId: panel.id, variables };
  });
}
