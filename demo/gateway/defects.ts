/**
 * Upstream defects of the real gateway that the demo can reproduce on demand, so a load test's
 * failing-step path can be exercised against the demo. Off by default: the demo is the real
 * contract minus its defects. Switch at start (DEMO_DEFECTS=order-readback-404) or while running
 * (`npm run demo:fault -- defect order-readback-404 on|off`).
 */
export const defectNames = ['order-readback-404'] as const;
export type DefectName = (typeof defectNames)[number];

/** Live switches, read by the gateway on every request. */
export type Defects = Record<DefectName, boolean>;

export const noDefects = (): Defects => ({ 'order-readback-404': false });

export function parseDefects(raw: string | undefined): Defects {
  const defects = noDefects();
  for (const name of (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(defectNames as readonly string[]).includes(name)) throw new Error(`DEMO_DEFECTS: unknown defect ${JSON.stringify(name)}; known: ${defectNames.join(', ')}`);
    defects[name as DefectName] = true;
  }
  return defects;
}

/** What the real gateway answers for GET /orders/:id of an existing order (order-service gets user id 0). */
export const orderReadbackDefectError = 'rpc error: code = NotFound desc = order not found: order not found';
