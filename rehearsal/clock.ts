import { type Clock, type FakeMethod, install, timers } from '@sinonjs/fake-timers';

/** Only `Date` follows the virtual clock: the SDK, middy and promises keep real timers. */
export const REAL_TIMERS = [
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'requestAnimationFrame',
  'cancelAnimationFrame',
  'requestIdleCallback',
  'cancelIdleCallback',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
] as const;

let running: Clock | undefined;

/**
 * Starts the virtual clock at `now`: what this runtime can fake but REAL_TIMERS (so `Date`, and
 * `Intl`, which formats with it), as jest's `useFakeTimers({ doNotFake: REAL_TIMERS })` did. One
 * clock at a time: starting one stops the last, so a clock is never installed over a fake `Date`.
 */
export const startVirtualClock = (now: number): Clock => {
  stopVirtualClock();
  const real: readonly string[] = REAL_TIMERS;
  const toFake = (Object.keys(timers) as FakeMethod[]).filter((name) => !real.includes(name));
  running = install({ now, toFake });
  return running;
};

/** Gives `Date` back its real time (a no-op when no clock runs). */
export const stopVirtualClock = (): void => {
  running?.uninstall();
  running = undefined;
};
