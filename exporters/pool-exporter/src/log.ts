/** logfmt lines, like the Go exporters: `time=… level=warn msg="…" target=…`. */
export const levels = ['debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof levels)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** A logger that writes whole lines to `write` (stderr by default) at `level` and above. */
export function createLogger(level: Level = 'info', write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const threshold = levels.indexOf(level);
  const at =
    (lineLevel: Level) =>
    (msg: string, fields: LogFields = {}): void => {
      if (levels.indexOf(lineLevel) < threshold) return;
      let line = `time=${new Date().toISOString()} level=${lineLevel} msg=${quote(msg)}`;
      for (const [key, value] of Object.entries(fields)) {
        if (value !== undefined) line += ` ${key}=${quote(value instanceof Error ? value.message : String(value))}`;
      }
      write(`${line}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** JSON-quoted unless plain: a newline or quote in a value can never forge another line. */
function quote(text: string): string {
  return /^[\w.:/@+-]+$/.test(text) ? text : JSON.stringify(text);
}
