/**
 * The notification sink's history: what Alertmanager delivered, in memory and in a JSON Lines
 * file so that a restart keeps it.
 *
 * - A line that does not parse or is not a notification (a kill mid-write, a full disk, an entry
 *   an older sink accepted) is skipped and counted, and moved to `<file>.bad`: never lost, never fatal.
 * - History is capped by entries and bytes; the file is rotated to `<file>.1` when it holds twice
 *   that, so neither memory nor disk grows without bound.
 * - Every entry carries the id of the stack run that received it: a firing alert whose resolve
 *   never came (the stack was stopped first) shows as from an earlier run, not as firing for ever.
 */
import { appendFileSync, closeSync, existsSync, openSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { validateWebhookPayload, type WebhookAlert, type WebhookPayload } from './webhook-payload.ts';

export interface ReceivedNotification {
  receivedAt: string;
  /** The stack run that received it (absent in files written before run ids existed). */
  runId?: string;
  payload: WebhookPayload;
}

/** A notification as listed: earlierRun when another stack run received it. */
export interface ListedNotification extends ReceivedNotification {
  earlierRun: boolean;
}

export interface HistoryOptions {
  /** JSON Lines file; none keeps history in memory only. */
  file?: string;
  runId: string;
  maxEntries: number;
  /** Total size (serialised JSON) of the kept entries. */
  maxBytes: number;
}

export const historyDefaults = { maxEntries: 2_000, maxBytes: 16 * 1024 * 1024 } as const;

interface Kept {
  entry: ReceivedNotification;
  bytes: number;
}

/** Calls `onLine` for each line of a file, reading it in chunks (a huge file never sits in memory whole). */
function forEachLine(file: string, onLine: (line: string) => void): { endsWithNewline: boolean } {
  const fd = openSync(file, 'r');
  const chunk = Buffer.alloc(1024 * 1024);
  let pending: Buffer[] = [];
  let last = 0x0a;
  try {
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      last = chunk[n - 1] ?? last;
      let start = 0;
      for (let i = chunk.indexOf(0x0a, 0); i !== -1 && i < n; i = chunk.indexOf(0x0a, i + 1)) {
        onLine(Buffer.concat([...pending, chunk.subarray(start, i)]).toString('utf8'));
        pending = [];
        start = i + 1;
      }
      if (start < n) pending.push(Buffer.from(chunk.subarray(start, n)));
    }
    if (pending.length > 0) onLine(Buffer.concat(pending).toString('utf8'));
  } finally {
    closeSync(fd);
  }
  return { endsWithNewline: last === 0x0a };
}

function parseEntry(line: string): ReceivedNotification | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { receivedAt, runId, payload } = value as Record<string, unknown>;
  if (typeof receivedAt !== 'string' || Number.isNaN(Date.parse(receivedAt))) return undefined;
  if (runId !== undefined && typeof runId !== 'string') return undefined;
  const checked = validateWebhookPayload(payload);
  if (!checked.ok) return undefined;
  return { receivedAt, ...(runId === undefined ? {} : { runId }), payload: checked.payload };
}

export class NotificationHistory {
  readonly runId: string;
  /** Lines of the file that were not notifications, at load (moved to `<file>.bad`). */
  readonly skippedLines: number;
  private readonly options: HistoryOptions;
  private kept: Kept[] = [];
  private keptBytes = 0;
  private fileEntries = 0;
  private fileBytes = 0;

  constructor(options: HistoryOptions) {
    this.options = options;
    this.runId = options.runId;
    let skipped = 0;
    const { file } = options;
    if (file && existsSync(file)) {
      const bad: string[] = [];
      let fileEntries = 0;
      const { endsWithNewline } = forEachLine(file, (line) => {
        if (!line.trim()) return;
        const entry = parseEntry(line);
        if (!entry) {
          skipped += 1;
          bad.push(line);
          return;
        }
        fileEntries += 1;
        this.keep({ entry, bytes: Buffer.byteLength(line) + 1 });
      });
      if (bad.length > 0) appendFileSync(`${file}.bad`, `${bad.join('\n')}\n`);
      // More than the caps keep: the whole file goes to <file>.1 first. Bad lines or a torn last line
      // (the next append would join it): rewrite with what is kept (the bad lines are in <file>.bad).
      if (fileEntries > this.kept.length) this.rotate();
      else if (bad.length > 0 || !endsWithNewline) this.rewrite();
      else {
        this.fileEntries = this.kept.length;
        this.fileBytes = this.keptBytes;
      }
    }
    this.skippedLines = skipped;
  }

  /** Record a delivered payload (already validated); persists it. */
  add(payload: WebhookPayload, receivedAt = new Date()): ReceivedNotification {
    const entry: ReceivedNotification = { receivedAt: receivedAt.toISOString(), runId: this.runId, payload };
    const line = `${JSON.stringify(entry)}\n`;
    const bytes = Buffer.byteLength(line);
    this.keep({ entry, bytes });
    const { file } = this.options;
    if (file) {
      appendFileSync(file, line);
      this.fileEntries += 1;
      this.fileBytes += bytes;
      if (this.fileEntries > 2 * this.options.maxEntries || this.fileBytes > 2 * this.options.maxBytes) this.rotate();
    }
    return entry;
  }

  /** Oldest first. */
  list(): ListedNotification[] {
    return this.kept.map(({ entry }) => ({ ...entry, earlierRun: entry.runId !== this.runId }));
  }

  get size(): number {
    return this.kept.length;
  }

  get bytes(): number {
    return this.keptBytes;
  }

  private keep(item: Kept): void {
    this.kept.push(item);
    this.keptBytes += item.bytes;
    while (this.kept.length > this.options.maxEntries || (this.keptBytes > this.options.maxBytes && this.kept.length > 1)) {
      const dropped = this.kept.shift();
      if (dropped) this.keptBytes -= dropped.bytes;
    }
  }

  /** The file becomes `<file>.1` (replacing the previous one) and a new file holds what is kept. */
  private rotate(): void {
    const { file } = this.options;
    if (!file) return;
    renameSync(file, `${file}.1`);
    this.rewrite();
  }

  /** Write the kept entries to the file, atomically (a kill mid-write leaves the old file). */
  private rewrite(): void {
    const { file } = this.options;
    if (!file) return;
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, this.kept.map(({ entry }) => `${JSON.stringify(entry)}\n`).join(''));
    renameSync(tmp, file);
    this.fileEntries = this.kept.length;
    this.fileBytes = this.keptBytes;
  }
}

export interface AlertState {
  alert: WebhookAlert;
  receiver: string;
  receivedAt: string;
  runId?: string;
  earlierRun: boolean;
}

/** The last known state of each alert (by fingerprint, or by labels when Alertmanager sent none). */
export function latestAlertStates(entries: ListedNotification[]): AlertState[] {
  const byAlert = new Map<string, AlertState>();
  for (const n of entries) {
    for (const alert of n.payload.alerts) {
      const key = alert.fingerprint ?? JSON.stringify(Object.entries(alert.labels).sort());
      byAlert.set(key, { alert, receiver: n.payload.receiver, receivedAt: n.receivedAt, runId: n.runId, earlierRun: n.earlierRun });
    }
  }
  return [...byAlert.values()];
}
