import type { Ports } from './context';

/** The adapters a function wires: each port with only the operations its steps call. */
export interface Wiring {
  readonly ledger: Partial<Ports['ledger']>;
  readonly fleet?: Partial<Ports['fleet']>;
  readonly commands?: Partial<Ports['commands']>;
  readonly bus?: Ports['bus'];
  readonly schedules?: Ports['schedules'];
}

/**
 * An operation a function did not wire: reaching it is a step this function was not meant to
 * run. Left out, its SDK command stays out of the bundle (esbuild keeps what is referenced).
 */
const unwired = (port: string, name: string) => (): never => {
  throw new Error(`${port}.${name} is not wired in this function: add it to its ports`);
};

const complete = <T extends object>(
  port: string,
  given: Partial<T> | undefined,
  names: readonly (keyof T)[],
): T => Object.fromEntries(names.map((n) => [n, given?.[n] ?? unwired(port, String(n))])) as T;

const FLEET: readonly (keyof Ports['fleet'])[] = [
  'describeGroup',
  'describeWarmPool',
  'terminateInGroup',
  'suspendProcesses',
  'resumeProcesses',
  'getLaunchTemplate',
  'createCandidateVersion',
  'setDefaultVersion',
  'runCanary',
  'describeInstances',
  'terminateInstances',
  'alarmStates',
];
const LEDGER: readonly (keyof Ports['ledger'])[] = [
  'get',
  'create',
  'save',
  'listFleet',
  'acquireLease',
  'releaseLease',
  'getLease',
  'getBrake',
];
const COMMANDS: readonly (keyof Ports['commands'])[] = ['send', 'find', 'invocation', 'online', 'parameter'];

/** The ports of a function: the adapters it wires, every other operation refused. */
export const wirePorts = (wiring: Wiring): Ports => ({
  ledger: complete('ledger', wiring.ledger, LEDGER),
  fleet: complete('fleet', wiring.fleet, FLEET),
  commands: complete('commands', wiring.commands, COMMANDS),
  bus: wiring.bus ?? { put: unwired('bus', 'put') },
  schedules: wiring.schedules ?? { once: unwired('schedules', 'once') },
});
