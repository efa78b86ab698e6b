/** The `k6` module: check, group, sleep, fail. Same semantics as k6 for synchronous code. */
import { contextTags, defineMetric, emit, syncSleep, vuState } from './runtime.ts';

defineMetric({ name: 'checks', type: 'rate', contains: 'default' });
defineMetric({ name: 'group_duration', type: 'trend', contains: 'time' });

type Checker = ((value: unknown) => unknown) | unknown;

export function check(value: unknown, sets: Record<string, Checker>, tags: Record<string, string> = {}): boolean {
  let all = true;
  for (const [name, checker] of Object.entries(sets)) {
    const ok = Boolean(typeof checker === 'function' ? (checker as (v: unknown) => unknown)(value) : checker);
    emit('checks', ok ? 1 : 0, { ...contextTags(), ...tags, check: name });
    all &&= ok;
  }
  return all;
}

export function group<T>(name: string, fn: () => T): T {
  if (name.includes('::')) throw new Error(`group name ${JSON.stringify(name)} may not contain '::'`);
  if (typeof fn !== 'function') throw new Error(`group(${JSON.stringify(name)}): the second argument must be a function`);
  const parent = vuState.group;
  vuState.group = `${parent}::${name}`;
  const started = performance.now();
  try {
    const result = fn();
    if (result instanceof Promise) throw new Error(`group(${JSON.stringify(name)}): async functions are not supported by the harness`);
    return result;
  } finally {
    emit('group_duration', performance.now() - started, contextTags());
    vuState.group = parent;
  }
}

export function sleep(seconds: number): void {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new Error(`sleep(${String(seconds)}): a non-negative number of seconds is required`);
  }
  syncSleep(seconds * 1000);
}

export function fail(message = ''): never {
  throw new Error(message);
}

export default { check, group, sleep, fail };
