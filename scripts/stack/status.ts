/** npm run stack:status: what runs and whether it is healthy. Exit 1 when anything is down. */
import { compose, composeCommand, composeProfiles } from './compose.ts';
import { nativeStatus } from './native.ts';
import { loadDotEnv, stackSettings } from './settings.ts';

async function main(): Promise<void> {
  loadDotEnv();
  const status = await nativeStatus(stackSettings());
  if (status) {
    for (const s of status) {
      const word = !s.running ? 'DOWN     ' : s.healthy ? 'healthy  ' : 'UNHEALTHY';
      console.log(`${word} ${s.name.padEnd(18)} pid ${String(s.pid).padEnd(8)} ${s.url}  ${s.detail}`);
    }
    if (status.some((s) => !s.healthy)) process.exit(1);
    return;
  }
  const cmd = composeCommand();
  if (cmd) {
    compose(cmd, ['ps'], [...composeProfiles]);
    return;
  }
  console.log('The stack is not running (no native state, no Docker engine). Start it with `npm run stack:up`.');
  process.exit(1);
}

main().catch((err: unknown) => {
  console.error(`stack:status: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
