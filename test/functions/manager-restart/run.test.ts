import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import * as v from '../../../functions/shared/valibot';

import { runManagerRestart } from '../../../functions/manager-restart/run';
import { PermanentError } from '../../../functions/shared/errors';
import type { Metrics } from '../../../functions/shared/observability';
import { RolloutSettings } from '../../../functions/shared/rollout/settings';
import { wirePorts } from '../../../functions/shared/rollout/wire-ports';
import { PLACEHOLDER_DOCUMENTS, ROLLOUT_SETTINGS } from '../../fixtures/rollout-settings';

const settings = v.parse(RolloutSettings, {
  ...ROLLOUT_SETTINGS,
  connectorUsers: {},
  documents: PLACEHOLDER_DOCUMENTS,
});

describe('runManagerRestart', () => {
  it('refuses for good a fleet the config does not name, before reading the ledger', async () => {
    const get = jest.fn();
    const deps = {
      settings,
      ports: wirePorts({ ledger: { get } }),
      now: () => new Date('2026-03-03T02:00:00.000Z'),
      logger: {} as Logger,
      metrics: {} as Metrics,
      context: {} as Context,
    };

    const run = runManagerRestart(
      { detail: { fleet: 'gone', reason: 'recycle', idempotencyKey: 'k-1', afterRollback: false } },
      deps,
    );

    await expect(run).rejects.toThrow(PermanentError);
    await expect(run).rejects.toThrow('fleet "gone" is not configured');
    expect(get).not.toHaveBeenCalled();
  });
});
