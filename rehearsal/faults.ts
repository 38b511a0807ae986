/**
 * The scripted faults of a rehearsal (`--fail`): a failed build, a canary that never comes
 * online, a failing smoke test, a new manager failing its health check.
 */
export const FAULTS = ['bake', 'canary', 'smoke', 'health'] as const;
export type Fault = (typeof FAULTS)[number];

export const isFault = (value: string): value is Fault => (FAULTS as readonly string[]).includes(value);
