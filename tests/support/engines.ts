/**
 * The binaries tests run, resolved in one place (scripts/engines/engines.ts): the pinned
 * Prometheus 3.5.0 / Alertmanager 0.28.1 builds, and Debian's 2.42/0.25 where a test proves the
 * native-mode fallback on them too.
 */
import { findDebian, pinnedTool, PROVISION_COMMAND, type ResolvedTool, type Tool } from '../../scripts/engines/engines.ts';

/** Path of the pinned build; throws naming `npm run provision` when the cache lacks it. */
export function bin(tool: Tool): string {
  return pinnedTool(tool).path;
}

/** Debian's fallback binary; `npm test` installs it (provision), so a miss is an error, not a skip. */
export function fallbackTool(tool: Tool): ResolvedTool {
  const found = findDebian(tool);
  if (!found) throw new Error(`Debian's ${tool} is not on PATH; run \`${PROVISION_COMMAND}\` as root (apt-get)`);
  return found;
}

export { pinnedTool };
