import * as v from '../../../functions/shared/valibot';

import type { AlertPorts, AlertStore } from '../../../functions/alert/ports';
import { type AlertDeps, runAlert, runRecheck } from '../../../functions/alert/run';
import { AlertInput } from '../../../functions/alert/schema';
import type { Claim } from '../../../functions/alert/store';
import { makeLogger, makeMetrics } from '../../../functions/shared/observability';
import { SecretMissingError } from '../../../functions/shared/errors';
import { context } from '../../../rehearsal/context';
import { rolloutFailed, SETTINGS } from './samples';

const NOW = new Date('2026-11-30T03:15:05Z');
const ALARM = `${SETTINGS.alarmNamePrefix}start-bake-PermanentFailureAlarm`;

/** The run against in-memory ports: no SDK client is built, nothing is mocked. */
const fakePorts = (overrides: Partial<AlertPorts> = {}, claim: Claim = { kind: 'claimed', channels: {} }) => {
  const store: AlertStore = {
    claimDelivery: jest.fn(() => Promise.resolve(claim)),
    saveDelivery: jest.fn(() => Promise.resolve(undefined)),
    getMemory: jest.fn(() => Promise.resolve(undefined)),
    putMemory: jest.fn(() => Promise.resolve(undefined)),
  };
  const ports: AlertPorts = {
    store,
    alarmStates: jest.fn(() => Promise.resolve({})),
    describeInstances: jest.fn(() => Promise.resolve([])),
    getRollout: jest.fn(() => Promise.resolve(undefined)),
    publish: jest.fn(() => Promise.resolve('message-id')),
    readSecret: jest.fn(() => Promise.resolve('https://hooks.example.com/T0/B0')),
    postJson: jest.fn(() => Promise.resolve({ kind: 'sent' as const, status: 200 })),
    scheduleRecheck: jest.fn(() =>
      Promise.resolve({ name: 'recheck', at: NOW.toISOString(), created: true }),
    ),
    ...overrides,
  };
  return ports;
};

const depsWith = (ports: AlertPorts): AlertDeps => ({
  logger: makeLogger('alert'),
  metrics: makeMetrics('alert'),
  context: context('alert'),
  now: () => NOW,
  settings: SETTINGS,
  ports,
});

describe('runAlert through its ports', () => {
  it('sends a failure event to the topic and to every chat channel', async () => {
    const ports = fakePorts();

    const outcome = await runAlert(v.parse(AlertInput, rolloutFailed()), depsWith(ports));

    expect(outcome).toMatchObject({ outcome: 'sent', sentCount: 1 + SETTINGS.chat.length });
    expect(ports.publish).toHaveBeenCalledWith(expect.objectContaining({ topicArn: SETTINGS.topicArn }));
    expect(ports.postJson).toHaveBeenCalledTimes(SETTINGS.chat.length);
  });

  it('sends nothing for a message already delivered', async () => {
    const ports = fakePorts({}, { kind: 'done', outcome: 'sent' });

    const outcome = await runAlert(v.parse(AlertInput, rolloutFailed()), depsWith(ports));

    expect(outcome).toEqual({ outcome: 'suppressed', reason: 'duplicate' });
    expect(ports.publish).not.toHaveBeenCalled();
    expect(ports.postJson).not.toHaveBeenCalled();
  });

  it('counts a chat channel whose webhook secret is missing as failed for good, and sends the rest', async () => {
    const ports = fakePorts({
      readSecret: jest.fn(() =>
        Promise.reject(
          new SecretMissingError('parameter /runner-autopilot/chat/slack does not exist: create it'),
        ),
      ),
    });

    const outcome = await runAlert(v.parse(AlertInput, rolloutFailed()), depsWith(ports));

    expect(outcome).toMatchObject({
      outcome: 'sent',
      sentCount: 1,
      failedChannels: SETTINGS.chat.map((c) => `chat:${c.name}`),
    });
  });
});

describe('runRecheck through its ports', () => {
  it('sends the ALARM a held-back alarm is still in', async () => {
    const ports = fakePorts({
      alarmStates: jest.fn(() =>
        Promise.resolve({
          [ALARM]: { state: 'ALARM', updatedAt: NOW, reason: 'threshold' },
        }),
      ),
    });

    const outcome = await runRecheck({ recheck: ALARM }, depsWith(ports));

    expect(outcome).toMatchObject({ outcome: 'sent', status: 'firing' });
    expect(ports.store.putMemory).toHaveBeenCalledWith(
      `ALARM#${ALARM}`,
      expect.objectContaining({ lastSentState: 'ALARM' }),
      0,
      NOW,
    );
  });
});
