import { PERMANENT_FAILURE_METRIC } from '../shared/metric-names';
import type { RunDeps } from '../shared/make-handler';
import { MetricUnit } from '../shared/observability';
import { decideRedrive } from './decide';
import type { RedrivePorts } from './ports';
import type { SqsEvent } from './schema';
import type { RedriveSettings } from './settings';

export type RedriveOutcome = {
  readonly outcome: 'redriven' | 'retrying';
  readonly itemCount: number;
  readonly redrivenCount: number;
  readonly refusedCount: number;
  /** Read by Lambda (ReportBatchItemFailures): these messages stay in the queue for another try. */
  readonly batchItemFailures: { itemIdentifier: string }[];
};

/**
 * Puts the entries of each fallback message on our bus. A message whose PutEvents fails stays in
 * the queue (a batch item failure) and is tried again until the queue's redrive policy moves it to
 * the dead-letter queue, whose depth is alarmed. A message that can never be put is refused, logged
 * and counted as a PermanentFailure (alarmed), and deleted: retrying it cannot help.
 */
export const runRedrive = async (
  event: SqsEvent,
  { logger, metrics, settings: { eventBusName }, ports }: RunDeps<RedriveSettings, RedrivePorts>,
): Promise<RedriveOutcome> => {
  const batchItemFailures: { itemIdentifier: string }[] = [];
  let redrivenCount = 0;
  let refusedCount = 0;
  for (const record of event.Records) {
    const decision = decideRedrive(record, eventBusName);
    if (decision.kind === 'refuse') {
      refusedCount += 1;
      logger.error('refused', {
        errorKind: 'permanent',
        messageId: record.messageId,
        reason: decision.reason,
      });
      metrics.addMetric(PERMANENT_FAILURE_METRIC, MetricUnit.Count, 1);
      continue;
    }
    try {
      const eventIds = await ports.putEvents(decision.entries);
      redrivenCount += 1;
      logger.debug('redriven', { messageId: record.messageId, origin: decision.origin, eventIds });
    } catch (error) {
      logger.warn('PutEvents failed: the message stays in the queue', {
        error,
        messageId: record.messageId,
        origin: decision.origin,
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return {
    outcome: batchItemFailures.length ? 'retrying' : 'redriven',
    itemCount: event.Records.length,
    redrivenCount,
    refusedCount,
    batchItemFailures,
  };
};
