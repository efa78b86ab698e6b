/** npm run stack:down: stop exactly what stack:up started (native state file, or the compose project). */
import { existsSync } from 'node:fs';
import { compose, composeCommand, composeProfiles } from './compose.ts';
import { nativeDown, stateFile } from './native.ts';
import { recordScaleOut } from './endpoints.ts';
import { loadDotEnv, stackSettings } from './settings.ts';
import { endStackRun } from './stack-files.ts';

async function main(): Promise<void> {
  loadDotEnv();
  const settings = stackSettings();
  if (existsSync(stateFile(settings))) {
    const results = await nativeDown(settings);
    for (const r of results) console.log(`${r.stopped ? 'stopped' : 'FAILED to stop'} ${r.name} (pid ${r.pid})${r.note ? `: ${r.note}` : ''}`);
    if (results.some((r) => !r.stopped)) process.exit(1);
    recordScaleOut(settings, null);
    return;
  }
  const cmd = composeCommand();
  if (cmd) {
    compose(cmd, ['down'], [...composeProfiles]);
    endStackRun(settings);
    recordScaleOut(settings, null);
    return;
  }
  console.log('Nothing to stop: no native stack state and no Docker engine.');
}

main().catch((err: unknown) => {
  console.error(`stack:down: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
