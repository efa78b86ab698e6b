/**
 * Alertmanager's webhook payload (version 4, the only version Alertmanager 0.x sends), checked
 * field by field so that a bad post is refused with the paths at fault and nothing half-valid is
 * ever kept (a kept entry without `annotations` once broke the sink's page for good).
 */

export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
  fingerprint?: string;
}

export interface WebhookPayload {
  version: '4';
  status: 'firing' | 'resolved';
  receiver: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  externalURL?: string;
  truncatedAlerts?: number;
  alerts: WebhookAlert[];
}

export type Validation = { ok: true; payload: WebhookPayload } | { ok: false; errors: string[] };

/** At most this many problems are listed in one answer. */
const MAX_ERRORS = 10;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStatus = (v: unknown): v is 'firing' | 'resolved' => v === 'firing' || v === 'resolved';

function checkStringMap(value: unknown, path: string, errors: string[], required = true): void {
  if (value === undefined && !required) return;
  if (!isObject(value)) {
    errors.push(`${path}: expected an object of strings`);
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') errors.push(`${path}.${key}: expected a string`);
  }
}

function checkString(value: unknown, path: string, errors: string[], required = true): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'string') errors.push(`${path}: expected a string`);
}

function checkTime(value: unknown, path: string, errors: string[]): void {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) errors.push(`${path}: expected an RFC 3339 time`);
}

export function validateWebhookPayload(body: unknown): Validation {
  const errors: string[] = [];
  if (!isObject(body)) return { ok: false, errors: ['body: expected a JSON object (Alertmanager webhook payload)'] };
  if (body.version !== '4') errors.push(`version: expected "4" (Alertmanager webhook), got ${JSON.stringify(body.version) ?? 'nothing'}`);
  if (!isStatus(body.status)) errors.push('status: expected "firing" or "resolved"');
  checkString(body.receiver, 'receiver', errors);
  checkString(body.groupKey, 'groupKey', errors);
  checkStringMap(body.groupLabels, 'groupLabels', errors);
  checkStringMap(body.commonLabels, 'commonLabels', errors);
  checkStringMap(body.commonAnnotations, 'commonAnnotations', errors, false);
  checkString(body.externalURL, 'externalURL', errors, false);
  if (body.truncatedAlerts !== undefined && !Number.isInteger(body.truncatedAlerts)) errors.push('truncatedAlerts: expected an integer');
  if (!Array.isArray(body.alerts) || body.alerts.length === 0) {
    errors.push('alerts: expected a non-empty array');
  } else {
    body.alerts.forEach((alert: unknown, i) => {
      const path = `alerts[${i}]`;
      if (!isObject(alert)) {
        errors.push(`${path}: expected an object`);
        return;
      }
      if (!isStatus(alert.status)) errors.push(`${path}.status: expected "firing" or "resolved"`);
      checkStringMap(alert.labels, `${path}.labels`, errors);
      if (isObject(alert.labels) && typeof alert.labels.alertname !== 'string') errors.push(`${path}.labels.alertname: missing`);
      checkStringMap(alert.annotations, `${path}.annotations`, errors);
      checkTime(alert.startsAt, `${path}.startsAt`, errors);
      checkTime(alert.endsAt, `${path}.endsAt`, errors);
      checkString(alert.generatorURL, `${path}.generatorURL`, errors, false);
      checkString(alert.fingerprint, `${path}.fingerprint`, errors, false);
    });
  }
  if (errors.length > 0) {
    const shown = errors.slice(0, MAX_ERRORS);
    if (errors.length > MAX_ERRORS) shown.push(`... and ${errors.length - MAX_ERRORS} more`);
    return { ok: false, errors: shown };
  }
  return { ok: true, payload: body as unknown as WebhookPayload };
}
