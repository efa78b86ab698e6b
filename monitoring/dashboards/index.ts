/** Every dashboard that `npm run generate` writes to monitoring/grafana/dashboards/<uid>.json. */
import { defaultSlo, type SloConfig } from '../config/slo-config.ts';
import type { BuiltDashboard } from './common.ts';
import { loadTestDashboard } from './loadtest.ts';
import { overviewDashboard } from './overview.ts';
import { poolsDashboard } from './pools.ts';

export function dashboards(slo: SloConfig = defaultSlo): BuiltDashboard[] {
  return [overviewDashboard(slo), loadTestDashboard(slo), poolsDashboard(slo)];
}
