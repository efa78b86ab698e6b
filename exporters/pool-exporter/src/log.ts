/** logfmt lines on stderr, like the Go exporters: `time=… level=warn msg="…" target=…`. */
export const levels = ['debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof levels)[number];

let threshold = 1;

export function setLogLevel(level: Level): void {
  threshold = levels.indexOf(level);
}

function write(level: Level, msg: string, fields: Record<string, unknown>): void {
  if (levels.indexOf(level) < threshold) return;
  let line = `time=${new Date().toISOString()} level=${level} msg=${quote(msg)}`;
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) line += ` ${key}=${quote(value instanceof Error ? value.message : String(value))}`;
  }
  process.stderr.write(`${line}\n`);
}

function quote(text: string): string {
  return /^[\w.:/@+-]+$/.test(text) ? text : JSON.stringify(text);
}

export const log = {
  debug: (msg: string, fields: Record<string, unknown> = {}) => write('debug', msg, fields),
  info: (msg: string, fields: Record<string, unknown> = {}) => write('info', msg, fields),
  warn: (msg: string, fields: Record<string, unknown> = {}) => write('warn', msg, fields),
  error: (msg: string, fields: Record<string, unknown> = {}) => write('error', msg, fields),
};
