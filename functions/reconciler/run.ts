import { PERMANENT_FAILURE_METRIC } from '../shared/metric-names';
import { PermanentError } from '../shared/errors';
import { Failures } from '../shared/failures';
import type { RunDeps } from '../shared/make-handler';
import { ALL_STEPS } from '../shared/rollout/all-steps';
import type { StepResult } from '../shared/rollout/context';
import { createEngine } from '../shared/rollout/engine';
import { MetricUnit } from '../shared/observability';
import { reconcileSummary, staleCut } from './decide';
import { checkDefaults } from './default-revert';
import type { LostImageResult } from './lost-images';
import type { ReconcilerPorts } from './ports';
import { recoverLostImages } from './recover-images';
import type { ReconcilerSettings } from './settings';

// A waiting item may be in any state: every step is registered.
export const engine = createEngine(ALL_STEPS);

/**
 * Events from Image Builder, Auto Scaling and SSM are best-effort: every few minutes, each live
 * rollout that has waited too long is advanced from what AWS says now, and an image whose
 * Image Builder event was lost is announced again. One item's failure does not stop the others;
 * it is reported and the run fails so the alarm sees it.
 */
export const runReconciler = async (
  _input: unknown,
  { settings, now, ports, logger, metrics }: RunDeps<ReconcilerSettings, ReconcilerPorts>,
) => {
  const input = { settings, now: now(), ports };
  const waiting = await ports.ledger.listWaiting(staleCut(input.now));
  const failures = new Failures(logger, 'reconcile failed');
  const results: StepResult[] = [];
  for (const item of waiting) {
    try {
      results.push(await engine.advance(item.fleet, item.candidateId, { kind: 'reconcile' }, input));
    } catch (error) {
      if (!(error instanceof PermanentError)) {
        failures.add(`${item.fleet}/${item.candidateId}`, error, {
          fleet: item.fleet,
          candidateId: item.candidateId,
        });
        continue;
      }
      // It already failed its item: a rerun cannot help, so it is only counted.
      logger.error('reconcile failed', {
        error,
        errorKind: 'permanent',
        fleet: item.fleet,
        candidateId: item.candidateId,
      });
      metrics.addMetric(PERMANENT_FAILURE_METRIC, MetricUnit.Count, 1);
    }
  }
  const reverted = await checkDefaults(engine.context(input));
  let images: LostImageResult[] = [];
  try {
    images = await recoverLostImages(settings, ports);
  } catch (error) {
    failures.add('lost images', error);
  }
  const summary = reconcileSummary({ waiting: waiting.length, results, reverted, images });
  failures.throwIfAny(
    'reconcile',
    `${summary.advanced.length} of ${summary.itemCount} waiting items advanced`,
  );
  return summary;
};
