import * as v from '../../../functions/shared/valibot';

import { decideRestart } from '../../../functions/manager-restart/decide';
import { restartIdFor } from '../../../functions/shared/rollout/recycle';
import { Fleet } from '../../../functions/shared/fleet';
import { rollout } from '../../fixtures/rollout';
import { MANAGER_FLEET } from '../../fixtures/rollout-settings';

const NOW = new Date('2026-03-03T02:00:00.000Z');
const manager = v.parse(Fleet, MANAGER_FLEET);
const detail = {
  fleet: 'manager',
  reason: 'recycle of jobs-docker',
  idempotencyKey: 'recycle:1',
  afterRollback: false,
};

describe('restartIdFor', () => {
  it.each([
    ['another request', 'manager', 'recycle:2'],
    ['another manager', 'manager-arm', 'recycle:1'],
  ])('differs for %s', (_what, fleet, key) => {
    expect(restartIdFor(fleet, key)).not.toBe(restartIdFor('manager', 'recycle:1'));
  });

  it('is the same for a redelivered request', () => {
    expect(restartIdFor('manager', 'recycle:1')).toBe(restartIdFor('manager', 'recycle:1'));
  });
});

describe('decideRestart', () => {
  it('requests a restart waiting for a maintenance window', () => {
    const decision = decideRestart({ detail, manager, existing: undefined, now: NOW });

    expect(decision).toEqual({
      kind: 'request',
      item: expect.objectContaining({
        kind: 'restart',
        fleet: 'manager',
        fleets: ['manager'],
        candidateId: restartIdFor('manager', 'recycle:1'),
        role: 'manager',
        pipeline: 'manager',
        state: 'awaiting-maintenance',
        stateSince: NOW.toISOString(),
        attempts: 0,
        revision: 0,
        history: [{ at: NOW.toISOString(), state: 'awaiting-maintenance', note: 'recycle of jobs-docker' }],
      }),
    });
  });

  it.each([
    ['waiting', rollout({ state: 'awaiting-maintenance' })],
    ['finished', rollout({ state: 'done' })],
  ])('changes nothing when the request was seen before (%s)', (_what, existing) => {
    const decision = decideRestart({ detail, manager, existing, now: NOW });

    expect(decision).toEqual({ kind: 'already-requested', item: existing });
  });
});
