/**
 * Globals that Node (and browsers) have and k6 v1.3.0 does not: its runtime is sobek with only
 * __ENV, __VU, __ITER, console, global, open, require, timers and crypto added
 * (internal/js/bundle.go). A script that names one of these works in Node and fails in k6
 * with "X is not defined", so the harness makes each of them throw that too.
 */
export const MISSING_IN_K6 = [
  'URL',
  'URLSearchParams',
  'TextEncoder',
  'TextDecoder',
  'structuredClone',
  'fetch',
  'Headers',
  'Request',
  'Response',
  'FormData',
  'Blob',
  'AbortController',
  'AbortSignal',
  'EventTarget',
  'Event',
  'MessageChannel',
  'BroadcastChannel',
  'WebSocket',
  'Buffer',
  'process',
  'performance',
  'atob',
  'btoa',
  'queueMicrotask',
  'setImmediate',
  'clearImmediate',
  'Intl',
  'WebAssembly',
  'navigator',
  'window',
  'document',
  '__dirname',
  '__filename',
] as const;

/** The global the bundler points a script's references to these names at (vu/globals.ts). */
export const MISSING_GLOBAL_HOLDER = '__k6HarnessMissingGlobal';
