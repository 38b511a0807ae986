import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';

import { PermanentError } from '../shared/errors';
import { listWaitingRollouts } from '../shared/ledger';
import { makeHandler } from '../shared/make-handler';
import { ALL_STEPS } from '../shared/rollout/all-steps';
import type { StepResult } from '../shared/rollout/context';
import { createEngine } from '../shared/rollout/engine';
import { stepPorts } from '../shared/rollout/ports';
import { checkDefaults } from './default-revert';
import { lazyConfigSlice } from '../shared/settings';
import { type LostImageResult, recoverLostImages } from './recover-images';
import { ReconcilerSettings } from './settings';

const settings = lazyConfigSlice(ReconcilerSettings);
export const resetSettings = settings.reset;
export const engine = createEngine(ALL_STEPS);

/** Items that waited longer than this for their event are asked about directly. */
const STALE_MINUTES = 10;

/**
 * Events from Image Builder, Auto Scaling and SSM are best-effort: every few minutes, each live
 * rollout that has waited too long is advanced from what AWS says now, and an image whose
 * Image Builder event was lost is announced again. One item's failure does not stop the others;
 * it is reported and the run fails so the alarm sees it.
 */
export const handler = makeHandler({
  name: 'reconciler',
  schema: z.looseObject({}),
  run: async (_input, { now, logger, metrics }) => {
    const cfg = settings.get();
    const at = now();
    const input = { settings: cfg, now: at, ports: stepPorts(cfg.ledgerTable) };
    const stale = await listWaitingRollouts(cfg.ledgerTable, new Date(at.getTime() - STALE_MINUTES * 60_000));
    const results: StepResult[] = [];
    const errors: string[] = [];
    for (const item of stale) {
      try {
        results.push(await engine.advance(item.fleet, item.candidateId, { kind: 'reconcile' }, input));
      } catch (error) {
        const permanent = error instanceof PermanentError;
        logger.error('reconcile failed', {
          error,
          errorKind: permanent ? 'permanent' : 'transient',
          fleet: item.fleet,
          candidateId: item.candidateId,
        });
        // A permanent one already failed its item: a rerun cannot help, so it is only counted.
        if (permanent) metrics.addMetric('PermanentFailure', MetricUnit.Count, 1);
        else errors.push(`${item.fleet}/${item.candidateId}`);
      }
    }
    const reverted = await checkDefaults(engine.context(input));
    let images: LostImageResult[] = [];
    try {
      images = await recoverLostImages(cfg);
    } catch (error) {
      logger.error('looking for lost images failed', { error, errorKind: 'transient' });
      errors.push('lost images');
    }
    if (errors.length) throw new Error(`reconcile failed for ${errors.join(', ')}`);
    return {
      outcome: 'reconciled',
      itemCount: stale.length,
      advanced: results.filter((r) => r.from !== r.to),
      revertedDefaults: reverted.map((r) => r.fleet),
      lostImages: images.flatMap((r) => (r.kind === 'announce' ? [r.detail.imageArn] : [])),
      heldImages: images.flatMap((r) => (r.kind === 'hold' ? [r.reason] : [])),
    };
  },
});
