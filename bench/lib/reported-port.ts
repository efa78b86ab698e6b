/**
 * Start a child that binds port 0 and prints the port it got (`… listening on 127.0.0.1:PORT`),
 * and return once that line is there: no port is picked before the child holds it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startProcess, type RunningProcess } from '../../tools/process.ts';

const LISTENING = /listening on 127\.0\.0\.1:(\d+)/;

export async function startReportingPort(opts: { name: string; args: string[]; cwd: string; logDir: string }): Promise<{ proc: RunningProcess; port: number }> {
  const logFile = join(opts.logDir, `${opts.name}.log`);
  const proc = await startProcess({ name: opts.name, command: process.execPath, args: ['--import', 'tsx', ...opts.args], cwd: opts.cwd, logFile });
  const log = (): Promise<string> => readFile(logFile, 'utf8').catch(() => '');
  for (let i = 0; i < 1_500 && proc.child.exitCode === null; i++) {
    const port = Number(LISTENING.exec(await log())?.[1]);
    if (port) return { proc, port };
    await sleep(20);
  }
  await proc.stop();
  throw new Error(`${opts.name} did not report its port:\n${await log()}`);
}
