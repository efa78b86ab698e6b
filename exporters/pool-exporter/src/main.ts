/**
 * pool-exporter's command line: flags, config file, signals and the listening socket. The
 * exporter itself is createExporter() (exporter.ts).
 *
 *   npm run exporter -- --config FILE [--listen HOST:PORT] [--log-level info] [--web.enable-lifecycle] [--check-config]
 *
 * Once bound it logs `pool-exporter listening on HOST:PORT` with the real port (so `--listen
 * 127.0.0.1:0` works: read the port from that line).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, parseListen, type ExporterConfig } from './config.ts';
import { createExporter } from './exporter.ts';
import { createLogger, levels, type Level } from './log.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const USAGE = `Usage: pool-exporter --config FILE [--listen HOST:PORT] [--log-level ${levels.join('|')}] [--web.enable-lifecycle] [--check-config]`;
const SHUTDOWN_GRACE_MS = 15_000;

interface Flags {
  configFile: string;
  listen?: string;
  logLevel: Level;
  checkOnly: boolean;
  enableLifecycle: boolean;
}

function parseFlags(): Flags {
  try {
    const { values } = parseArgs({
      options: {
        config: { type: 'string' },
        listen: { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        'check-config': { type: 'boolean', default: false },
        'web.enable-lifecycle': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', default: false },
      },
      strict: true,
    });
    if (values.help) exit(0, USAGE);
    if (values.version) exit(0, `pool-exporter ${VERSION} (Node.js ${process.version})`);
    if (!values.config) throw new Error('--config FILE is required');
    const logLevel = values['log-level'] as Level;
    if (!levels.includes(logLevel)) throw new Error(`--log-level must be one of ${levels.join(', ')}`);
    return {
      configFile: values.config,
      listen: values.listen,
      logLevel,
      checkOnly: values['check-config'],
      enableLifecycle: values['web.enable-lifecycle'],
    };
  } catch (err) {
    return exit(2, `pool-exporter: ${(err as Error).message}\n${USAGE}`);
  }
}

function exit(code: number, message: string): never {
  (code === 0 ? process.stdout : process.stderr).write(`${message}\n`);
  process.exit(code);
}

function load(file: string): ExporterConfig {
  try {
    return loadConfig(file);
  } catch (err) {
    // Anything but a ConfigError is a bug: its message is not repeated (it may quote the file).
    return exit(1, `pool-exporter: ${err instanceof ConfigError ? err.message : `unexpected ${(err as Error).name} while loading ${file} (a bug)`}`);
  }
}

async function main(): Promise<void> {
  const flags = parseFlags();
  const log = createLogger(flags.logLevel);
  const config = load(flags.configFile);
  if (flags.checkOnly) exit(0, `${flags.configFile}: OK, ${config.targets.size} target(s): ${[...config.targets.keys()].join(', ')}`);
  let listen = config.listen;
  if (flags.listen) {
    try {
      listen = parseListen(flags.listen, '--listen');
    } catch (err) {
      exit(2, `pool-exporter: ${(err as Error).message}`);
    }
  }

  const exporter = createExporter({
    config,
    loadConfig: () => loadConfig(flags.configFile),
    enableLifecycle: flags.enableLifecycle,
    logger: log,
    version: VERSION,
  });
  process.on('unhandledRejection', (reason) => log.error('unhandled rejection (a bug)', { err: String(reason) }));

  let bound: Awaited<ReturnType<typeof exporter.listen>>;
  try {
    bound = await exporter.listen(listen);
  } catch (err) {
    exit(1, `pool-exporter: cannot listen on ${listen.host ?? ''}:${listen.port}: ${(err as Error).message}`);
  }
  // Written only now that the socket is bound, with the port the kernel gave; at any --log-level,
  // since scripts read the port from it.
  createLogger('info').info(`pool-exporter listening on ${bound.address}`, { version: VERSION, targets: [...config.targets.keys()].join(',') });

  process.on('SIGHUP', () => exporter.reload('SIGHUP'));
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down: no new connections, finishing in-flight probes', { signal });
    const finished = await exporter.close(SHUTDOWN_GRACE_MS);
    if (!finished) log.error('in-flight requests did not finish in time; exiting', { graceMs: SHUTDOWN_GRACE_MS });
    else log.info('stopped');
    process.exit(finished ? 0 : 1);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main();
