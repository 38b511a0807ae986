import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import * as v from '../../../functions/shared/valibot';

import type { ReconcilerPorts } from '../../../functions/reconciler/ports';
import { runReconciler } from '../../../functions/reconciler/run';
import { ReconcilerSettings } from '../../../functions/reconciler/settings';
import { PermanentError, TransientError } from '../../../functions/shared/errors';
import type { Metrics } from '../../../functions/shared/observability';
import { wirePorts } from '../../../functions/shared/rollout/wire-ports';
import { rollout } from '../../fixtures/rollout';
import { PLACEHOLDER_DOCUMENTS, ROLLOUT_SETTINGS } from '../../fixtures/rollout-settings';

const NOW = new Date('2026-03-03T02:00:00.000Z');
const settings = v.parse(ReconcilerSettings, {
  ...ROLLOUT_SETTINGS,
  connectorUsers: {},
  documents: PLACEHOLDER_DOCUMENTS,
  pipelines: [],
});

/** Waiting items whose re-read fails as `failures` says; no rollout done, no pipeline. */
const setup = (failures: Readonly<Record<string, Error>>) => {
  const waiting = Object.keys(failures).map((candidateId) => rollout({ fleet: 'manager', candidateId }));
  const base = wirePorts({
    ledger: {
      get: (_fleet, candidateId) => Promise.reject(failures[candidateId] ?? new Error('not waiting')),
      listFleet: () => Promise.resolve([]),
    },
  });
  const ports: ReconcilerPorts = {
    ...base,
    ledger: { ...base.ledger, listWaiting: () => Promise.resolve(waiting) },
    images: { listPipeline: () => Promise.resolve([]) },
  };
  const logger = { error: jest.fn() };
  const metrics = { addMetric: jest.fn() };
  const deps = {
    settings,
    ports,
    now: () => NOW,
    logger: logger as unknown as Logger,
    metrics: metrics as unknown as Metrics,
    context: {} as Context,
  };
  return { deps, logger, metrics };
};

describe('runReconciler', () => {
  it('only counts an item that failed for good: a rerun cannot help it', async () => {
    const { deps, metrics } = setup({ 'c-1': new PermanentError('no previous default') });

    const outcome = await runReconciler({}, deps);

    expect(outcome).toMatchObject({ outcome: 'reconciled', itemCount: 1, advanced: [] });
    expect(metrics.addMetric).toHaveBeenCalledWith('PermanentFailure', 'Count', 1);
  });

  it('goes on past an item that failed for now, then fails naming it', async () => {
    const { deps, logger } = setup({
      'c-1': new Error('throttled'),
      'c-2': new PermanentError('no previous default'),
    });

    const run = runReconciler({}, deps);

    await expect(run).rejects.toThrow(TransientError);
    await expect(run).rejects.toThrow(
      'reconcile failed (1): manager/c-1: throttled; 0 of 2 waiting items advanced',
    );
    expect(logger.error).toHaveBeenCalledTimes(2);
  });
});
