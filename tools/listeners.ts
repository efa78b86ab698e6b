/**
 * Who listens on a TCP port, from /proc (Linux): so that the stack says "port 9090 is in use by
 * pid 1234 (prometheus)" before it starts anything, and so that readiness counts only when the
 * process answering is the one the stack started (a leftover on the port answers /-/ready too).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Listener {
  pid: number;
  /** Command name (/proc/<pid>/comm). */
  name: string;
}

/**
 * Local addresses (as /proc/net/tcp{,6} write them) of a listener that a connection to
 * 127.0.0.1 can reach: 127.0.0.1, 0.0.0.0, :: (dual stack) and ::ffff:127.0.0.1. A listener on
 * ::1 or another address shares the port number without answering our URLs.
 */
const REACHES_LOOPBACK_V4 = new Set(['0100007F', '00000000', '00000000000000000000000000000000', '0000000000000000FFFF00000100007F']);

/** Socket inodes of LISTEN sockets on this port that 127.0.0.1 reaches (this network namespace). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (cols.length < 10 || cols[3] !== '0A') continue;
      const [address, localPort] = cols[1]?.split(':') ?? [];
      if (localPort === hexPort && address && REACHES_LOOPBACK_V4.has(address) && cols[9]) inodes.add(cols[9]);
    }
  }
  return inodes;
}

function commandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/**
 * The processes holding a listening socket on this port that 127.0.0.1 reaches. Processes of other users are invisible
 * without root: `hidden` says a listener exists whose process could not be found.
 */
export function listenersOf(port: number): { listeners: Listener[]; hidden: boolean } {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return { listeners: [], hidden: false };
  const targets = new Set([...inodes].map((i) => `socket:[${i}]`));
  const found = new Set<string>();
  const listeners: Listener[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      if (targets.has(link)) {
        found.add(link);
        const pid = Number(entry);
        if (!listeners.some((l) => l.pid === pid)) listeners.push({ pid, name: commandName(pid) });
      }
    }
  }
  return { listeners, hidden: found.size < targets.size };
}

/** Process group of a pid (field 5 of /proc/<pid>/stat), undefined when it is gone. */
export function processGroupOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pgrp = Number(fields[2]);
    return Number.isInteger(pgrp) ? pgrp : undefined;
  } catch {
    return undefined;
  }
}

/** Can this process bind host:port right now? */
export function canBind(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** "port 9090 is in use by pid 1234 (prometheus)", or by whom it can be told. */
export function describePortUser(port: number): string {
  const { listeners, hidden } = listenersOf(port);
  const who = listeners.map((l) => `pid ${l.pid} (${l.name})`);
  if (hidden) who.push('a process of another user');
  return `port ${port} is in use by ${who.length > 0 ? who.join(', ') : 'another process'}`;
}

/**
 * Listeners on the port that are not in this process group (a service started detached leads its
 * own group, so its children count as its own). Empty when the port is ours alone.
 */
export function foreignListeners(port: number, processGroup: number): { listeners: Listener[]; hidden: boolean } {
  const { listeners, hidden } = listenersOf(port);
  return { listeners: listeners.filter((l) => processGroupOf(l.pid) !== processGroup), hidden };
}
